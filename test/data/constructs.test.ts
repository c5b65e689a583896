/**
 * Each construct of lib/data/ built alone in a bare stack from its props: only the required props given, so every
 * documented default is asserted as it lands in the template; plus the constructor checks that guard a construct
 * used alone. The environments' values are asserted from the synthesized stacks (cache.test.ts, queues.test.ts, ...).
 */
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Cache, type CacheProps } from '../../lib/data/cache';
import { DatabaseSecret } from '../../lib/data/database-secret';
import { VectorSearch, type VectorSearchProps } from '../../lib/data/vector-search';
import { WorkQueues, type WorkQueuesProps } from '../../lib/data/work-queues';
import { ResourceNames } from '../../lib/naming';
import { cdkJsonContext } from '../support/cdk-context';

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string };

function bareStack() {
  const app = new App({ context: cdkJsonContext() });
  const stack = new Stack(app, 'marin-test-data', { env: { account: '123456789012', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    natGateways: 0,
    subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  const clients = new ec2.SecurityGroup(stack, 'Clients', { vpc });
  return { stack, vpc, clients, key: new kms.Key(stack, 'Key'), names: new ResourceNames('marin', 'test') };
}

/** Resources of a type in the stack's template, in template order. */
function ofType(stack: Stack, type: string): Resource[] {
  return Object.values(Template.fromStack(stack).findResources(type)) as Resource[];
}

function policies(resources: readonly Resource[]): string[] {
  return resources.map((r) => `${r.DeletionPolicy}/${r.UpdateReplacePolicy}`);
}

describe('Cache alone', () => {
  function build(extra: Partial<CacheProps> = {}) {
    const { stack, vpc, clients, key, names } = bareStack();
    new Cache(stack, 'Cache', {
      names,
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      vpc,
      subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      clientSecurityGroup: clients,
      dataKey: key,
      logsKey: key,
      ...extra,
    });
    return stack;
  }

  test('defaults: one valkey 8.0 cache.t4g.micro node on 6380, no failover, no snapshots, ElastiCache windows', () => {
    const [group] = ofType(build(), 'AWS::ElastiCache::ReplicationGroup');
    expect(group.Properties).toMatchObject({
      Engine: 'valkey',
      EngineVersion: '8.0',
      CacheNodeType: 'cache.t4g.micro',
      Port: 6380,
      NumCacheClusters: 1,
      PreferredCacheClusterAZs: ['us-east-1a'],
      AutomaticFailoverEnabled: false,
      MultiAZEnabled: false,
      SnapshotRetentionLimit: 0,
    });
    expect(group.Properties.SnapshotWindow).toBeUndefined();
    expect(group.Properties.PreferredMaintenanceWindow).toBeUndefined();
  });

  test('default removal: the group is snapshotted, its secrets and log groups retained except on a failed create', () => {
    const stack = build();
    expect(policies(ofType(stack, 'AWS::ElastiCache::ReplicationGroup'))).toEqual(['Snapshot/Snapshot']);
    const kept = 'RetainExceptOnCreate/Retain';
    expect(policies(ofType(stack, 'AWS::SecretsManager::Secret'))).toEqual([kept, kept]);
    expect(policies(ofType(stack, 'AWS::Logs::LogGroup'))).toEqual([kept, kept]);
  });

  test('default log retention: two years (the LogGroup default)', () => {
    expect(ofType(build(), 'AWS::Logs::LogGroup').map((g) => g.Properties.RetentionInDays)).toEqual([731, 731]);
  });

  test('engine redis without a version: 7.1', () => {
    const [group] = ofType(build({ engine: 'redis' }), 'AWS::ElastiCache::ReplicationGroup');
    expect([group.Properties.Engine, group.Properties.EngineVersion]).toEqual(['redis', '7.1']);
  });

  test('DESTROY deletes the group, its secrets and log groups', () => {
    const stack = build({ removalPolicy: RemovalPolicy.DESTROY });
    for (const type of ['AWS::ElastiCache::ReplicationGroup', 'AWS::SecretsManager::Secret', 'AWS::Logs::LogGroup']) {
      expect(new Set(policies(ofType(stack, type)))).toEqual(new Set(['Delete/Delete']));
    }
  });

  test('a snapshot window only with snapshots kept', () => {
    const props = { snapshotWindow: '03:00-04:00', logRetention: logs.RetentionDays.ONE_WEEK };
    const [without] = ofType(build(props), 'AWS::ElastiCache::ReplicationGroup');
    const [kept] = ofType(build({ ...props, snapshotRetention: Duration.days(3) }), 'AWS::ElastiCache::ReplicationGroup');
    expect([without.Properties.SnapshotWindow, kept.Properties.SnapshotWindow]).toEqual([undefined, '03:00-04:00']);
    expect(kept.Properties.SnapshotRetentionLimit).toBe(3);
  });

  test('highAvailability without a replica is refused', () => {
    expect(() => build({ highAvailability: true })).toThrow('marin-test: Cache highAvailability needs replicas >= 1');
    expect(() => build({ highAvailability: true, replicas: 1 })).not.toThrow();
  });
});

describe('WorkQueues alone', () => {
  function build(extra: Partial<WorkQueuesProps> = {}) {
    const { stack, key, names } = bareStack();
    new WorkQueues(stack, 'Queues', { names, dataKey: key, visibilityTimeout: Duration.minutes(8), ...extra });
    return ofType(stack, 'AWS::SQS::Queue');
  }
  const DAY = 86_400;

  test('defaults: work queues keep 4 days and redrive after 5 receives, DLQs keep 14 days, all retained', () => {
    const queues = build();
    const work = queues.filter((q) => !q.Properties.QueueName.endsWith('-dlq'));
    const dlqs = queues.filter((q) => q.Properties.QueueName.endsWith('-dlq'));
    expect(work.map((q) => [q.Properties.MessageRetentionPeriod, q.Properties.RedrivePolicy.maxReceiveCount]))
      .toEqual([[4 * DAY, 5], [4 * DAY, 5], [4 * DAY, 5]]);
    expect(work.map((q) => q.Properties.VisibilityTimeout)).toEqual([480, 480, 480]);
    expect(dlqs.map((q) => q.Properties.MessageRetentionPeriod)).toEqual([14 * DAY, 14 * DAY, 14 * DAY]);
    expect(new Set(policies(queues))).toEqual(new Set(['RetainExceptOnCreate/Retain']));
  });

  test('DESTROY deletes every queue', () => {
    expect(new Set(policies(build({ removalPolicy: RemovalPolicy.DESTROY })))).toEqual(new Set(['Delete/Delete']));
  });

  // WorkQueues has no check of its own: sqs.Queue refuses a visibility timeout past the SQS maximum of 12 hours.
  test('a visibility timeout past the SQS maximum is refused by sqs.Queue', () => {
    expect(() => build({ visibilityTimeout: Duration.seconds(43_201) }))
      .toThrow('visibility timeout must be between 0 and 43,200 seconds, but 43201 was provided');
  });
});

describe('DatabaseSecret alone', () => {
  function build(removalPolicy?: RemovalPolicy) {
    const { stack, key, names } = bareStack();
    new DatabaseSecret(stack, 'Database', { names, dataKey: key, removalPolicy });
    return ofType(stack, 'AWS::SecretsManager::Secret');
  }

  test('default removal: retained except on a failed create; DESTROY deletes it', () => {
    expect(policies(build())).toEqual(['RetainExceptOnCreate/Retain']);
    expect(policies(build(RemovalPolicy.DESTROY))).toEqual(['Delete/Delete']);
  });
});

describe('VectorSearch alone', () => {
  function build(extra: Partial<VectorSearchProps> = {}) {
    const { stack, vpc, clients, key, names } = bareStack();
    const writer = new iam.Role(stack, 'Writer', { assumedBy: new iam.AccountRootPrincipal() });
    new VectorSearch(stack, 'Search', {
      names,
      vpc,
      subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      clientSecurityGroup: clients,
      dataKey: key,
      writers: [writer],
      readers: [],
      collectionCostCenter: 'cc-test',
      ...extra,
    });
    return stack;
  }

  test('defaults: standby replicas on; the collection and its encryption policy retained except on a failed create', () => {
    const stack = build();
    const [collection] = ofType(stack, 'AWS::OpenSearchServerless::Collection');
    expect(collection.Properties.StandbyReplicas).toBe('ENABLED');
    expect(collection.Properties.Tags).toContainEqual({ Key: 'CostCenter', Value: 'cc-test' });
    expect(policies([collection])).toEqual(['RetainExceptOnCreate/Retain']);
    const encryption = ofType(stack, 'AWS::OpenSearchServerless::SecurityPolicy').filter((p) => p.Properties.Type === 'encryption');
    expect(policies(encryption)).toEqual(['RetainExceptOnCreate/Retain']);
  });

  test('DESTROY deletes the collection and its encryption policy', () => {
    const stack = build({ removalPolicy: RemovalPolicy.DESTROY, standbyReplicas: false });
    const [collection] = ofType(stack, 'AWS::OpenSearchServerless::Collection');
    expect([collection.Properties.StandbyReplicas, ...policies([collection])]).toEqual(['DISABLED', 'Delete/Delete']);
    const encryption = ofType(stack, 'AWS::OpenSearchServerless::SecurityPolicy').filter((p) => p.Properties.Type === 'encryption');
    expect(policies(encryption)).toEqual(['Delete/Delete']);
  });

  test('a collection nobody can write is refused', () => {
    expect(() => build({ writers: [] })).toThrow('marin-test: VectorSearch needs at least one writer role in writers');
  });
});
