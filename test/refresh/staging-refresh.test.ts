/**
 * The staging refresh path (issue 23, docs/staging-refresh.md), asserted from the synthesized templates:
 * committed (accounts unknown: same-account deploy) and deployed (prod and staging in different accounts).
 * Expected names are written out here, never read from lib/refresh/names.ts.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ENVIRONMENT_NAMES, type EnvironmentName } from '../../environments';
import { dataBucketNames } from '../../lib/data/data-buckets';
import { RefreshExport } from '../../lib/data/staging-refresh';
import { ResourceNames } from '../../lib/naming';
import { stackOf, stacksOf } from '../support/templates';
import { TEST_PROD_ACCOUNT, TEST_STAGING_ACCOUNT, synthAccount, type SynthVariant } from '../support/variants';

type Resource = { Type: string; Properties?: Record<string, any> };

/**
 * The resources of one stack. A synth that names the environment's account (`-c account=`: deployed, and the
 * committed staging and prod, see synthAccount) holds the literal id where one without holds `Ref AWS::AccountId`:
 * both read `<account>` here, and the peer account stays its literal id.
 */
function resources(envName: EnvironmentName, component: string, variant: SynthVariant): Array<[string, Resource]> {
  const json = JSON.stringify(stackOf(envName, component, variant).json.Resources);
  const own = synthAccount(envName, variant);
  return Object.entries(JSON.parse(own ? json.replaceAll(own, '<account>') : json)) as Array<[string, Resource]>;
}

/** CloudFormation values rendered as text: Ref AWS::AccountId -> <account>, GetAtt X.Arn -> <X>, joins concatenated. */
function text(value: unknown, byId: Record<string, Resource>): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map((v) => text(v, byId)).join(',');
  const v = value as Record<string, any>;
  if (v && 'Ref' in v) {
    if (v.Ref === 'AWS::AccountId') return '<account>';
    if (v.Ref === 'AWS::Partition') return 'aws';
    const r = byId[v.Ref];
    return r ? `<${r.Type}:${r.Properties?.BucketName ?? r.Properties?.RoleName ?? v.Ref}>` : `<${v.Ref}>`;
  }
  if (v && 'Fn::GetAtt' in v) {
    const r = byId[v['Fn::GetAtt'][0]];
    if (r?.Type === 'AWS::KMS::Key') return `<key:${String(r.Properties?.Description).split(':')[0]}${String(r.Properties?.Description).includes('export') ? ':export' : ''}>`;
    if (r?.Type === 'AWS::S3::Bucket') return `arn:aws:s3:::${r.Properties?.BucketName}`;
    return `<${v['Fn::GetAtt'].join('.')}>`;
  }
  if (v && 'Fn::Join' in v) return (v['Fn::Join'][1] as unknown[]).map((p) => text(p, byId)).join(v['Fn::Join'][0]);
  return JSON.stringify(value);
}

/** The statements of the one managed policy attached to the role of this name, rendered as text. */
function roleStatements(
  envName: EnvironmentName,
  roleName: string,
  variant: SynthVariant,
): Array<{ effect: string; grants: string[]; conditions: string }> {
  const list = resources(envName, 'data', variant);
  const byId = Object.fromEntries(list);
  const role = list.find(([, r]) => r.Type === 'AWS::IAM::Role' && r.Properties?.RoleName === roleName);
  if (!role) throw new Error(`no role ${roleName} in ${envName}`);
  const policies = list.filter(([, r]) => r.Type === 'AWS::IAM::ManagedPolicy' && r.Properties!.Roles.some((x: any) => x.Ref === role[0]));
  expect(policies).toHaveLength(1);
  return (policies[0][1].Properties!.PolicyDocument.Statement as Array<Record<string, any>>).map((s) => ({
    effect: s.Effect,
    grants: [s.Action].flat().flatMap((a: string) => [s.Resource].flat().map((r) => `${a} on ${text(r, byId)}`)),
    conditions: text(s.Condition ?? {}, byId) === '{}' ? '' : JSON.stringify(JSON.parse(JSON.stringify(s.Condition, (_k, val) => (val && typeof val === 'object' && !Array.isArray(val) && ('Fn::Join' in val || 'Ref' in val) ? text(val, byId) : val)))),
  }));
}

function grantsOf(statements: ReturnType<typeof roleStatements>): string[] {
  return statements.flatMap((s) => s.grants).sort();
}

const VIA_S3 = '"kms:ViaService":"s3.us-east-1.amazonaws.com"';

describe.each(['committed', 'deployed'] as const)('staging refresh (%s)', (variant) => {
  const crossAccount = variant === 'deployed';
  /** Account of the other side as each side's templates name it. */
  const stagingAccount = crossAccount ? TEST_STAGING_ACCOUNT : '<account>';
  const prodAccount = crossAccount ? TEST_PROD_ACCOUNT : '<account>';
  const loaderRoleArn = `arn:aws:iam::${stagingAccount}:role/marin-staging-loader-task`;

  describe('prod: anonymiser', () => {
    const statements = roleStatements('prod', 'marin-prod-anonymiser-task', variant);

    test('reads prod transcripts and writes only the export bucket: exactly these grants', () => {
      expect(grantsOf(statements)).toEqual(
        [
          's3:GetObject on arn:aws:s3:::marin-prod-transcripts/*',
          'kms:Decrypt on <key:marin-prod>',
          's3:PutObject on arn:aws:s3:::marin-prod-staging-export/*',
          'kms:Decrypt on <key:marin-prod:export>',
          'kms:GenerateDataKey on <key:marin-prod:export>',
        ].sort(),
      );
      expect(statements.every((s) => s.effect === 'Allow')).toBe(true);
    });

    test('its only S3 write is PutObject into the export bucket; every key use goes through S3', () => {
      const writes = grantsOf(statements).filter((g) => /^s3:(Put|Delete|Copy|Restore|Replicate)/.test(g));
      expect(writes).toEqual(['s3:PutObject on arn:aws:s3:::marin-prod-staging-export/*']);
      for (const s of statements.filter((x) => x.grants.some((g) => g.startsWith('kms:')))) expect(s.conditions).toContain(VIA_S3);
    });

    test('the task definition runs the anonymiser image as non-root on a read-only root filesystem, with MONGODB_URI from the secret', () => {
      const [, def] = resources('prod', 'services', variant).find(([, r]) => r.Type === 'AWS::ECS::TaskDefinition' && r.Properties?.Family === 'marin-prod-anonymiser')!;
      expect(def.Properties!.Cpu).toBe('1024');
      expect(def.Properties!.Memory).toBe('2048');
      const [container] = def.Properties!.ContainerDefinitions;
      expect(container.Name).toBe('anonymiser');
      expect(container.User).toBe('1000:1000');
      expect(container.ReadonlyRootFilesystem).toBe(true);
      // No refresh image tag in either variant (diff's read-back reads the release tag only): parked.
      expect(JSON.stringify(container.Image)).toContain(':not-deployed');
      expect(Object.fromEntries(container.Environment.map((e: any) => [e.Name, typeof e.Value === 'string' ? e.Value : 'token']))).toEqual({
        APP_ENV: 'prod',
        REFRESH_TASK: 'anonymiser',
        EXPORT_BUCKET: 'marin-prod-staging-export',
        TRANSCRIPTS_BUCKET: 'token',
      });
      expect(container.Secrets.map((s: any) => s.Name)).toEqual(['MONGODB_URI']);
      const repo = resources('prod', 'services', variant).find(([, r]) => r.Type === 'AWS::ECR::Repository' && r.Properties?.RepositoryName === 'marin-prod-anonymiser');
      expect(repo?.[1].Properties).toMatchObject({ ImageTagMutability: 'IMMUTABLE', ImageScanningConfiguration: { ScanOnPush: true } });
    });
  });

  describe('prod: export bucket and key', () => {
    const list = resources('prod', 'data', variant);
    const byId = Object.fromEntries(list);
    const [bucketId, bucket] = list.find(([, r]) => r.Type === 'AWS::S3::Bucket' && r.Properties?.BucketName === 'marin-prod-staging-export')!;
    const policy = list.find(([, r]) => r.Type === 'AWS::S3::BucketPolicy' && r.Properties?.Bucket?.Ref === bucketId)![1];
    const statements = (policy.Properties!.PolicyDocument.Statement as any[]).map((s) => JSON.parse(JSON.stringify(s, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) && ('Fn::Join' in v || 'Ref' in v || 'Fn::GetAtt' in v) ? text(v, byId) : v))));

    test('KMS-encrypted with its own key, versioned, public access blocked, access-logged, retained', () => {
      const p = bucket.Properties!;
      const sse = p.BucketEncryption.ServerSideEncryptionConfiguration[0];
      expect(sse.ServerSideEncryptionByDefault.SSEAlgorithm).toBe('aws:kms');
      expect(text(sse.ServerSideEncryptionByDefault.KMSMasterKeyID, byId)).toBe('<key:marin-prod:export>');
      expect(p.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(p.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(p.LoggingConfiguration.LogFilePrefix).toBe('marin-prod-staging-export/');
      expect((bucket as any).DeletionPolicy).toBe('RetainExceptOnCreate');
    });

    test('objects and noncurrent versions expire after the configured 3 days', () => {
      expect(bucket.Properties!.LifecycleConfiguration.Rules).toEqual([
        { Id: 'expire-exports', Status: 'Enabled', ExpirationInDays: 3, NoncurrentVersionExpiration: { NoncurrentDays: 3 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
        // S3 rejects ExpiredObjectDeleteMarker next to ExpirationInDays: a rule of its own.
        { Id: 'expired-delete-markers', Status: 'Enabled', ExpiredObjectDeleteMarker: true },
      ]);
    });

    test('Object Lock (GOVERNANCE, 1 day) on every export version, lapsing before the expiry removes one', () => {
      const p = bucket.Properties!;
      expect(p.ObjectLockEnabled).toBe(true);
      expect(p.ObjectLockConfiguration).toEqual({ ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } } });
      // The current version expires (a delete marker, allowed on a locked version) after 3 days and the noncurrent
      // one is removed 3 days later, which Object Lock refuses while it holds: the retention ends before both.
      const [expire] = p.LifecycleConfiguration.Rules;
      expect(p.ObjectLockConfiguration.Rule.DefaultRetention.Days).toBeLessThan(expire.ExpirationInDays);
    });

    test('object events (created, deleted, ...) go to EventBridge, as the access-log bucket\'s do', () => {
      expect(bucket.Properties!.NotificationConfiguration).toEqual({
        EventBridgeConfiguration: { EventBridgeEnabled: true },
      });
    });

    test('TLS-only (1.2+)', () => {
      expect(statements).toEqual(expect.arrayContaining([
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
      ]));
    });

    test('the loader role, named exactly, is the only reader; the anonymiser the only writer', () => {
      const allows = statements.filter((s) => s.Effect === 'Allow');
      expect(allows).toEqual([
        {
          Sid: 'AllowStagingLoaderToRead',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${stagingAccount}:root` },
          Action: ['s3:GetObject', 's3:ListBucket'],
          Resource: ['arn:aws:s3:::marin-prod-staging-export', 'arn:aws:s3:::marin-prod-staging-export/*'],
          Condition: { ArnEquals: { 'aws:PrincipalArn': loaderRoleArn } },
        },
      ]);
      expect(statements.find((s) => s.Sid === 'DenyObjectReadsButTheLoader')).toMatchObject({
        Effect: 'Deny', Principal: { AWS: '*' }, Action: ['s3:GetObject', 's3:GetObjectVersion'], Condition: { ArnNotEquals: { 'aws:PrincipalArn': loaderRoleArn } },
      });
      expect(statements.find((s) => s.Sid === 'DenyObjectWritesButTheAnonymiser')).toMatchObject({
        Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:PutObject', Condition: { ArnNotEquals: { 'aws:PrincipalArn': 'arn:aws:iam::<account>:role/marin-prod-anonymiser-task' } },
      });
    });

    test('the export key lets exactly the loader role decrypt, through S3 only', () => {
      const [, key] = list.find(([, r]) => r.Type === 'AWS::KMS::Key' && String(r.Properties?.Description).includes('staging export'))!;
      expect(key.Properties!.EnableKeyRotation).toBe(true);
      const keyStatements = (key.Properties!.KeyPolicy.Statement as any[]).map((s) => JSON.parse(JSON.stringify(s, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) && ('Fn::Join' in v || 'Ref' in v) ? text(v, byId) : v))));
      const loader = keyStatements.filter((s) => JSON.stringify(s).includes('marin-staging-loader-task'));
      expect(loader).toEqual([
        {
          Sid: 'AllowStagingLoaderToDecryptThroughS3',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${stagingAccount}:root` },
          Action: 'kms:Decrypt',
          Resource: '*',
          Condition: { ArnEquals: { 'aws:PrincipalArn': loaderRoleArn }, StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } },
        },
      ]);
      // Nobody outside prod's account but that statement's principal.
      const principals = keyStatements.flatMap((s) => [s.Principal?.AWS].flat()).filter(Boolean);
      expect([...new Set(principals)].sort()).toEqual([...new Set(['arn:aws:iam::<account>:root', '*', `arn:aws:iam::${stagingAccount}:root`])].sort());
    });
  });

  describe('staging: loader', () => {
    const statements = roleStatements('staging', 'marin-staging-loader-task', variant);

    test('reads only the export bucket and writes staging: exactly these grants', () => {
      expect(grantsOf(statements)).toEqual(
        [
          's3:GetObject on arn:aws:s3:::marin-prod-staging-export/*',
          's3:ListBucket on arn:aws:s3:::marin-prod-staging-export',
          `kms:Decrypt on arn:aws:kms:us-east-1:${prodAccount}:key/*`,
          's3:PutObject on arn:aws:s3:::marin-staging-call-recordings/*',
          's3:PutObject on arn:aws:s3:::marin-staging-transcripts/*',
          'kms:Decrypt on <key:marin-staging>',
          'kms:GenerateDataKey on <key:marin-staging>',
        ].sort(),
      );
    });

    test('its export reads are pinned to the prod account, its prod key use to the export key alias through S3', () => {
      for (const s of statements.filter((x) => x.grants.some((g) => g.includes('marin-prod-staging-export')))) {
        expect(s.conditions).toBe(JSON.stringify({ StringEquals: { 's3:ResourceAccount': prodAccount } }));
      }
      const prodKey = statements.find((x) => x.grants.some((g) => g.includes(`:${prodAccount}:key/*`)))!;
      expect(JSON.parse(prodKey.conditions)).toEqual({
        'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/marin-prod-staging-export' },
        StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' },
      });
    });
  });

  test('no staging policy names any prod resource but the export bucket and its key', () => {
    const prodNames = new Set<string>();
    for (const stack of stacksOf('staging', variant)) {
      for (const match of JSON.stringify(stack.json).matchAll(/marin-prod-[a-z0-9-]+/g)) prodNames.add(match[0]);
      // A prod account ARN other than the export key (pinned by alias, asserted above).
      if (crossAccount) {
        const prodArns = [...JSON.stringify(stack.json).matchAll(new RegExp(`arn:aws:[a-z0-9-]+:[a-z0-9-]*:${TEST_PROD_ACCOUNT}:[^"]*`, 'g'))].map((m) => m[0]);
        expect(prodArns.filter((arn) => arn !== `arn:aws:kms:us-east-1:${TEST_PROD_ACCOUNT}:key/*`)).toEqual([]);
      }
    }
    expect([...prodNames].sort()).toEqual(['marin-prod-staging-export']);
  });
});

describe.each(ENVIRONMENT_NAMES)('refresh resources of %s', (envName) => {
  const all = stacksOf(envName).flatMap((s) => Object.values(s.json.Resources) as Resource[]);
  const expected = {
    dev: { bucket: false, roles: [] as string[], families: [] as string[] },
    staging: { bucket: false, roles: ['marin-staging-loader-exec', 'marin-staging-loader-task'], families: ['marin-staging-loader'] },
    prod: { bucket: true, roles: ['marin-prod-anonymiser-exec', 'marin-prod-anonymiser-task'], families: ['marin-prod-anonymiser'] },
  }[envName];

  test(`export bucket: ${expected.bucket ? 'yes' : 'none'}; refresh roles and task definitions: ${expected.families.join(', ') || 'none'}`, () => {
    expect(all.some((r) => r.Type === 'AWS::S3::Bucket' && String(r.Properties?.BucketName).endsWith('staging-export'))).toBe(expected.bucket);
    const roles = all.filter((r) => r.Type === 'AWS::IAM::Role' && /-(anonymiser|loader)-/.test(String(r.Properties?.RoleName))).map((r) => r.Properties!.RoleName).sort();
    expect(roles).toEqual(expected.roles);
    const families = all.filter((r) => r.Type === 'AWS::ECS::TaskDefinition' && /-(anonymiser|loader)$/.test(String(r.Properties?.Family))).map((r) => r.Properties!.Family);
    expect(families).toEqual(expected.families);
    // No ECS service runs a refresh task: it runs only when started.
    expect(all.filter((r) => r.Type === 'AWS::ECS::Service' && /anonymiser|loader/.test(JSON.stringify(r.Properties)))).toEqual([]);
  });

  test(`failure alarm: ${expected.families[0] ?? 'none'}`, () => {
    const rules = all.filter((r) => r.Type === 'AWS::Events::Rule' && JSON.stringify(r.Properties?.EventPattern ?? {}).includes('ECS Task State Change'));
    if (expected.families.length === 0) {
      expect(rules).toEqual([]);
      return;
    }
    expect(rules).toHaveLength(1);
    const [rule] = rules;
    expect(rule.Properties!.EventPattern).toEqual({
      source: ['aws.ecs'],
      'detail-type': ['ECS Task State Change'],
      detail: {
        lastStatus: ['STOPPED'],
        group: [`family:${expected.families[0]}`],
        $or: [{ containers: { exitCode: [{ 'anything-but': 0 }] } }, { stopCode: ['TaskFailedToStart'] }],
      },
    });
    expect(rule.Properties!.Targets).toHaveLength(1);
    expect(JSON.stringify(rule.Properties!.Targets[0].Arn)).toContain('AlarmTopic');
    const topicPolicy = all.find((r) => r.Type === 'AWS::SNS::TopicPolicy')!;
    expect(JSON.stringify(topicPolicy.Properties!.PolicyDocument)).toContain('"Service":"events.amazonaws.com"');
  });
});

describe('the export bucket\'s Object Lock must lapse before its expiry', () => {
  function build(objectLockRetention: Duration): void {
    const stack = new Stack(new App(), 'marin-test-data', { env: { account: '123456789012', region: 'us-east-1' } });
    const names = new ResourceNames('marin', 'test');
    new RefreshExport(stack, 'Export', {
      names,
      bucketNames: dataBucketNames(names),
      dataKey: new kms.Key(stack, 'Key'),
      accessLogs: new s3.Bucket(stack, 'AccessLogs'),
      expiration: Duration.days(3),
      objectLockRetention,
    });
  }

  test('a retention as long as the expiry, or not whole days, is refused', () => {
    expect(() => build(Duration.days(3)))
      .toThrow(/objectLockRetention must be whole days, at least 1 and less than expiration \(3 days\), got 3/);
    expect(() => build(Duration.hours(12))).toThrow(/got 0.5/);
    expect(() => build(Duration.days(2))).not.toThrow();
  });
});
