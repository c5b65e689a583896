/**
 * Each monitoring construct built alone from its props (no environment), with only its required props unless a test
 * says otherwise: the documented defaults, the constructor checks kept for a construct used alone, and
 * - PipelineMonitoring: the default alarm set (one set per queue and service, one cache node, one NAT gateway), and
 *   that the alarms a single stack holds keep their pinned ids (each environment's set: alarms.test.ts);
 * - AlarmTopic: the key's removal policy and the deploy-time `AlarmEmail` parameter by default (each environment's
 *   subscriptions, parameter and rule: monitoring.test.ts);
 * - CostBudget: default alert percentages, the name carrying them, the cost filter;
 * - RefreshFailureAlarm: the rule and the two scoped policy statements.
 */
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as aoss from 'aws-cdk-lib/aws-opensearchserverless';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { SERVICE_NAMES, WORKER_NAMES, type ServiceName, type WorkerName, type WorkQueue } from '../../lib/contracts';
import { AlarmTopic, type AlarmTopicProps } from '../../lib/monitoring/alarm-topic';
import { CostBudget, type CostBudgetProps } from '../../lib/monitoring/cost-budget';
import { PipelineMonitoring, type PipelineMonitoringProps } from '../../lib/monitoring/pipeline-monitoring';
import { RefreshFailureAlarm } from '../../lib/monitoring/refresh-failure';
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

/** A bare stack, as every construct here is built in. */
const bareStack = () =>
  new Stack(new App({ context: cdkJsonContext() }), 'marin-test-monitoring', {
    env: { account: '123456789012', region: 'us-east-1' },
  });
const NAMES = new ResourceNames('marin', 'test');

function build(overrides: Partial<PipelineMonitoringProps> & { cacheNodes?: number; natGateways?: number } = {}) {
  const stack = bareStack();
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
    names: NAMES,
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

/** The `start` of the dashboard body (a join of literals and tokens). */
const dashboardStart = (template: Template): string => {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  const body = JSON.stringify(dashboard.Properties.DashboardBody);
  return /\\"start\\":\\"([^\\]+)\\"/.exec(body)![1];
};

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
    // dashboardRange: 6 hours (the library's own default is 8).
    expect(dashboardStart(template)).toBe('-PT6H');
  });

  test('actionsEnabled false: every alarm exists with its actions attached and disabled; dashboardRange given', () => {
    const { alarms, template } = build({ actionsEnabled: false, dashboardRange: Duration.hours(1) });
    expect(dashboardStart(template)).toBe('-PT1H');
    expect(alarms.length).toBe(27);
    const enabledOrUnwired = alarms.filter((a) =>
      a.ActionsEnabled !== false || a.AlarmActions?.length !== 1 || a.OKActions?.length !== 1,
    );
    expect(enabledOrUnwired).toEqual([]);
  });
});

/** The template's SNS subscriptions. */
const resourcesOf = (template: any, type: string): any[] =>
  Object.values(template.Resources).filter((r: any) => r.Type === type);
const subscriptionsOf = (template: any) => resourcesOf(template, 'AWS::SNS::Subscription');

describe('AlarmTopic alone', () => {
  const topicTemplate = (props: Partial<AlarmTopicProps> = {}) => {
    const stack = bareStack();
    new AlarmTopic(stack, 'AlarmTopic', { names: NAMES, ...props });
    return Template.fromStack(stack).toJSON();
  };
  const keyOf = (template: any) => resourcesOf(template, 'AWS::KMS::Key')[0];
  const removalOf = (key: any) => [key.DeletionPolicy, key.UpdateReplacePolicy, key.Properties.PendingWindowInDays];

  test('defaults: key retained on update and delete (30-day window); no emails, so the deploy-time address', () => {
    const template = topicTemplate();
    const key = keyOf(template);
    expect(removalOf(key)).toEqual(['RetainExceptOnCreate', 'Retain', 30]);
    expect(resourcesOf(template, 'AWS::SNS::Topic')).toMatchObject([
      { Properties: { TopicName: 'marin-test-alarms', DisplayName: 'marin-test alarms' } },
    ]);
    expect(subscriptionsOf(template).map((s) => [s.Properties.Protocol, s.Properties.Endpoint]))
      .toEqual([['email', { Ref: 'AlarmEmail' }]]);
    expect(template.Parameters.AlarmEmail).toMatchObject({ Type: 'String' });
  });

  test('removalPolicy DESTROY: the key is deleted with the stack (7-day window)', () => {
    expect(removalOf(keyOf(topicTemplate({ removalPolicy: RemovalPolicy.DESTROY })))).toEqual(['Delete', 'Delete', 7]);
  });

  test('addresses and a required deploy-time address together: both subscribed', () => {
    const template = topicTemplate({ emails: ['ops@example.com'], requireDeployTimeEmail: true });
    expect(subscriptionsOf(template).map((s) => s.Properties.Endpoint)).toEqual(['ops@example.com', { Ref: 'AlarmEmail' }]);
  });
});

describe('CostBudget alone', () => {
  const budgetOf = (props: Partial<CostBudgetProps> = {}) => {
    const stack = bareStack();
    const topic = new sns.Topic(stack, 'Topic');
    const costCenters = ['cc-1', 'cc-2', 'cc-1'];
    new CostBudget(stack, 'CostBudget', { names: NAMES, monthlyLimitUsd: 250, costCenters, topic, ...props });
    return Object.values(Template.fromStack(stack).findResources('AWS::Budgets::Budget'))[0].Properties;
  };

  test('defaults: forecast 80 %, actual 100 %, both in the name; the topic the only subscriber; cost centers once', () => {
    const budget = budgetOf();
    expect(budget.Budget).toEqual({
      BudgetName: 'marin-test-monthly-cost-f80-a100',
      BudgetType: 'COST',
      TimeUnit: 'MONTHLY',
      BudgetLimit: { Amount: 250, Unit: 'USD' },
      CostFilters: { TagKeyValue: ['user:CostCenter$cc-1', 'user:CostCenter$cc-2'] },
    });
    const notifications = budget.NotificationsWithSubscribers.map((n: any) => [
      n.Notification.NotificationType,
      n.Notification.Threshold,
      n.Subscribers,
    ]);
    const topicOnly = [{ SubscriptionType: 'SNS', Address: { Ref: expect.stringMatching(/^Topic/) } }];
    expect(notifications).toEqual([
      ['FORECASTED', 80, topicOnly],
      ['ACTUAL', 100, topicOnly],
    ]);
  });

  test('percentages AWS Budgets rejects and an empty cost filter throw, naming the prop', () => {
    expect(() => budgetOf({ forecastedAlertPercent: 0 })).toThrow(
      'marin-test-monitoring/CostBudget: forecastedAlertPercent must be above 0 and at most 1000000 (AWS Budgets), got 0',
    );
    expect(() => budgetOf({ actualAlertPercent: 1_000_001 })).toThrow(
      'marin-test-monitoring/CostBudget: actualAlertPercent must be above 0 and at most 1000000 (AWS Budgets), got 1000001',
    );
    expect(() => budgetOf({ actualAlertPercent: Number.NaN })).toThrow('actualAlertPercent must be above 0');
    expect(() => budgetOf({ costCenters: [] }))
      .toThrow('marin-test-monitoring/CostBudget: costCenters must name at least one CostCenter tag value');
    // The limits themselves are accepted.
    const edges = budgetOf({ forecastedAlertPercent: 1_000_000, actualAlertPercent: 0.5 });
    expect(edges.Budget.BudgetName).toBe('marin-test-monthly-cost-f1000000-a0.5');
  });
});

describe('RefreshFailureAlarm alone', () => {
  test('a rule on the family failing, publishing to the topic; the topic and key admit EventBridge (scoped)', () => {
    const stack = bareStack();
    const topicKey = new kms.Key(stack, 'Key');
    const topic = new sns.Topic(stack, 'Topic', { masterKey: topicKey });
    new RefreshFailureAlarm(stack, 'RefreshFailure', { family: 'marin-test-loader', topic, topicKey });
    const template = Template.fromStack(stack);
    const rule = Object.values(template.findResources('AWS::Events::Rule'))[0].Properties;
    expect(rule.EventPattern.detail.group).toEqual(['family:marin-test-loader']);
    expect(rule.Targets.map((t: any) => t.Arn)).toEqual([{ Ref: expect.stringMatching(/^Topic/) }]);
    const sids = (type: string) =>
      Object.values(template.findResources(type)).flatMap((r) => {
        const document = r.Properties.PolicyDocument ?? r.Properties.KeyPolicy;
        return document.Statement.map((statement: any) => statement.Sid);
      });
    expect(sids('AWS::SNS::TopicPolicy')).toEqual(['AllowEventBridgeRefreshFailurePublish']);
    expect(sids('AWS::KMS::Key')).toContain('AllowEventBridgeToPublishEncrypted');
  });
});
