/**
 * `npm run refresh-staging` (scripts/refresh-staging.ts): the exact aws commands in order, with the profile of
 * each; the refusals before anything runs; a failed task; the dry run. AWS is one fake `runAws`.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { main, type Deps } from '../../scripts/refresh-staging';

const PROD = '111111111111';
const STAGING = '222222222222';
const ARN = `arn:aws:sts::${STAGING}:assumed-role/Ops/alice`;
const RUN = 'r20260105t120000';
const R = ['--region', 'us-east-1'];
const ACROSS = ['--account-prod', PROD, '--account-staging', STAGING, '--profile-prod', 'prod-admin'];
const ONE_ACCOUNT = ['--account-prod', STAGING, '--account-staging', STAGING];

const envOf = (argv: readonly string[]) => (argv.some((a) => /marin-prod-|\/marin\/prod\//.test(a)) ? 'prod' : 'staging');
const taskArn = (env: string) => `arn:aws:ecs:us-east-1:${env === 'prod' ? PROD : STAGING}:task/marin-${env}-cluster/${env}task`;
const stopped = (exitCode: number, startedAt = '2026-01-05T12:01:00Z') => JSON.stringify({ lastStatus: 'STOPPED', exitCode, startedAt, stoppedAt: '2026-01-05T13:30:00Z', stoppedReason: 'Essential container in task exited' });

type Call = [argv: readonly string[], profile?: string];

interface Fake {
  /** The account of each credential ('staging': the current ones; else the profile). */
  readonly accounts?: Record<string, string>;
  /** describe-tasks answers per env, and the waiter's exit codes: consumed in order. */
  readonly describe?: Record<string, string[]>;
  readonly waits?: number[];
  /** What the operator types at the confirmation. */
  readonly answer?: string;
}

/** A fake AWS (answers by operation), terminal and clock; records the calls, output and questions. */
function fakeAws(options: Fake = {}) {
  const calls: Call[] = [];
  const out: string[] = [];
  const err: string[] = [];
  const prompts: string[] = [];
  const describe: Record<string, string[]> = { prod: [stopped(0)], staging: [stopped(0, '2026-01-05T12:40:00Z')], ...options.describe };
  const waits = [...(options.waits ?? [])];
  const deps: Deps = {
    runAws: (argv, profile) => {
      calls.push(profile ? [argv, profile] : [argv]);
      const env = envOf(argv);
      switch (argv[1]) {
        case 'get-caller-identity': {
          const account = (options.accounts ?? { staging: STAGING, 'prod-admin': PROD })[profile ?? 'staging'];
          return JSON.stringify({ Account: account, Arn: profile ? `arn:aws:sts::${account}:assumed-role/ProdOps/alice` : ARN });
        }
        case 'get-parameters':
          return JSON.stringify([[`/marin/${env}/network/private-subnet-ids`, 'subnet-1,subnet-2'], [`/marin/${env}/network/services-security-group-id`, 'sg-1']]);
        case 'run-task':
          return `${taskArn(env)}\n`;
        case 'wait': {
          const status = waits.shift() ?? 0;
          if (status !== 0) throw Object.assign(new Error('waiter gave up'), { status });
          return '';
        }
        case 'describe-tasks':
          return describe[env].shift()!;
        default:
          return '';
      }
    },
    prompt: async (question) => (prompts.push(question), options.answer ?? 'staging'),
    log: (line) => out.push(line),
    error: (line) => err.push(line),
    now: () => new Date('2026-01-05T12:00:00.123Z'),
  };
  return { deps, calls, out, err, prompts };
}

/** The commands one side runs, in order (its credentials: `profile`). */
function sideCalls(env: 'prod' | 'staging', task: string, profile?: string): Call[] {
  const cluster = `marin-${env}-cluster`;
  const overrides = { containerOverrides: [{ name: task, environment: [{ name: 'REFRESH_RUN_ID', value: RUN }, { name: 'EXPORT_PREFIX', value: `runs/${RUN}/` }] }] };
  const query = 'tasks[0].{lastStatus:lastStatus,exitCode:containers[0].exitCode,startedAt:startedAt,stoppedAt:stoppedAt,stoppedReason:stoppedReason}';
  const calls: Array<readonly string[]> = [
    ['ssm', 'get-parameters', '--names', `/marin/${env}/network/private-subnet-ids`, `/marin/${env}/network/services-security-group-id`, '--query', 'Parameters[].[Name,Value]', '--output', 'json', ...R],
    ['ecs', 'run-task', '--cluster', cluster, '--task-definition', `marin-${env}-${task}`, '--capacity-provider-strategy', 'capacityProvider=FARGATE,weight=1',
      '--network-configuration', 'awsvpcConfiguration={subnets=[subnet-1,subnet-2],securityGroups=[sg-1],assignPublicIp=DISABLED}',
      '--overrides', JSON.stringify(overrides), '--started-by', `refresh-${RUN}`, '--tags', `key=RefreshRunId,value=${RUN}`, `key=StartedBy,value=${ARN}`,
      '--query', 'tasks[0].taskArn', '--output', 'text', ...R],
    ['ecs', 'wait', 'tasks-stopped', '--cluster', cluster, '--tasks', taskArn(env), ...R],
    ['ecs', 'describe-tasks', '--cluster', cluster, '--tasks', taskArn(env), '--output', 'json', ...R, '--query', query],
  ];
  return calls.map((argv) => (profile ? [argv, profile] : [argv]));
}
const IDENTITY = ['sts', 'get-caller-identity', '--output', 'json', ...R];

describe('npm run refresh-staging', () => {
  test('checks both identities, asks, runs the anonymiser with prod\'s profile, then the loader with staging\'s credentials, and records the run', async () => {
    const aws = fakeAws();
    expect(await main(ACROSS, aws.deps)).toBe(0);
    const put = aws.calls.at(-1)![0];
    expect(aws.calls).toEqual([
      [IDENTITY],
      [IDENTITY, 'prod-admin'],
      ...sideCalls('prod', 'anonymiser', 'prod-admin'),
      ...sideCalls('staging', 'loader'),
      [['ssm', 'put-parameter', '--name', '/marin/staging/refresh/last-run', '--type', 'String', '--overwrite', '--description', 'Last staging refresh (npm run refresh-staging)', '--value', put[put.indexOf('--value') + 1], ...R]],
    ]);
    expect(JSON.parse(put[put.indexOf('--value') + 1])).toEqual({
      runId: RUN,
      prodDataAsOf: '2026-01-05T12:01:00Z',
      startedAt: '2026-01-05T12:00:00Z',
      finishedAt: '2026-01-05T13:30:00Z',
      by: ARN,
      exportLocation: `s3://marin-prod-staging-export/runs/${RUN}/`,
      anonymiserTask: taskArn('prod'),
      loaderTask: taskArn('staging'),
    });
    expect(aws.prompts).toEqual([`Type "staging" to replace staging's data with anonymised prod data (run ${RUN}): `]);
    expect(aws.out.at(-1)).toBe('refresh-staging staging: done');
  });

  test('refuses before anything runs: staging credentials of another account, a prod profile of another account, a wrong answer', async () => {
    const wrong = fakeAws({ accounts: { staging: PROD, 'prod-admin': PROD } });
    expect(await main(ACROSS, wrong.deps)).toBe(1);
    expect(wrong.err).toEqual([`error: the staging credentials (${ARN}) belong to account ${PROD}, not ${STAGING}: nothing was run; fix --account-staging or switch credentials (AWS_PROFILE=...)`]);
    expect(wrong.calls).toEqual([[IDENTITY]]);

    const wrongProd = fakeAws({ accounts: { staging: STAGING, 'prod-admin': STAGING } });
    expect(await main(ACROSS, wrongProd.deps)).toBe(1);
    expect(wrongProd.err[0]).toMatch(/^error: the prod credentials .* belong to account 222222222222, not 111111111111: nothing was run; fix --account-prod or --profile-prod$/);
    expect(wrongProd.calls).toEqual([[IDENTITY], [IDENTITY, 'prod-admin']]);

    const no = fakeAws({ answer: 'prod' });
    expect(await main(ACROSS, no.deps)).toBe(1);
    expect(no.err).toEqual(['error: aborted: expected "staging", got "prod"; nothing was run']);
    expect(no.calls).toHaveLength(2);
  });

  test('usage errors: a missing account, two accounts without --profile-prod, another environment', async () => {
    await expect(main(['--account-prod', PROD], fakeAws().deps)).rejects.toThrow(/^missing --account-staging <12-digit id>/);
    await expect(main(ACROSS.slice(0, 4), fakeAws().deps)).rejects.toThrow('prod (111111111111) and staging (222222222222) are different accounts: pass --profile-prod <AWS CLI profile of the prod account>');
    await expect(main([...ONE_ACCOUNT, '--env', 'prod'], fakeAws().deps)).rejects.toThrow('refresh-staging refreshes staging only');
  });

  test('a failed anonymiser (after one more wait) stops with its exit code and reason; staging is untouched', async () => {
    const running = JSON.stringify({ lastStatus: 'RUNNING', exitCode: null, startedAt: '2026-01-05T12:01:00Z' });
    const aws = fakeAws({ waits: [255], describe: { prod: [running, stopped(3)] } });
    expect(await main([...ACROSS, '--yes'], aws.deps)).toBe(1);
    expect(aws.err).toEqual(['error: prod: the anonymiser failed (exit code 3: Essential container in task exited); logs in /marin/prod/ecs/anonymiser. Runbook: docs/runbook.md#refreshing-staging-from-prod']);
    const prod = sideCalls('prod', 'anonymiser', 'prod-admin');
    expect(aws.calls).toEqual([[IDENTITY], [IDENTITY, 'prod-admin'], ...prod, ...prod.slice(2)]);
    expect(aws.prompts).toEqual([]);
  });

  test('--dry-run prints every command in order and runs none; one account: no --profile anywhere', async () => {
    const aws = fakeAws();
    expect(await main([...ONE_ACCOUNT, '--dry-run'], aws.deps)).toBe(0);
    expect(aws.calls).toEqual([]);
    const commands = aws.out.filter((line) => line.startsWith('  $ aws ')).map((line) => line.split(' ').slice(4, 7).join(' '));
    expect(commands).toEqual([
      'sts get-caller-identity --output',
      ...Array(2).fill(['ssm get-parameters --names', 'ecs run-task --cluster', 'ecs wait tasks-stopped', 'ecs describe-tasks --cluster']).flat(),
      'ssm put-parameter --name',
    ]);
    expect(aws.out.join('\n')).not.toContain('--profile');
    expect(aws.out.join('\n')).toContain('subnets=[</marin/prod/network/private-subnet-ids>]');
    expect(aws.out.at(-1)).toBe('dry run: nothing was executed');
  });

  // The real AWS CLI parses each command against its service model; an unreachable endpoint fails it only then.
  const cli = process.env.AWS_CLI ?? (existsSync('/usr/bin/aws') ? '/usr/bin/aws' : undefined);
  (cli || process.env.REQUIRE_AWS_CLI === '1' ? test : test.skip)(`the AWS CLI (${cli ?? 'none'}) accepts every command, offline`, async () => {
    if (!cli) throw new Error('REQUIRE_AWS_CLI=1, but there is no AWS CLI: set AWS_CLI or install /usr/bin/aws');
    const aws = fakeAws();
    expect(await main(ONE_ACCOUNT, aws.deps)).toBe(0);
    const shapes = new Map(aws.calls.map(([argv]) => [argv.slice(0, 3).join(' '), argv]));
    const bad = ['ecs', 'run-task', '--cluster', 'c', '--task-definition', 'f', '--network-configuration', 'awsvpcConfiguration={subnets=[a],bogus=1}', ...R];
    const env = { PATH: process.env.PATH, HOME: '/nonexistent', AWS_ACCESS_KEY_ID: 'AKIAOFFLINETESTONLY00', AWS_SECRET_ACCESS_KEY: 'offline', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true', AWS_MAX_ATTEMPTS: '1', AWS_PAGER: '' };
    const answers = await Promise.all([...shapes.values(), bad].map((argv) => new Promise<string>((resolve) => {
      execFile(cli, [...argv, '--endpoint-url', 'http://127.0.0.1:9', '--cli-connect-timeout', '1'], { env }, (_, __, stderr) => resolve(stderr));
    })));
    expect(shapes.size).toBe(6);
    const refused = answers.slice(0, -1).map((stderr, i) => [[...shapes.keys()][i], stderr]).filter(([, stderr]) => !/Could not connect to the endpoint URL/.test(stderr));
    expect(refused).toEqual([]);
    expect(answers.at(-1)).not.toMatch(/Could not connect/);
  });
});
