/**
 * `refresh-staging`: fill staging with anonymised prod data (docs/staging-refresh.md).
 *
 *   guard (staging credentials) -> who am I (staging) -> [prod credentials check] -> confirm ->
 *   prod: run the anonymiser (aws ecs run-task), wait until it stops, require exit code 0 ->
 *   staging: run the loader on that run's export prefix, wait, require exit code 0 ->
 *   record the run in staging's SSM (run id, prod data as of, when, by whom, both tasks).
 *
 * Staging's credentials never touch prod: every prod command runs with prod's (the same credentials when both
 * environments share an account, else `--profile-prod`). A failed task stops the plan with its exit code and
 * reason; the EventBridge rule of each side alarms on it as well (lib/monitoring/refresh-failure.ts).
 */
import { HANDOFF_PARAMETERS } from '../../lib/handoff';
import { ResourceNames } from '../../lib/naming';
import { refreshNames, REFRESH_TASKS, type RefreshSide } from '../../lib/refresh/names';
import type { EnvironmentConfig } from '../../environments';
import { guard, RefusalError, type CommandStep, type DeriveStep, type OpsOptions, type Plan, type Step } from './steps';

/**
 * How long one `aws ecs wait tasks-stopped` waits at most (the waiter: 100 x 6 s), and how often the plan waits again.
 */
export const WAIT_ROUNDS = 36;

/** Sample outputs: the dry run and the real-tool tests follow the successful path. */
const SAMPLE = {
  identity: (account: string) => JSON.stringify({ UserId: 'AIDAEXAMPLE', Account: account, Arn: `arn:aws:iam::${account}:user/operator` }),
  network: (config: EnvironmentConfig) =>
    JSON.stringify([
      [ResourceNames.of(config).parameterName(HANDOFF_PARAMETERS.privateSubnetIds), 'subnet-0aaaaaaaaaaaaaaa1,subnet-0aaaaaaaaaaaaaaa2'],
      [ResourceNames.of(config).parameterName(HANDOFF_PARAMETERS.servicesSecurityGroupId), 'sg-0123456789abcdef0'],
    ]),
  taskArn: (config: EnvironmentConfig) => `arn:aws:ecs:${config.region}:123456789012:task/${ResourceNames.of(config).name('cluster')}/0123456789abcdef0123456789abcdef\n`,
  stopped: JSON.stringify({ lastStatus: 'STOPPED', exitCode: 0, startedAt: '2026-01-05T06:00:12Z', stoppedAt: '2026-01-05T07:41:40Z', stoppedReason: 'Essential container in task exited' }),
};

interface TaskState {
  readonly lastStatus: string;
  readonly exitCode?: number | null;
  readonly startedAt?: string | null;
  readonly stoppedAt?: string | null;
  readonly stoppedReason?: string | null;
}

export interface RefreshRecord {
  readonly runId: string;
  /** When the anonymiser started reading prod: the data in staging is prod as of then. */
  readonly prodDataAsOf: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly by: string;
  readonly exportLocation: string;
  readonly anonymiserTask: string;
  readonly loaderTask: string;
}

/** A side of the refresh: which environment, which credentials (AWS CLI profile), which task. */
interface Side {
  readonly config: EnvironmentConfig;
  readonly side: RefreshSide;
  readonly profile?: string;
}

function aws(side: Side, ...args: string[]): string[] {
  return ['aws', ...args, '--region', side.config.region, ...(side.profile ? ['--profile', side.profile] : [])];
}

function identityStep(side: Side, account: string, then: (arn: string) => readonly Step[]): DeriveStep {
  return {
    kind: 'derive',
    description: `check the ${side.config.name} credentials${side.profile ? ` (profile ${side.profile})` : ''}: account ${account}`,
    changes: false,
    argv: ['aws', 'sts', 'get-caller-identity', '--output', 'json', ...(side.profile ? ['--profile', side.profile] : [])],
    sampleOutput: SAMPLE.identity(account),
    then: (stdout) => {
      const identity = JSON.parse(stdout) as { Account?: string; Arn?: string };
      if (identity.Account !== account) {
        throw new Error(`the ${side.config.name} credentials (${identity.Arn ?? '?'}) belong to account ${identity.Account ?? '?'}, not ${account}: fix --account-${side.config.name}${side.profile ? ` or --profile-${side.config.name}` : ''}`);
      }
      return then(identity.Arn ?? 'unknown');
    },
  };
}

/** The task's run-time inputs (docs/staging-refresh.md): the run id and the export prefix of this run. */
function overrides(side: Side, runId: string, exportPrefix: string): string {
  const name = REFRESH_TASKS[side.side];
  return JSON.stringify({ containerOverrides: [{ name, environment: [{ name: 'REFRESH_RUN_ID', value: runId }, { name: 'EXPORT_PREFIX', value: exportPrefix }] }] });
}

/**
 * Read the side's subnets and security group, start its task, wait for it to stop, require exit code 0, then `next`.
 */
function runTask(
  side: Side,
  runId: string,
  exportPrefix: string,
  by: string,
  next: (taskArn: string, state: TaskState) => readonly Step[],
): DeriveStep {
  const { config } = side;
  const names = ResourceNames.of(config);
  const cluster = names.name('cluster');
  const family = names.name(REFRESH_TASKS[side.side]);
  const subnetsParameter = names.parameterName(HANDOFF_PARAMETERS.privateSubnetIds);
  const groupParameter = names.parameterName(HANDOFF_PARAMETERS.servicesSecurityGroupId);
  return {
    kind: 'derive',
    description: `${config.name}: read the private subnets and the services security group the ${REFRESH_TASKS[side.side]} runs in`,
    changes: false,
    argv: aws(side, 'ssm', 'get-parameters', '--names', subnetsParameter, groupParameter, '--query', 'Parameters[].[Name,Value]', '--output', 'json'),
    sampleOutput: SAMPLE.network(config),
    then: (stdout) => {
      const values = new Map(JSON.parse(stdout) as Array<[string, string]>);
      const subnets = values.get(subnetsParameter);
      const group = values.get(groupParameter);
      if (!subnets || !group) throw new Error(`${config.name}: ${subnetsParameter} or ${groupParameter} is missing: deploy the network and data stacks first`);
      return [
        {
          kind: 'derive',
          description: `${config.name}: start the ${REFRESH_TASKS[side.side]} (${family}, run ${runId}, export ${exportPrefix})`,
          changes: true,
          argv: aws(
            side, 'ecs', 'run-task', '--cluster', cluster, '--task-definition', family,
            '--capacity-provider-strategy', 'capacityProvider=FARGATE,weight=1',
            '--network-configuration', `awsvpcConfiguration={subnets=[${subnets}],securityGroups=[${group}],assignPublicIp=DISABLED}`,
            '--overrides', overrides(side, runId, exportPrefix),
            '--started-by', `refresh-${runId}`.slice(0, 36),
            '--tags', `key=RefreshRunId,value=${runId}`, `key=StartedBy,value=${by.replace(/[^\w.:/=+@-]/g, '_').slice(0, 256)}`,
            '--query', 'tasks[0].taskArn', '--output', 'text',
          ),
          sampleOutput: SAMPLE.taskArn(config),
          then: (arnOut) => {
            const taskArn = arnOut.trim();
            if (!taskArn.startsWith('arn:')) throw new Error(`${config.name}: ECS did not start the ${REFRESH_TASKS[side.side]} (${arnOut.trim() || 'no task'}): aws ecs run-task printed failures instead of a task`);
            return waitFor(side, cluster, taskArn, 1, next);
          },
        },
      ];
    },
  };
}

/** Wait (the waiter gives up after 10 minutes: exit 255 is fine, the describe looks again), then decide. */
function waitFor(
  side: Side,
  cluster: string,
  taskArn: string,
  round: number,
  next: (taskArn: string, state: TaskState) => readonly Step[],
): Step[] {
  const task = REFRESH_TASKS[side.side];
  const wait: CommandStep = {
    kind: 'command',
    description: `${side.config.name}: wait for the ${task} to stop (round ${round} of at most ${WAIT_ROUNDS}, 10 minutes each)`,
    changes: false,
    argv: aws(side, 'ecs', 'wait', 'tasks-stopped', '--cluster', cluster, '--tasks', taskArn),
    okExitCodes: [255],
  };
  const describe: DeriveStep = {
    kind: 'derive',
    description: `${side.config.name}: the ${task}'s state and exit code (0 = done; anything else stops the refresh)`,
    changes: false,
    argv: aws(side, 'ecs', 'describe-tasks', '--cluster', cluster, '--tasks', taskArn, '--query', 'tasks[0].{lastStatus:lastStatus,exitCode:containers[0].exitCode,startedAt:startedAt,stoppedAt:stoppedAt,stoppedReason:stoppedReason}', '--output', 'json'),
    sampleOutput: SAMPLE.stopped,
    then: (stdout) => {
      const state = JSON.parse(stdout) as TaskState;
      if (state.lastStatus !== 'STOPPED') {
        if (round >= WAIT_ROUNDS) throw new Error(`${side.config.name}: the ${task} ${taskArn} still runs after ${WAIT_ROUNDS * 10} minutes; it is left running (stop it with aws ecs stop-task --cluster ${cluster} --task ${taskArn})`);
        return waitFor(side, cluster, taskArn, round + 1, next);
      }
      if (state.exitCode !== 0) {
        const logs = ResourceNames.of(side.config).logGroupName(`ecs/${task}`);
        throw new Error(`${side.config.name}: the ${task} failed (exit code ${state.exitCode ?? 'none'}: ${state.stoppedReason ?? 'no reason'}); logs in ${logs}. Runbook: docs/runbook.md#refreshing-staging-from-prod`);
      }
      return next(taskArn, state);
    },
  };
  return [wait, describe];
}

export function planRefresh(prod: EnvironmentConfig, staging: EnvironmentConfig, options: OpsOptions): Plan {
  const { accountProd, accountStaging } = options;
  if (!accountProd || !accountStaging) {
    throw new RefusalError('refusing to refresh staging without both accounts: pass --account-prod <12-digit id> --account-staging <12-digit id> (the same id when both environments share an account)');
  }
  if (accountProd !== accountStaging && !options.profileProd) {
    throw new RefusalError(`prod (${accountProd}) and staging (${accountStaging}) are different accounts: pass --profile-prod <AWS CLI profile of the prod account>; your current credentials are used for staging`);
  }
  if (!options.planId || !options.now) throw new Error('refresh-staging needs a run id (options.planId) and the time (options.now)');
  const runId = options.planId;
  const refresh = refreshNames(prod.project);
  const exportPrefix = `runs/${runId}/`;
  const source: Side = { config: prod, side: 'source', profile: accountProd !== accountStaging ? options.profileProd : undefined };
  const target: Side = { config: staging, side: 'target' };
  const startedAt = options.now;

  const afterIdentity = (by: string): Step[] => {
    const steps: Step[] = [];
    if (source.profile) steps.push(identityStep(source, accountProd, () => []));
    if (!options.yes) {
      steps.push({ kind: 'confirm', description: `confirm: type "${staging.name}" to replace ${staging.name}'s data with anonymised prod data (run ${runId})`, changes: false, expected: staging.name });
    }
    steps.push(
      runTask(source, runId, exportPrefix, by, (anonymiserTask, anonymised) =>
        [runTask(target, runId, exportPrefix, by, (loaderTask, loaded) => {
          const record: RefreshRecord = {
            runId,
            prodDataAsOf: anonymised.startedAt ?? startedAt,
            startedAt,
            finishedAt: loaded.stoppedAt ?? 'unknown',
            by,
            exportLocation: `s3://${refresh.exportBucket}/${exportPrefix}`,
            anonymiserTask,
            loaderTask,
          };
          return [
            {
              kind: 'command',
              description: `record the refresh in ${refresh.lastRunParameter}: prod data as of ${record.prodDataAsOf}, by ${by}`,
              changes: true,
              argv: aws(target, 'ssm', 'put-parameter', '--name', refresh.lastRunParameter, '--type', 'String', '--overwrite', '--description', 'Last staging refresh (npm run refresh-staging)', '--value', JSON.stringify(record)),
            },
          ];
        })],
      ),
    );
    return steps;
  };

  return {
    command: 'refresh-staging',
    environment: staging.name,
    steps: [
      guard(staging, { ...options, account: accountStaging }),
      identityStep(target, accountStaging, afterIdentity),
    ],
  };
}
