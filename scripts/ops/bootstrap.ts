/** `bootstrap`: prepare an account once (idempotent). */
import type { EnvironmentConfig } from '../../environments';
import { ADMINISTRATOR_ACCESS, CDK_QUALIFIER, DEPLOY_IDENTITY_APP, deployIdentityNames } from '../../lib/deploy/identity';
import { terraformStateBucket } from '../../lib/terraform-state';
import { confirm, guard, RefusalError, type CommandStep, type OpsOptions, type Plan, type Step } from './steps';

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

/**
 * The customer-managed policies `cdk bootstrap` attaches to its CloudFormation execution role:
 * the project's execution policy, never AdministratorAccess.
 */
export function executionPolicyArns(config: EnvironmentConfig, account: string): string[] {
  return [`arn:${partitionOf(config.region)}:iam::${account}:policy/${deployIdentityNames(config).executionPolicy}`];
}

/**
 * Refuses a `cdk bootstrap` command that would leave CloudFormation with AdministratorAccess: without
 * --cloudformation-execution-policies the CDK attaches AdministratorAccess itself, and naming it (or any
 * policy called AdministratorAccess) is refused outright; without a permissions boundary the execution role
 * could create roles more powerful than itself.
 */
export function refuseAdministratorAccess(argv: readonly string[]): void {
  const values = (flag: string): string[] => argv.flatMap((arg, i) => (arg === flag ? [argv[i + 1] ?? ''] : arg.startsWith(`${flag}=`) ? [arg.slice(flag.length + 1)] : []));
  const policies = values('--cloudformation-execution-policies').flatMap((value) => value.split(','));
  if (policies.length === 0) {
    throw new RefusalError('refusing to bootstrap without --cloudformation-execution-policies: the CDK would give CloudFormation AdministratorAccess. The deploy-identity stack creates the scoped policy (lib/deploy/identity.ts)');
  }
  const admin = policies.filter((policy) => ADMINISTRATOR_ACCESS.test(policy.trim()));
  if (admin.length > 0) {
    throw new RefusalError(`refusing to bootstrap with ${admin.join(', ')}: CloudFormation executes with the project's scoped execution policy only (lib/deploy/identity.ts)`);
  }
  if (values('--custom-permissions-boundary').filter((value) => value !== '').length !== 1) {
    throw new RefusalError('refusing to bootstrap without --custom-permissions-boundary <name>: the CloudFormation execution role must carry the permissions boundary');
  }
}

/** Role name of the CDK bootstrap's CloudFormation execution role. */
export function cfnExecutionRoleName(account: string, region: string): string {
  return `cdk-${CDK_QUALIFIER}-cfn-exec-role-${account}-${region}`;
}

/** After the bootstrap: the execution role has exactly the project's policy attached and carries the boundary. */
function verifyExecutionRole(config: EnvironmentConfig, account: string): CommandStep[] {
  const role = cfnExecutionRoleName(account, config.region);
  const expected = executionPolicyArns(config, account);
  const boundary = `arn:${partitionOf(config.region)}:iam::${account}:policy/${deployIdentityNames(config).permissionsBoundary}`;
  return [
    {
      kind: 'command',
      description: `check: ${role} has exactly ${expected.join(', ')} attached (no AdministratorAccess)`,
      changes: false,
      argv: ['aws', 'iam', 'list-attached-role-policies', '--role-name', role, '--output', 'json'],
      verify: (stdout) => {
        let arns: string[];
        try {
          const listed = JSON.parse(stdout) as { AttachedPolicies?: Array<{ PolicyArn: string }> };
          arns = (listed.AttachedPolicies ?? []).map((p) => p.PolicyArn);
        } catch {
          return `could not read the policies of ${role}: ${stdout.trim().slice(0, 200) || '(no output)'}`;
        }
        if (arns.some((arn) => ADMINISTRATOR_ACCESS.test(arn))) return `${role} still has AdministratorAccess attached: detach it (aws iam detach-role-policy --role-name ${role} --policy-arn <arn>) and re-run the bootstrap`;
        return arns.slice().sort().join(',') === expected.slice().sort().join(',') ? undefined : `${role} has ${arns.join(', ') || 'no policy'} attached, expected exactly ${expected.join(', ')}`;
      },
    },
    {
      kind: 'command',
      description: `check: ${role} carries the permissions boundary ${boundary}`,
      changes: false,
      argv: ['aws', 'iam', 'get-role', '--role-name', role, '--query', 'Role.PermissionsBoundary.PermissionsBoundaryArn', '--output', 'text'],
      verify: (stdout) => (stdout.trim() === boundary ? undefined : `${role} carries boundary "${stdout.trim()}", expected ${boundary}`),
    },
  ];
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
  const identity = deployIdentityNames(config);
  const bootstrapArgv = [
    'npx', 'cdk', 'bootstrap', `aws://${account}/${config.region}`,
    '--cloudformation-execution-policies', executionPolicyArns(config, account).join(','),
    '--custom-permissions-boundary', identity.permissionsBoundary,
    ...(config.terminationProtection ? ['--termination-protection'] : []),
  ];
  refuseAdministratorAccess(bootstrapArgv);
  steps.push(
    {
      // First: the execution policy and the boundary must exist before cdk bootstrap names them.
      kind: 'command',
      description: `deploy ${identity.stackName}: GitHub OIDC provider (${config.ci.oidcProvider}), deploy role ${identity.deployRole}, execution policy ${identity.executionPolicy}, boundary ${identity.permissionsBoundary} (operator credentials, no bootstrap needed)`,
      changes: true,
      argv: [
        'npx', 'cdk', 'deploy', '--app', DEPLOY_IDENTITY_APP, '-c', `env=${config.name}`, '-c', `account=${account}`, identity.stackName, '--exclusively',
        '--require-approval', options.yes ? 'never' : 'broadening',
      ],
    },
    {
      kind: 'command',
      description: `CDK bootstrap of aws://${account}/${config.region} with the scoped execution policy and the permissions boundary (never AdministratorAccess; idempotent)`,
      changes: true,
      argv: bootstrapArgv,
    },
    ...verifyExecutionRole(config, account),
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
