import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { SERVICE_NAMES, WORKER_NAMES } from '../contracts';
import type { ResourceNames } from '../naming';
import type { PipelineAlarms } from './pipeline-alarms';

export interface PipelineDashboardProps {
  readonly names: ResourceNames;
  readonly alarms: PipelineAlarms;
  readonly natGatewayIds: readonly string[];
}

const WIDTH = 24;

/**
 * One dashboard per environment, laid out in the order a recording travels: api and ALB, each
 * queue stage (depth, oldest message, DLQ) next to its worker's tasks, cache, search, NAT, and
 * the state of every alarm.
 */
export class PipelineDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: PipelineDashboardProps) {
    super(scope, id);
    const metrics = props.alarms.metrics;
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.names.name('pipeline'),
      defaultInterval: Duration.hours(6),
    });
    const graph = (title: string, left: cloudwatch.IMetric[], width = WIDTH / 4) => new cloudwatch.GraphWidget({ title, left, width, height: 6 });

    this.dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: `# ${props.names.prefix} pipeline\nclient → ALB → api → S3 recordings → ingestion → transcription → indexing → OpenSearch Serverless`, width: WIDTH, height: 2 }));
    this.dashboard.addWidgets(
      graph('ALB requests and 5xx', [metrics.alb('RequestCount', 'Sum'), metrics.alb('HTTPCode_ELB_5XX_Count', 'Sum'), metrics.alb('HTTPCode_Target_5XX_Count', 'Sum', true)]),
      graph('api latency p50/p95', [metrics.alb('TargetResponseTime', 'p50', true), metrics.alb('TargetResponseTime', 'p95', true)]),
      graph('api healthy/unhealthy targets', [metrics.alb('HealthyHostCount', 'Minimum', true), metrics.alb('UnHealthyHostCount', 'Maximum', true)]),
      graph('api CPU/memory %', [metrics.serviceMetric('api', 'CPUUtilization'), metrics.serviceMetric('api', 'MemoryUtilization')]),
    );
    for (const worker of WORKER_NAMES) {
      this.dashboard.addWidgets(
        graph(`${worker}: queue depth`, [metrics.queueVisible(worker)]),
        graph(`${worker}: oldest message (s)`, [metrics.queueAge(worker)]),
        graph(`${worker}: dead-letter messages`, [metrics.queueVisible(worker, true)]),
        graph(`${worker}: CPU/memory %`, [metrics.serviceMetric(worker, 'CPUUtilization'), metrics.serviceMetric(worker, 'MemoryUtilization')]),
      );
    }
    this.dashboard.addWidgets(
      graph('running tasks per service', SERVICE_NAMES.map((s) => metrics.runningTasks(s).with({ label: s })), WIDTH / 2),
      graph('cache CPU / engine CPU %', metrics.cacheNodeIds.flatMap((n) => [metrics.cache(n, 'CPUUtilization'), metrics.cache(n, 'EngineCPUUtilization')]), WIDTH / 4),
      graph('cache memory % / evictions', metrics.cacheNodeIds.flatMap((n) => [metrics.cache(n, 'DatabaseMemoryUsagePercentage'), metrics.cache(n, 'Evictions', 'Sum')]), WIDTH / 4),
    );
    this.dashboard.addWidgets(
      graph('search: errors', [metrics.search('SearchRequestErrors', 'Sum'), metrics.search('IngestionRequestErrors', 'Sum')]),
      graph('search: latency (ms)', [metrics.search('SearchRequestLatency', 'Average'), metrics.search('IngestionRequestLatency', 'Average')]),
      graph('NAT: port-allocation errors', props.natGatewayIds.map((id) => metrics.nat(id, 'ErrorPortAllocation'))),
      graph('NAT: bytes out to destination', props.natGatewayIds.map((id) => metrics.nat(id, 'BytesOutToDestination'))),
    );
    this.dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'alarms', alarms: props.alarms.alarms, width: WIDTH, height: 6 }));
  }
}
