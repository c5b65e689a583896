/**
 * `npm run refresh-staging` (issue 23): the plan a reviewer reads, the order (anonymiser in prod, then the
 * loader in staging), the record it leaves, and what a failed task does. Stubbed AWS through the CLI entry point.
 */
import { main } from '../../scripts/ops/cli';
import { stubDeps, TEST_NOW, type Stub } from './stubs';

const PROD = '111111111111';
const STAGING = '222222222222';
const ARGS = ['refresh-staging', '--account-prod', PROD, '--account-staging', STAGING, '--profile-prod', 'prod-admin'];
const staging = { account: STAGING, arn: `arn:aws:sts::${STAGING}:assumed-role/Ops/alice`, region: 'us-east-1' };
const taskArn = (env: string) => `arn:aws:ecs:us-east-1:${env === 'prod' ? PROD : STAGING}:task/marin-${env}-cluster/${env}task`;
const stopped = (exitCode: number, startedAt = '2026-01-05T12:01:00Z') => JSON.stringify({ lastStatus: 'STOPPED', exitCode, startedAt, stoppedAt: '2026-01-05T13:30:00Z', stoppedReason: exitCode === 0 ? 'Essential container in task exited' : 'Essential container in task exited' });
const is = (service: string, op: string) => (argv: readonly string[]) => argv[1] === service && argv[2] === op;
const envOf = (argv: readonly string[]) => (argv.includes('marin-prod-cluster') || argv.some((a) => a.startsWith('/marin/prod/')) ? 'prod' : 'staging');

function refreshStub(answers: { anonymiser?: string[]; loader?: string[] } = {}): Stub {
  const describes = { prod: [...(answers.anonymiser ?? [stopped(0)])], staging: [...(answers.loader ?? [stopped(0, '2026-01-05T12:40:00Z')])] };
  const stub = stubDeps({ identity: staging, answer: 'staging' });
  const run = stub.run.bind(stub);
  stub.run = async (argv, options) => {
    await run(argv, options);
    if (is('sts', 'get-caller-identity')(argv)) {
      const account = argv.includes('--profile') ? PROD : STAGING;
      return { status: 0, stdout: JSON.stringify({ Account: account, Arn: account === PROD ? `arn:aws:sts::${PROD}:assumed-role/ProdOps/alice` : staging.arn }) };
    }
    if (is('ssm', 'get-parameters')(argv)) {
      const env = envOf(argv);
      return { status: 0, stdout: JSON.stringify([[`/marin/${env}/network/private-subnet-ids`, 'subnet-1,subnet-2'], [`/marin/${env}/network/services-security-group-id`, 'sg-1']]) };
    }
    if (is('ecs', 'run-task')(argv)) return { status: 0, stdout: `${taskArn(envOf(argv))}\n` };
    if (is('ecs', 'describe-tasks')(argv)) return { status: 0, stdout: describes[envOf(argv) as 'prod' | 'staging'].shift() ?? stopped(0) };
    return { status: 0, stdout: '' };
  };
  return stub;
}

const commands = (stub: Stub) => stub.calls.map((c) => c.argv.join(' '));

describe('npm run refresh-staging', () => {
  test('refuses without both accounts, and across accounts without a prod profile', async () => {
    const none = refreshStub();
    expect(await main(['refresh-staging', '--account-prod', PROD, '--dry-run'], none)).toBe(1);
    expect(none.err[0]).toMatch(/^error: refusing to refresh staging without both accounts: pass --account-prod <12-digit id> --account-staging <12-digit id>/);
    const noProfile = refreshStub();
    expect(await main(['refresh-staging', '--account-prod', PROD, '--account-staging', STAGING, '--dry-run'], noProfile)).toBe(1);
    expect(noProfile.err[0]).toContain('pass --profile-prod <AWS CLI profile of the prod account>');
    const prodEnv = refreshStub();
    expect(await main([...ARGS, '--env', 'prod', '--dry-run'], prodEnv)).toBe(2);
    expect(prodEnv.err[0]).toContain('refresh-staging refreshes staging only');
  });

  test('--dry-run prints the whole plan and runs nothing', async () => {
    const stub = refreshStub();
    expect(await main([...ARGS, '--dry-run'], stub)).toBe(0);
    expect(stub.calls).toEqual([]);
    const text = stub.out.join('\n');
    const order = [
      'check the staging credentials: account 222222222222',
      'check the prod credentials (profile prod-admin): account 111111111111',
      'confirm: type "staging" to replace staging\'s data with anonymised prod data (run r1)',
      'prod: start the anonymiser (marin-prod-anonymiser, run r1, export runs/r1/)',
      'prod: the anonymiser\'s state and exit code',
      'staging: start the loader (marin-staging-loader, run r1, export runs/r1/)',
      'record the refresh in /marin/staging/refresh/last-run',
    ].map((line) => text.indexOf(line));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(text).toContain('aws ecs run-task --cluster marin-prod-cluster --task-definition marin-prod-anonymiser');
    expect(stub.out.at(-1)).toBe('dry run: nothing was executed');
  });

  test('runs the anonymiser with prod credentials, then the loader with staging credentials, and records the run', async () => {
    const stub = refreshStub();
    expect(await main(ARGS, stub)).toBe(0);
    const all = commands(stub);
    const runs = all.filter((c) => c.includes('ecs run-task'));
    expect(runs).toHaveLength(2);
    expect(runs[0]).toMatch(/--cluster marin-prod-cluster --task-definition marin-prod-anonymiser .*--profile prod-admin$/);
    expect(runs[1]).toMatch(/--cluster marin-staging-cluster --task-definition marin-staging-loader /);
    // Staging's credentials never touch prod; prod's never touch staging.
    for (const c of all.filter((x) => x.startsWith('aws ') && !x.includes('sts get-caller-identity'))) {
      expect(c.includes('--profile prod-admin')).toBe(envOf(c.split(' ')) === 'prod');
    }
    const put = stub.calls.find((c) => is('ssm', 'put-parameter')(c.argv))!;
    expect(put.argv[put.argv.indexOf('--name') + 1]).toBe('/marin/staging/refresh/last-run');
    expect(JSON.parse(put.argv[put.argv.indexOf('--value') + 1])).toEqual({
      runId: 'r1',
      prodDataAsOf: '2026-01-05T12:01:00Z',
      startedAt: TEST_NOW,
      finishedAt: '2026-01-05T13:30:00Z',
      by: staging.arn,
      exportLocation: 's3://marin-prod-staging-export/runs/r1/',
      anonymiserTask: taskArn('prod'),
      loaderTask: taskArn('staging'),
    });
    expect(stub.prompts).toEqual(['Type "staging" to continue: ']);
  });

  test('an anonymiser that exits non-zero stops the refresh before staging is touched', async () => {
    const stub = refreshStub({ anonymiser: [stopped(3)] });
    expect(await main(ARGS, stub)).toBe(1);
    expect(stub.err.join('\n')).toContain('prod: the anonymiser failed (exit code 3: Essential container in task exited); logs in /marin/prod/ecs/anonymiser');
    expect(commands(stub).filter((c) => c.includes('marin-staging-loader') || c.includes('put-parameter'))).toEqual([]);
  });

  test('a loader failure leaves no record', async () => {
    const stub = refreshStub({ loader: [stopped(1)] });
    expect(await main(ARGS, stub)).toBe(1);
    expect(stub.err.join('\n')).toContain('staging: the loader failed (exit code 1');
    expect(commands(stub).filter((c) => c.includes('put-parameter'))).toEqual([]);
  });

  test('a long run: the waiter gives up after 10 minutes (exit 255) and the plan waits again', async () => {
    const running = JSON.stringify({ lastStatus: 'RUNNING', exitCode: null, startedAt: '2026-01-05T12:01:00Z' });
    const stub = refreshStub({ anonymiser: [running, running, stopped(0)] });
    const run = stub.run.bind(stub);
    stub.run = async (argv, options) => (is('ecs', 'wait')(argv) && envOf(argv) === 'prod' ? (await run(argv, options), { status: 255, stdout: '' }) : run(argv, options));
    expect(await main(ARGS, stub)).toBe(0);
    expect(commands(stub).filter((c) => c.includes('ecs wait tasks-stopped --cluster marin-prod-cluster'))).toHaveLength(3);
  });
});
