/**
 * The Terraform state bucket of an account, as a stack of the deploy-identity app (`npx cdk deploy --app
 * 'npx tsx bin/deploy-identity.ts' -c env=<env> -c account=<id> --all`): one stack per account, shared by the
 * environments that live there, so its name and its template never depend on the environment.
 */
import { readFileSync } from 'node:fs';
import { App, Validations } from 'aws-cdk-lib';
import type { CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ENVIRONMENT_NAMES, loadEnvironment, type EnvironmentConfig, type EnvironmentName } from '../../environments';
import { common } from '../../environments/common';
import { COMPLIANCE_PACKS, CONTROL_TOWER_PLUGIN, controlOfRule } from '../../lib/core/compliance';
import { createDeployIdentityApp } from '../../lib/deploy-identity-app';
import { cdkJsonContext } from '../support/cdk-context';
import { identityTemplate, managedPolicy, arnText } from './support';

const ACCOUNT = '123456789012';
/** Restated from the design, not read from the code: the stack and the bucket the Atlas backend uses. */
const STACK = 'marin-terraform-state';
const BUCKET = `marin-terraform-state-${ACCOUNT}`;
const BLOCK_ALL = {
  BlockPublicAcls: true,
  BlockPublicPolicy: true,
  IgnorePublicAcls: true,
  RestrictPublicBuckets: true,
};

interface Resource {
  Type: string;
  Properties: Record<string, any>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

interface StateStack {
  readonly app: App;
  readonly artifact: CloudFormationStackArtifact;
  /** The template file exactly as the CLI deploys it. */
  readonly text: string;
  readonly resources: Record<string, Resource>;
}

type Edit = (config: EnvironmentConfig) => EnvironmentConfig;

function stateStack(env: EnvironmentName, edit: Edit = (c) => c): StateStack {
  const app = new App({ context: cdkJsonContext() });
  createDeployIdentityApp(app, edit({ ...loadEnvironment(env), account: ACCOUNT }));
  // Throws on any unacknowledged finding of the four cdk-nag packs.
  const assembly = app.synth();
  const artifact = assembly.getStackByName(STACK);
  const text = readFileSync(artifact.templateFullPath, 'utf8');
  return { app, artifact, text, resources: (JSON.parse(text) as { Resources: Record<string, Resource> }).Resources };
}

const cache = new Map<EnvironmentName, StateStack>();
const cached = (env: EnvironmentName): StateStack => cache.get(env) ?? cache.set(env, stateStack(env)).get(env)!;

function ofType(stack: StateStack, type: string): Array<[string, Resource]> {
  return Object.entries(stack.resources).filter(([, r]) => r.Type === type);
}

function bucketNamed(stack: StateStack, name: string): [string, Resource] {
  const found = ofType(stack, 'AWS::S3::Bucket').filter(([, r]) => r.Properties.BucketName === name);
  expect(found).toHaveLength(1);
  return found[0];
}

function policyOf(stack: StateStack, logicalId: string): Array<Record<string, any>> {
  const policies = ofType(stack, 'AWS::S3::BucketPolicy').filter(([, r]) => r.Properties.Bucket?.Ref === logicalId);
  expect(policies).toHaveLength(1);
  return policies[0][1].Properties.PolicyDocument.Statement;
}

describe.each(ENVIRONMENT_NAMES)('%s: the deploy-identity app also deploys the account\'s Terraform state stack', (env) => {
  test(`a stack named ${STACK} (no environment in its name), in the account and region of the state, termination-protected`, () => {
    const { artifact } = cached(env);
    expect(artifact.stackName).toBe(STACK);
    expect(artifact.environment).toMatchObject({ account: ACCOUNT, region: 'us-east-1' });
    expect(artifact.terminationProtection).toBe(true);
  });

  test('its template names no environment (no Environment tag, no env-derived name)', () => {
    const { text } = cached(env);
    expect(text).not.toMatch(/\b(dev|staging|prod)\b/);
    expect(text).not.toContain('"Environment"');
  });
});

test('environments of one account synthesize a byte-identical state stack: deploying one never changes another\'s', () => {
  const [first, ...rest] = ENVIRONMENT_NAMES.map(cached);
  for (const other of rest) {
    expect(other.text).toBe(first.text);
    // The stack as the CLI deploys it: name, termination protection, tags, environment.
    const deployed = ({ artifact: a }: StateStack) => [a.stackName, a.terminationProtection, a.tags, a.environment];
    expect(deployed(other)).toEqual(deployed(first));
  }
});

test('the settings the state stack reads (project, terraformState) are common to every environment', () => {
  // The stack is per account, but environment files could override these: then two environments of one account
  // would fight over one stack. They come from environments/common.ts and nothing overrides them.
  for (const env of ENVIRONMENT_NAMES) {
    const config = loadEnvironment(env);
    const shared = { project: config.project, terraformState: config.terraformState };
    expect(shared).toEqual({ project: common.project, terraformState: common.terraformState });
  }
});

describe('the state bucket', () => {
  const stack = () => cached('prod');

  test(`is ${BUCKET}: the name the Atlas backend and the deploy roles use`, () => {
    bucketNamed(stack(), BUCKET);
    for (const env of ENVIRONMENT_NAMES) {
      const named = identityTemplate(env, (config) => ({ ...config, account: ACCOUNT }));
      const statements = managedPolicy(named, `marin-${env}-github-deploy-permissions`).Statement;
      const own = statements.find((s) => s.Sid === 'OwnTerraformStateKey')!;
      expect((own.Resource as unknown[]).map(arnText)).toContain(`arn:aws:s3:::${BUCKET}/atlas/${env}/terraform.tfstate`);
    }
  });

  test('is never deleted with the stack nor replaced away (Retain on delete and on replacement)', () => {
    const [, bucket] = bucketNamed(stack(), BUCKET);
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.UpdateReplacePolicy).toBe('Retain');
  });

  test('is versioned, SSE-KMS with the aws/s3 key and a bucket key (as the bootstrap made it), public access blocked, ACLs off', () => {
    const [, bucket] = bucketNamed(stack(), BUCKET);
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' }, BucketKeyEnabled: true }],
    });
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual(BLOCK_ALL);
    expect(bucket.Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
  });

  test('refuses requests without TLS (and below TLS 1.2), on the bucket and its objects', () => {
    const [id] = bucketNamed(stack(), BUCKET);
    const statements = policyOf(stack(), id);
    const denies = statements.filter((s) => s.Effect === 'Deny');
    expect(denies).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: 's3:*', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      expect.objectContaining({ Action: 's3:*', Principal: { AWS: '*' }, Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
    ]));
    for (const deny of denies) expect(deny.Resource).toHaveLength(2);
    // Nothing but the TLS refusals: access to the state is the deploy roles' IAM policies.
    expect(statements.filter((s) => s.Effect !== 'Deny')).toEqual([]);
  });

  test('keeps every revision: its one lifecycle rule only aborts uploads a crashed client left incomplete', () => {
    const [, bucket] = bucketNamed(stack(), BUCKET);
    expect(bucket.Properties.LifecycleConfiguration).toEqual({
      Rules: [{ Id: 'abort-incomplete-uploads', Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }],
    });
  });

  test('sends object events of it and of its log bucket to EventBridge (a state written or deleted outside Terraform)', () => {
    for (const name of [BUCKET, `marin-terraform-state-logs-${ACCOUNT}`]) {
      const [, bucket] = bucketNamed(stack(), name);
      expect(bucket.Properties.NotificationConfiguration).toEqual({
        EventBridgeConfiguration: { EventBridgeEnabled: true },
      });
    }
  });

  test('logs its server access to the access-log bucket of the same stack', () => {
    const [, bucket] = bucketNamed(stack(), BUCKET);
    const [logsId] = bucketNamed(stack(), `marin-terraform-state-logs-${ACCOUNT}`);
    expect(bucket.Properties.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: logsId }, LogFilePrefix: `${BUCKET}/` });
  });
});

test('without -c account (offline synth) the names are {prefix}-${AWS::AccountId}, and the packs still pass', () => {
  const stack = stateStack('dev', (config) => ({ ...config, account: undefined }));
  const names = ofType(stack, 'AWS::S3::Bucket').map(([, r]) => r.Properties.BucketName);
  expect(names).toHaveLength(2);
  expect(names).toEqual(expect.arrayContaining([
    { 'Fn::Join': ['', ['marin-terraform-state-', { Ref: 'AWS::AccountId' }]] },
    { 'Fn::Join': ['', ['marin-terraform-state-logs-', { Ref: 'AWS::AccountId' }]] },
  ]));
});

describe('the access-log bucket of the state bucket', () => {
  const stack = () => cached('prod');

  test('is retained, versioned, SSE-S3 (the only encryption server access logging delivers to), blocked, ACLs off, expiring', () => {
    const [, logs] = bucketNamed(stack(), `marin-terraform-state-logs-${ACCOUNT}`);
    expect(logs.DeletionPolicy).toBe('Retain');
    expect(logs.UpdateReplacePolicy).toBe('Retain');
    expect(logs.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(logs.Properties.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
    expect(logs.Properties.PublicAccessBlockConfiguration).toEqual(BLOCK_ALL);
    expect(logs.Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(logs.Properties.LoggingConfiguration).toBeUndefined();
    const rules = logs.Properties.LifecycleConfiguration.Rules as Array<Record<string, unknown>>;
    expect(rules).toEqual(expect.arrayContaining([expect.objectContaining({ ExpirationInDays: 365, Status: 'Enabled' })]));
  });

  test('admits S3 log delivery from the state bucket of this account only, and only over TLS', () => {
    const [logsId] = bucketNamed(stack(), `marin-terraform-state-logs-${ACCOUNT}`);
    const statements = policyOf(stack(), logsId);
    const allows = statements.filter((s) => s.Effect === 'Allow');
    expect(allows).toHaveLength(1);
    expect(allows[0]).toMatchObject({
      Action: 's3:PutObject',
      Principal: { Service: 'logging.s3.amazonaws.com' },
      Condition: { ArnLike: { 'aws:SourceArn': expect.anything() }, StringEquals: { 'aws:SourceAccount': ACCOUNT } },
    });
    expect(statements.filter((s) => s.Effect === 'Deny').map((s) => s.Condition)).toEqual(expect.arrayContaining([
      { Bool: { 'aws:SecureTransport': 'false' } },
    ]));
  });
});

describe('compliance', () => {
  test('the state stack passes the four cdk-nag packs and Control Tower\'s controls (a careless bucket there fails the synth)', () => {
    const app = new App({ context: cdkJsonContext() });
    createDeployIdentityApp(app, { ...loadEnvironment('dev'), account: ACCOUNT });
    const state = app.node.findChild(STACK);
    for (const pack of COMPLIANCE_PACKS) {
      expect(pack.create(app).validateScope(state).violations.map((v) => v.ruleName)).toEqual([]);
    }
    new s3.Bucket(state, 'CarelessBucket', { enforceSSL: false });
    expect(() => app.synth()).toThrow(/AwsSolutions-S1[\s\S]*\[CT\.S3\.PR\.9\]|\[CT\.S3\.PR\.9\][\s\S]*AwsSolutions-S1/);
  });

  test('acknowledges exactly these findings, each on one bucket: no replication (single region), SSE-S3 on the log bucket (what log delivery requires), no Object Lock (adopted buckets), no logging of the log bucket', () => {
    const { app } = cached('staging');
    const acknowledged: Record<string, string[]> = {};
    for (const node of app.node.findChild(STACK).node.findAll()) {
      const ids = node.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) => Object.keys(entry.data as Record<string, string>))
        .map((id) => id.replace(/^Annotation::/, ''))
        // Control Tower acknowledgements by control id.
        .map((id) => (id.startsWith(`${CONTROL_TOWER_PLUGIN}::`) ? controlOfRule(id.split('::')[1])!.id : id));
      if (ids.length > 0) acknowledged[node.node.path.replace(`${STACK}/`, '')] = ids.sort();
    }
    const packs = ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321'];
    expect(acknowledged).toEqual({
      'StateBucket/Resource': [...packs.map((p) => `${p}-S3BucketReplicationEnabled`), 'CT.S3.PR.9'].sort(),
      'AccessLogs/Resource': [
        ...packs.flatMap((p) => [`${p}-S3BucketReplicationEnabled`, `${p}-S3DefaultEncryptionKMS`]),
        'CT.S3.PR.10', 'CT.S3.PR.2', 'CT.S3.PR.9',
      ].sort(),
    });
  });
});

describe('an optional DynamoDB lock table (terraformState.dynamodbTable, for Terraform < 1.10)', () => {
  test('none by default: locking is the S3 lock file', () => {
    expect(ofType(cached('dev'), 'AWS::DynamoDB::Table')).toEqual([]);
  });

  test('when configured: the LockID table Terraform expects, on demand, encrypted, point-in-time recovery, retained, passing the packs', () => {
    const stack = stateStack('staging', (config) => ({ ...config, terraformState: { ...config.terraformState, useLockfile: false, dynamodbTable: 'terraform-state-lock' } }));
    const tables = ofType(stack, 'AWS::DynamoDB::Table');
    expect(tables).toHaveLength(1);
    const [, table] = tables[0];
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
    expect(table.Properties).toMatchObject({
      TableName: 'terraform-state-lock',
      KeySchema: [{ AttributeName: 'LockID', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'LockID', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
    const acknowledged = stack.app.node.findChild(STACK).node.findChild('LockTable').node.defaultChild!.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.keys(entry.data as Record<string, string>));
    expect(acknowledged.sort()).toEqual(['Annotation::HIPAA.Security-DynamoDBInBackupPlan', 'Annotation::NIST.800.53.R5-DynamoDBInBackupPlan']);
  });
});

test('no stack of the app owns the ECS service-linked role (it usually exists already: a documented one-time command creates it)', () => {
  const { app } = cached('prod');
  const types = app.synth().stacks
    .flatMap((s) => Object.values((s.template as { Resources: Record<string, Resource> }).Resources))
    .map((r) => r.Type);
  expect(types).not.toContain('AWS::IAM::ServiceLinkedRole');
});
