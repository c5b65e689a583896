/**
 * `npm run refresh-staging`: fill staging with anonymised prod data (docs/staging-refresh.md).
 *
 *   check staging's credentials (and prod's profile) -> confirm -> prod: run the anonymiser, wait, require exit
 *   code 0 -> staging: run the loader on that run's export, wait, require exit code 0 -> record the run in SSM.
 *
 * Every AWS call is one `aws` command (AWS_CLI, else `aws` on PATH) run with an argv, never a shell string,
 * through `Deps.runAws`. Staging's commands run with the current credentials, prod's with --profile-prod:
 * staging's credentials never touch prod. --dry-run prints the same commands, with placeholders for what
 * earlier commands would answer, and needs no credentials.
 */
import { execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline/promises';
import { loadEnvironment } from '../environments';
import { HANDOFF_PARAMETERS } from '../lib/handoff';
import { ResourceNames } from '../lib/naming';
import { refreshNames, REFRESH_SOURCE, REFRESH_TARGET, REFRESH_TASKS, type RefreshSide } from '../lib/refresh/names';
import { childEnvironment, FAILURE_EXIT_CODE, readArgs, runMain, UsageError } from './lib/cli';

const USAGE = `npm run refresh-staging -- --account-prod <id> --account-staging <id> [--profile-prod <profile>] [--dry-run] [--yes]

Fills staging with anonymised prod data: the anonymiser task in prod, then the loader task in staging
(aws ecs run-task), each waited for; a task that exits non-zero stops the refresh (staging is untouched when the
anonymiser fails). The run is recorded in staging's SSM parameter /marin/staging/refresh/last-run.

  --account-prod <id>      AWS account id of prod (required)
  --account-staging <id>   AWS account id of staging (required; the same id when both share an account); your
                           current credentials must be staging's (checked first: aws sts get-caller-identity)
  --profile-prod <name>    AWS CLI profile of prod, used by every prod command (required when the accounts differ)
  --env staging            the only environment this refreshes (the default)
  --dry-run                print the commands, run nothing (needs no AWS credentials)
  --yes                    no typed confirmation (CI)`;

/** One `aws ecs wait tasks-stopped` gives up after 10 minutes (100 x 6 s): the refresh waits again, 6 hours at most. */
export const WAIT_ROUNDS = 36;

/** Runs `aws <argv>` (with `--profile <profile>` when given) and returns its stdout; throws on a non-zero exit. */
export type RunAws = (argv: readonly string[], profile?: string) => string;

export interface Deps {
  readonly runAws: RunAws;
  /** Reads one answer on the terminal; rejects when there is none. */
  readonly prompt: (question: string) => Promise<string>;
  readonly log: (line: string) => void;
  readonly error: (line: string) => void;
  readonly now: () => Date;
}

/** A refusal or a failure worded for the operator: one `error:` line, exit 1. */
class Stop extends Error {}

/** An aws command that exited non-zero. */
class AwsFailed extends Stop {
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

/** What the operator asked for, checked. */
interface Request {
  readonly accounts: Readonly<Record<'prod' | 'staging', string>>;
  readonly profile?: string;
  readonly yes: boolean;
  readonly dryRun: boolean;
}

interface TaskState {
  readonly lastStatus: string;
  readonly exitCode?: number | null;
  readonly startedAt?: string | null;
  readonly stoppedAt?: string | null;
  readonly stoppedReason?: string | null;
}

/** One side of the refresh: its environment's names and region, its task, its credentials. */
interface Side {
  readonly env: string;
  readonly names: ResourceNames;
  readonly region: string;
  readonly task: (typeof REFRESH_TASKS)[RefreshSide];
  readonly profile?: string;
}

const quote = (arg: string): string => (/^[\w./:=,@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);
const iso = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');
function after(argv: readonly string[], flag: string, count = 1): string[] {
  const at = argv.indexOf(flag) + 1;
  return argv.slice(at, at + count);
}

/** What the dry run pretends each command answered: placeholders in <>, the successful path. */
function sample(argv: readonly string[], profile: string | undefined, accounts: Request['accounts']): string {
  switch (argv[1]) {
    case 'get-caller-identity':
      return JSON.stringify({ Account: profile ? accounts.prod : accounts.staging, Arn: '<your ARN>' });
    case 'get-parameters':
      return JSON.stringify(after(argv, '--names', 2).map((name) => [name, `<${name}>`]));
    case 'run-task':
      return `arn:aws:ecs:${after(argv, '--region')[0]}:<account>:task/${after(argv, '--cluster')[0]}/<task id>\n`;
    case 'describe-tasks':
      return JSON.stringify({ lastStatus: 'STOPPED', exitCode: 0, startedAt: '<start>', stoppedAt: '<end>' });
    default:
      return '';
  }
}

export async function main(argv: readonly string[], deps: Deps): Promise<number> {
  const args = readArgs(argv, { env: REFRESH_TARGET as string, 'account-prod': '', 'account-staging': '', 'profile-prod': '', 'dry-run': false, yes: false }, USAGE);
  if (args === 'help') {
    deps.log(`usage: ${USAGE}`);
    return 0;
  }
  if (args.env !== REFRESH_TARGET) throw new UsageError('refresh-staging refreshes staging only: drop --env or pass --env staging');
  const accounts = { prod: args['account-prod'], staging: args['account-staging'] };
  for (const [env, account] of Object.entries(accounts)) {
    if (!/^\d{12}$/.test(account)) throw new UsageError(`${account ? `option --account-${env}: "${account}" must be a 12-digit AWS account id` : `missing --account-${env} <12-digit id> (the same id for both when they share an account)`}\n\nusage: ${USAGE}`);
  }
  const profile = args['profile-prod'] || undefined;
  if (accounts.prod !== accounts.staging && !profile) throw new UsageError(`prod (${accounts.prod}) and staging (${accounts.staging}) are different accounts: pass --profile-prod <AWS CLI profile of the prod account>; your current credentials are used for staging`);

  const dryRun = args['dry-run'];
  const aws = (command: string[], as?: string): string => {
    const line = ['aws', ...command, ...(as ? ['--profile', as] : [])].map(quote).join(' ');
    deps.log(`  $ ${line}`);
    try {
      return dryRun ? sample(command, as, accounts) : deps.runAws(command, as);
    } catch (error) {
      const { status, code } = error as { status?: unknown; code?: unknown };
      if (code === 'ENOENT') throw new Stop(`no AWS CLI: ${process.env.AWS_CLI || 'aws'} not found; install AWS CLI v2 or set AWS_CLI=/path/to/aws`);
      if (typeof status === 'number') throw new AwsFailed(`${line} failed (exit ${status})`, status);
      throw error;
    }
  };
  try {
    if (dryRun) deps.log('dry run: the commands of a refresh (<placeholders> for what earlier commands answer)');
    await refresh({ accounts, profile, yes: args.yes, dryRun }, aws, deps);
    deps.log(dryRun ? 'dry run: nothing was executed' : 'refresh-staging staging: done');
    return 0;
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    deps.error(`error: ${error.message}`);
    return FAILURE_EXIT_CODE;
  }
}

type Aws = (command: string[], profile?: string) => string;

async function refresh(request: Request, aws: Aws, deps: Deps): Promise<void> {
  const { accounts, profile, yes, dryRun } = request;
  const [prod, staging] = [loadEnvironment(REFRESH_SOURCE), loadEnvironment(REFRESH_TARGET)];
  const side = (config: typeof prod, task: Side['task'], as?: string): Side =>
    ({ env: config.name, names: ResourceNames.of(config), region: config.region, task, profile: as });
  const [source, target] = [side(prod, REFRESH_TASKS.source, profile), side(staging, REFRESH_TASKS.target)];
  const whoAmI = (side: Side, account: string): string => {
    deps.log(`${side.env}: check the credentials${side.profile ? ` (profile ${side.profile})` : ''} belong to account ${account}`);
    const identity = JSON.parse(aws(['sts', 'get-caller-identity', '--output', 'json', '--region', side.region], side.profile)) as { Account?: string; Arn?: string };
    if (identity.Account !== account) {
      throw new Stop(`the ${side.env} credentials (${identity.Arn ?? '?'}) belong to account ${identity.Account ?? '?'}, not ${account}: nothing was run; fix --account-${side.env}${side.profile ? ' or --profile-prod' : ' or switch credentials (AWS_PROFILE=...)'}`);
    }
    return identity.Arn ?? 'unknown';
  };
  const by = whoAmI(target, accounts.staging);
  if (profile) whoAmI(source, accounts.prod);

  const started = deps.now();
  const runId = `r${iso(started).replace(/[-:]/g, '').replace('Z', '').toLowerCase()}`;
  const exportPrefix = `runs/${runId}/`;
  const refreshed = refreshNames(prod.project);
  const question = `Type "${staging.name}" to replace ${staging.name}'s data with anonymised prod data (run ${runId}): `;
  if (dryRun) deps.log(`confirm: ${yes ? '(--yes: no question)' : question}`);
  else if (!yes) {
    const answer = await deps.prompt(question).catch((error: Error) => {
      throw new Stop(`refresh-staging needs a typed confirmation, but ${error.message}: run it in a terminal or pass --yes`);
    });
    if (answer.trim() !== staging.name) throw new Stop(`aborted: expected "${staging.name}", got "${answer.trim()}"; nothing was run`);
  }

  const runTask = (side: Side): { arn: string; state: TaskState } => {
    const { names, region, task } = side;
    const cluster = names.name('cluster');
    const family = names.name(task);
    const { privateSubnetIds, servicesSecurityGroupId } = HANDOFF_PARAMETERS;
    const network = [privateSubnetIds, servicesSecurityGroupId].map((parameter) => names.parameterName(parameter));
    deps.log(`${side.env}: read the private subnets and the services security group the ${task} runs in`);
    const values = new Map(JSON.parse(aws(['ssm', 'get-parameters', '--names', ...network, '--query', 'Parameters[].[Name,Value]', '--output', 'json', '--region', region], side.profile)) as Array<[string, string]>);
    const [subnets, group] = network.map((name) => values.get(name));
    if (!subnets || !group) throw new Stop(`${side.env}: ${network.join(' or ')} is missing: deploy ${side.env}'s network and data stacks first`);

    deps.log(`${side.env}: start the ${task} (${family}, run ${runId}, export ${exportPrefix})`);
    const overrides = { containerOverrides: [{ name: task, environment: [{ name: 'REFRESH_RUN_ID', value: runId }, { name: 'EXPORT_PREFIX', value: exportPrefix }] }] };
    const arn = aws([
      'ecs', 'run-task', '--cluster', cluster, '--task-definition', family, '--capacity-provider-strategy', 'capacityProvider=FARGATE,weight=1',
      '--network-configuration', `awsvpcConfiguration={subnets=[${subnets}],securityGroups=[${group}],assignPublicIp=DISABLED}`,
      '--overrides', JSON.stringify(overrides), '--started-by', `refresh-${runId}`,
      '--tags', `key=RefreshRunId,value=${runId}`, `key=StartedBy,value=${by.replace(/[^\w.:/=+@-]/g, '_').slice(0, 256)}`,
      '--query', 'tasks[0].taskArn', '--output', 'text', '--region', region,
    ], side.profile).trim();
    if (!arn.startsWith('arn:')) throw new Stop(`${side.env}: ECS did not start the ${task} (${arn || 'no task'}): aws ecs run-task reported failures instead of a task`);

    for (let round = 1; ; round++) {
      deps.log(`${side.env}: wait for the ${task} to stop (round ${round} of at most ${WAIT_ROUNDS}, 10 minutes each)`);
      try {
        aws(['ecs', 'wait', 'tasks-stopped', '--cluster', cluster, '--tasks', arn, '--region', region], side.profile);
      } catch (error) {
        if (!(error instanceof AwsFailed && error.status === 255)) throw error; // 255: the waiter gave up; look again
      }
      const state = JSON.parse(aws([
        'ecs', 'describe-tasks', '--cluster', cluster, '--tasks', arn, '--output', 'json', '--region', region, '--query',
        'tasks[0].{lastStatus:lastStatus,exitCode:containers[0].exitCode,startedAt:startedAt,stoppedAt:stoppedAt,stoppedReason:stoppedReason}',
      ], side.profile)) as TaskState;
      if (state.lastStatus === 'STOPPED') {
        if (state.exitCode === 0) return { arn, state };
        throw new Stop(`${side.env}: the ${task} failed (exit code ${state.exitCode ?? 'none'}: ${state.stoppedReason ?? 'no reason'}); logs in ${names.logGroupName(`ecs/${task}`)}. Runbook: docs/runbook.md#refreshing-staging-from-prod`);
      }
      if (round >= WAIT_ROUNDS) throw new Stop(`${side.env}: the ${task} ${arn} still runs after ${WAIT_ROUNDS * 10} minutes; it is left running (stop it: aws ecs stop-task --cluster ${cluster} --task ${arn})`);
    }
  };

  const anonymiser = runTask(source);
  const loader = runTask(target);
  const record = {
    runId,
    prodDataAsOf: anonymiser.state.startedAt ?? iso(started),
    startedAt: iso(started),
    finishedAt: loader.state.stoppedAt ?? iso(deps.now()),
    by,
    exportLocation: `s3://${refreshed.exportBucket}/${exportPrefix}`,
    anonymiserTask: anonymiser.arn,
    loaderTask: loader.arn,
  };
  deps.log(`${staging.name}: record the refresh in ${refreshed.lastRunParameter}`);
  aws(['ssm', 'put-parameter', '--name', refreshed.lastRunParameter, '--type', 'String', '--overwrite', '--description', 'Last staging refresh (npm run refresh-staging)', '--value', JSON.stringify(record), '--region', staging.region]);
}

/** The real dependencies: the AWS CLI as a child process (argv, no shell), the terminal, the clock. */
export const systemDeps = (): Deps => ({
  runAws: (argv, profile) => execFileSync(process.env.AWS_CLI || 'aws', [...argv, ...(profile ? ['--profile', profile] : [])], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: childEnvironment({ AWS_PAGER: '' }), maxBuffer: 64 << 20,
  }),
  prompt: async (question) => {
    if (!process.stdin.isTTY) throw new Error('stdin is not a terminal');
    const terminal = createInterface({ input: process.stdin, output: process.stdout });
    return terminal.question(question).finally(() => terminal.close());
  },
  log: (line) => console.log(line),
  error: (line) => console.error(line),
  now: () => new Date(),
});

if (require.main === module) void runMain(() => main(process.argv.slice(2), systemDeps()));
