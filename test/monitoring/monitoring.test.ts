import { Match } from 'aws-cdk-lib/assertions';
import { ENVIRONMENT_NAMES, ENVIRONMENTS, loadEnvironment } from '../../environments';
import { WORKER_NAMES } from '../../lib/contracts';
import { synthesizeInput } from '../support/synthesize-input';
import { stackOf, templateOf } from '../support/templates';
import { TEST_ALARM_EMAIL, synthAccount } from '../support/variants';

/** Requirements per environment. */
const EXPECTED = {
  dev: {
    actionsEnabled: false,
    budget: 378,
    alarmEmailRequired: false,
  },
  staging: {
    actionsEnabled: true,
    budget: 617,
    alarmEmailRequired: true,
  },
  prod: {
    actionsEnabled: true,
    budget: 970,
    alarmEmailRequired: true,
  },
} as const;

/** The message the template rule shows when a staging/prod deploy names no alarm destination. */
const ALARM_RULE_MESSAGE = 'This environment has no alarm destination: deploy with -c alarmEmails=oncall@example.com (or set monitoring.alarmEmails).';

/** The monitoring stack as deployed (with an image tag: services running), from the global synth. */
describe.each(ENVIRONMENT_NAMES)('monitoring of %s', (envName) => {
  const expected = EXPECTED[envName];
  const template = stackOf(envName, 'monitoring', 'deployed').template;
  const topics = Object.keys(template.findResources('AWS::SNS::Topic'));
  const topicRef = () => ({ Ref: topics[0] });
  const alarms = () => template.findResources('AWS::CloudWatch::Alarm');
  const alarmNamed = (name: string) => Object.values(alarms()).find((a: any) => a.Properties.AlarmName === `marin-${envName}-${name}`) as any;

  test('one alarm topic', () => {
    expect(topics).toHaveLength(1);
  });

  test('alarm topic: KMS-encrypted, TLS-only, CloudWatch and Budgets may publish', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { TopicName: `marin-${envName}-alarms`, KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Action: 'sns:Publish', Principal: { Service: 'cloudwatch.amazonaws.com' } }),
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 'budgets.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': Match.anyValue() },
              // The deployed variant names the account (-c account=): the ARN holds the literal id.
              ArnLike: { 'aws:SourceArn': `arn:aws:budgets::${synthAccount(envName, 'deployed')}:budget/marin-${envName}-*` },
            },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] })]) },
    });
  });

  test('every alarm is named marin-<env>-..., notifies the topic, and has actions enabled as configured', () => {
    const all = Object.values(alarms()) as any[];
    expect(all.length).toBeGreaterThan(20);
    for (const alarm of all) {
      expect(alarm.Properties.AlarmName).toMatch(new RegExp(`^marin-${envName}-`));
      expect(alarm.Properties.AlarmActions).toEqual([topicRef()]);
      expect(alarm.Properties.ActionsEnabled).toBe(expected.actionsEnabled);
    }
  });

  test('the api latency alarm is on the p95 (ExtendedStatistic)', () => {
    expect(alarmNamed('api-p95-latency').Properties).toMatchObject({ ExtendedStatistic: 'p95' });
  });

  test('monthly cost budget = config, filtered by the CostCenter tag, 80% forecast and 100% actual to the topic', () => {
    template.resourceCountIs('AWS::Budgets::Budget', 1);
    const budget = Object.values(template.findResources('AWS::Budgets::Budget'))[0] as any;
    expect(budget.Properties.Budget).toMatchObject({
      // The alert percentages are in the name: changing one replaces the budget under a new name
      // (create-only notifications).
      BudgetName: `marin-${envName}-monthly-cost-f80-a100`,
      BudgetType: 'COST',
      TimeUnit: 'MONTHLY',
      BudgetLimit: { Amount: expected.budget, Unit: 'USD' },
      // The committed CostCenter and the collection's (equal today: one filter value).
      CostFilters: { TagKeyValue: [`user:CostCenter$audio-pipeline-${envName}`] },
    });
    const notifications = budget.Properties.NotificationsWithSubscribers.map((n: any) => [
      n.Notification.NotificationType,
      n.Notification.Threshold,
      n.Notification.ThresholdType,
    ]);
    expect(notifications).toEqual([
      ['FORECASTED', 80, 'PERCENTAGE'],
      ['ACTUAL', 100, 'PERCENTAGE'],
    ]);
    // The topic is the only subscriber: people subscribe to the topic, so adding one never replaces the budget.
    for (const n of budget.Properties.NotificationsWithSubscribers) expect(n.Subscribers).toEqual([{ SubscriptionType: 'SNS', Address: topicRef() }]);
  });

  // cdk-nag: test/core/compliance.test.ts requires zero findings in every stack, as committed and as deployed.
});

/** The monitoring stack as committed (no image tag: services parked), from the global synth. */
describe.each(ENVIRONMENT_NAMES)('monitoring of %s as committed (services parked)', (envName) => {
  const template = templateOf(envName, 'monitoring');
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as any[];
  const topics = Object.keys(template.findResources('AWS::SNS::Topic'));

  test('DLQ and oldest-message alarms exist per queue and notify the alarm topic', () => {
    expect(topics).toHaveLength(1);
    for (const worker of WORKER_NAMES) {
      for (const suffix of ['dlq-messages', 'queue-oldest-age']) {
        const alarm = alarms.find((a) => a.Properties.AlarmName === `marin-${envName}-${worker}-${suffix}`);
        expect(alarm).toBeDefined();
        expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topics[0] }]);
        expect(alarm.Properties.ActionsEnabled).toBe(envName !== 'dev');
      }
    }
  });

  test('the budget from config', () => {
    template.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: Match.objectLike({ BudgetLimit: { Amount: loadEnvironment(envName).budget.monthlyUsd, Unit: 'USD' }, TimeUnit: 'MONTHLY' }),
    });
  });
});

/** The template's SNS subscriptions. */
const subscriptionsOf = (template: any) => Object.values(template.Resources).filter((r: any) => r.Type === 'AWS::SNS::Subscription') as any[];

/** The template asks for no address at deploy time: no AlarmEmail parameter, no rule but CDK's own. */
function expectNoDeployTimeAddress(template: any): void {
  expect(template.Parameters?.AlarmEmail).toBeUndefined();
  expect(Object.keys(template.Rules ?? {})).toEqual(['CheckBootstrapVersion']);
}

/**
 * Alarm destinations as the global setup synthesized them: the committed config (no address) and as
 * deployed (`-c alarmEmails=oncall@example.com` outside dev). Several addresses: through the whole app, below.
 */
describe.each(ENVIRONMENT_NAMES)('alarm destinations of %s', (envName) => {
  const expected = EXPECTED[envName];

  test(expected.alarmEmailRequired ? 'no address configured: the template requires the AlarmEmail parameter, a rule refuses it empty, and subscribes it' : 'dev may stay silent: no parameter, no rule', () => {
    const template = stackOf(envName, 'monitoring', 'committed').json as any;
    expect(template.Parameters?.AlarmEmail).toEqual(
      expected.alarmEmailRequired ? expect.objectContaining({ Type: 'String', AllowedPattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$' }) : undefined,
    );
    // CDK's own CheckBootstrapVersion rule is always there; ours is the AlarmTopic's.
    const rules = Object.entries(template.Rules ?? {}).filter(([id]) => id.startsWith('AlarmTopicAlarmDestinationRequired')).map(([, r]) => r) as any[];
    expect(rules.flatMap((r) => r.Assertions.map((a: any) => a.AssertDescription)))
      .toEqual(expected.alarmEmailRequired ? [ALARM_RULE_MESSAGE] : []);
    for (const rule of rules) expect(rule.Assertions[0].Assert).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AlarmEmail' }, ''] }] });
    expect(subscriptionsOf(template).map((s) => s.Properties.Endpoint)).toEqual(expected.alarmEmailRequired ? [{ Ref: 'AlarmEmail' }] : []);
  });

  test(expected.alarmEmailRequired ? 'deployed with -c alarmEmails: the address subscribed by e-mail, no parameter and no rule' : 'deployed without an address: nothing subscribed, no parameter and no rule', () => {
    const template = stackOf(envName, 'monitoring', 'deployed').json as any;
    expectNoDeployTimeAddress(template);
    expect(subscriptionsOf(template).map((s) => [s.Properties.Protocol, s.Properties.Endpoint])).toEqual(expected.alarmEmailRequired ? [['email', TEST_ALARM_EMAIL]] : []);
  });
});

/** Several addresses through the whole app (MonitoringStack merges both lists). */
describe.each(ENVIRONMENT_NAMES)('several alarm and budget addresses in %s', (envName) => {
  test('each address is subscribed once by e-mail (one on both lists: once); no parameter, no rule', () => {
    const input = ENVIRONMENTS[envName];
    const templates = synthesizeInput(
      {
        ...input,
        account: synthAccount(envName),
        monitoring: { ...input.monitoring, alarmEmails: ['oncall@example.com', 'ops@example.com'] },
        budget: { ...input.budget, notificationEmails: ['finance@example.com', 'ops@example.com'] },
      },
      envName,
    );
    const template = templates.get(`marin-${envName}-monitoring`) as any;
    expectNoDeployTimeAddress(template);
    expect(subscriptionsOf(template).map((s) => [s.Properties.Protocol, s.Properties.Endpoint])).toEqual([
      ['email', 'oncall@example.com'],
      ['email', 'ops@example.com'],
      ['email', 'finance@example.com'],
    ]);
  });
});
