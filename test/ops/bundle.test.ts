/**
 * `deploy --prepare-only --bundle <dir>` and `deploy --execute <dir>`: the pipeline's two halves of a
 * reviewed deploy, built on the same planner (scripts/ops/deploy.ts) as a laptop deploy.
 */
import { loadEnvironment, type EnvironmentConfig } from '../../environments';
import { main } from '../../scripts/ops/cli';
import { deployBundle, planDeploy, readDeployBundle, stackInventory, type OpsOptions, type Plan, type Step } from '../../scripts/ops/plan';
import { commandsOf, stubDeps } from './stubs';

const ACCOUNT = '111111111111';
const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const CERT = `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/x`;
const config = (env: string): EnvironmentConfig => loadEnvironment(env, { certificateArn: CERT, alarmEmails: ['oncall@example.com'] });
const base: OpsOptions = { dryRun: false, yes: true, allIncludingData: false, account: ACCOUNT, imageTag: '1.4.2', planId: 'r1', commit: COMMIT };
const argvOf = (step: Step): string => (step.kind === 'command' || step.kind === 'review' || step.kind === 'derive' ? step.argv.join(' ') : `${step.kind}`);
const lines = (plan: Plan): string[] => plan.steps.map(argvOf);

describe('deploy --prepare-only: every change set and the saved plan, prepared and reviewed into the bundle, nothing executed', () => {
  const plan = () => planDeploy(config('prod'), { ...base, prepareOnly: true, bundle: 'deploy-bundle' }, stackInventory(config('prod')));

  test('prepares and reviews each stack into the bundle\'s assembly, plans Atlas into the bundle', () => {
    const all = lines(plan());
    expect(all.filter((l) => l.includes('--method=prepare-change-set')).map((l) => l.split(' ').find((a) => a.startsWith('marin-prod-') && !a.includes('-r1')))).toEqual([
      'marin-prod-network', 'marin-prod-data', 'marin-prod-services', 'marin-prod-monitoring',
    ]);
    expect(all.filter((l) => l.includes('--method=prepare-change-set')).every((l) => l.includes('--output deploy-bundle/assembly'))).toBe(true);
    expect(all).toContain('npx cdktf synth --output deploy-bundle/cdktf.out');
    expect(all).toContain('terraform -chdir=deploy-bundle/cdktf.out/stacks/atlas-prod plan -input=false -out=marin-prod-r1.tfplan');
    expect(all.filter((l) => l.startsWith('aws cloudformation describe-change-set'))).toHaveLength(4);
  });

  test('executes nothing: no execute-change-set, no terraform apply, no confirmation, no default-group change, no post-deploy check', () => {
    const all = lines(plan());
    expect(all.filter((l) => /execute-change-set| apply |confirm|revoke|describe-security-group-rules|services-stable|secretsmanager/.test(l))).toEqual([]);
  });

  test('the bundle records the release and the artefact paths', () => {
    expect(deployBundle(config('prod'), { ...base, prepareOnly: true, bundle: 'deploy-bundle', certificateArn: CERT, alarmEmails: ['oncall@example.com'] }, stackInventory(config('prod')))).toEqual({
      version: 1,
      environment: 'prod',
      account: ACCOUNT,
      commit: COMMIT,
      imageTag: '1.4.2',
      certificateArn: CERT,
      alarmEmails: ['oncall@example.com'],
      planId: 'r1',
      changeSetName: 'marin-prod-r1',
      assemblyDir: 'deploy-bundle/assembly',
      terraformDir: 'deploy-bundle/cdktf.out/stacks/atlas-prod',
      planFile: 'marin-prod-r1.tfplan',
      stacks: ['marin-prod-network', 'marin-prod-data', 'marin-prod-services', 'marin-prod-monitoring'],
    });
  });

  test('refused for dev (deployed directly) and without --bundle', () => {
    expect(() => planDeploy(loadEnvironment('dev'), { ...base, prepareOnly: true, bundle: 'b' }, stackInventory(loadEnvironment('dev')))).toThrow(/^dev deploys directly \(no reviewed change sets\): --prepare-only and --execute are for staging and prod/);
    expect(() => planDeploy(config('prod'), { ...base, prepareOnly: true }, stackInventory(config('prod')))).toThrow(/^--prepare-only needs --bundle <dir>/);
  });
});

describe('deploy --execute: exactly the bundle\'s change sets and saved plan, nothing synthesized', () => {
  const stacks = stackInventory(config('prod'));
  const bundle = deployBundle(config('prod'), { ...base, prepareOnly: true, bundle: 'deploy-bundle' }, stacks);
  const plan = () => planDeploy(config('prod'), { ...base, executeBundle: bundle }, stacks);

  test('per stack, in order: review the prepared change set again (read-only), execute it from the bundle\'s assembly', () => {
    const all = lines(plan());
    expect(all.filter((l) => /synth|prepare-change-set| plan -input/.test(l))).toEqual([]);
    expect(all.filter((l) => l.includes('--method=execute-change-set'))).toEqual(
      ['network', 'data', 'services', 'monitoring'].map((c) => `npx cdk deploy -a deploy-bundle/assembly marin-prod-${c} --method=execute-change-set --change-set-name marin-prod-r1 --require-approval never`),
    );
    expect(all).toContain('terraform -chdir=deploy-bundle/cdktf.out/stacks/atlas-prod apply -input=false marin-prod-r1.tfplan');
    expect(all).toContain('terraform -chdir=deploy-bundle/cdktf.out/stacks/atlas-prod show -json marin-prod-r1.tfplan');
    expect(all.some((l) => l.includes('services-stable'))).toBe(true);
  });

  test('a bundle of another environment, commit or image tag, or with moved paths, is refused', () => {
    const text = (edit: Record<string, unknown>) => JSON.stringify({ ...bundle, ...edit });
    expect(readDeployBundle(text({}), config('prod'), { commit: COMMIT, imageTag: '1.4.2' }, stacks)).toEqual(bundle);
    expect(() => readDeployBundle(text({ environment: 'staging' }), config('prod'), {}, stacks)).toThrow(/^the plan bundle was prepared for staging, not prod/);
    expect(() => readDeployBundle(text({}), config('prod'), { commit: 'fedcba9876543210fedcba9876543210fedcba98' }, stacks)).toThrow(/^the plan bundle was prepared from commit 0123456789abcdef0123456789abcdef01234567, not fedcba98/);
    expect(() => readDeployBundle(text({}), config('prod'), { imageTag: '1.4.3' }, stacks)).toThrow(/^the plan bundle deploys image tag 1.4.2, not 1.4.3/);
    expect(() => readDeployBundle(text({ terraformDir: '/tmp/elsewhere' }), config('prod'), {}, stacks)).toThrow(/terraformDir "\/tmp\/elsewhere" is not "deploy-bundle\/cdktf.out\/stacks\/atlas-prod"/);
    expect(() => readDeployBundle('not json', config('prod'), {}, stacks)).toThrow(/is not JSON/);
  });
});

describe('the CLI: --prepare-only writes bundle.json with the review verdicts; --execute runs it', () => {
  const noChanges = { status: 0, stdout: JSON.stringify({ StackName: 'x', Status: 'FAILED', StatusReason: "The submitted information didn't contain changes." }) };
  const noPlanChanges = { status: 0, stdout: JSON.stringify({ resource_changes: [] }) };
  const secretOk = { status: 0, stdout: JSON.stringify({ v1: ['AWSCURRENT'] }) };
  const results: Parameters<typeof stubDeps>[0] = {
    identity: { account: ACCOUNT, arn: `arn:aws:sts::${ACCOUNT}:assumed-role/marin-prod-github-deploy/ci`, region: 'us-east-1' },
    results: [
      [(a) => a[2] === 'describe-change-set', noChanges],
      [(a) => a[0] === 'terraform' && a.includes('-json'), noPlanChanges],
      [(a) => a[2] === 'describe-secret', secretOk],
      [(a) => a[2] === 'get-secret-value', { status: 0, stdout: 'mongodb+srv://cluster0.example.mongodb.net\n' }],
    ],
  };
  const flags = ['--env', 'prod', '--account', ACCOUNT, '--image-tag', '1.4.2', '--certificate-arn', CERT, '--alarm-email', 'oncall@example.com', '--commit', COMMIT, '--yes'];

  test('prepare, then execute the written bundle; a bundle of another commit is refused before any AWS call', async () => {
    const files = new Map<string, string>();
    const prepare = {
      ...stubDeps(results),
      writeFile: (path: string, text: string) => files.set(path, text),
      readFile: (path: string) => files.get(path)!,
    };
    expect(await main(['deploy', ...flags, '--prepare-only', '--bundle', 'deploy-bundle'], prepare)).toBe(0);
    const written = JSON.parse(files.get('deploy-bundle/bundle.json')!) as { commit: string; reviews: Record<string, string[]> };
    expect(written.commit).toBe(COMMIT);
    expect(written.reviews['atlas-prod']).toEqual(['atlas: no changes']);
    expect(Object.keys(written.reviews)).toEqual(['marin-prod-network', 'marin-prod-data', 'atlas-prod', 'marin-prod-services', 'marin-prod-monitoring']);
    expect(commandsOf(prepare).filter((c) => /execute-change-set| apply /.test(c))).toEqual([]);

    const execute = { ...stubDeps(results), readFile: (path: string) => files.get(path)! };
    expect(await main(['deploy', '--env', 'prod', '--execute', 'deploy-bundle', '--commit', COMMIT, '--image-tag', '1.4.2', '--yes'], execute)).toBe(0);
    expect(commandsOf(execute).filter((c) => /synth|prepare-change-set/.test(c))).toEqual([]);
    expect(commandsOf(execute).filter((c) => c.startsWith('terraform'))).toEqual([
      'terraform -chdir=deploy-bundle/cdktf.out/stacks/atlas-prod init -input=false',
      'terraform -chdir=deploy-bundle/cdktf.out/stacks/atlas-prod show -json marin-prod-r1.tfplan',
    ]);

    const other = { ...stubDeps(results), readFile: (path: string) => files.get(path)! };
    expect(await main(['deploy', '--env', 'prod', '--execute', 'deploy-bundle', '--commit', 'fedcba9876543210fedcba9876543210fedcba98', '--yes'], other)).toBe(1);
    expect(other.err.join('\n')).toMatch(/prepared from commit 0123456789abcdef0123456789abcdef01234567, not fedcba98/);
    expect(other.calls).toEqual([]);
  });
});
