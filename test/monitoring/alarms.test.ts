/**
 * Every alarm of every environment, field by field: metric, statistic, period, threshold, comparison,
 * evaluation periods and missing-data treatment, as deployed (with an image tag, so the running-task
 * alarms exist). Thresholds that are tuning live in config.monitoring and are compared with it; those
 * that are requirements (a DLQ alarms at its first message, a running-task alarm at the seed's
 * instance count, ...) are literal here. A second block checks the config's own sanity.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { ENVIRONMENT_NAMES, loadEnvironment, type EnvironmentConfig, type EnvironmentName } from '../../environments';
import { SEED } from '../fixtures/seed-requirements';
import { allResources, stackOf } from '../support/templates';

/**
 * Tasks a service must keep running around the clock: the api the seed's instance count (HA + load balancing);
 * a queue worker 1, because workers scale with their backlog from a floor of one task (issue 12, docs/cost.md).
 */
const WORKER_FLOOR = 1;
const floorOf = (service: string, seedInstances: number): number => (service === 'api' ? seedInstances : WORKER_FLOOR);

/** What an alarm watches and when it fires, in one comparable line. */
interface AlarmSpec {
  /** `Namespace/MetricName Statistic dims=...`, or `expr(<expression>) <metric>; <metric>` for metric math. */
  readonly metric: string;
  readonly period: number;
  readonly threshold: number;
  readonly comparison: 'GreaterThanThreshold' | 'LessThanThreshold';
  readonly evaluationPeriods: number;
  /** Breaching datapoints among the evaluation periods that fire it: all of them (explicit since the library). */
  readonly datapointsToAlarm: number;
  readonly missingData: 'notBreaching' | 'breaching';
}

const GT = 'GreaterThanThreshold';
const LT = 'LessThanThreshold';
const WORKERS = ['ingestion', 'transcription', 'indexing'] as const;
const SERVICES = ['api', ...WORKERS] as const;
/** NAT gateways per environment (ARCHITECTURE: one outside prod, one per AZ in prod). */
const NAT_GATEWAYS: Record<EnvironmentName, number> = { dev: 1, staging: 1, prod: 3 };

const metric = (ns: string, name: string, stat: string, dims: string) => `${ns}/${name} ${stat} dims=${dims}`;

/** The alarms each environment must have, written out. */
function expectedAlarms(envName: EnvironmentName, m: EnvironmentConfig['monitoring']): Record<string, AlarmSpec> {
  const seed = SEED[envName];
  const spec = (metricText: string, threshold: number, evaluationPeriods: number, comparison: AlarmSpec['comparison'] = GT, missingData: AlarmSpec['missingData'] = 'notBreaching'): AlarmSpec => ({
    metric: metricText,
    period: 300,
    threshold,
    comparison,
    evaluationPeriods,
    datapointsToAlarm: evaluationPeriods,
    missingData,
  });
  const alarms: Record<string, AlarmSpec> = {};
  for (const w of WORKERS) {
    alarms[`${w}-dlq-messages`] = spec(metric('AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'Maximum', 'QueueName'), 0, 1);
    alarms[`${w}-queue-oldest-age`] = spec(metric('AWS/SQS', 'ApproximateAgeOfOldestMessage', 'Maximum', 'QueueName'), m.queueMaxAgeSeconds, 3);
    alarms[`${w}-queue-depth`] = spec(metric('AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'Maximum', 'QueueName'), m.queueMaxDepth, 3);
  }
  for (const s of SERVICES) {
    alarms[`${s}-cpu`] = spec(metric('AWS/ECS', 'CPUUtilization', 'Average', 'ClusterName,ServiceName'), m.serviceCpuPercent, 3);
    alarms[`${s}-memory`] = spec(metric('AWS/ECS', 'MemoryUtilization', 'Average', 'ClusterName,ServiceName'), m.serviceMemoryPercent, 3);
    // Around the clock only: dev stops overnight by design. Fires below the floor (the api: the seed's instance count;
    // workers: their backlog-scaled floor); no data = no tasks.
    if (seed.uptime === 'always-on') {
      alarms[`${s}-running-tasks-below-minimum`] = spec(metric('ECS/ContainerInsights', 'RunningTaskCount', 'Minimum', 'ClusterName,ServiceName'), floorOf(s, seed.instances), 2, LT, 'breaching');
    }
  }
  alarms['api-alb-5xx'] = spec(
    `expr(FILL(elb, 0) + FILL(target, 0)) ${metric('AWS/ApplicationELB', 'HTTPCode_ELB_5XX_Count', 'Sum', 'LoadBalancer')}; ${metric('AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count', 'Sum', 'LoadBalancer,TargetGroup')}`,
    m.alb5xxPer5Minutes,
    1,
  );
  alarms['api-unhealthy-targets'] = spec(metric('AWS/ApplicationELB', 'UnHealthyHostCount', 'Maximum', 'LoadBalancer,TargetGroup'), 0, 2);
  alarms['api-p95-latency'] = spec(metric('AWS/ApplicationELB', 'TargetResponseTime', 'p95', 'LoadBalancer,TargetGroup'), m.albP95LatencySeconds, 3);
  for (let node = 1; node <= seed.cacheNodes; node++) {
    alarms[`cache-node${node}-cpu`] = spec(metric('AWS/ElastiCache', 'CPUUtilization', 'Average', 'CacheClusterId'), m.cacheCpuPercent, 3);
    alarms[`cache-node${node}-engine-cpu`] = spec(metric('AWS/ElastiCache', 'EngineCPUUtilization', 'Average', 'CacheClusterId'), m.cacheCpuPercent, 3);
    alarms[`cache-node${node}-memory`] = spec(metric('AWS/ElastiCache', 'DatabaseMemoryUsagePercentage', 'Average', 'CacheClusterId'), m.cacheMemoryPercent, 3);
    alarms[`cache-node${node}-evictions`] = spec(metric('AWS/ElastiCache', 'Evictions', 'Sum', 'CacheClusterId'), m.cacheEvictionsPer5Minutes, 1);
    if (node > 1) alarms[`cache-node${node}-replication-lag`] = spec(metric('AWS/ElastiCache', 'ReplicationLag', 'Maximum', 'CacheClusterId'), m.cacheReplicationLagSeconds, 3);
  }
  const aossDims = 'ClientId,CollectionId,CollectionName';
  alarms['search-errors'] = spec(
    `expr(FILL(search, 0) + FILL(ingest, 0)) ${metric('AWS/AOSS', 'SearchRequestErrors', 'Sum', aossDims)}; ${metric('AWS/AOSS', 'IngestionRequestErrors', 'Sum', aossDims)}`,
    m.searchErrorsPer5Minutes,
    1,
  );
  alarms['search-latency'] = spec(metric('AWS/AOSS', 'SearchRequestLatency', 'Average', aossDims), m.searchLatencyMs, 3);
  for (let nat = 1; nat <= NAT_GATEWAYS[envName]; nat++) {
    alarms[`nat${nat}-port-allocation-errors`] = spec(metric('AWS/NATGateway', 'ErrorPortAllocation', 'Sum', 'NatGatewayId'), 0, 1);
  }
  return alarms;
}

interface CfnMetricStat {
  Metric: { Namespace: string; MetricName: string; Dimensions?: Array<{ Name: string }> };
  Stat: string;
  Period: number;
}
type AlarmProperties = Record<string, any>;

const dimsOf = (dims: Array<{ Name: string }> | undefined) => (dims ?? []).map((d) => d.Name).join(',');

/** The synthesized alarm in the AlarmSpec shape. */
function specOf(p: AlarmProperties): AlarmSpec {
  let metricText: string;
  let period: number;
  if (p.Metrics) {
    // Metric math, or one labelled metric
    // (the library's metrics carry a label, which CloudFormation takes in this form).
    const expression = p.Metrics.find((q: { Expression?: string }) => q.Expression);
    const stats = p.Metrics
      .filter((q: { MetricStat?: CfnMetricStat }) => q.MetricStat)
      .map((q: { MetricStat: CfnMetricStat }) => q.MetricStat);
    const statsText = stats.map((s: CfnMetricStat) => metric(s.Metric.Namespace, s.Metric.MetricName, s.Stat, dimsOf(s.Metric.Dimensions))).join('; ');
    metricText = expression ? `expr(${expression.Expression}) ${statsText}` : statsText;
    period = Math.max(...stats.map((s: CfnMetricStat) => s.Period));
  } else {
    metricText = metric(p.Namespace, p.MetricName, p.Statistic ?? p.ExtendedStatistic, dimsOf(p.Dimensions));
    period = p.Period;
  }
  return {
    metric: metricText,
    period,
    threshold: p.Threshold,
    comparison: p.ComparisonOperator,
    evaluationPeriods: p.EvaluationPeriods,
    datapointsToAlarm: p.DatapointsToAlarm,
    missingData: p.TreatMissingData,
  };
}

/** The monitoring stack as deployed (image tag set: running-task alarms need one), from the global synth. */
function deployedMonitoring(envName: EnvironmentName): Template {
  return stackOf(envName, 'monitoring', 'deployed').template;
}

describe.each(ENVIRONMENT_NAMES)('alarms of %s', (envName) => {
  const config = loadEnvironment(envName);
  const expected = expectedAlarms(envName, config.monitoring);
  let actual: Record<string, AlarmSpec>;
  beforeAll(() => {
    const alarms = Object.values(deployedMonitoring(envName).findResources('AWS::CloudWatch::Alarm')) as Array<{ Properties: AlarmProperties }>;
    actual = Object.fromEntries(alarms.map((a) => [String(a.Properties.AlarmName).replace(`marin-${envName}-`, ''), specOf(a.Properties)]));
  });

  test('exactly the expected alarms, each with its metric, statistic, period, threshold, comparison, periods and missing-data rule', () => {
    expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
    for (const name of Object.keys(expected)) expect({ name, ...actual[name] }).toEqual({ name, ...expected[name] });
  });
});

describe.each(ENVIRONMENT_NAMES)('alarm config of %s is sane', (envName) => {
  const config = loadEnvironment(envName);
  const m = config.monitoring;

  test('percentage thresholds leave room to fire (1-99%)', () => {
    const percents = {
      serviceCpuPercent: m.serviceCpuPercent,
      serviceMemoryPercent: m.serviceMemoryPercent,
      cacheCpuPercent: m.cacheCpuPercent,
      cacheMemoryPercent: m.cacheMemoryPercent,
    };
    for (const [key, value] of Object.entries(percents)) {
      expect({ key, inRange: value >= 1 && value <= 99 }).toEqual({ key, inRange: true });
    }
  });

  test('count, size and latency thresholds are positive', () => {
    const positive = [
      m.queueMaxAgeSeconds,
      m.queueMaxDepth,
      m.alb5xxPer5Minutes,
      m.albP95LatencySeconds,
      m.cacheEvictionsPer5Minutes,
      m.cacheReplicationLagSeconds,
      m.searchErrorsPer5Minutes,
      m.searchLatencyMs,
    ];
    expect(positive.filter((v) => !(v > 0))).toEqual([]);
  });

  test('the oldest-message alarm fires well before a message could expire (within a quarter of the retention period)', () => {
    const queues = allResources(envName).filter((r) => r.type === 'AWS::SQS::Queue' && !String(r.properties.QueueName).endsWith('-dlq'));
    expect(queues).toHaveLength(3);
    for (const q of queues) {
      const ok = m.queueMaxAgeSeconds * 4 <= Number(q.properties.MessageRetentionPeriod);
      expect({ queue: q.properties.QueueName, ok }).toEqual({ queue: q.properties.QueueName, ok: true });
    }
  });

  test('the running-task floor the alarm watches is the seed instance count (24/7) or 0 (business hours)', () => {
    expect(config.services.minCapacity).toBe(SEED[envName].uptime === 'always-on' ? SEED[envName].instances : 0);
  });
});

test('alarms are no looser in prod than in staging, nor in staging than in dev', () => {
  const [dev, staging, prod] = (['dev', 'staging', 'prod'] as const).map((e) => loadEnvironment(e).monitoring as unknown as Record<string, unknown>);
  const numeric = Object.keys(prod).filter((k) => typeof prod[k] === 'number');
  expect(numeric.length).toBeGreaterThanOrEqual(12);
  const looser = numeric.filter((k) =>
    (prod[k] as number) > (staging[k] as number) || (staging[k] as number) > (dev[k] as number),
  );
  expect(looser).toEqual([]);
});
