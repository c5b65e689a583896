/**
 * The cost report prices only the environment it names: an assembly must hold exactly that environment's stacks
 * (`marin-{env}-{component}`), else it is refused (exit 1) naming the directory, what it holds and what was expected.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENVIRONMENT_NAMES } from '../../environments';
import { main } from '../../scripts/cost/cli';
import { PRICED_COMPONENTS } from '../../scripts/cost/templates';
import { SYNTH_ROOT } from '../support/synth-cache';
import { stacksOf } from '../support/templates';

const PROD_STACKS = 'marin-prod-data, marin-prod-monitoring, marin-prod-network, marin-prod-services';

const runCli = async (...argv: string[]) => {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const status = await main(argv, { log: (text) => stdout.push(text), error: (text) => stderr.push(text) });
  return { status, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
};

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'cost-assembly-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

test('another environment\'s assembly is refused (exit 1), naming what it holds and what prod needs; nothing priced', async () => {
  const result = await runCli('--env', 'prod', '--assembly', join(SYNTH_ROOT, 'dev'));
  expect(result.status).toBe(1);
  expect(result.stdout).toBe('');
  expect(result.stderr).toBe(
    `error: --env prod, but ${join(SYNTH_ROOT, 'dev')} holds marin-dev-data, marin-dev-monitoring, marin-dev-network, marin-dev-services, `
    + `not ${PROD_STACKS}: synthesize prod into its own directory (\`npm run synth -- --env prod\` writes cdk.out/prod)`,
  );
});

test('an assembly missing a stack is refused: the report would leave it out', async () => {
  const dir = join(work, 'prod');
  cpSync(join(SYNTH_ROOT, 'prod'), dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { artifacts: Record<string, unknown> };
  delete manifest.artifacts['marin-prod-monitoring'];
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  const result = await runCli('--env', 'prod', '--assembly', dir);
  expect(result.status).toBe(1);
  expect(result.stderr).toContain(`holds marin-prod-data, marin-prod-network, marin-prod-services, not ${PROD_STACKS}`);
});

test.each(ENVIRONMENT_NAMES)('PRICED_COMPONENTS are exactly the stacks the app synthesizes for %s', (env) => {
  expect(stacksOf(env).map((stack) => stack.component).sort()).toEqual([...PRICED_COMPONENTS].sort());
});
