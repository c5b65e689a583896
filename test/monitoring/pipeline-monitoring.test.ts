/**
 * PipelineMonitoring built alone from its props (no environment): its defaults (`actionsEnabled` true, no
 * running-task alarm without `taskFloors`), the alarm set per input (one set per queue, service, cache node, NAT
 * gateway; replication lag from the second node), and that the alarms a single stack holds keep their pinned ids.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as aoss from 'aws-cdk-lib/aws-opensearchserverless';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { SERVICE_NAMES, WORKER_NAMES, type ServiceName, type WorkerName, type WorkQueue } from '../../lib/contracts';
import { PipelineMonitoring, type PipelineMonitoringProps } from '../../lib/monitoring/pipeline-monitoring';
import { ResourceNames } from '../../lib/naming';
import { cdkJsonContext } from '../support/cdk-context';

const THRESHOLDS: PipelineMonitoringProps['thresholds'] = {
  queueMaxAge: Duration.minutes(10),
  queueMaxDepth: 100,
  serviceCpuPercent: 80,
  serviceMemoryPercent: 85,
  alb5xxPer5Minutes: 5,
  albP95Latency: Duration.millis(1500),
  cacheCpuPercent: 75,
  cacheMemoryPercent: 80,
  cacheEvictionsPer5Minutes: 10,
  cacheReplicationLag: Duration.seconds(2),
  searchErrorsPer5Minutes: 3,
  searchLatency: Duration.millis(400),
};

function build(overrides: Partial<PipelineMonitoringProps> & { cacheNodes?: number; natGateways?: number } = {}) {
  const stack = new Stack(new App({ context: cdkJsonContext() }), 'marin-test-monitoring', { env: { account: '123456789012', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['us-east-1a', 'us-east-1b'], natGateways: 0, subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }] });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
  const services = {} as Record<ServiceName, ecs.FargateService>;
  for (const service of SERVICE_NAMES) {
    const taskDefinition = new ecs.FargateTaskDefinition(stack, `${service}Task`);
    taskDefinition.addContainer('app', { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:1') });
    services[service] = new ecs.FargateService(stack, `${service}Service`, { cluster, taskDefinition, assignPublicIp: true, circuitBreaker: { rollback: true }, minHealthyPercent: 100 });
  }
  const loadBalancer = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc, internetFacing: true });
  const targetGroup = new elbv2.ApplicationTargetGroup(stack, 'Targets', { vpc, port: 8080, protocol: elbv2.ApplicationProtocol.HTTP, targetType: elbv2.TargetType.IP });
  loadBalancer.addListener('Http', { port: 80, defaultTargetGroups: [targetGroup] });
  const queues = {} as Record<WorkerName, WorkQueue>;
  for (const worker of WORKER_NAMES) queues[worker] = { queue: new sqs.Queue(stack, `${worker}Queue`), deadLetterQueue: new sqs.Queue(stack, `${worker}Dlq`) };
  const { cacheNodes = 1, natGateways = 1, ...props } = overrides;
  new PipelineMonitoring(stack, 'Monitoring', {
    names: new ResourceNames('marin', 'test'),
    topic: new sns.Topic(stack, 'Topic'),
    thresholds: THRESHOLDS,
    queues,
    services,
    loadBalancer,
    targetGroup,
    cacheNodeIds: Array.from({ length: cacheNodes }, (_, i) => `marin-test-cache-00${i + 1}`),
    searchCollection: new aoss.CfnCollection(stack, 'Collection', { name: 'marin-test-vectors', type: 'VECTORSEARCH' }),
    natGatewayIds: Array.from({ length: natGateways }, (_, i) => `nat-0${i + 1}`),
    ...props,
  });
  const template = Template.fromStack(stack);
  const alarms = Object.entries(template.findResources('AWS::CloudWatch::Alarm')).map(([logicalId, r]) => ({ ...(r.Properties as Record<string, any>), logicalId }) as Record<string, any> & { AlarmName: string; logicalId: string });
  return { alarms, template };
}

const names = (alarms: Array<{ AlarmName: string }>) => alarms.map((a) => a.AlarmName.replace('marin-test-', '')).sort();

describe('PipelineMonitoring alone', () => {
  test('defaults: actions enabled, no running-task alarm; one set per queue and service, one cache node, one NAT gateway', () => {
    const { alarms, template } = build();
    expect(alarms.every((a) => a.ActionsEnabled === true)).toBe(true);
    expect(names(alarms)).toEqual(
      [
        ...WORKER_NAMES.flatMap((w) => [`${w}-dlq-messages`, `${w}-queue-oldest-age`, `${w}-queue-depth`]),
        ...SERVICE_NAMES.flatMap((s) => [`${s}-cpu`, `${s}-memory`]),
        'api-alb-5xx',
        'api-unhealthy-targets',
        'api-p95-latency',
        'cache-node1-cpu',
        'cache-node1-engine-cpu',
        'cache-node1-memory',
        'cache-node1-evictions',
        'search-errors',
        'search-latency',
        'nat1-port-allocation-errors',
      ].sort(),
    );
    // Each alarm under the logical id its name had before the library (Alarms/<PascalName>).
    expect(alarms.find((a) => a.AlarmName === 'marin-test-ingestion-dlq-messages')!.logicalId).toBe('AlarmsIngestionDlqMessages053F531E');
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'marin-test-pipeline' });
  });

  test('actionsEnabled false: every alarm exists with its actions attached and disabled', () => {
    const { alarms } = build({ actionsEnabled: false });
    expect(alarms.length).toBe(27);
    expect(alarms.filter((a) => a.ActionsEnabled !== false || a.AlarmActions?.length !== 1 || a.OKActions?.length !== 1)).toEqual([]);
  });

  test('taskFloors: a running-task alarm per floor, one task below it (Minimum, missing data breaches); replicas and NAT gateways add theirs', () => {
    const { alarms } = build({ taskFloors: { api: 3, indexing: 1 }, cacheNodes: 2, natGateways: 3 });
    const running = alarms.filter((a) => a.AlarmName.endsWith('-running-tasks-below-minimum'));
    expect(running.map((a) => [a.AlarmName, a.Threshold, a.ComparisonOperator, a.TreatMissingData, a.Metrics[0].MetricStat.Stat])).toEqual([
      ['marin-test-api-running-tasks-below-minimum', 3, 'LessThanThreshold', 'breaching', 'Minimum'],
      ['marin-test-indexing-running-tasks-below-minimum', 1, 'LessThanThreshold', 'breaching', 'Minimum'],
    ]);
    expect(names(alarms).filter((n) => n.includes('replication-lag') || n.startsWith('nat'))).toEqual([
      'cache-node2-replication-lag',
      'nat1-port-allocation-errors',
      'nat2-port-allocation-errors',
      'nat3-port-allocation-errors',
    ]);
  });
});
