import { App, CfnResource, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as aoss from 'aws-cdk-lib/aws-opensearchserverless';
import type * as sns from 'aws-cdk-lib/aws-sns';
import {
  type CustomAlarmThreshold,
  type CustomMetric,
  type CustomMetricGroup,
  type CustomMetricWithAlarm,
  DefaultDashboardFactory,
  ElastiCacheClusterType,
  type IMetricAdjuster,
  type MetricWithAlarmSupport,
  MonitoringFacade,
  OpenSearchServerlessMetricFactory,
  SnsAlarmActionStrategy,
} from 'cdk-monitoring-constructs';
import { Construct } from 'constructs';
import { SERVICE_NAMES, WORKER_NAMES, type ServiceName, type WorkerName, type WorkQueue } from '../contracts';
import { acknowledgeControl, acknowledgeEach } from '../core/compliance';
import { pascalCase, type ResourceNames } from '../naming';

/** When the alarms fire. No defaults: every threshold is the caller's decision (the stack: the environment's). */
export interface AlarmThresholds {
  /** Oldest message of a work queue older than this. */
  readonly queueMaxAge: Duration;
  /** More visible messages than this in a work queue. */
  readonly queueMaxDepth: number;
  /** Average CPU utilisation (%) of a service above this. */
  readonly serviceCpuPercent: number;
  /** Average memory utilisation (%) of a service above this. */
  readonly serviceMemoryPercent: number;
  /** More ELB + target 5xx responses than this in 5 minutes. */
  readonly alb5xxPer5Minutes: number;
  /** Target p95 response time above this. */
  readonly albP95Latency: Duration;
  /** Host and engine CPU (%) of a cache node above this. */
  readonly cacheCpuPercent: number;
  /** Memory used (%) of a cache node above this. */
  readonly cacheMemoryPercent: number;
  /** More keys evicted than this by one node in 5 minutes. */
  readonly cacheEvictionsPer5Minutes: number;
  /** A replica lagging more than this. */
  readonly cacheReplicationLag: Duration;
  /** More search + ingestion request errors than this in 5 minutes. */
  readonly searchErrorsPer5Minutes: number;
  /** Average search latency above this. */
  readonly searchLatency: Duration;
}

export interface PipelineMonitoringProps {
  /** Naming scheme: every alarm is `{project}-{env}-<name>`, the dashboard `{project}-{env}-pipeline`. */
  readonly names: ResourceNames;
  /** ALARM and OK action of every alarm. */
  readonly topic: sns.ITopic;
  /**
   * Whether the alarms notify. When false the alarms still exist, change state and show on the dashboard;
   * their actions are attached and turn on with the flag.
   * @default true
   */
  readonly actionsEnabled?: boolean;
  /** When the alarms fire (no defaults). */
  readonly thresholds: AlarmThresholds;
  /** The queue (and dead-letter queue) each worker consumes. */
  readonly queues: Record<WorkerName, WorkQueue>;
  /** Every ECS service. */
  readonly services: Record<ServiceName, ecs.FargateService>;
  /** The api's load balancer (5xx, latency). */
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  /** The api's target group behind `loadBalancer` (target 5xx, healthy and unhealthy targets, latency). */
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  /**
   * Services that must keep a minimum of running tasks, with that minimum: each alarms one task below it, and on
   * missing data (no tasks report nothing).
   * @default - no running-task alarm
   */
  readonly taskFloors?: Partial<Record<ServiceName, number>>;
  /** The cache's member clusters, primary first (the `CacheClusterId` dimension). */
  readonly cacheNodeIds: readonly string[];
  /** The OpenSearch Serverless collection (search latency, search + ingestion errors). */
  readonly searchCollection: aoss.CfnCollection;
  /** NAT gateway ids (port-allocation errors). */
  readonly natGatewayIds: readonly string[];
  /**
   * Time range the dashboard opens with.
   * @default Duration.hours(6)
   */
  readonly dashboardRange?: Duration;
}

/** Graphs, alarms and annotations of one period: every alarm evaluates 5-minute datapoints. */
const PERIOD = Duration.minutes(5);

/**
 * The statistic an alarm evaluates where the library's metric uses another (e.g. running tasks: Minimum, not Average).
 */
const statistic = (value: string): IMetricAdjuster => ({
  adjustMetric: (metric: MetricWithAlarmSupport) =>
    (metric instanceof cloudwatch.Metric ? metric.with({ statistic: value }) : metric),
});

/**
 * Every alarm and the dashboard of the environment, on cdklabs' cdk-monitoring-constructs: one `MonitoringFacade`
 * whose alarm factory carries the topic (ALARM and OK), `actionsEnabled` and the `{project}-{env}-` prefix; each
 * alarm keeps the name, description, threshold, statistic and periods it had before the library (pinned by
 * test/monitoring/alarms.test.ts) and its logical id (see `keepLogicalIds`).
 *
 * Library monitors: SQS queue + DLQ, Fargate service, ElastiCache node, OpenSearch Serverless collection. Custom
 * metrics (`monitorCustom`, still the library's alarm factory) only where its monitors lack the metric or render it
 * in a way a template here may not hold: the api's load balancer (5xx, unhealthy targets, p95 latency), cache
 * memory % and replication lag, search + ingestion errors together, NAT port allocation.
 * The budget is AWS Budgets, not CloudWatch (CostBudget).
 */
export class PipelineMonitoring extends Construct {
  readonly facade: MonitoringFacade;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: PipelineMonitoringProps) {
    super(scope, id);
    const { names, thresholds: t } = props;
    const actionsEnabled = props.actionsEnabled ?? true;
    const gt = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD;
    const notBreaching = cloudwatch.TreatMissingData.NOT_BREACHING;

    const dashboards = new DefaultDashboardFactory(this, 'Dashboards', {
      dashboardNamePrefix: names.name('pipeline'),
      detailDashboardRange: props.dashboardRange ?? Duration.hours(6),
    });
    this.facade = new MonitoringFacade(this, 'Facade', {
      metricFactoryDefaults: { period: PERIOD },
      alarmFactoryDefaults: {
        alarmNamePrefix: names.prefix,
        action: new SnsAlarmActionStrategy({ onAlarmTopic: props.topic, onOkTopic: props.topic }),
        actionsEnabled,
      },
      dashboardFactory: dashboards,
    });
    this.dashboard = dashboards.dashboard!;
    const facade = this.facade;

    /**
     * One alarm's own name (`{project}-{env}-<name>`), description and evaluation, as the library's threshold fields.
     */
    const alarm = (
      name: string,
      description: string,
      periods: number,
      extra: Partial<CustomAlarmThreshold> = {},
    ): CustomAlarmThreshold => ({
      alarmNameOverride: names.name(name),
      alarmDescriptionOverride: description,
      datapointsToAlarm: periods,
      evaluationPeriods: periods,
      treatMissingDataOverride: notBreaching,
      ...extra,
    });

    /** A custom metric (`monitorCustom`) with one alarm, firing above `threshold`. */
    const over = (
      metric: MetricWithAlarmSupport,
      name: string,
      threshold: number,
      description: string,
      periods: number,
    ): CustomMetricWithAlarm => ({
      metric,
      alarmFriendlyName: name,
      addAlarm: { Critical: { threshold, comparisonOperator: gt, ...alarm(name, description, periods) } },
    });
    const group = (title: string, ...metrics: CustomMetric[]): CustomMetricGroup => ({ title, metrics });

    facade.addLargeHeader(`${names.prefix} pipeline`);
    facade.addMediumHeader('client → ALB → api → S3 recordings → ingestion → transcription → indexing → OpenSearch Serverless');

    for (const worker of WORKER_NAMES) {
      const { queue, deadLetterQueue } = props.queues[worker];
      facade.monitorSqsQueueWithDlq({
        queue,
        deadLetterQueue,
        alarmFriendlyName: `${worker}-queue`,
        humanReadableName: `${worker} queue`,
        addDeadLetterQueueMaxSizeAlarm: {
          Critical: { maxMessageCount: 0, ...alarm(`${worker}-dlq-messages`, `Messages in the ${worker} dead-letter queue: a message failed ${worker} processing repeatedly`, 1) },
        },
        addQueueMaxMessageAgeAlarm: {
          Critical: {
            maxAgeInSeconds: t.queueMaxAge.toSeconds(),
            ...alarm(`${worker}-queue-oldest-age`, `Oldest ${worker} message older than ${t.queueMaxAge.toSeconds()}s: the worker is not keeping up or not running`, 3),
          },
        },
        addQueueMaxSizeAlarm: {
          Critical: { maxMessageCount: t.queueMaxDepth, ...alarm(`${worker}-queue-depth`, `More than ${t.queueMaxDepth} visible ${worker} messages`, 3) },
        },
      });
    }

    for (const service of SERVICE_NAMES) {
      const floor = props.taskFloors?.[service];
      const serviceAlarms = {
        alarmFriendlyName: service,
        humanReadableName: `${service} service`,
        addCpuUsageAlarm: { Critical: { maxUsagePercent: t.serviceCpuPercent, ...alarm(`${service}-cpu`, `${service} average CPU above ${t.serviceCpuPercent}%`, 3) } },
        addMemoryUsageAlarm: { Critical: { maxUsagePercent: t.serviceMemoryPercent, ...alarm(`${service}-memory`, `${service} average memory above ${t.serviceMemoryPercent}%`, 3) } },
        // The library's running-task alarm is "too many"; turned into "fewer than the floor" on the Minimum.
        ...(floor === undefined
          ? {}
          : {
            addRunningTaskCountAlarm: {
              Critical: {
                maxRunningTasks: floor,
                ...alarm(`${service}-running-tasks-below-minimum`, `${service} runs fewer than its minimum of ${floor} tasks`, 2, {
                  comparisonOperatorOverride: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
                  treatMissingDataOverride: cloudwatch.TreatMissingData.BREACHING,
                  metricAdjuster: statistic('Minimum'),
                }),
              },
            },
          }),
      };
      facade.monitorSimpleFargateService({ fargateService: props.services[service], ...serviceAlarms });
    }

    // The api's load balancer: custom metrics. The library's ALB monitor lacks 5xx and latency percentiles, and its
    // target-group metrics (the L2's `metrics`) derive the LoadBalancer dimension by splitting the listener's ARN:
    // `Fn::Split` over a weak cross-stack reference, which no template may hold (issue 21). These take the load
    // balancer's and target group's own full-name attributes.
    const alb = (metricName: string, stat: string, targetGroup = true) =>
      new cloudwatch.Metric({
        namespace: 'AWS/ApplicationELB',
        metricName,
        dimensionsMap: targetGroup
          ? {
            LoadBalancer: props.loadBalancer.loadBalancerFullName,
            TargetGroup: props.targetGroup.targetGroupFullName,
          }
          : { LoadBalancer: props.loadBalancer.loadBalancerFullName },
        statistic: stat,
        period: PERIOD,
      });
    const fiveXx = new cloudwatch.MathExpression({
      expression: 'FILL(elb, 0) + FILL(target, 0)',
      usingMetrics: { elb: alb('HTTPCode_ELB_5XX_Count', 'Sum', false), target: alb('HTTPCode_Target_5XX_Count', 'Sum') },
      period: PERIOD,
      label: 'ALB + target 5xx',
    });
    const p95Seconds = t.albP95Latency.toSeconds({ integral: false });
    facade.monitorCustom({
      alarmFriendlyName: 'api-alb',
      humanReadableName: 'api load balancer',
      metricGroups: [
        group('ALB + target 5xx', over(fiveXx, 'api-alb-5xx', t.alb5xxPer5Minutes, `More than ${t.alb5xxPer5Minutes} 5xx responses in 5 minutes`, 1)),
        group(
          'api targets',
          alb('HealthyHostCount', 'Minimum'),
          over(alb('UnHealthyHostCount', 'Maximum'), 'api-unhealthy-targets', 0, 'The api target group has unhealthy targets', 2),
        ),
        group('api latency p95', over(alb('TargetResponseTime', 'p95'), 'api-p95-latency', p95Seconds, `api p95 latency above ${p95Seconds}s`, 3)),
      ],
    });

    for (const [i, clusterId] of props.cacheNodeIds.entries()) {
      const node = `cache-node${i + 1}`;
      const cache = (metricName: string, stat: string) =>
        new cloudwatch.Metric({ namespace: 'AWS/ElastiCache', metricName, dimensionsMap: { CacheClusterId: clusterId }, statistic: stat, period: PERIOD });
      facade.monitorElastiCacheCluster({
        clusterId,
        clusterType: ElastiCacheClusterType.REDIS,
        alarmFriendlyName: node,
        humanReadableName: `cache node ${i + 1}`,
        // The library graphs CPU as Maximum; the alarms keep the Average.
        addCpuUsageAlarm: {
          Critical: { maxUsagePercent: t.cacheCpuPercent, ...alarm(`${node}-cpu`, `Cache node ${i + 1} host CPU above ${t.cacheCpuPercent}%`, 3, { metricAdjuster: statistic('Average') }) },
        },
        addRedisEngineCpuUsageAlarm: {
          Critical: {
            maxUsagePercent: t.cacheCpuPercent,
            ...alarm(`${node}-engine-cpu`, `Cache node ${i + 1} engine CPU above ${t.cacheCpuPercent}%`, 3, { metricAdjuster: statistic('Average') }),
          },
        },
        addMaxEvictedItemsCountAlarm: {
          Critical: {
            maxItemsCount: t.cacheEvictionsPer5Minutes,
            ...alarm(`${node}-evictions`, `Cache node ${i + 1} evicted more than ${t.cacheEvictionsPer5Minutes} keys in 5 minutes`, 1),
          },
        },
      });
      // The library's ElastiCache monitor has no memory-percentage or replication-lag metric.
      const lagSeconds = t.cacheReplicationLag.toSeconds({ integral: false });
      const memory = over(cache('DatabaseMemoryUsagePercentage', 'Average'), `${node}-memory`, t.cacheMemoryPercent, `Cache node ${i + 1} memory above ${t.cacheMemoryPercent}%`, 3);
      const lag = over(cache('ReplicationLag', 'Maximum'), `${node}-replication-lag`, lagSeconds, `Cache replica ${i + 1} lags more than ${lagSeconds}s`, 3);
      facade.monitorCustom({
        alarmFriendlyName: `${node}-custom`,
        humanReadableName: `cache node ${i + 1}: memory and replication`,
        // Replication lag: replicas only (node 2+), which exist only in the HA environments.
        metricGroups: [group('memory used %', memory), ...(i > 0 ? [group('replication lag (s)', lag)] : [])],
      });
    }

    const searchLatencyMs = t.searchLatency.toMilliseconds();
    facade.monitorOpenSearchServerlessCollection({
      collection: props.searchCollection,
      alarmFriendlyName: 'search',
      humanReadableName: 'vector search',
      // The library's search-latency alarm is on the Maximum (P100); this one is on the Average.
      addSearchLatencyP100Alarm: {
        Critical: {
          maxLatency: t.searchLatency,
          ...alarm('search-latency', `OpenSearch Serverless average search latency above ${searchLatencyMs} ms`, 3, { metricAdjuster: statistic('Average') }),
        },
      },
    });
    const searchMetrics = new OpenSearchServerlessMetricFactory(
      facade.createMetricFactory(),
      { collection: props.searchCollection },
    );
    // The library alarms on search errors alone; search and ingestion (indexing) errors are one alarm here.
    const searchErrors = new cloudwatch.MathExpression({
      expression: 'FILL(search, 0) + FILL(ingest, 0)',
      usingMetrics: {
        search: searchMetrics.metricSearchRequestErrors(),
        ingest: searchMetrics.metricIngestionRequestErrors(),
      },
      period: PERIOD,
      label: 'search + ingestion errors',
    });
    facade.monitorCustom({
      alarmFriendlyName: 'search-custom',
      humanReadableName: 'vector search: search + ingestion errors',
      metricGroups: [
        group(
          'search + ingestion errors',
          over(searchErrors, 'search-errors', t.searchErrorsPer5Minutes, `More than ${t.searchErrorsPer5Minutes} OpenSearch Serverless request errors in 5 minutes`, 1),
        ),
      ],
    });

    // The library has no NAT gateway monitor.
    const nat = (natGatewayId: string, metricName: string) =>
      new cloudwatch.Metric({ namespace: 'AWS/NATGateway', metricName, dimensionsMap: { NatGatewayId: natGatewayId }, statistic: 'Sum', period: PERIOD });
    facade.monitorCustom({
      alarmFriendlyName: 'nat',
      humanReadableName: 'NAT gateways',
      metricGroups: [
        group(
          'port-allocation errors',
          ...props.natGatewayIds.map((natId, i) =>
            over(nat(natId, 'ErrorPortAllocation'), `nat${i + 1}-port-allocation-errors`, 0, `NAT gateway ${i + 1} could not allocate a source port: connections are being dropped`, 1),
          ),
        ),
        group('bytes out to destination', ...props.natGatewayIds.map((natId) => nat(natId, 'BytesOutToDestination'))),
      ],
    });

    const created = facade.createdAlarms();
    this.alarms = created.map((a) => a.alarm as cloudwatch.Alarm);
    facade.addWidget(new cloudwatch.AlarmStatusWidget({ title: 'alarms', alarms: this.alarms, width: 24, height: 6 }));
    this.keepLogicalIds(
      names,
      created.map((a) => ({ alarm: a.alarm, name: a.alarmName })),
    );
    if (!actionsEnabled) {
      for (const a of this.alarms) {
        acknowledgeEach(
          a.node.defaultChild as cloudwatch.CfnAlarm,
          ['HIPAA.Security-CloudWatchAlarmAction', 'NIST.800.53.R5-CloudWatchAlarmAction', 'PCI.DSS.321-CloudWatchAlarmAction'],
          'Notifications are off in this environment by config (monitoring.notificationsEnabled=false, dev): the alarm still evaluates and shows on the dashboard, its SNS actions are attached and turn on with the flag.',
        );
        acknowledgeControl(
          a.node.defaultChild as cloudwatch.CfnAlarm,
          'CT.CLOUDWATCH.PR.4',
          'Notifications are off in this environment by config (monitoring.notificationsEnabled=false, dev: disposable, business hours only): the alarm still evaluates and shows on the dashboard, its SNS actions are attached and turn on with the flag.',
        );
      }
    }
  }

  /**
   * Day-2 safety: the alarms and the dashboard have fixed names, and CloudWatch upserts by name. Under a new logical
   * id CloudFormation would create the "new" alarm (overwriting the live one) and then delete the old id, deleting
   * the live alarm. So each keeps the logical id it had before the library: `Alarms/<PascalCaseName>` and
   * `Dashboard/Dashboard` below the stack (test/monitoring/logical-ids.test.ts pins them per environment).
   */
  private keepLogicalIds(
    names: ResourceNames,
    alarms: ReadonlyArray<{ alarm: cloudwatch.AlarmBase; name: string }>,
  ): void {
    const prefix = `${names.prefix}-`;
    for (const { alarm, name } of alarms) {
      if (!name.startsWith(prefix)) throw new Error(`alarm "${name}" is not named ${prefix}...: give it an alarmNameOverride`);
      (alarm.node.defaultChild as cloudwatch.CfnAlarm).overrideLogicalId(logicalIdAt('Alarms', pascalCase(name.slice(prefix.length)), 'Resource'));
    }
    (this.dashboard.node.defaultChild as cloudwatch.CfnDashboard).overrideLogicalId(logicalIdAt('Dashboard', 'Dashboard', 'Resource'));
  }
}

let idStack: Stack | undefined;

/** The logical id CDK gives a resource at this construct path below a stack (how CDK derives it: path + hash). */
export function logicalIdAt(...path: string[]): string {
  // Never synthesized: under the CDK CLI an App auto-synthesizes into the CLI's output directory at exit.
  idStack ??= new Stack(new App({ autoSynth: false }), 'LogicalIds');
  let scope: Construct = idStack;
  for (const id of path.slice(0, -1)) {
    scope = (scope.node.tryFindChild(id) as Construct | undefined) ?? new Construct(scope, id);
  }
  const leaf = path[path.length - 1];
  const resource = (scope.node.tryFindChild(leaf) as CfnResource | undefined) ?? new CfnResource(scope, leaf, { type: 'Custom::LogicalId' });
  return idStack.getLogicalId(resource);
}
