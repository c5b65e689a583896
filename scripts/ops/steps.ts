/**
 * The shared vocabulary of the operator commands: options, stacks, the step types a plan is made
 * of, and the small step builders every command uses. One module per command (deploy.ts, diff.ts,
 * destroy.ts, bootstrap.ts) builds its plan from these; ./execute.ts runs them. Nothing here
 * touches AWS, the file system or child processes.
 */
import { STACK_COMPONENTS } from '../../lib/contracts';
import { atlasStackName } from '../../lib/handoff';
import { ResourceNames } from '../../lib/naming';
import type { EnvironmentConfig } from '../../environments';
import type { Review } from './review';

export const COMMANDS = ['deploy', 'diff', 'destroy', 'bootstrap', 'doctor', 'drift', 'status', 'refresh-staging'] as const;
export type Command = (typeof COMMANDS)[number];

/** Options shared by every command (parsed by ./args.ts). */
export interface OpsOptions {
  /** Print the plan, run nothing. */
  readonly dryRun: boolean;
  /** Non-interactive (CI): skip typed confirmations and let the CDK/CDKTF CLIs proceed without prompts. */
  readonly yes: boolean;
  /**
   * AWS account of the environment (never committed). Required for changes in environments with termination protection.
   */
  readonly account?: string;
  /** Container image tag to deploy (`-c imageTag=`). */
  readonly imageTag?: string;
  /** ACM certificate ARN for the api's HTTPS listener (`-c certificateArn=`). */
  readonly certificateArn?: string;
  /** Addresses subscribed to the alarm topic at deploy time (`-c alarmEmails=`), added to the config's. */
  readonly alarmEmails?: readonly string[];
  /** destroy in dev only: also destroy Atlas and the stateful stacks. */
  readonly allIncludingData: boolean;
  /**
   * deploy in staging/prod without an image tag: services are created (or set back) at 0 tasks. Only
   * for a first deploy before any image exists; otherwise a deploy must name the running release.
   */
  readonly parkServices?: boolean;
  /**
   * Reviewed deploys: CloudFormation logical ids or Terraform addresses whose replacement or removal
   * the operator accepts (otherwise a reviewed plan that replaces stateful or fixed-name resources is refused).
   */
  readonly allowReplace?: readonly string[];
  /**
   * Reviewed deploys: names this run's change sets, assembly directory and Terraform plan file
   * (`[a-z0-9-]`, starts with a letter; the CLI derives it from the time).
   */
  readonly planId?: string;
  /**
   * Reviewed deploys (staging, prod), the pipeline's first half: prepare and review every change set and
   * the saved Terraform plan into the bundle directory `bundle`, execute nothing (`deploy --prepare-only`).
   */
  readonly prepareOnly?: boolean;
  /**
   * Directory of the plan bundle (`--bundle`): the reviewed assembly, the Atlas stack with its saved plan, bundle.json.
   */
  readonly bundle?: string;
  /** The pipeline's second half: execute exactly the change sets and plan of this bundle (`deploy --execute <dir>`). */
  readonly executeBundle?: DeployBundle;
  /** Commit the release is built from (recorded in the bundle; execute refuses another). */
  readonly commit?: string;
  /**
   * Shared environments (deployLease.enabled): the branch being deployed
   * (default: the git checkout's); `commit` above is the commit.
   */
  readonly branch?: string;
  /** The git checkout's HEAD (filled by the CLI): the lease's commit when --commit is not given. */
  readonly gitCommit?: string;
  /** Shared environments: take the deploy lease even while another branch holds it. */
  readonly takeOver?: boolean;
  /** ISO 8601 UTC time of this run (the lease's clock), injected so planning stays pure. */
  readonly now?: string;
  /** The other side's account of the staging refresh (`-c refreshPeerAccount=`). */
  readonly refreshPeerAccount?: string;
  /** Image tag of the staging-refresh task (`-c refreshImageTag=`). */
  readonly refreshImageTag?: string;
  /** refresh-staging: the prod and staging accounts, and the AWS CLI profile of prod's when the accounts differ. */
  readonly accountProd?: string;
  readonly accountStaging?: string;
  readonly profileProd?: string;
}

/** bundle.json of a plan bundle: what `deploy --prepare-only` prepared, read back by `deploy --execute`. */
export interface DeployBundle {
  readonly version: 1;
  readonly environment: string;
  readonly account: string;
  readonly commit?: string;
  readonly imageTag?: string;
  readonly certificateArn?: string;
  readonly alarmEmails?: readonly string[];
  readonly planId: string;
  /**
   * The --allow-replace ids the prepare run accepted: the execute
   * run's review and stack policies accept the same, no more.
   */
  readonly allowReplace?: readonly string[];
  readonly changeSetName: string;
  /** Paths relative to the working directory of the execute job (the bundle is downloaded to the same place). */
  readonly assemblyDir: string;
  readonly terraformDir: string;
  readonly planFile: string;
  readonly stacks: readonly string[];
}

/** A CDK stack of the environment, with its place in the deploy order. */
export interface StackInfo {
  /** CloudFormation stack name, `{project}-{env}-{component}`, also its construct id (what the CDK CLI selects). */
  readonly stackName: string;
  readonly component: string;
  /** Holds data (never destroyed outside dev). */
  readonly stateful: boolean;
}

/** What a preflight check's command answered (all captured); `error` when it could not be started at all. */
export interface CheckResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly error?: string;
  /** The environment of the CLI (for checks of variables). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * One preflight check (./preflight.ts): optionally a read-only command, then a verdict on its answer. The
 * verdict is a problem that names the fix, or undefined when all is well.
 */
export interface PreflightCheck {
  readonly name: string;
  /** Run captured (stdout and stderr); none for checks of the options or the environment variables alone. */
  readonly argv?: readonly string[];
  /** Needs the credentials: runs only after the identity check passed. */
  readonly needsCredentials: boolean;
  readonly verify: (result: CheckResult) => string | undefined;
}

/**
 * The preflight, and the check of the caller's credentials against the environment, before anything else
 * runs: the checks that need no credentials, then the identity, then the checks that read AWS. Every check
 * runs; any failure stops the plan before its first change, listing each problem with its fix.
 */
export interface GuardStep {
  readonly kind: 'guard';
  readonly description: string;
  readonly changes: false;
  /** Account the credentials must belong to; undefined: any (dev without --account). */
  readonly expectedAccount?: string;
  readonly expectedRegion: string;
  /** Preflight checks (deploy, doctor); none: the identity alone. */
  readonly checks?: readonly PreflightCheck[];
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
  /** Skipped when the review step with this key found nothing to change (an empty change set cannot be executed). */
  readonly skipIfUnchanged?: string;
  /** Executes a reviewed change set under the stack's policy (see StackPolicyGuard). */
  readonly stackPolicy?: StackPolicyGuard;
  /** Exit codes other than 0 that do not stop the plan (a waiter that gave up: the next step looks again). */
  readonly okExitCodes?: readonly number[];
  /**
   * Turns the captured stdout into lines for the operator (status reports); the command's own output is not shown then.
   */
  readonly report?: (stdout: string) => string[];
}

/**
 * ExecuteChangeSet takes no during-update stack policy, so: set the policy lifted for the logical ids the
 * review (key `skipIfUnchanged`) allowed, only when it allowed any; execute; then restore the protective
 * policy, also when the execution failed or was skipped. A stack created by this execution, or deployed
 * before it had a policy, gets its policy in that last step.
 */
export interface StackPolicyGuard {
  readonly stackName: string;
  /** `aws cloudformation set-stack-policy`: the protective policy, lifted for `lifted` when that is not empty. */
  readonly setPolicy: (lifted: readonly string[]) => readonly string[];
}

/**
 * Read a reviewed artefact (change set, saved Terraform plan), print what it would change, and stop
 * the plan when the review refuses it. The verdict is kept under `key` for later `skipIfUnchanged` steps.
 */
export interface ReviewStep {
  readonly kind: 'review';
  readonly description: string;
  readonly changes: false;
  readonly argv: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly key: string;
  readonly review: (stdout: string) => Review;
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

/**
 * Read something (captured), then run the steps computed from what was read: for commands whose
 * arguments exist only in AWS (ids of rules, of a security group). `sampleOutput` is an example of
 * the read's output: the dry run shows the follow-up commands it yields, and the tests pass those
 * commands through the real tools.
 */
export interface DeriveStep {
  readonly kind: 'derive';
  readonly description: string;
  readonly changes: boolean;
  readonly argv: readonly string[];
  readonly sampleOutput: string;
  readonly then: (stdout: string) => readonly Step[];
}

export type Step = GuardStep | CommandStep | ReviewStep | EnsureStep | ConfirmStep | DeriveStep;

export interface Plan {
  readonly command: Command;
  readonly environment: string;
  readonly steps: readonly Step[];
  /**
   * deploy --allow-replace: every value must name a guarded replacement or removal that one of the plan's
   * reviews allowed; the executor fails the run naming the others.
   */
  readonly allowReplace?: readonly string[];
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

/** `-c` context of a CDK command: the environment, the account and (for deploy/diff) the deploy values. */
export function cdkContext(config: EnvironmentConfig, options: OpsOptions, withDeployValues: boolean): string[] {
  const args = ['-c', `env=${config.name}`];
  if (options.account) args.push('-c', `account=${options.account}`);
  if (withDeployValues && options.imageTag) args.push('-c', `imageTag=${options.imageTag}`);
  if (withDeployValues && options.certificateArn) args.push('-c', `certificateArn=${options.certificateArn}`);
  if (withDeployValues && options.alarmEmails && options.alarmEmails.length > 0) args.push('-c', `alarmEmails=${options.alarmEmails.join(',')}`);
  if (withDeployValues && options.refreshPeerAccount) args.push('-c', `refreshPeerAccount=${options.refreshPeerAccount}`);
  if (withDeployValues && options.refreshImageTag) args.push('-c', `refreshImageTag=${options.refreshImageTag}`);
  return args;
}

/** Environment of a CDKTF/Terraform child: only this environment's stack, its account (state bucket), no telemetry. */
export function atlasEnv(config: EnvironmentConfig, options: OpsOptions): Record<string, string> {
  const account = options.account ?? config.account;
  return { ATLAS_ENVIRONMENTS: config.name, ...(account ? { ATLAS_ACCOUNT: account } : {}), CHECKPOINT_DISABLE: '1' };
}

export function guard(config: EnvironmentConfig, options: OpsOptions, checks?: readonly PreflightCheck[]): GuardStep {
  const account = options.account ?? config.account;
  const credentials = `check the AWS credentials: account ${account ?? '(any: no --account given)'}, region ${config.region}`;
  return {
    kind: 'guard',
    description: checks && checks.length > 0 ? `preflight (${checks.length} checks, nothing changes before all pass) and ${credentials}` : credentials,
    changes: false,
    expectedAccount: account,
    expectedRegion: config.region,
    ...(checks && checks.length > 0 ? { checks } : {}),
  };
}

/** Staging and prod (termination-protected environments) only change with an explicit account. */
export function requireAccount(config: EnvironmentConfig, options: OpsOptions, command: Command): void {
  if (config.terminationProtection && !(options.account ?? config.account)) {
    throw new RefusalError(
      `refusing to ${command} ${config.name} without an account: pass --account <12-digit id> so the credentials can be checked against it (the account is not committed to the repository)`,
    );
  }
}

/**
 * The Atlas stack's state lives in the account's bucket (`{bucketPrefix}-{account}`), so any command
 * that runs the Atlas stack needs the account, in dev as well.
 */
export function requireAtlasAccount(config: EnvironmentConfig, options: OpsOptions, command: Command): void {
  if (!(options.account ?? config.account)) {
    throw new RefusalError(
      `refusing to ${command} ${config.name} without an account: the Atlas stack keeps its state in ${config.terraformState.bucketPrefix}-<account id>. Pass --account <12-digit id> (aws sts get-caller-identity --query Account --output text)`,
    );
  }
}

/**
 * The account refusals of a command, made first by its plan (planDeploy, planDiff, planDoctor, planDrift). They need
 * only the config and the options, so the CLI makes them before it builds the app for the stack inventory too.
 */
export function refuseWithoutAccount(command: Command, config: EnvironmentConfig, options: OpsOptions): void {
  if (command === 'deploy' || command === 'doctor') requireAccount(config, options, command);
  if (command === 'deploy' || command === 'doctor' || command === 'diff' || command === 'drift') requireAtlasAccount(config, options, command);
}

export function confirm(config: EnvironmentConfig, action: string): ConfirmStep {
  return { kind: 'confirm', description: `confirm: type "${config.name}" to ${action}`, changes: false, expected: config.name };
}

export function cdkDiff(config: EnvironmentConfig, options: OpsOptions, stacks: readonly StackInfo[]): CommandStep {
  return {
    kind: 'command',
    description: `diff CDK stacks: ${stacks.map((s) => s.stackName).join(', ')}`,
    changes: false,
    argv: ['npx', 'cdk', 'diff', ...cdkContext(config, options, true), ...stacks.map((s) => s.stackName)],
  };
}

export function atlasDiff(config: EnvironmentConfig, options: OpsOptions): CommandStep {
  return {
    kind: 'command',
    description: `diff the Atlas stack (CDKTF): ${atlasStackName(config.name)}`,
    changes: false,
    argv: ['npx', 'cdktf', 'diff', atlasStackName(config.name)],
    env: atlasEnv(config, options),
  };
}
