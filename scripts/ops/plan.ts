/**
 * Pure planning for the operator commands: (environment config, options, stacks) -> the exact list
 * of steps. Nothing here touches AWS, the file system or child processes, so every rule (order,
 * refusals, flags) is testable offline; scripts/ops/execute.ts runs a plan.
 */
import { mongodbUriPlaceholder } from '../../lib/data/database-secret';
import { STACK_COMPONENTS, SERVICE_NAMES } from '../../lib/contracts';
import { SECRET_NAMES } from '../../lib/handoff';
import { ResourceNames } from '../../lib/naming';
import type { EnvironmentConfig } from '../../environments';

export const COMMANDS = ['deploy', 'diff', 'destroy', 'bootstrap'] as const;
export type Command = (typeof COMMANDS)[number];

/** Options shared by every command (parsed by ./args.ts). */
export interface OpsOptions {
  /** Print the plan, run nothing. */
  readonly dryRun: boolean;
  /** Non-interactive (CI): skip typed confirmations and let the CDK/CDKTF CLIs proceed without prompts. */
  readonly yes: boolean;
  /** AWS account of the environment (never committed). Required for changes in environments with termination protection. */
  readonly account?: string;
  /** Container image tag to deploy (`-c imageTag=`). */
  readonly imageTag?: string;
  /** ACM certificate ARN for the api's HTTPS listener (`-c certificateArn=`). */
  readonly certificateArn?: string;
  /** destroy in dev only: also destroy Atlas and the stateful stacks. */
  readonly allIncludingData: boolean;
  /**
   * deploy in staging/prod without an image tag: services are created (or set back) at 0 tasks. Only
   * for a first deploy before any image exists; otherwise a deploy must name the running release.
   */
  readonly parkServices?: boolean;
}

/** A CDK stack of the environment, with its place in the deploy order. */
export interface StackInfo {
  /** CloudFormation stack name, `{project}-{env}-{component}`. */
  readonly stackName: string;
  readonly component: string;
  /** Holds data (never destroyed outside dev). */
  readonly stateful: boolean;
}

/** Verify the caller's credentials against the environment before anything else runs. */
export interface GuardStep {
  readonly kind: 'guard';
  readonly description: string;
  readonly changes: false;
  /** Account the credentials must belong to; undefined: any (dev without --account). */
  readonly expectedAccount?: string;
  readonly expectedRegion: string;
}

/** Run a command; a non-zero exit stops the plan. */
export interface CommandStep {
  readonly kind: 'command';
  readonly description: string;
  /** Whether the step changes anything in AWS or Atlas. */
  readonly changes: boolean;
  readonly argv: readonly string[];
  /** Extra environment variables for the child process. */
  readonly env?: Readonly<Record<string, string>>;
  /** Checks the captured stdout; returns a problem description, or undefined when all is well. */
  readonly verify?: (stdout: string) => string | undefined;
}

/** Run `check`; only when it fails, run each of `create` in turn (check-then-create, idempotent). */
export interface EnsureStep {
  readonly kind: 'ensure';
  readonly description: string;
  readonly changes: true;
  readonly check: readonly string[];
  readonly create: ReadonlyArray<readonly string[]>;
}

/** Stop unless the operator types `expected` (skipped entirely with --yes). */
export interface ConfirmStep {
  readonly kind: 'confirm';
  readonly description: string;
  readonly changes: false;
  readonly expected: string;
}

export type Step = GuardStep | CommandStep | EnsureStep | ConfirmStep;

export interface Plan {
  readonly command: Command;
  readonly environment: string;
  readonly steps: readonly Step[];
}

/** A request the guard rails refuse; the message says why and what to do instead. */
export class RefusalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RefusalError';
  }
}

/**
 * The environment's stacks in deploy order, from STACK_COMPONENTS filtered to the components the app
 * actually defines (`present`, by component name). A stack the app defines that STACK_COMPONENTS does
 * not list has no known place in the order, so it is an error rather than a guess.
 */
export function stackInventory(config: Pick<EnvironmentConfig, 'project' | 'name'>, present?: readonly string[]): StackInfo[] {
  const names = ResourceNames.of(config);
  const known = STACK_COMPONENTS.map((c) => c.component as string);
  const unknown = (present ?? []).filter((component) => !known.includes(component));
  if (unknown.length > 0) {
    throw new Error(`the app defines stack component(s) ${unknown.join(', ')} that lib/contracts.ts STACK_COMPONENTS does not list; add them there (in deploy order) so the operator commands know when to deploy them`);
  }
  return STACK_COMPONENTS.filter((c) => present === undefined || present.includes(c.component)).map((c) => ({
    stackName: names.stackName(c.component),
    component: c.component,
    stateful: c.stateful,
  }));
}

/** Names of the Atlas (CDKTF) stack and the CDK context of one environment. */
export function atlasStackName(config: Pick<EnvironmentConfig, 'name'>): string {
  return `atlas-${config.name}`;
}

function cdkContext(config: EnvironmentConfig, options: OpsOptions, withDeployValues: boolean): string[] {
  const args = ['-c', `env=${config.name}`];
  if (options.account) args.push('-c', `account=${options.account}`);
  if (withDeployValues && options.imageTag) args.push('-c', `imageTag=${options.imageTag}`);
  if (withDeployValues && options.certificateArn) args.push('-c', `certificateArn=${options.certificateArn}`);
  return args;
}

function atlasEnv(config: EnvironmentConfig): Record<string, string> {
  return { ATLAS_ENVIRONMENTS: config.name, CHECKPOINT_DISABLE: '1' };
}

function guard(config: EnvironmentConfig, options: OpsOptions): GuardStep {
  const account = options.account ?? config.account;
  return {
    kind: 'guard',
    description: `check the AWS credentials: account ${account ?? '(any: no --account given)'}, region ${config.region}`,
    changes: false,
    expectedAccount: account,
    expectedRegion: config.region,
  };
}

/**
 * Without an image tag the services are parked at 0 tasks (see docs/services.md). In staging and prod a
 * deploy for an unrelated change would therefore stop every service: it must name the release to run,
 * or say explicitly that parking is intended (first deploy, before any image is pushed).
 */
function requireImageTag(config: EnvironmentConfig, options: OpsOptions, stacks: readonly StackInfo[]): void {
  if (!config.terminationProtection || !stacks.some((s) => s.component === 'services')) return;
  if (options.imageTag ?? config.services.imageTag) {
    if (options.parkServices) throw new RefusalError('--park-services and --image-tag contradict each other: pick one');
    return;
  }
  if (!options.parkServices) {
    throw new RefusalError(
      `refusing to deploy ${config.name} without --image-tag: without one every service is set to 0 tasks. Pass --image-tag <tag of the release that should run> (see the running task definition: aws ecs describe-services --cluster ${ResourceNames.of(config).name('cluster')} --services ${ResourceNames.of(config).name('api')}), or --park-services for a first deploy before any image exists`,
    );
  }
}

/** Staging and prod (termination-protected environments) only change with an explicit account. */
function requireAccount(config: EnvironmentConfig, options: OpsOptions, command: Command): void {
  if (config.terminationProtection && !(options.account ?? config.account)) {
    throw new RefusalError(
      `refusing to ${command} ${config.name} without an account: pass --account <12-digit id> so the credentials can be checked against it (the account is not committed to the repository)`,
    );
  }
}

function confirm(config: EnvironmentConfig, action: string): ConfirmStep {
  return { kind: 'confirm', description: `confirm: type "${config.name}" to ${action}`, changes: false, expected: config.name };
}

function cdkDiff(config: EnvironmentConfig, options: OpsOptions, stacks: readonly StackInfo[]): CommandStep {
  return {
    kind: 'command',
    description: `diff CDK stacks: ${stacks.map((s) => s.stackName).join(', ')}`,
    changes: false,
    argv: ['npx', 'cdk', 'diff', ...cdkContext(config, options, true), ...stacks.map((s) => s.stackName)],
  };
}

function atlasDiff(config: EnvironmentConfig): CommandStep {
  return {
    kind: 'command',
    description: `diff the Atlas stack (CDKTF): ${atlasStackName(config)}`,
    changes: false,
    argv: ['npx', 'cdktf', 'diff', atlasStackName(config)],
    env: atlasEnv(config),
  };
}

function cdkDeploy(config: EnvironmentConfig, options: OpsOptions, stacks: readonly StackInfo[], label: string, approved: boolean, force = false): CommandStep {
  return {
    kind: 'command',
    description: `deploy ${label} CDK stacks: ${stacks.map((s) => s.stackName).join(', ')}`,
    changes: true,
    argv: [
      'npx', 'cdk', 'deploy', ...cdkContext(config, options, true), ...stacks.map((s) => s.stackName),
      // Exactly these stacks: the order between the groups is this plan's job.
      '--exclusively',
      // Weak cross-stack references (Fn::GetStackOutput) are resolved only when the consumer stack is
      // updated: force the update so replaced data-stack resources reach the services.
      ...(force ? ['--force'] : []),
      // Unconfirmed runs keep the CDK's own prompt for IAM/security-group broadening.
      '--require-approval', approved ? 'never' : 'broadening',
    ],
  };
}

/** Secrets whose current value the services read at start-up (the hand-off contract's secrets). */
export const CHECKED_SECRETS = Object.values(SECRET_NAMES);

function secretHasCurrentVersion(secretId: string): (stdout: string) => string | undefined {
  return (stdout) => {
    let stages: Record<string, string[]> | null;
    try {
      stages = JSON.parse(stdout) as Record<string, string[]> | null;
    } catch {
      return `could not read the versions of ${secretId}: ${stdout.trim() || '(no output)'}`;
    }
    const current = Object.values(stages ?? {}).some((labels) => labels.includes('AWSCURRENT'));
    return current ? undefined : `secret ${secretId} has no AWSCURRENT version: the stack that writes it has not set a value`;
  };
}

/** The CDK placeholder is a current version too: the value itself must have been replaced by the Atlas stack. */
function secretIsNotPlaceholder(secretId: string, placeholder: string): (stdout: string) => string | undefined {
  return (stdout) =>
    stdout.trim() === placeholder || stdout.includes('PENDING: the atlas-')
      ? `secret ${secretId} still holds the CDK placeholder: the Atlas stack did not write the connection string (re-run the Atlas step: npx cdktf deploy atlas-<env>)`
      : undefined;
}

function postDeployChecks(config: EnvironmentConfig, stacks: readonly StackInfo[]): CommandStep[] {
  const names = ResourceNames.of(config);
  const components = stacks.map((s) => s.component);
  const checks: CommandStep[] = [];
  if (components.includes('data')) {
    for (const secret of CHECKED_SECRETS) {
      const secretId = names.secretName(secret);
      checks.push({
        kind: 'command',
        description: `check: secret ${secretId} has a current value`,
        changes: false,
        argv: ['aws', 'secretsmanager', 'describe-secret', '--secret-id', secretId, '--region', config.region, '--query', 'VersionIdsToStages', '--output', 'json'],
        verify: secretHasCurrentVersion(secretId),
      });
    }
    const mongodbUri = names.secretName(SECRET_NAMES.mongodbUri);
    checks.push({
      kind: 'command',
      description: `check: secret ${mongodbUri} holds the connection string written by Atlas, not the CDK placeholder`,
      changes: false,
      argv: ['aws', 'secretsmanager', 'get-secret-value', '--secret-id', mongodbUri, '--region', config.region, '--query', 'SecretString', '--output', 'text'],
      verify: secretIsNotPlaceholder(mongodbUri, mongodbUriPlaceholder(config.name)),
    });
  }
  if (components.includes('services')) {
    checks.push({
      kind: 'command',
      description: 'check: every ECS service reached a steady state',
      changes: false,
      argv: [
        'aws', 'ecs', 'wait', 'services-stable', '--cluster', names.name('cluster'),
        '--services', ...SERVICE_NAMES.map((service) => names.name(service)), '--region', config.region,
      ],
    });
  }
  return checks;
}

/** Stateful CDK stacks → Atlas (CDKTF) → stateless CDK stacks → post-deploy checks; prod reviews a diff and confirms first. */
export function planDeploy(config: EnvironmentConfig, options: OpsOptions, stacks: readonly StackInfo[]): Plan {
  requireAccount(config, options, 'deploy');
  requireImageTag(config, options, stacks);
  const stateful = stacks.filter((s) => s.stateful);
  const stateless = stacks.filter((s) => !s.stateful);
  // Prod: the diff is the reviewed plan; after the typed confirmation the CLIs run without prompts.
  const review = config.name === 'prod';
  const approved = options.yes || review;
  const steps: Step[] = [guard(config, options)];
  if (review) {
    if (stacks.length > 0) steps.push(cdkDiff(config, options, stacks));
    steps.push(atlasDiff(config));
    if (!options.yes) steps.push(confirm(config, 'deploy the changes above'));
  }
  if (stateful.length > 0) steps.push(cdkDeploy(config, options, stateful, 'stateful', approved));
  steps.push({
    kind: 'command',
    description: `deploy the Atlas stack (CDKTF): ${atlasStackName(config)}`,
    changes: true,
    argv: ['npx', 'cdktf', 'deploy', atlasStackName(config), ...(approved ? ['--auto-approve'] : [])],
    env: atlasEnv(config),
  });
  if (stateless.length > 0) steps.push(cdkDeploy(config, options, stateless, 'service', approved, stateful.length > 0));
  steps.push(...postDeployChecks(config, stacks));
  return { command: 'deploy', environment: config.name, steps };
}

/** What deploy would change, for every CDK stack and the Atlas stack; changes nothing. */
export function planDiff(config: EnvironmentConfig, options: OpsOptions, stacks: readonly StackInfo[]): Plan {
  const steps: Step[] = [guard(config, options)];
  if (stacks.length > 0) steps.push(cdkDiff(config, options, stacks));
  steps.push(atlasDiff(config));
  return { command: 'diff', environment: config.name, steps };
}

/**
 * prod: refused. staging: stateless stacks only, never Atlas or stateful stacks. dev: stateless
 * stacks, and with --all-including-data also Atlas and the stateful stacks. Reverse deploy order.
 */
export function planDestroy(config: EnvironmentConfig, options: OpsOptions, stacks: readonly StackInfo[]): Plan {
  if (config.name === 'prod') {
    throw new RefusalError('refusing to destroy prod: production is never torn down by this tool. Remove a prod stack through a reviewed change (CloudFormation console, termination protection off) instead');
  }
  if (options.allIncludingData && !config.disposableData) {
    throw new RefusalError(
      `refusing to destroy stateful stacks or Atlas in ${config.name}: its data is not disposable. \`destroy --env ${config.name}\` without --all-including-data removes the stateless stacks only`,
    );
  }
  requireAccount(config, options, 'destroy');
  const reversed = [...stacks].reverse();
  const stateless = reversed.filter((s) => !s.stateful);
  const stateful = options.allIncludingData ? reversed.filter((s) => s.stateful) : [];
  const targets = [...stateless.map((s) => s.stackName), ...(options.allIncludingData ? [atlasStackName(config), ...stateful.map((s) => s.stackName)] : [])];
  // Nothing to remove (e.g. no stateless stack exists yet): an empty plan, which the executor reports.
  if (targets.length === 0) return { command: 'destroy', environment: config.name, steps: [] };
  const steps: Step[] = [guard(config, options)];
  if (!options.yes) steps.push(confirm(config, `destroy ${targets.join(', ')}`));

  const cdkDestroy = (group: readonly StackInfo[], label: string): Step[] => [
    ...(config.terminationProtection
      ? group.map((s): CommandStep => ({
          kind: 'command',
          description: `turn off termination protection of ${s.stackName}`,
          changes: true,
          argv: ['aws', 'cloudformation', 'update-termination-protection', '--no-enable-termination-protection', '--stack-name', s.stackName, '--region', config.region],
        }))
      : []),
    {
      kind: 'command',
      description: `destroy ${label} CDK stacks: ${group.map((s) => s.stackName).join(', ')}`,
      changes: true,
      argv: ['npx', 'cdk', 'destroy', ...cdkContext(config, options, false), ...group.map((s) => s.stackName), '--exclusively', '--force'],
    },
  ];

  if (stateless.length > 0) steps.push(...cdkDestroy(stateless, 'stateless'));
  if (options.allIncludingData) {
    steps.push({
      kind: 'command',
      description: `destroy the Atlas stack (CDKTF): ${atlasStackName(config)}`,
      changes: true,
      argv: ['npx', 'cdktf', 'destroy', atlasStackName(config), '--auto-approve'],
      env: atlasEnv(config),
    });
    if (stateful.length > 0) steps.push(...cdkDestroy(stateful, 'stateful'));
  }
  return { command: 'destroy', environment: config.name, steps };
}

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
  const s3 = (operation: string, ...args: string[]): string[] => ['aws', 's3api', operation, '--bucket', state.bucket, ...args, '--region', state.region];
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
      kind: 'ensure',
      description: `Terraform state bucket ${state.bucket} exists`,
      changes: true,
      check: s3('head-bucket'),
      create: [
        s3('create-bucket', ...(state.region === 'us-east-1' ? [] : ['--create-bucket-configuration', `LocationConstraint=${state.region}`])),
        ['aws', 's3api', 'wait', 'bucket-exists', '--bucket', state.bucket, '--region', state.region],
      ],
    },
    {
      kind: 'command',
      description: `block all public access to ${state.bucket}`,
      changes: true,
      argv: s3('put-public-access-block', '--public-access-block-configuration', 'BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true'),
    },
    {
      kind: 'command',
      description: `disable ACLs on ${state.bucket} (bucket owner enforced)`,
      changes: true,
      argv: s3('put-bucket-ownership-controls', '--ownership-controls', 'Rules=[{ObjectOwnership=BucketOwnerEnforced}]'),
    },
    {
      kind: 'command',
      description: `enable versioning on ${state.bucket} (every state revision is recoverable)`,
      changes: true,
      argv: s3('put-bucket-versioning', '--versioning-configuration', 'Status=Enabled'),
    },
    {
      kind: 'command',
      description: `default encryption SSE-KMS (aws/s3 key, bucket key) on ${state.bucket}`,
      changes: true,
      argv: s3(
        'put-bucket-encryption',
        '--server-side-encryption-configuration',
        JSON.stringify({ Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' }, BucketKeyEnabled: true }] }),
      ),
    },
    {
      kind: 'command',
      description: `TLS-only bucket policy on ${state.bucket}`,
      changes: true,
      argv: s3('put-bucket-policy', '--policy', stateBucketPolicy(state.bucket, state.region)),
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
            '--deletion-protection-enabled',
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

export function plan(command: Command, config: EnvironmentConfig, options: OpsOptions, stacks: readonly StackInfo[]): Plan {
  switch (command) {
    case 'deploy':
      return planDeploy(config, options, stacks);
    case 'diff':
      return planDiff(config, options, stacks);
    case 'destroy':
      return planDestroy(config, options, stacks);
    case 'bootstrap':
      return planBootstrap(config, options);
  }
}
