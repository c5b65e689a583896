/** `bootstrap`: prepare an account once (idempotent). */
import type { EnvironmentConfig } from '../../environments';
import { terraformStateBucket } from '../../lib/terraform-state';
import { confirm, guard, RefusalError, type OpsOptions, type Plan, type Step } from './steps';

function partitionOf(region: string): string {
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('cn-')) return 'aws-cn';
  return 'aws';
}

/** Bucket policy of the Terraform state bucket: TLS only. */
export function stateBucketPolicy(bucket: string, region: string): string {
  const arn = `arn:${partitionOf(region)}:s3:::${bucket}`;
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [arn, `${arn}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  });
}

/** `cdk bootstrap` of the environment's account/region and the Terraform state backend, all idempotent. */
export function planBootstrap(config: EnvironmentConfig, options: OpsOptions): Plan {
  const account = options.account ?? config.account;
  if (!account) {
    throw new RefusalError(`bootstrap needs the account to prepare: pass --account <12-digit id> (bootstrapping is once per account and region, so it is always named explicitly)`);
  }
  const state = config.terraformState;
  const bucket = terraformStateBucket(state, account);
  const s3 = (operation: string, ...args: string[]): string[] => ['aws', 's3api', operation, '--bucket', bucket, ...args, '--region', state.region];
  const steps: Step[] = [guard(config, options)];
  if (config.name === 'prod' && !options.yes) steps.push(confirm(config, `bootstrap account ${account} in ${config.region}`));
  steps.push(
    {
      kind: 'command',
      description: `CDK bootstrap of aws://${account}/${config.region} (idempotent: updates the CDKToolkit stack if outdated)`,
      changes: true,
      argv: ['npx', 'cdk', 'bootstrap', `aws://${account}/${config.region}`, ...(config.terminationProtection ? ['--termination-protection'] : [])],
    },
    {
      // A fresh account has no ECS service-linked role; the first cluster create can fail without it.
      kind: 'ensure',
      description: 'ECS service-linked role AWSServiceRoleForECS exists',
      changes: true,
      check: ['aws', 'iam', 'get-role', '--role-name', 'AWSServiceRoleForECS', '--output', 'json'],
      create: [['aws', 'iam', 'create-service-linked-role', '--aws-service-name', 'ecs.amazonaws.com']],
    },
    {
      kind: 'ensure',
      description: `Terraform state bucket ${bucket} exists`,
      changes: true,
      check: s3('head-bucket'),
      create: [
        s3('create-bucket', ...(state.region === 'us-east-1' ? [] : ['--create-bucket-configuration', `LocationConstraint=${state.region}`])),
        ['aws', 's3api', 'wait', 'bucket-exists', '--bucket', bucket, '--region', state.region],
      ],
    },
    {
      kind: 'command',
      description: `block all public access to ${bucket}`,
      changes: true,
      argv: s3('put-public-access-block', '--public-access-block-configuration', 'BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true'),
    },
    {
      kind: 'command',
      description: `disable ACLs on ${bucket} (bucket owner enforced)`,
      changes: true,
      argv: s3('put-bucket-ownership-controls', '--ownership-controls', 'Rules=[{ObjectOwnership=BucketOwnerEnforced}]'),
    },
    {
      kind: 'command',
      description: `enable versioning on ${bucket} (every state revision is recoverable)`,
      changes: true,
      argv: s3('put-bucket-versioning', '--versioning-configuration', 'Status=Enabled'),
    },
    {
      kind: 'command',
      description: `default encryption SSE-KMS (aws/s3 key, bucket key) on ${bucket}`,
      changes: true,
      argv: s3(
        'put-bucket-encryption',
        '--server-side-encryption-configuration',
        JSON.stringify({ Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' }, BucketKeyEnabled: true }] }),
      ),
    },
    {
      kind: 'command',
      description: `TLS-only bucket policy on ${bucket}`,
      changes: true,
      argv: s3('put-bucket-policy', '--policy', stateBucketPolicy(bucket, state.region)),
    },
  );
  if (state.dynamodbTable) {
    const table = state.dynamodbTable;
    steps.push(
      {
        kind: 'ensure',
        description: `Terraform lock table ${table} exists`,
        changes: true,
        check: ['aws', 'dynamodb', 'describe-table', '--table-name', table, '--region', state.region],
        create: [
          [
            'aws', 'dynamodb', 'create-table', '--table-name', table,
            '--attribute-definitions', 'AttributeName=LockID,AttributeType=S',
            '--key-schema', 'AttributeName=LockID,KeyType=HASH',
            '--billing-mode', 'PAY_PER_REQUEST',
            '--sse-specification', 'Enabled=true',
            // No --deletion-protection-enabled: AWS CLI 2.9 (Debian's awscli, what CI checks against) does not
            // know it, and the table holds only lock entries (state stays in the versioned bucket).
            '--region', state.region,
          ],
          ['aws', 'dynamodb', 'wait', 'table-exists', '--table-name', table, '--region', state.region],
        ],
      },
      {
        kind: 'command',
        description: `point-in-time recovery on ${table}`,
        changes: true,
        argv: ['aws', 'dynamodb', 'update-continuous-backups', '--table-name', table, '--point-in-time-recovery-specification', 'PointInTimeRecoveryEnabled=true', '--region', state.region],
      },
    );
  }
  return { command: 'bootstrap', environment: config.name, steps };
}

