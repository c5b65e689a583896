/**
 * The preflight (issue 19): `npm run doctor` and the first step of every `deploy`. Each check is shown
 * failing on a broken input with its message (naming the fix), and a failure stops deploy before any
 * command runs (the stubs record every command: none may run). The real tools' answers to the version
 * probes are checked in real-tools.test.ts; the AWS CLI resolution (tools.ts) at the end of this file.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../scripts/ops/cli';
import { AwsCliError, MIN_AWS_CLI_VERSION, MIN_CDK_CLI_VERSION, MIN_NODE_VERSION, resolveAwsCli } from '../../scripts/ops/tools';
import { ATLAS_ENV, stubDeps, type StubOptions } from './stubs';
import packageJson from '../../package.json';

const ACCOUNT = '111111111111';
const CERT = `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/11111111-2222-3333-4444-555555555555`;
const identity = { account: ACCOUNT, arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Ops/me`, region: 'us-east-1' };
const STAGING = ['--env', 'staging', '--account', ACCOUNT, '--image-tag', '1.4.2', '--certificate-arn', CERT, '--alarm-email', 'oncall@example.com'];
const probe = (stdout: string, status = 0, stderr = '') => ({ status, stdout, stderr });
const is = (...prefix: string[]) => (argv: readonly string[]) => prefix.every((word, i) => argv[i] === word);

/** A deploy of staging with one broken input: exit 1, nothing run, and the messages. */
async function failingDeploy(
  options: StubOptions,
  args: readonly string[] = STAGING,
): Promise<{ status: number; err: string[]; out: string[]; calls: number }> {
  const stub = stubDeps({ identity, ...options });
  const status = await main(['deploy', ...args, '--yes'], stub);
  return { status, err: stub.err, out: stub.out, calls: stub.calls.length };
}

describe('deploy begins with the preflight', () => {
  test('the staging dry run shows it as step 1: tools, Atlas keys, alarm addresses, then the identity, then the certificate and the images', async () => {
    const stub = stubDeps();
    expect(await main(['deploy', ...STAGING, '--dry-run'], stub)).toBe(0);
    expect(stub.calls).toEqual([]);
    expect(stub.probes).toEqual([]);
    const step1 = stub.out.slice(1, stub.out.findIndex((line) => line.startsWith('   2. ')));
    expect(step1).toEqual([
      `   1. [read]   preflight (11 checks, nothing changes before all pass) and check the AWS credentials: account ${ACCOUNT}, region us-east-1`,
      `        check: Node.js >= ${MIN_NODE_VERSION}`,
      '          $ node --version',
      `        check: CDK CLI >= ${MIN_CDK_CLI_VERSION}`,
      '          $ npx cdk --version',
      '        check: Terraform >= 1.10.0',
      '          $ terraform version -json',
      `        check: AWS CLI v2 >= ${MIN_AWS_CLI_VERSION} (the binary every aws step runs)`,
      '          $ aws --version',
      '        check: Atlas API keys and organization id (MONGODB_ATLAS_PUBLIC_KEY, MONGODB_ATLAS_PRIVATE_KEY, TF_VAR_atlas_org_id)',
      '        check: alarm addresses: oncall@example.com',
      '        $ aws sts get-caller-identity --output json',
      `        check: certificate ${CERT} is ISSUED in ${ACCOUNT} / us-east-1`,
      `          $ aws acm describe-certificate --certificate-arn ${CERT} --region us-east-1 --query Certificate.Status --output text`,
      ...['api', 'ingestion', 'transcription', 'indexing'].flatMap((service) => [
        `        check: image marin-staging-${service}:1.4.2 exists in ECR`,
        `          $ aws ecr describe-images --repository-name marin-staging-${service} --image-ids imageTag=1.4.2 --region us-east-1 --query 'imageDetails[0].imageTags' --output json`,
      ]),
    ]);
  });

  test('all checks pass: each reported ok, then the deploy goes on', async () => {
    const stub = stubDeps({ identity, results: [[(a) => a[1] === 'secretsmanager' && a[2] === 'describe-secret', { status: 0, stdout: '{"v":["AWSCURRENT"]}' }], [(a) => a[2] === 'get-secret-value', { status: 0, stdout: 'mongodb+srv://x' }]] });
    await main(['deploy', ...STAGING, '--yes'], stub);
    const start = stub.out.indexOf(`\n==> step 1/26: preflight (11 checks, nothing changes before all pass) and check the AWS credentials: account ${ACCOUNT}, region us-east-1`);
    expect(start).toBeGreaterThan(0);
    expect(stub.out.slice(start + 1, start + 14)).toEqual([
      `  ok    Node.js >= ${MIN_NODE_VERSION}`,
      `  ok    CDK CLI >= ${MIN_CDK_CLI_VERSION}`,
      '  ok    Terraform >= 1.10.0',
      `  ok    AWS CLI v2 >= ${MIN_AWS_CLI_VERSION} (the binary every aws step runs)`,
      '  ok    Atlas API keys and organization id (MONGODB_ATLAS_PUBLIC_KEY, MONGODB_ATLAS_PRIVATE_KEY, TF_VAR_atlas_org_id)',
      '  ok    alarm addresses: oncall@example.com',
      `credentials ok: ${identity.arn} (account ${ACCOUNT}, region us-east-1)`,
      `  ok    certificate ${CERT} is ISSUED in ${ACCOUNT} / us-east-1`,
      '  ok    image marin-staging-api:1.4.2 exists in ECR',
      '  ok    image marin-staging-ingestion:1.4.2 exists in ECR',
      '  ok    image marin-staging-transcription:1.4.2 exists in ECR',
      '  ok    image marin-staging-indexing:1.4.2 exists in ECR',
      'preflight ok: 11 checks passed',
    ]);
    // staging: the deploy lease is read first (scripts/ops/lease.ts), then the first change set is prepared.
    expect(stub.calls[0].argv.slice(0, 3)).toEqual(['aws', 'ssm', 'get-parameters']);
    expect(stub.calls.find((c) => c.argv[0] === 'npx')?.argv.slice(0, 3)).toEqual(['npx', 'cdk', 'deploy']);
  });
});

/** [label, the broken input, the message it must print]. */
const FAILURES: Array<[string, StubOptions, string]> = [
  ['Node.js too old', { probes: [[is('node'), probe('v18.20.4\n')]] }, `Node.js >= ${MIN_NODE_VERSION}: Node.js is 18.20.4: install Node.js >= ${MIN_NODE_VERSION} (package.json engines), e.g. nvm install 20`],
  ['CDK CLI too old', { probes: [[is('npx', 'cdk'), probe('2.1000.0 (build 1a2b3c4)\n')]] }, `CDK CLI >= ${MIN_CDK_CLI_VERSION}: the CDK CLI is 2.1000.0: run npm ci (the project pins aws-cdk ${MIN_CDK_CLI_VERSION} in package.json)`],
  ['Terraform 1.9 (no S3-native locking)', { probes: [[is('terraform'), probe('{"terraform_version":"1.9.8"}\n')]] }, 'Terraform >= 1.10.0: Terraform is 1.9.8: install Terraform >= 1.10.0 (S3-native state locking) and put it on PATH'],
  ['Terraform missing', { probes: [[is('terraform'), new Error('terraform: command not found on PATH')]] }, 'Terraform >= 1.10.0: terraform could not be run (terraform: command not found on PATH): install Terraform >= 1.10.0 (S3-native state locking) and put it on PATH'],
  ['an AWS CLI v1 first on PATH', { probes: [[is('aws', '--version'), new AwsCliError('/root/.pyenv/shims/aws (the first aws on PATH) is AWS CLI 1.45.11; the operator CLI needs AWS CLI v2 >= 2.9.19: ...')]] }, `AWS CLI v2 >= ${MIN_AWS_CLI_VERSION} (the binary every aws step runs): /root/.pyenv/shims/aws (the first aws on PATH) is AWS CLI 1.45.11; the operator CLI needs AWS CLI v2 >= 2.9.19: ...`],
  ['an AWS CLI v2 below the minimum', { probes: [[is('aws', '--version'), probe('aws-cli/2.9.0 Python/3.11.2 Linux/6.1\n')]] }, `AWS CLI v2 >= ${MIN_AWS_CLI_VERSION} (the binary every aws step runs): the AWS CLI is 2.9.0: install AWS CLI v2 >= ${MIN_AWS_CLI_VERSION} (Debian/Ubuntu: apt-get install awscli) first on PATH, or set AWS_CLI=/path/to/aws`],
  ['no Atlas API keys', { env: { TF_VAR_atlas_org_id: ATLAS_ENV.TF_VAR_atlas_org_id } }, "Atlas API keys and organization id (MONGODB_ATLAS_PUBLIC_KEY, MONGODB_ATLAS_PRIVATE_KEY, TF_VAR_atlas_org_id): MONGODB_ATLAS_PUBLIC_KEY and MONGODB_ATLAS_PRIVATE_KEY are not set: export the Atlas API key pair of staging's organization (or MONGODB_ATLAS_CLIENT_ID/MONGODB_ATLAS_CLIENT_SECRET of a service account)"],
  ['no Atlas organization id', { env: { ...ATLAS_ENV, TF_VAR_atlas_org_id: '' } }, 'Atlas API keys and organization id (MONGODB_ATLAS_PUBLIC_KEY, MONGODB_ATLAS_PRIVATE_KEY, TF_VAR_atlas_org_id): TF_VAR_atlas_org_id is not set: export the Atlas organization id (24 hex characters; Atlas UI: Organization Settings)'],
  ['an Atlas organization id that is not one', { env: { ...ATLAS_ENV, TF_VAR_atlas_org_id: 'my-org' } }, 'TF_VAR_atlas_org_id "my-org" is not an Atlas organization id (24 hex characters; Atlas UI: Organization Settings)'],
  ['credentials of another account', { identity: { ...identity, account: '222222222222' } }, `account mismatch: your credentials (${identity.arn}) belong to account 222222222222, but staging is account ${ACCOUNT}. Switch credentials (AWS_PROFILE=...) or fix --account`],
  ['another region', { identity: { ...identity, region: 'eu-west-1' } }, 'region mismatch: your AWS region is eu-west-1, but staging is in us-east-1; set AWS_REGION=us-east-1'],
  ['a certificate that does not exist', { probes: [[is('aws', 'acm'), probe('', 254, '\nAn error occurred (ResourceNotFoundException) when calling the DescribeCertificate operation: Could not find certificate\n')]] }, `certificate ${CERT} was not found (An error occurred (ResourceNotFoundException) when calling the DescribeCertificate operation: Could not find certificate): request or import it in ACM in us-east-1 of account ${ACCOUNT} (the load balancer's region), or pass its ARN with --certificate-arn`],
  ['a certificate not yet issued', { probes: [[is('aws', 'acm'), probe('PENDING_VALIDATION\n')]] }, `certificate ${CERT} is PENDING_VALIDATION, not ISSUED: create its DNS validation record (aws acm describe-certificate --certificate-arn ${CERT} --region us-east-1 --query Certificate.DomainValidationOptions) and wait for ACM to issue it`],
  ['an expired certificate', { probes: [[is('aws', 'acm'), probe('EXPIRED\n')]] }, `certificate ${CERT} is EXPIRED, not ISSUED: request or import it in ACM in us-east-1 of account ${ACCOUNT}`],
  ['an image tag never pushed', { probes: [[is('aws', 'ecr', 'describe-images', '--repository-name', 'marin-staging-indexing'), probe('', 254, "An error occurred (ImageNotFoundException) when calling the DescribeImages operation: The image with imageId {imageDigest:'null', imageTag:'1.4.2'} does not exist within the repository with name 'marin-staging-indexing'\n")]] }, 'image marin-staging-indexing:1.4.2 exists in ECR: image tag 1.4.2 is not in ECR repository marin-staging-indexing: push it (docker push <account>.dkr.ecr.us-east-1.amazonaws.com/marin-staging-indexing:1.4.2) or pass the tag of a release that was pushed'],
  ['an image tag before the first deploy', { probes: [[is('aws', 'ecr'), probe('', 254, "An error occurred (RepositoryNotFoundException) when calling the DescribeImages operation: The repository with name 'marin-staging-api' does not exist\n")]] }, 'image marin-staging-api:1.4.2 exists in ECR: ECR repository marin-staging-api does not exist yet (a first deploy): deploy with --park-services (services at 0 tasks; the services stack creates the repositories), push marin-staging-api:1.4.2, then deploy with --image-tag 1.4.2'],
];

describe('each preflight check fails on a broken input, names the fix, and nothing runs', () => {
  test.each(FAILURES)('%s', async (_label, options, message) => {
    const result = await failingDeploy(options);
    expect(result.status).toBe(1);
    expect(result.calls).toBe(0);
    expect(result.err.join('\n')).toContain(message);
    expect(result.out.join('\n')).not.toContain('preflight ok');
  });

  test('a certificate in another region or account fails before AWS is asked', async () => {
    for (const [arn, message] of [
      ['arn:aws:acm:eu-west-1:111111111111:certificate/x', 'certificate arn:aws:acm:eu-west-1:111111111111:certificate/x is in eu-west-1, but the load balancer of staging is in us-east-1: request or import it in ACM in us-east-1 of account 111111111111'],
      ['arn:aws:acm:us-east-1:333333333333:certificate/x', "certificate arn:aws:acm:us-east-1:333333333333:certificate/x belongs to account 333333333333, not staging's account 111111111111"],
    ]) {
      const result = await failingDeploy({}, [...STAGING.slice(0, 6), '--certificate-arn', arn, ...STAGING.slice(8)]);
      expect(result).toMatchObject({ status: 1, calls: 0 });
      expect(result.err.join('\n')).toContain(message);
    }
  });

  test('every failure is listed at once; without valid credentials the AWS reads are skipped, not run', async () => {
    const stub = stubDeps({ identity: new Error('aws sts get-caller-identity exited 255'), env: {}, probes: [[is('terraform'), probe('{"terraform_version":"1.5.7"}')]] });
    expect(await main(['deploy', ...STAGING, '--yes'], stub)).toBe(1);
    expect(stub.calls).toEqual([]);
    expect(stub.probes.filter((p) => p.startsWith('aws acm') || p.startsWith('aws ecr'))).toEqual([]);
    expect(stub.out).toContain('  skip  image marin-staging-api:1.4.2 exists in ECR (needs the credentials)');
    expect(stub.err[0]).toBe('error: preflight failed, nothing in AWS or Atlas was changed (3 problems):');
    expect(stub.err.slice(1).map((line) => line.replace(/: .*/, ''))).toEqual(['  - Terraform >= 1.10.0', '  - Atlas API keys and organization id (MONGODB_ATLAS_PUBLIC_KEY, MONGODB_ATLAS_PRIVATE_KEY, TF_VAR_atlas_org_id)', '  - could not determine your AWS identity (aws sts get-caller-identity exited 255); log in (aws sso login / AWS_PROFILE) and retry']);
  });
});

test('an unusable AWS CLI is reported once, by the AWS CLI check; the identity check says it could not run', async () => {
  const unusable = Object.assign(new Error('/root/.pyenv/shims/aws (the first aws on PATH) is AWS CLI 1.45.11; ...'), { name: 'AwsCliError' });
  const stub = stubDeps({ identity: unusable, probes: [[is('aws', '--version'), unusable]] });
  expect(await main(['deploy', ...STAGING, '--yes'], stub)).toBe(1);
  expect(stub.err.slice(1)).toEqual([
    `  - AWS CLI v2 >= ${MIN_AWS_CLI_VERSION} (the binary every aws step runs): /root/.pyenv/shims/aws (the first aws on PATH) is AWS CLI 1.45.11; ...`,
    '  - could not check your AWS identity: no usable AWS CLI (see the AWS CLI check)',
  ]);
});

describe('npm run doctor', () => {
  test('runs deploy\'s preflight for real and changes nothing', async () => {
    const stub = stubDeps({ identity });
    expect(await main(['doctor', ...STAGING], stub)).toBe(0);
    expect(stub.calls).toEqual([]);
    // 4 tool versions, the certificate, 4 repositories; the Atlas keys and the alarm addresses need no command.
    expect(stub.probes).toHaveLength(9);
    expect(stub.out.at(-2)).toBe('preflight ok: 13 checks passed'); // deploy's 11 and the two release inputs
    expect(stub.out.at(-1)).toBe('\ndoctor staging: done');
  });

  test('reports the release inputs deploy would refuse without, as failed checks with the fix', async () => {
    const stub = stubDeps({ identity });
    expect(await main(['doctor', '--env', 'staging', '--account', ACCOUNT], stub)).toBe(1);
    expect(stub.calls).toEqual([]);
    const err = stub.err.join('\n');
    expect(stub.err[0]).toBe('error: preflight failed, nothing in AWS or Atlas was changed (3 problems):');
    expect(err).toContain('an image tag (or --park-services): refusing to deploy staging without --image-tag: without one every service is set to 0 tasks.');
    expect(err).toContain('a certificate for HTTPS: refusing to deploy staging without --certificate-arn: staging is HTTPS-only');
    expect(err).toContain('alarm addresses: (none): refusing to deploy: staging has no alarm destination: its alarms would reach nobody. Pass --alarm-email oncall@example.com[,...] or set monitoring.alarmEmails in environments/staging.ts.');
  });

  test('is an npm script, as the README documents', () => {
    expect(packageJson.scripts.doctor).toBe('tsx scripts/ops/cli.ts doctor');
  });
});

describe('the minimums are the versions the project pins', () => {
  test('Node.js: package.json engines; CDK CLI: the aws-cdk devDependency', () => {
    expect(packageJson.engines.node).toBe(`>=${MIN_NODE_VERSION}`);
    expect(packageJson.devDependencies['aws-cdk']).toBe(MIN_CDK_CLI_VERSION);
  });
});

describe('one AWS CLI: resolveAwsCli (AWS_CLI, else the first aws on PATH; v2 >= the minimum, else an error naming the fix)', () => {
  let root: string;
  /** A directory with an `aws` that prints `version` (an installed CLI stand-in: only its --version is asked). */
  const fakeAws = (name: string, version: string): string => {
    const dir = join(root, name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'aws'), `#!/bin/sh\necho "aws-cli/${version} Python/3.11.2 Linux/6.1"\n`);
    chmodSync(join(dir, 'aws'), 0o755);
    return dir;
  };
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'aws-cli-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('the first v2 on PATH at or above the minimum', () => {
    const v2 = fakeAws('ok', MIN_AWS_CLI_VERSION);
    expect(resolveAwsCli({ PATH: `${join(root, 'none')}:${v2}` })).toEqual({ binary: join(v2, 'aws'), version: MIN_AWS_CLI_VERSION, source: 'the first aws on PATH' });
  });

  test('a v1 first on PATH is an error naming it, the minimum, and the v2 further down PATH', () => {
    const v1 = fakeAws('v1', '1.45.11');
    const v2 = fakeAws('v2', '2.15.0');
    expect(() => resolveAwsCli({ PATH: `${v1}:${v2}` })).toThrow(
      `${join(v1, 'aws')} (the first aws on PATH) is AWS CLI 1.45.11; the operator CLI needs AWS CLI v2 >= ${MIN_AWS_CLI_VERSION}: install AWS CLI v2 >= ${MIN_AWS_CLI_VERSION} (Debian/Ubuntu: apt-get install awscli; elsewhere AWS's installer for v2) and put it first on PATH, or set AWS_CLI=/path/to/aws (a usable v2 is further down PATH: ${join(v2, 'aws')} 2.15.0; AWS_CLI=${join(v2, 'aws')} picks it)`,
    );
    expect(resolveAwsCli({ PATH: `${v1}:${v2}`, AWS_CLI: join(v2, 'aws') })).toEqual({ binary: join(v2, 'aws'), version: '2.15.0', source: 'AWS_CLI' });
  });

  test('a v2 below the minimum, a missing AWS_CLI and no aws at all are errors', () => {
    const old = fakeAws('old', '2.9.0');
    expect(() => resolveAwsCli({ PATH: old })).toThrow(`${join(old, 'aws')} (the first aws on PATH) is AWS CLI 2.9.0; the operator CLI needs AWS CLI v2 >= ${MIN_AWS_CLI_VERSION}`);
    expect(() => resolveAwsCli({ PATH: old, AWS_CLI: '/nonexistent/aws' })).toThrow('AWS_CLI=/nonexistent/aws is not an executable file (it must be an absolute path)');
    expect(() => resolveAwsCli({ PATH: join(root, 'none') })).toThrow('no AWS CLI found: no aws on PATH and AWS_CLI is not set');
  });
});
