/**
 * The cost report prices only the environment it names (issue 19, item 6): the stacks of an assembly are
 * attributed to an environment by name (`marin-{env}-{component}`) and by their resources' Environment tag,
 * and another environment's assembly, a missing stack, a mix or a foreign stack is refused (exit 1) with a
 * message naming both environments. The fixtures are copies of the global setup's assemblies, edited.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENVIRONMENT_NAMES } from '../../environments';
import { main } from '../../scripts/cost/cli';
import { PRICED_COMPONENTS } from '../../scripts/cost/templates';
import { SYNTH_ROOT } from '../support/synth-cache';
import { stacksOf } from '../support/templates';

const ROOT = join(__dirname, '..', '..');
const DEV_STACKS = 'marin-dev-network, marin-dev-data, marin-dev-services, marin-dev-monitoring';
const PROD_STACKS = 'marin-prod-network, marin-prod-data, marin-prod-services, marin-prod-monitoring';
const FIX = (env: string) =>
  `synthesize ${env} into its own directory (\`npm run synth -- --env ${env}\` writes cdk.out/${env}) and pass --assembly cdk.out/${env} (or --assembly cdk.out, which reads cdk.out/<env> of each environment)`;

const runCli = async (...argv: string[]) => {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const status = await main(argv, { log: (text) => stdout.push(text), error: (text) => stderr.push(text) });
  return { status, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
};

type Manifest = {
  artifacts: Record<string, { type: string; properties?: { templateFile?: string; stackName?: string } }>;
};

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'cost-assembly-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A copy of the committed assembly of `env` at `dir`, its manifest edited by `edit`. */
function copyAssembly(env: string, dir: string, edit: (manifest: Manifest) => void = () => undefined): string {
  cpSync(join(SYNTH_ROOT, env), dir, { recursive: true, filter: (source) => !source.endsWith('cdk.out') });
  const file = join(dir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  edit(manifest);
  writeFileSync(file, JSON.stringify(manifest));
  return dir;
}

describe('npm run cost --assembly: only the environment it names', () => {
  test('--env prod --assembly <dev assembly> is refused (exit 1) naming prod, dev and the directory; nothing priced', async () => {
    const dev = join(SYNTH_ROOT, 'dev');
    const result = await runCli('--env', 'prod', '--assembly', dev);
    expect(result).toEqual({ status: 1, stdout: '', stderr: `error: --env prod, but ${dev} is the cloud assembly of dev (${DEV_STACKS}), not prod: ${FIX('prod')}` });
    // The same assembly for the environment it holds is priced.
    expect(await runCli('--env', 'dev', '--assembly', dev, '--summary')).toMatchObject({ status: 0, stderr: '', stdout: expect.stringContaining('| dev | 302.51 | 378.00 |') });
  });

  test('as `npm run -s cost`, the process exits 1 with the message', () => {
    const result = spawnSync('npm', ['run', '-s', 'cost', '--', '--env', 'prod', '--assembly', join(SYNTH_ROOT, 'dev')], { cwd: ROOT, encoding: 'utf8' });
    expect({ status: result.status, stdout: result.stdout }).toEqual({ status: 1, stdout: '' });
    expect(result.stderr).toContain(`error: --env prod, but ${join(SYNTH_ROOT, 'dev')} is the cloud assembly of dev (${DEV_STACKS}), not prod`);
  });

  test('after a plain `cdk synth -c env=prod` into cdk.out/, `--env all --assembly cdk.out` refuses dev and staging, naming prod', async () => {
    // cdk.out/ holds prod's assembly at its top (what `npx cdk synth -c env=prod` writes), and no cdk.out/<env>.
    const cdkOut = copyAssembly('prod', join(work, 'plain-synth'));
    const result = await runCli('--env', 'all', '--assembly', cdkOut, '--summary');
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toEqual([
      `error: --env dev, but ${cdkOut} is the cloud assembly of prod (${PROD_STACKS}), not dev: ${FIX('dev')}`,
      `--env staging, but ${cdkOut} is the cloud assembly of prod (${PROD_STACKS}), not staging: ${FIX('staging')}`,
    ]);
    // Prod itself is read from there, at the committed figure.
    expect(await runCli('--env', 'prod', '--assembly', cdkOut, '--summary')).toMatchObject({ status: 0, stdout: expect.stringContaining('| prod | 956.66 | 970.00 |') });
  });

  test('a directory with <env>/ assemblies reads each environment from its own one; a missing one is not filled in from the top', async () => {
    const cdkOut = copyAssembly('prod', join(work, 'partly-synthesized'));
    copyAssembly('dev', join(cdkOut, 'dev'));
    copyAssembly('prod', join(cdkOut, 'prod'));
    const result = await runCli('--env', 'all', '--assembly', cdkOut, '--summary');
    expect({ status: result.status, stdout: result.stdout }).toEqual({ status: 1, stdout: '' });
    expect(result.stderr).toBe(`error: --env staging, but ${cdkOut} is the cloud assembly of prod (${PROD_STACKS}), not staging: ${FIX('staging')}`);
    // CI's layout (npm run synth -- --env all): every environment has its own directory.
    const ci = join(work, 'ci');
    for (const env of ENVIRONMENT_NAMES) copyAssembly(env, join(ci, env));
    expect(await runCli('--env', 'all', '--assembly', ci, '--summary')).toMatchObject({ status: 0, stderr: '' });
  });

  test('a missing stack is refused, naming it and the environment', async () => {
    const dir = copyAssembly('dev', join(work, 'no-monitoring'), (m) => delete m.artifacts['marin-dev-monitoring']);
    expect(await runCli('--env', 'dev', '--assembly', dir)).toEqual({
      status: 1,
      stdout: '',
      stderr: `error: --env dev, but ${dir} has no stack marin-dev-monitoring (dev's stacks are ${DEV_STACKS}): the cost report would leave it out; ${FIX('dev')}`,
    });
  });

  test("another environment's stack among the right ones is refused, naming both environments", async () => {
    const dir = copyAssembly('dev', join(work, 'mixed'), (m) => {
      m.artifacts['marin-prod-data'] = { ...m.artifacts['marin-dev-data'], properties: { ...m.artifacts['marin-dev-data'].properties, stackName: 'marin-prod-data' } };
    });
    expect((await runCli('--env', 'dev', '--assembly', dir)).stderr).toBe(`error: --env dev, but ${dir} mixes dev's stacks with stacks of prod (marin-prod-data), not dev: ${FIX('dev')}`);
  });

  test('a stack of no environment, or a component the report does not know, is refused', async () => {
    const foreign = copyAssembly('dev', join(work, 'foreign'), (m) => {
      m.artifacts['marin-dev-network'].properties!.stackName = 'other-dev-network';
    });
    expect((await runCli('--env', 'dev', '--assembly', foreign)).stderr).toBe(`error: --env dev, but ${foreign} mixes dev's stacks with stacks of no environment (other-dev-network), not dev: ${FIX('dev')}`);
    const extra = copyAssembly('dev', join(work, 'extra'), (m) => {
      m.artifacts['marin-dev-extra'] = { ...m.artifacts['marin-dev-data'], properties: { ...m.artifacts['marin-dev-data'].properties, stackName: 'marin-dev-extra' } };
    });
    expect(await runCli('--env', 'dev', '--assembly', extra)).toMatchObject({
      status: 1,
      stderr: `error: --env dev, but ${extra} holds marin-dev-extra, not one of dev's stacks (${DEV_STACKS}): add its component to PRICED_COMPONENTS (scripts/cost/templates.ts) if the app now builds it`,
    });
  });

  test("a stack named for the environment whose resources are tagged for another is refused (a renamed copy of another environment's template)", async () => {
    const dir = copyAssembly('dev', join(work, 'retagged'));
    const file = join(dir, 'marin-dev-data.template.json');
    const text = readFileSync(file, 'utf8');
    const retagged = text.replace(/("Key":\s*"Environment",\s*"Value":\s*)"dev"/g, '$1"prod"');
    expect(retagged).not.toBe(text);
    writeFileSync(file, retagged);
    const result = await runCli('--env', 'dev', '--assembly', dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^error: --env dev, but stack marin-dev-data in ${dir} has resources tagged Environment=prod \\(e\\.g\\. \\w+\\), not dev: the template is not dev's; `));
  });

  test('no assembly at all is refused (exit 1) naming both places looked at; a missing value is a usage error (exit 2)', async () => {
    const empty = join(work, 'empty');
    mkdirSync(empty);
    expect(await runCli('--env', 'staging', '--assembly', empty)).toEqual({
      status: 1,
      stdout: '',
      stderr: `error: --env staging: no cloud assembly in ${join(empty, 'staging')} or ${empty} (no manifest.json): run \`npm run synth -- --env staging\` (writes cdk.out/staging) first`,
    });
    expect(await runCli('--env', 'staging', '--assembly')).toMatchObject({ status: 2, stderr: expect.stringMatching(/^error: option --assembly needs a value\n/) });
  });

  test.each(ENVIRONMENT_NAMES)('PRICED_COMPONENTS are exactly the stacks the app synthesizes for %s', (env) => {
    expect(stacksOf(env).map((s) => s.stackName).sort()).toEqual(PRICED_COMPONENTS.map((c) => `marin-${env}-${c}`).sort());
  });
});
