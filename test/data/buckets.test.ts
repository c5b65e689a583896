import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ENVIRONMENT_NAMES, loadEnvironment } from '../../environments';
import { DataBuckets } from '../../lib/data/data-buckets';
import { ResourceNames } from '../../lib/naming';
import { cdkJsonContext } from '../support/cdk-context';
import { inAccount, synthAccount } from '../support/variants';
import { dataResources, findOne, label, ofType } from './support';

/** Lifecycle and Object Lock per environment (days). */
const EXPECTED = {
  dev: {
    infrequentAccess: 30, glacier: 60, recordingsExpire: 90, transcriptsExpire: 90,
    noncurrent: 7, abortMultipart: 1, logsExpire: 30, objectLockDays: undefined, transcriptsLockDays: undefined,
  },
  staging: {
    infrequentAccess: 30, glacier: 90, recordingsExpire: 180, transcriptsExpire: 180,
    noncurrent: 30, abortMultipart: 3, logsExpire: 90, objectLockDays: undefined, transcriptsLockDays: 30,
  },
  prod: {
    infrequentAccess: 30, glacier: 90, recordingsExpire: 2555, transcriptsExpire: 2555,
    noncurrent: 90, abortMultipart: 7, logsExpire: 365, objectLockDays: 30, transcriptsLockDays: 30,
  },
} as const;

describe.each(ENVIRONMENT_NAMES)('data buckets in %s', (envName) => {
  const expected = EXPECTED[envName];
  const account = synthAccount(envName);
  const buckets = ofType(envName, 'AWS::S3::Bucket');
  const bucket = (name: string) => findOne(envName, 'AWS::S3::Bucket', (p) => p.BucketName === `marin-${envName}-${name}`);
  const [, recordings] = bucket('call-recordings');
  const [, transcripts] = bucket('transcripts');
  const [accessLogsId, accessLogs] = bucket('access-logs');
  const housekeeping = {
    Id: 'housekeeping',
    Status: 'Enabled',
    NoncurrentVersionExpiration: { NoncurrentDays: expected.noncurrent },
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: expected.abortMultipart },
    ExpiredObjectDeleteMarker: true,
  };

  test('exactly the three buckets, named {project}-{env}-...', () => {
    // prod also holds the staging export (test/refresh/staging-refresh.test.ts).
    const exportBucket = envName === 'prod' ? ['marin-prod-staging-export'] : [];
    expect(buckets.map(([, b]) => b.Properties!.BucketName).sort()).toEqual([`marin-${envName}-access-logs`, `marin-${envName}-call-recordings`, ...exportBucket, `marin-${envName}-transcripts`]);
  });

  test('no bucket without a full public access block, default encryption, versioning and BucketOwnerEnforced', () => {
    for (const [, b] of buckets) {
      expect(b.Properties!.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
      });
      expect(b.Properties!.BucketEncryption.ServerSideEncryptionConfiguration).toHaveLength(1);
      expect(b.Properties!.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(b.Properties!.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    }
  });

  test('no bucket without a TLS-only policy (deny non-TLS and TLS < 1.2 on bucket and objects)', () => {
    const policies = ofType(envName, 'AWS::S3::BucketPolicy');
    for (const [logicalId] of buckets) {
      const policy = policies.find(([, p]) => p.Properties!.Bucket.Ref === logicalId);
      expect(policy).toBeDefined();
      const denies = policy![1].Properties!.PolicyDocument.Statement.filter((s: any) => s.Effect === 'Deny');
      const name = label(envName, { Ref: logicalId });
      const resources = [name, `${name}/*`];
      expect(denies).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Action: 's3:*', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          expect.objectContaining({ Action: 's3:*', Principal: { AWS: '*' }, Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
        ]),
      );
      for (const deny of denies.filter((s: any) => s.Action === 's3:*')) expect(deny.Resource.map((r: unknown) => label(envName, r))).toEqual(resources);
    }
  });

  test('recordings and transcripts: SSE-KMS with the data key and bucket keys; access logs: SSE-S3 (AWS requires it)', () => {
    for (const b of [recordings, transcripts]) {
      const [rule] = b.Properties!.BucketEncryption.ServerSideEncryptionConfiguration;
      expect(rule.BucketKeyEnabled).toBe(true);
      expect(rule.ServerSideEncryptionByDefault.SSEAlgorithm).toBe('aws:kms');
      expect(label(envName, rule.ServerSideEncryptionByDefault.KMSMasterKeyID)).toBe(`key:marin-${envName}`);
    }
    expect(accessLogs.Properties!.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }]);
  });

  test('recordings and transcripts log access to the log bucket; its policy only lets log deliveries write', () => {
    expect(recordings.Properties!.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: accessLogsId }, LogFilePrefix: `marin-${envName}-call-recordings/` });
    expect(transcripts.Properties!.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: accessLogsId }, LogFilePrefix: `marin-${envName}-transcripts/` });
    const [, policy] = findOne(envName, 'AWS::S3::BucketPolicy', (p) => p.Bucket.Ref === accessLogsId);
    const allows = policy.Properties!.PolicyDocument.Statement.filter((s: any) => s.Effect === 'Allow');
    // Whoever else delivers logs here (the services stack's ALB) may only write objects or read the bucket ACL: nobody
    // reads logs by bucket policy.
    for (const statement of allows) expect([statement.Action].flat().every((action: string) => action === 's3:PutObject' || action === 's3:GetBucketAcl')).toBe(true);
    // Server access logging: one statement per source bucket, each writing only under that bucket's prefix.
    const grants = allows.filter((s: any) => s.Principal.Service === 'logging.s3.amazonaws.com').map((s: any) => `${s.Principal.Service} ${s.Action} ${label(envName, s.Resource)} from ${label(envName, s.Condition.ArnLike['aws:SourceArn'])} in ${label(envName, s.Condition.StringEquals['aws:SourceAccount'])}`);
    expect(grants.sort()).toEqual(
      ['call-recordings', ...(envName === 'prod' ? ['staging-export'] : []), 'transcripts'].map((name) => inAccount(`logging.s3.amazonaws.com s3:PutObject bucket:marin-${envName}-access-logs/marin-${envName}-${name}/* from bucket:marin-${envName}-${name} in <AWS::AccountId>`, account)),
    );
  });

  test('the log bucket policy admits ALB access-log delivery (us-east-1 ELB account) under the api prefix only, and nothing else', () => {
    const [, policy] = findOne(envName, 'AWS::S3::BucketPolicy', (p) => p.Bucket.Ref === accessLogsId);
    const allows = policy.Properties!.PolicyDocument.Statement.filter((s: any) => s.Effect === 'Allow');
    expect(allows.filter((s: any) => s.Principal.Service !== 'logging.s3.amazonaws.com')).toEqual([
      {
        Sid: 'AllowLoadBalancerAccessLogDelivery',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::127311923021:root' },
        Action: 's3:PutObject',
        Resource: inAccount({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [accessLogsId, 'Arn'] }, `/alb/marin-${envName}-api/AWSLogs/`, { Ref: 'AWS::AccountId' }, '/*']] }, account),
      },
    ]);
  });

  test('lifecycle from config: recordings tiered then expired, transcripts and logs expired, versions and uploads cleaned', () => {
    expect(recordings.Properties!.LifecycleConfiguration.Rules).toEqual([
      {
        Id: 'tiering-and-expiry',
        Status: 'Enabled',
        Transitions: [
          { StorageClass: 'STANDARD_IA', TransitionInDays: expected.infrequentAccess },
          { StorageClass: 'GLACIER_IR', TransitionInDays: expected.glacier },
        ],
        ExpirationInDays: expected.recordingsExpire,
      },
      housekeeping,
    ]);
    expect(transcripts.Properties!.LifecycleConfiguration.Rules).toEqual([{ Id: 'expiry', Status: 'Enabled', ExpirationInDays: expected.transcriptsExpire }, housekeeping]);
    expect(accessLogs.Properties!.LifecycleConfiguration.Rules).toEqual([{ Id: 'expire-logs', Status: 'Enabled', ExpirationInDays: expected.logsExpire }, housekeeping]);
  });

  const lock = (days: number | undefined) => (days ? `GOVERNANCE ${days} days` : 'none');
  test(`Object Lock: recordings ${lock(expected.objectLockDays)}, transcripts ${lock(expected.transcriptsLockDays)}, access logs none`, () => {
    const locks = [[recordings, expected.objectLockDays], [transcripts, expected.transcriptsLockDays]] as const;
    for (const [b, days] of locks) {
      if (days) {
        expect(b.Properties!.ObjectLockEnabled).toBe(true);
        expect(b.Properties!.ObjectLockConfiguration).toEqual({ ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: days } } });
      } else {
        expect(b.Properties!.ObjectLockEnabled).toBeUndefined();
        expect(b.Properties!.ObjectLockConfiguration).toBeUndefined();
      }
    }
    // S3 server access logging cannot deliver to an Object Lock bucket.
    expect(accessLogs.Properties!.ObjectLockEnabled).toBeUndefined();
  });

  test('the access-log bucket sends its object events to EventBridge, natively (no notification Lambda); the others notify their queues only', () => {
    expect(accessLogs.Properties!.NotificationConfiguration)
      .toEqual({ EventBridgeConfiguration: { EventBridgeEnabled: true } });
    for (const b of [recordings, transcripts]) {
      expect(b.Properties!.NotificationConfiguration.EventBridgeConfiguration).toBeUndefined();
    }
  });

  test('no CORS configuration (no browser origins configured)', () => {
    expect(loadEnvironment(envName).storage.corsAllowedOrigins).toEqual([]);
    for (const [, b] of buckets) expect(b.Properties!.CorsConfiguration).toBeUndefined();
  });

  test('ObjectCreated events: recordings -> ingestion, transcripts -> indexing, natively (no notification Lambda)', () => {
    const destinations = (b: typeof recordings) => b.Properties!.NotificationConfiguration.QueueConfigurations.map((c: any) => `${c.Event} -> ${label(envName, c.Queue)}`);
    expect(destinations(recordings)).toEqual([`s3:ObjectCreated:* -> queue:marin-${envName}-ingestion`]);
    expect(destinations(transcripts)).toEqual([`s3:ObjectCreated:* -> queue:marin-${envName}-indexing`]);
    expect(accessLogs.Properties!.NotificationConfiguration.QueueConfigurations).toBeUndefined();
    const types = new Set(Object.values(dataResources(envName)).map((r) => r.Type));
    expect(types.has('Custom::S3BucketNotifications')).toBe(false);
    expect(types.has('AWS::Lambda::Function')).toBe(false);
  });

  test('each notified bucket waits for the queue policy that lets S3 send from exactly that bucket and account', () => {
    for (const [b, queue] of [[recordings, 'ingestion'], [transcripts, 'indexing']] as const) {
      const [policyId, policy] = findOne(envName, 'AWS::SQS::QueuePolicy', (p) => label(envName, p.Queues[0]) === `queue:marin-${envName}-${queue}`);
      expect(b.DependsOn).toContain(policyId);
      const allow = policy.Properties!.PolicyDocument.Statement.filter((s: any) => s.Effect === 'Allow');
      expect(allow).toEqual([
        expect.objectContaining({
          Principal: { Service: 's3.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Condition: { StringEquals: { 'aws:SourceAccount': inAccount({ Ref: 'AWS::AccountId' }, account) }, ArnEquals: { 'aws:SourceArn': `arn:aws:s3:::${b.Properties!.BucketName}` } },
        }),
      ]);
    }
  });

  test('DeletionPolicy of every bucket: Delete in dev (no auto-delete Lambda), elsewhere retained except on a failed first create', () => {
    for (const [, b] of buckets) {
      expect(b.DeletionPolicy).toBe(envName === 'dev' ? 'Delete' : 'RetainExceptOnCreate');
      expect(b.UpdateReplacePolicy).toBe(envName === 'dev' ? 'Delete' : 'Retain');
    }
  });
});

describe('DataBuckets with browser origins', () => {
  function template(origins: string[]) {
    const app = new App({ context: cdkJsonContext() });
    const stack = new Stack(app, 'Probe', { env: { region: 'us-east-1', account: '111111111111' } });
    new DataBuckets(stack, 'Buckets', {
      names: new ResourceNames('marin', 'dev'),
      dataKey: new kms.Key(stack, 'Key'),
      recordingsExpiration: Duration.days(400), // after the default Glacier transition (90 days)
      transcriptsExpiration: Duration.days(90),
      corsAllowedOrigins: origins,
    });
    return Template.fromStack(stack);
  }

  test('CORS on recordings only: presigned PUT from the configured origins', () => {
    const buckets = Object.values(template(['https://app.example.com']).findResources('AWS::S3::Bucket'));
    const withCors = buckets.filter((b) => b.Properties.CorsConfiguration);
    expect(withCors.map((b) => b.Properties.BucketName)).toEqual(['marin-dev-call-recordings']);
    expect(withCors[0].Properties.CorsConfiguration.CorsRules).toEqual([
      { AllowedMethods: ['PUT'], AllowedOrigins: ['https://app.example.com'], AllowedHeaders: ['Content-Type', 'Content-MD5', 'x-amz-*'], ExposedHeaders: ['ETag'], MaxAge: 3000 },
    ]);
  });
});
