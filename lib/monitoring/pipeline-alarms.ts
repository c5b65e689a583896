import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../environments';
import { SERVICE_NAMES, servicesParked, WORKER_NAMES, type PipelineData } from '../contracts';
import { acknowledgeEach } from '../core/compliance';
import type { ResourceNames } from '../naming';
import type { MonitoredServices } from './targets';

export interface PipelineAlarmsProps {
  readonly names: ResourceNames;
  readonly config: Pick<EnvironmentConfig, 'monitoring' | 'services' | 'uptime'>;
  readonly topic: sns.ITopic;
  readonly data: PipelineData;
  readonly services: MonitoredServices;
  /** NAT gateway ids (port-allocation errors). */
  readonly natGatewayIds: readonly string[];
}

const FIVE_MINUTES = Duration.minutes(5);

/** The pipeline's metrics, shared by the alarms and the dashboard. */
export class PipelineMetrics {
  constructor(
    private readonly data: PipelineData,
    private readonly services: MonitoredServices,
    private readonly account: string,
  ) {}

  queueVisible(worker: (typeof WORKER_NAMES)[number], dlq = false): cloudwatch.Metric {
    const q = dlq ? this.data.queues[worker].deadLetterQueue : this.data.queues[worker].queue;
    return q.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' });
  }

  queueAge(worker: (typeof WORKER_NAMES)[number]): cloudwatch.Metric {
    return this.data.queues[worker].queue.metricApproximateAgeOfOldestMessage({ period: FIVE_MINUTES, statistic: 'Maximum' });
  }

  serviceMetric(service: (typeof SERVICE_NAMES)[number], metricName: 'CPUUtilization' | 'MemoryUtilization'): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/ECS',
      metricName,
      dimensionsMap: { ClusterName: this.services.cluster.cluster.clusterName, ServiceName: this.services.services[service].service.serviceName },
      statistic: 'Average',
      period: FIVE_MINUTES,
    });
  }

  runningTasks(service: (typeof SERVICE_NAMES)[number]): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'ECS/ContainerInsights',
      metricName: 'RunningTaskCount',
      dimensionsMap: { ClusterName: this.services.cluster.cluster.clusterName, ServiceName: this.services.services[service].service.serviceName },
      statistic: 'Minimum',
      period: FIVE_MINUTES,
    });
  }

  alb(metricName: string, statistic: string, targetGroup = false): cloudwatch.Metric {
    const lb = this.services.apiLoadBalancer;
    return new cloudwatch.Metric({
      namespace: 'AWS/ApplicationELB',
      metricName,
      dimensionsMap: targetGroup
        ? { LoadBalancer: lb.loadBalancer.loadBalancerFullName, TargetGroup: lb.targetGroup.targetGroupFullName }
        : { LoadBalancer: lb.loadBalancer.loadBalancerFullName },
      statistic,
      period: FIVE_MINUTES,
    });
  }

  /** The cache's member clusters, primary first (the data stack's `cache.memberIds`). */
  get cacheNodeIds(): readonly string[] {
    return this.data.cache.memberIds;
  }

  cache(nodeId: string, metricName: string, statistic = 'Average'): cloudwatch.Metric {
    return new cloudwatch.Metric({ namespace: 'AWS/ElastiCache', metricName, dimensionsMap: { CacheClusterId: nodeId }, statistic, period: FIVE_MINUTES });
  }

  search(metricName: string, statistic: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/AOSS',
      metricName,
      dimensionsMap: { ClientId: this.account, CollectionId: this.data.search.collectionId, CollectionName: this.data.search.collectionName },
      statistic,
      period: FIVE_MINUTES,
    });
  }

  nat(natGatewayId: string, metricName: string, statistic = 'Sum'): cloudwatch.Metric {
    return new cloudwatch.Metric({ namespace: 'AWS/NATGateway', metricName, dimensionsMap: { NatGatewayId: natGatewayId }, statistic, period: FIVE_MINUTES });
  }
}

/**
 * Every alarm of the environment, named `{project}-{env}-...`, thresholds from config.monitoring,
 * notifying the alarm topic. With notificationsEnabled false (dev) the alarms still exist and
 * change state (and show on the dashboard) but their actions are disabled.
 */
export class PipelineAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly metrics: PipelineMetrics;
  private readonly props: PipelineAlarmsProps;

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    this.props = props;
    const { config, natGatewayIds } = props;
    const m = config.monitoring;
    this.metrics = new PipelineMetrics(props.data, props.services, Stack.of(this).account);
    const metrics = this.metrics;
    const gt = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD;

    for (const worker of WORKER_NAMES) {
      this.add(`${worker}-dlq-messages`, metrics.queueVisible(worker, true), 0, gt, 1, `Messages in the ${worker} dead-letter queue: a message failed ${worker} processing repeatedly`);
      this.add(`${worker}-queue-oldest-age`, metrics.queueAge(worker), m.queueMaxAgeSeconds, gt, 3, `Oldest ${worker} message older than ${m.queueMaxAgeSeconds}s: the worker is not keeping up or not running`);
      this.add(`${worker}-queue-depth`, metrics.queueVisible(worker), m.queueMaxDepth, gt, 3, `More than ${m.queueMaxDepth} visible ${worker} messages`);
    }

    for (const service of SERVICE_NAMES) {
      this.add(`${service}-cpu`, metrics.serviceMetric(service, 'CPUUtilization'), m.serviceCpuPercent, gt, 3, `${service} average CPU above ${m.serviceCpuPercent}%`);
      this.add(`${service}-memory`, metrics.serviceMetric(service, 'MemoryUtilization'), m.serviceMemoryPercent, gt, 3, `${service} average memory above ${m.serviceMemoryPercent}%`);
      // Only where the environment runs around the clock with a floor of tasks (staging, prod), and once an
      // image is deployed: parked services (no image tag, 0 tasks) would otherwise alarm without end.
      // A weekend stop takes every service to 0 on purpose. Workers have their own (backlog-scaled) floor.
      const floor = service === 'api' ? config.services.minCapacity : config.services.workerMinCapacity;
      if (config.uptime.mode === 'always-on' && !config.uptime.weekendStop && floor > 0 && !servicesParked(config.services)) {
        this.add(
          `${service}-running-tasks-below-minimum`,
          metrics.runningTasks(service),
          floor,
          cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
          2,
          `${service} runs fewer than its minimum of ${floor} tasks`,
          cloudwatch.TreatMissingData.BREACHING,
        );
      }
    }

    this.add('api-alb-5xx', new cloudwatch.MathExpression({
      expression: 'FILL(elb, 0) + FILL(target, 0)',
      usingMetrics: { elb: metrics.alb('HTTPCode_ELB_5XX_Count', 'Sum'), target: metrics.alb('HTTPCode_Target_5XX_Count', 'Sum', true) },
      period: FIVE_MINUTES,
      label: 'ALB + target 5xx',
    }), m.alb5xxPer5Minutes, gt, 1, `More than ${m.alb5xxPer5Minutes} 5xx responses in 5 minutes`);
    this.add('api-unhealthy-targets', metrics.alb('UnHealthyHostCount', 'Maximum', true), 0, gt, 2, 'The api target group has unhealthy targets');
    this.add('api-p95-latency', metrics.alb('TargetResponseTime', 'p95', true), m.albP95LatencySeconds, gt, 3, `api p95 latency above ${m.albP95LatencySeconds}s`);

    for (const [i, nodeId] of metrics.cacheNodeIds.entries()) {
      const node = `cache-node${i + 1}`;
      this.add(`${node}-cpu`, metrics.cache(nodeId, 'CPUUtilization'), m.cacheCpuPercent, gt, 3, `Cache node ${i + 1} host CPU above ${m.cacheCpuPercent}%`);
      this.add(`${node}-engine-cpu`, metrics.cache(nodeId, 'EngineCPUUtilization'), m.cacheCpuPercent, gt, 3, `Cache node ${i + 1} engine CPU above ${m.cacheCpuPercent}%`);
      this.add(`${node}-memory`, metrics.cache(nodeId, 'DatabaseMemoryUsagePercentage'), m.cacheMemoryPercent, gt, 3, `Cache node ${i + 1} memory above ${m.cacheMemoryPercent}%`);
      this.add(`${node}-evictions`, metrics.cache(nodeId, 'Evictions', 'Sum'), m.cacheEvictionsPer5Minutes, gt, 1, `Cache node ${i + 1} evicted more than ${m.cacheEvictionsPer5Minutes} keys in 5 minutes`);
      // Replicas only (node 2+), which exist only in the HA environments.
      if (i > 0) {
        this.add(`${node}-replication-lag`, metrics.cache(nodeId, 'ReplicationLag', 'Maximum'), m.cacheReplicationLagSeconds, gt, 3, `Cache replica ${i + 1} lags more than ${m.cacheReplicationLagSeconds}s`);
      }
    }

    this.add('search-errors', new cloudwatch.MathExpression({
      expression: 'FILL(search, 0) + FILL(ingest, 0)',
      usingMetrics: { search: metrics.search('SearchRequestErrors', 'Sum'), ingest: metrics.search('IngestionRequestErrors', 'Sum') },
      period: FIVE_MINUTES,
      label: 'search + ingestion errors',
    }), m.searchErrorsPer5Minutes, gt, 1, `More than ${m.searchErrorsPer5Minutes} OpenSearch Serverless request errors in 5 minutes`);
    this.add('search-latency', metrics.search('SearchRequestLatency', 'Average'), m.searchLatencyMs, gt, 3, `OpenSearch Serverless average search latency above ${m.searchLatencyMs} ms`);

    natGatewayIds.forEach((natId, i) => {
      this.add(`nat${i + 1}-port-allocation-errors`, metrics.nat(natId, 'ErrorPortAllocation'), 0, gt, 1, `NAT gateway ${i + 1} could not allocate a source port: connections are being dropped`);
    });
  }

  private add(
    name: string,
    metric: cloudwatch.IMetric,
    threshold: number,
    comparisonOperator: cloudwatch.ComparisonOperator,
    evaluationPeriods: number,
    description: string,
    treatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING,
  ): cloudwatch.Alarm {
    const { names, config, topic } = this.props;
    const alarm = new cloudwatch.Alarm(this, pascalCase(name), {
      alarmName: names.name(name),
      alarmDescription: description,
      metric,
      threshold,
      comparisonOperator,
      evaluationPeriods,
      treatMissingData,
      actionsEnabled: config.monitoring.notificationsEnabled,
    });
    const action = new actions.SnsAction(topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    if (!config.monitoring.notificationsEnabled) {
      acknowledgeEach(
        alarm.node.defaultChild as cloudwatch.CfnAlarm,
        ['HIPAA.Security-CloudWatchAlarmAction', 'NIST.800.53.R5-CloudWatchAlarmAction', 'PCI.DSS.321-CloudWatchAlarmAction'],
        'Notifications are off in this environment by config (monitoring.notificationsEnabled=false, dev): the alarm still evaluates and shows on the dashboard, its SNS actions are attached and turn on with the flag.',
      );
    }
    this.alarms.push(alarm);
    return alarm;
  }
}

function pascalCase(value: string): string {
  return value.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
}
