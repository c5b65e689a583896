/**
 * Staging is shared by branches (issue 23): a deploy takes the lease, another branch's deploy is refused while
 * it holds (naming holder and expiry) unless --take-over, and `npm run status -- --env staging` shows the holder.
 * Through the real CLI entry point (main) with stubbed AWS; the lease parameter is an in-memory SSM.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEnvironment } from '../../environments';
import { main } from '../../scripts/ops/cli';
import { leaseRefusal, newLease, parseLease, type DeployLease } from '../../scripts/ops/lease';
import { planDeploy, stackInventory, type OpsOptions } from '../../scripts/ops/plan';
import { stubDeps, TEST_NOW, type Stub } from './stubs';

const ACCOUNT = '111111111111';
const LEASE = '/marin/staging/deploy/lease';
const DEPLOY = ['deploy', '--env', 'staging', '--account', ACCOUNT, '--image-tag', '1.4.2', '--certificate-arn', `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/x`, '--alarm-email', 'oncall@example.com', '--yes'];

const fixture = (name: string): string => readFileSync(join(__dirname, 'fixtures', name), 'utf8');
/** Every change set has changes, the Atlas plan updates in place, the secrets are set: a deploy that goes through. */
const HEALTHY: Array<[(argv: readonly string[]) => boolean, { status: number; stdout: string }]> = [
  [(argv) => argv[2] === 'describe-change-set', { status: 0, stdout: fixture('change-set-data-update.json') }],
  [(argv) => argv[0] === 'terraform' && argv[2] === 'show' && argv[3] === '-json', { status: 0, stdout: fixture('terraform-plan-update.json') }],
  [(argv) => argv[1] === 'secretsmanager' && argv[2] === 'describe-secret', { status: 0, stdout: '{"v1":["AWSCURRENT"]}' }],
  [(argv) => argv[1] === 'secretsmanager' && argv[2] === 'get-secret-value', { status: 0, stdout: 'mongodb+srv://cluster0.abcde.mongodb.net/?authMechanism=MONGODB-AWS\n' }],
];

/**
 * A stub whose SSM holds one parameter value in memory: get-parameters prints it (or None), put-parameter stores it.
 */
function withSsm(
  initial: DeployLease | undefined,
  options: Parameters<typeof stubDeps>[0] = {},
): Stub & { stored: () => DeployLease | undefined } {
  let value = initial ? JSON.stringify(initial) : undefined;
  const stub = stubDeps({
    ...options,
    results: [
      [(argv) => argv[1] === 'ssm' && argv[2] === 'get-parameters' && argv.includes(LEASE), { status: 0, get stdout() { return `${value ?? 'None'}\n`; } } as any],
      ...(options.results ?? []),
      ...HEALTHY,
    ],
  });
  const run = stub.run.bind(stub);
  stub.run = async (argv, runOptions) => {
    if (argv[1] === 'ssm' && argv[2] === 'put-parameter' && argv[argv.indexOf('--name') + 1] === LEASE) value = argv[argv.indexOf('--value') + 1];
    return run(argv, runOptions);
  };
  return Object.assign(stub, { stored: () => parseLease(value ?? 'None') });
}

const heldByB: DeployLease = { branch: 'feature-b', commit: 'fedcba9876543210fedcba9876543210fedcba98', image: '1.3.0', takenAt: '2026-01-05T10:00:00Z', expiresAt: '2026-01-05T14:00:00Z' };
const identity = { account: ACCOUNT, arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Ops/me`, region: 'us-east-1' };

describe('staging deploy lease', () => {
  test('a free lease is taken before anything changes: branch, commit, image tag, 4 hours', async () => {
    const stub = withSsm(undefined, { identity });
    expect(await main(DEPLOY, stub)).toBe(0);
    expect(stub.stored()).toEqual({ branch: 'feature-a', commit: '0123456789abcdef0123456789abcdef01234567', image: '1.4.2', takenAt: TEST_NOW, expiresAt: '2026-01-05T16:00:00Z' });
    const commands = stub.calls.map((c) => c.argv.join(' '));
    const put = commands.findIndex((c) => c.includes('ssm put-parameter') && c.includes(LEASE));
    const firstCdk = commands.findIndex((c) => c.startsWith('npx cdk'));
    expect(put).toBeGreaterThanOrEqual(0);
    expect(put).toBeLessThan(firstCdk);
  });

  test("another branch's deploy while the lease holds is refused, naming holder and expiry; nothing changes", async () => {
    const stub = withSsm(heldByB, { identity });
    expect(await main(DEPLOY, stub)).toBe(1);
    expect(stub.err.join('\n')).toContain('staging is leased to branch feature-b (commit fedcba987654, image 1.3.0) until 2026-01-05T14:00:00Z');
    expect(stub.err.join('\n')).toContain('--take-over');
    expect(stub.calls.map((c) => c.argv.join(' ')).filter((c) => c.startsWith('npx') || c.includes('put-parameter'))).toEqual([]);
    expect(stub.stored()).toEqual(heldByB);
  });

  test('--take-over takes it from the other branch and deploys', async () => {
    const stub = withSsm(heldByB, { identity });
    expect(await main([...DEPLOY, '--take-over'], stub)).toBe(0);
    expect(stub.stored()?.branch).toBe('feature-a');
    expect(stub.out.join('\n')).toContain('taking it from branch feature-b');
    expect(stub.calls.some((c) => c.argv.join(' ').startsWith('npx cdk deploy'))).toBe(true);
  });

  test('the holder renews its own lease; an expired lease is free', async () => {
    const own = withSsm({ ...heldByB, branch: 'feature-a' }, { identity });
    expect(await main(DEPLOY, own)).toBe(0);
    expect(own.stored()?.expiresAt).toBe('2026-01-05T16:00:00Z');
    const expired = withSsm({ ...heldByB, expiresAt: '2026-01-05T11:59:59Z' }, { identity });
    expect(await main(DEPLOY, expired)).toBe(0);
    expect(expired.stored()?.branch).toBe('feature-a');
  });

  test('--branch/--commit name the holder (the pipeline, a detached checkout); without them and outside a checkout the deploy is refused', async () => {
    const ci = withSsm(undefined, { identity, git: null });
    expect(await main([...DEPLOY, '--branch', 'release-7', '--commit', 'abcdef1'], ci)).toBe(0);
    expect(ci.stored()).toMatchObject({ branch: 'release-7', commit: 'abcdef1' });
    const none = withSsm(undefined, { identity, git: null });
    expect(await main(DEPLOY, none)).toBe(1);
    expect(none.err.join('\n')).toMatch(/refusing to deploy staging without naming the branch and commit: .*--branch <name> --commit <sha>/);
    expect(none.calls).toEqual([]);
  });

  test('dev and prod take no lease', () => {
    for (const env of ['dev', 'prod'] as const) {
      const config = loadEnvironment(env);
      const options: OpsOptions = { dryRun: true, yes: true, allIncludingData: false, account: ACCOUNT, planId: 'r1', imageTag: '1.4.2', certificateArn: `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/x`, alarmEmails: ['oncall@example.com'] };
      const steps = planDeploy(config, options, stackInventory(config)).steps;
      expect(steps.filter((s) => s.description.includes('lease'))).toEqual([]);
    }
  });

  test('the verdict: refused only for another branch before expiry without --take-over', () => {
    const config = loadEnvironment('staging');
    const request = { branch: 'feature-a', commit: 'abc1234', imageTag: '1', now: TEST_NOW, takeOver: false };
    expect(leaseRefusal(config, heldByB, request)).toMatch(/^staging is leased to branch feature-b/);
    expect(leaseRefusal(config, heldByB, { ...request, takeOver: true })).toBeUndefined();
    expect(leaseRefusal(config, { ...heldByB, expiresAt: TEST_NOW }, request)).toBeUndefined();
    expect(leaseRefusal(config, undefined, request)).toBeUndefined();
    expect(newLease(config, request).expiresAt).toBe('2026-01-05T16:00:00Z');
    expect(() => parseLease('{"branch":"x"}')).toThrow('the deploy lease parameter has no "commit"');
  });
});

describe('npm run status -- --env staging', () => {
  test('shows the holder and expiry of the lease', async () => {
    const stub = withSsm(heldByB, { identity });
    expect(await main(['status', '--env', 'staging', '--account', ACCOUNT], stub)).toBe(0);
    expect(stub.out).toContain('deploy lease of staging: held by branch feature-b (commit fedcba987654, image 1.3.0) until 2026-01-05T14:00:00Z (taken 2026-01-05T10:00:00Z)');
    expect(stub.calls.filter((c) => /put-|run-task|cdk|terraform/.test(c.argv.join(' ')))).toEqual([]);
  });

  test('a free or expired lease says so', async () => {
    const free = withSsm(undefined, { identity });
    expect(await main(['status', '--env', 'staging', '--account', ACCOUNT], free)).toBe(0);
    expect(free.out).toContain('deploy lease of staging: free (no deploy has taken it)');
    const expired = withSsm({ ...heldByB, expiresAt: '2026-01-05T11:00:00Z' }, { identity });
    expect(await main(['status', '--env', 'staging', '--account', ACCOUNT], expired)).toBe(0);
    expect(expired.out.join('\n')).toContain('deploy lease of staging: expired, was held by branch feature-b');
  });
});
