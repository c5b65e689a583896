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
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Cache, type CacheProps } from '../../lib/data/cache';
import { DataBuckets, dataBucketNames, type DataBucketsProps } from '../../lib/data/data-buckets';
import { ObjectCreatedNotifications } from '../../lib/data/object-created-notifications';
import { ServiceIdentities } from '../../lib/data/service-identities';
import { RefreshExport, type RefreshExportProps } from '../../lib/data/staging-refresh';
import { VectorSearch, type VectorSearchProps } from '../../lib/data/vector-search';
import { ResourceNames } from '../../lib/naming';
import { cdkJsonContext } from '../support/cdk-context';

type Resource = {
  Type: string;
  Properties: Record<string, any>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};

function bareStack() {
  const app = new App({ context: cdkJsonContext() });
  const stack = new Stack(app, 'marin-test-data', { env: { account: '123456789012', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    natGateways: 0,
    subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    // No custom resource (Lambda, role) for the default security group: faster, and nothing of the constructs'.
    restrictDefaultSecurityGroup: false,
  });
  const clients = new ec2.SecurityGroup(stack, 'Clients', { vpc });
  return { stack, vpc, clients, key: new kms.Key(stack, 'Key'), names: new ResourceNames('marin', 'test') };
}

/** Resources of a type in the stack's template, in template order. */
function ofType(stack: Stack, type: string): Resource[] {
  const resources = Object.values(Template.fromStack(stack).findResources(type));
  return resources.map((r) => ({ Properties: {}, ...r }) as Resource);
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
  const defaults = build();

  test('defaults: one valkey 8.0 cache.t4g.micro node on 6380, no failover, snapshots kept 7 days, ElastiCache windows', () => {
    const [group] = ofType(defaults, 'AWS::ElastiCache::ReplicationGroup');
    expect(group.Properties).toMatchObject({
      Engine: 'valkey',
      EngineVersion: '8.0',
      CacheNodeType: 'cache.t4g.micro',
      Port: 6380,
      NumCacheClusters: 1,
      PreferredCacheClusterAZs: ['us-east-1a'],
      AutomaticFailoverEnabled: false,
      MultiAZEnabled: false,
      SnapshotRetentionLimit: 7,
    });
    expect(group.Properties.SnapshotWindow).toBeUndefined();
    expect(group.Properties.PreferredMaintenanceWindow).toBeUndefined();
  });

  test('default log retention: two years (the LogGroup default)', () => {
    expect(ofType(defaults, 'AWS::Logs::LogGroup').map((g) => g.Properties.RetentionInDays)).toEqual([731, 731]);
  });

  test('engine redis without a version: 7.1', () => {
    const [group] = ofType(build({ engine: 'redis' }), 'AWS::ElastiCache::ReplicationGroup');
    expect([group.Properties.Engine, group.Properties.EngineVersion]).toEqual(['redis', '7.1']);
  });

  test('highAvailability without a replica is refused', () => {
    expect(() => build({ highAvailability: true })).toThrow('marin-test: Cache highAvailability needs replicas >= 1');
    expect(() => build({ highAvailability: true, replicas: 1 })).not.toThrow();
  });

  test('a snapshotRetention that is not whole days from 0 to 35 is refused, naming the prop', () => {
    const refused = 'marin-test-data/Cache: snapshotRetention must be whole days from 0 to 35 (ElastiCache), got';
    expect(() => build({ snapshotRetention: Duration.hours(36) })).toThrow(`${refused} 1.5`);
    expect(() => build({ snapshotRetention: Duration.days(36) })).toThrow(`${refused} 36`);
    expect(() => build({ snapshotRetention: Duration.days(35) })).not.toThrow();
  });

  test('more nodes than availabilityZones is refused (one node per AZ)', () => {
    expect(() => build({ replicas: 2 })).toThrow(
      'marin-test-data/Cache: replicas 2 needs 3 availabilityZones (one node per AZ), got 2',
    );
    expect(() => build({ availabilityZones: [] })).toThrow('replicas 0 needs 1 availabilityZones');
  });

  test('the waivers follow the props: the single-node and backup reasons only where the props call for them', () => {
    const reasons = (stack: Stack) => JSON.stringify(stack.node.findAll().flatMap((c) => c.node.metadata));
    expect(reasons(defaults)).toContain('Automatic snapshots are on and kept 7 day(s) (snapshotRetention)');
    expect(reasons(defaults)).toContain('highAvailability is off');
    const ha = reasons(build({ replicas: 1, highAvailability: true, snapshotRetention: Duration.days(15) }));
    expect(ha).not.toContain('highAvailability is off');
    expect(ha).not.toContain('Automatic snapshots');
    expect(reasons(defaults)).not.toMatch(/prod|staging|dev\b/);
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

  test('a collection nobody can write is refused', () => {
    expect(() => build({ writers: [] })).toThrow('marin-test: VectorSearch needs at least one writer role in writers');
  });
});

describe('DataBuckets alone', () => {
  function build(extra: Partial<DataBucketsProps> = {}) {
    const { stack, key, names } = bareStack();
    new DataBuckets(stack, 'Buckets', {
      names,
      dataKey: key,
      recordingsExpiration: Duration.days(400),
      transcriptsExpiration: Duration.days(500),
      ...extra,
    });
    const buckets = ofType(stack, 'AWS::S3::Bucket');
    const named = (name: string) => buckets.find((b) => b.Properties.BucketName === `marin-test-${name}`)!;
    return { buckets, recordings: named('call-recordings'), transcripts: named('transcripts'), logs: named('access-logs') };
  }
  const defaults = build();
  const rules = (bucket: Resource) => bucket.Properties.LifecycleConfiguration.Rules as Array<Record<string, unknown>>;
  /** Every bucket's housekeeping rule with the defaults: noncurrent versions 30 days, multipart uploads 7. */
  const HOUSEKEEPING = {
    Id: 'housekeeping',
    Status: 'Enabled',
    NoncurrentVersionExpiration: { NoncurrentDays: 30 },
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
    ExpiredObjectDeleteMarker: true,
  };

  test('default lifecycle: recordings to Standard-IA at 30 days and Glacier IR at 90, access logs expire at 365', () => {
    const { recordings, transcripts, logs: accessLogs } = defaults;
    expect(rules(recordings)).toEqual([
      {
        Id: 'tiering-and-expiry',
        Status: 'Enabled',
        Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }, { StorageClass: 'GLACIER_IR', TransitionInDays: 90 }],
        ExpirationInDays: 400,
      },
      HOUSEKEEPING,
    ]);
    expect(rules(transcripts)).toEqual([{ Id: 'expiry', Status: 'Enabled', ExpirationInDays: 500 }, HOUSEKEEPING]);
    expect(rules(accessLogs)).toEqual([{ Id: 'expire-logs', Status: 'Enabled', ExpirationInDays: 365 }, HOUSEKEEPING]);
  });

  test('an Object Lock retention under one day or not whole days is refused, naming the prop', () => {
    const refused = (prop: string, got: number) =>
      `marin-test-data/Buckets: ${prop} must be whole days, at least 1 (S3 Object Lock), got ${got}`;
    expect(() => build({ recordingsObjectLockRetention: Duration.days(0) }))
      .toThrow(refused('recordingsObjectLockRetention', 0));
    expect(() => build({ transcriptsObjectLockRetention: Duration.hours(36) }))
      .toThrow(refused('transcriptsObjectLockRetention', 1.5));
  });

  test('recordings expiring no later than their Glacier transition (default 90 days) are refused, naming the props', () => {
    expect(() => build({ recordingsExpiration: Duration.days(90) })).toThrow(
      'marin-test-data/Buckets: recordingsExpiration (90 days) must be after recordingsGlacierAfter (90 days) (S3)',
    );
    expect(() => build({ recordingsExpiration: Duration.days(61), recordingsGlacierAfter: Duration.days(60) }))
      .not.toThrow();
  });

  test('the replication waiver names only the safeguards the props give', () => {
    const { stack, key, names } = bareStack();
    const buckets = new DataBuckets(stack, 'Buckets', {
      names,
      dataKey: key,
      recordingsExpiration: Duration.days(400),
      transcriptsExpiration: Duration.days(500),
      recordingsObjectLockRetention: Duration.days(30),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const reason = (bucket: s3.Bucket) => JSON.stringify(bucket.node.defaultChild!.node.metadata);
    expect(reason(buckets.recordings)).toContain('Object Lock (GOVERNANCE) on this bucket');
    for (const bucket of [buckets.recordings, buckets.transcripts, buckets.accessLogs]) {
      expect(reason(bucket)).toContain('durability comes from S3 multi-AZ storage');
      expect(reason(bucket)).not.toContain('kept on stack deletion');
      expect(reason(bucket)).not.toMatch(/prod|dev\b/);
    }
    expect(reason(buckets.transcripts)).not.toContain('Object Lock');
  });
});

describe('RefreshExport alone', () => {
  function buildExport(extra: Partial<RefreshExportProps> = {}) {
    const { stack, key, names } = bareStack();
    const accessLogs = new s3.Bucket(stack, 'AccessLogs');
    new RefreshExport(stack, 'Export', { names, bucketNames: dataBucketNames(names), dataKey: key, accessLogs, ...extra });
    return stack;
  }
  const exportBucket = (stack: Stack) => ofType(stack, 'AWS::S3::Bucket').find((b) => b.Properties.BucketName === 'marin-prod-staging-export')!;
  const exportKey = (stack: Stack) => ofType(stack, 'AWS::KMS::Key').find((k) => String(k.Properties.Description).includes('export'))!;

  test('default expiry: export objects and their noncurrent versions expire after 7 days', () => {
    expect(exportBucket(buildExport()).Properties.LifecycleConfiguration.Rules[0]).toEqual({
      Id: 'expire-exports',
      Status: 'Enabled',
      ExpirationInDays: 7,
      NoncurrentVersionExpiration: { NoncurrentDays: 7 },
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
    });
  });

  test('default removal: the export bucket and its key retained except on a failed create; DESTROY deletes them', () => {
    const kept = buildExport();
    expect(policies([exportBucket(kept), exportKey(kept)])).toEqual(['RetainExceptOnCreate/Retain', 'RetainExceptOnCreate/Retain']);
    const destroyed = buildExport({ removalPolicy: RemovalPolicy.DESTROY });
    expect(policies([exportBucket(destroyed), exportKey(destroyed)])).toEqual(['Delete/Delete', 'Delete/Delete']);
  });
});

describe('ObjectCreatedNotifications alone', () => {
  function build(routes: number) {
    const { stack, key } = bareStack();
    const bucket = new s3.Bucket(stack, 'Bucket', { bucketName: 'marin-test-inbox' });
    const queue = new sqs.Queue(stack, 'Queue', { encryptionMasterKey: key });
    const route = { bucket, bucketName: 'marin-test-inbox', queue };
    new ObjectCreatedNotifications(stack, 'ObjectCreated', { queueKey: key, routes: Array.from({ length: routes }, () => route) });
    return stack;
  }

  test('no route, or a bucket routed twice, is refused', () => {
    expect(() => build(0)).toThrow('ObjectCreated: routes must name at least one bucket and queue');
    expect(() => build(2)).toThrow('Bucket: already has a notification configuration; add the route here instead');
  });
});

describe('ServiceIdentities alone', () => {
  test('four task roles named {project}-{env}-<service>-task, one security group with HTTPS egress only', () => {
    const { stack, vpc, names } = bareStack();
    new ServiceIdentities(stack, 'Identities', { names, vpc });
    expect(ofType(stack, 'AWS::IAM::Role').map((r) => r.Properties.RoleName)).toEqual(
      ['api', 'ingestion', 'transcription', 'indexing'].map((service) => `marin-test-${service}-task`),
    );
    const groups = ofType(stack, 'AWS::EC2::SecurityGroup').filter((g) => String(g.Properties.GroupDescription).includes('ECS tasks'));
    expect(groups.map((g) => g.Properties.SecurityGroupEgress)).toEqual([
      [{ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: expect.stringMatching(/^HTTPS/) }],
    ]);
  });
});
