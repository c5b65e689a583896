import { CREATE_ONLY_PROPERTIES } from '../../lib/core/resource-kinds';
import { destructiveChanges, formatChange, isDangerous } from '../../scripts/diff/replacements';

/** Minimal templates: what `npm run diff:offline` and the drill classify, independent of this app's stacks. */
const template = (resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>) =>
  ({ Resources: resources });

describe('destructive changes between two templates', () => {
  test('a renamed bucket is replaced: stateful, and named by its old name', () => {
    const [change] = destructiveChanges(
      'marin-prod-data',
      template({ B: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'marin-prod-transcripts' } } }),
      template({ B: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'marin-prod-transcripts-2' } } }),
    );
    expect(change).toMatchObject({ kind: 'replace', properties: ['BucketName'], stateful: true, fixedName: 'BucketName: marin-prod-transcripts', renamed: true });
    expect(isDangerous(change)).toBe(true);
    expect(formatChange(change)).toBe('replace marin-prod-data/B (AWS::S3::Bucket): BucketName [stateful; renamed from BucketName: marin-prod-transcripts]');
  });

  test('a create-only property of a fixed-name resource that keeps its name is dangerous', () => {
    const name = { BudgetName: 'marin-prod-monthly-cost', BudgetType: 'COST', TimeUnit: 'MONTHLY' };
    const notify = (address: string) => [{ Notification: { NotificationType: 'ACTUAL', ComparisonOperator: 'GREATER_THAN', Threshold: 100 }, Subscribers: [{ SubscriptionType: 'EMAIL', Address: address }] }];
    const [change] = destructiveChanges(
      'marin-prod-monitoring',
      template({ Budget: { Type: 'AWS::Budgets::Budget', Properties: { Budget: name, NotificationsWithSubscribers: notify('a@example.com') } } }),
      template({ Budget: { Type: 'AWS::Budgets::Budget', Properties: { Budget: name, NotificationsWithSubscribers: notify('b@example.com') } } }),
    );
    expect(change).toMatchObject({ kind: 'replace', properties: ['NotificationsWithSubscribers'], stateful: false, fixedName: 'BudgetName: marin-prod-monthly-cost', renamed: false });
    expect(isDangerous(change)).toBe(true);
  });

  test('the same replacement under a new name is not dangerous (created before the old one is deleted)', () => {
    const budget = (name: string, threshold: number) => ({
      Type: 'AWS::Budgets::Budget',
      Properties: { Budget: { BudgetName: name }, NotificationsWithSubscribers: [{ Notification: { NotificationType: 'ACTUAL', Threshold: threshold }, Subscribers: [] }] },
    });
    const [change] = destructiveChanges('s', template({ Budget: budget('cost-a100', 100) }), template({ Budget: budget('cost-a110', 110) }));
    expect(change).toMatchObject({ kind: 'replace', renamed: true });
    expect(isDangerous(change)).toBe(false);
  });

  test('in-place updates and additions are not reported; deletions are, and are not "dangerous" replacements', () => {
    const changes = destructiveChanges(
      's',
      template({ Q: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'q', MessageRetentionPeriod: 60 } }, Old: { Type: 'AWS::SNS::Topic' } }),
      template({ Q: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'q', MessageRetentionPeriod: 120 } }, New: { Type: 'AWS::SNS::Topic' } }),
    );
    expect(changes.map((c) => [c.logicalId, c.kind])).toEqual([['Old', 'delete']]);
    expect(isDangerous(changes[0])).toBe(false);
  });

  test('a task definition replacement is expected on every release, never dangerous', () => {
    const td = (image: string) => ({ Type: 'AWS::ECS::TaskDefinition', Properties: { Family: 'marin-prod-api', ContainerDefinitions: [{ Image: image }] } });
    const [change] = destructiveChanges('s', template({ Td: td('repo:1.4.2') }), template({ Td: td('repo:1.4.3') }));
    expect(change.kind).toBe('replace');
    expect(isDangerous(change)).toBe(false);
  });
});

describe('the create-only properties of lib/core/resource-kinds.ts, as @aws-cdk/cloudformation-diff knows them', () => {
  const changed = (value: unknown): unknown => (typeof value === 'string' ? `${value}-2` : Array.isArray(value) ? [...value, { Key: 'Owner', Value: 'b' }] : { changed: true });
  const sample: Record<string, unknown> = { Name: 'marin-prod-search', StandbyReplicas: 'ENABLED', Tags: [{ Key: 'Project', Value: 'marin' }], Type: 'VECTORSEARCH', NotificationsWithSubscribers: [{ Notification: { NotificationType: 'ACTUAL', ComparisonOperator: 'GREATER_THAN', Threshold: 80 }, Subscribers: [] }] };
  test.each(Object.entries(CREATE_ONLY_PROPERTIES).flatMap(([type, properties]) => properties.map((property) => [type, property] as const)))('%s.%s: a change replaces the resource', (type, property) => {
    const before = { R: { Type: type, Properties: { [property]: sample[property] } } };
    const after = { R: { Type: type, Properties: { [property]: property === 'StandbyReplicas' ? 'DISABLED' : changed(sample[property]) } } };
    const [change] = destructiveChanges('s', template(before), template(after));
    expect(change).toMatchObject({ kind: 'replace', properties: [property] });
  });

  test('the check can fail: an updatable property (the collection Description) is not a replacement', () => {
    const before = template({ R: { Type: 'AWS::OpenSearchServerless::Collection', Properties: { Description: 'a' } } });
    expect(destructiveChanges('s', before, template({ R: { Type: 'AWS::OpenSearchServerless::Collection', Properties: { Description: 'b' } } }))).toEqual([]);
  });
});
