import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENVIRONMENT_NAMES, parseEnvironment, ENVIRONMENTS, type EnvironmentConfig, type EnvironmentName } from '../../environments';
import { applyFacts, FACT_FILES, loadFactInputs, renderFacts, type FactInputs } from '../../scripts/docs-facts';

const ROOT = join(__dirname, '..', '..');
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');

/** The committed inputs with one environment's config edited (parsed again, so schema rules still apply). */
async function withEdit(envName: EnvironmentName, edit: (input: Record<string, any>) => void): Promise<FactInputs> {
  const inputs = await loadFactInputs();
  const input = structuredClone(ENVIRONMENTS[envName]) as Record<string, any>;
  edit(input);
  const configs = {
    ...inputs.configs,
    [envName]: parseEnvironment(input, envName),
  } as Record<EnvironmentName, EnvironmentConfig>;
  return { ...inputs, configs };
}

function staleFiles(inputs: FactInputs): string[] {
  const facts = renderFacts(inputs);
  return FACT_FILES.filter((file) => applyFacts(read(file), facts, file) !== read(file));
}

describe('facts in the docs come from the config', () => {
  test('every generated block is current (npm run docs:facts rewrites them)', async () => {
    expect(staleFiles(await loadFactInputs())).toEqual([]);
  });

  test('every block is present where the docs need it', () => {
    expect(read('README.md')).toContain('<!-- facts:environment-table -->');
    expect(read('README.md')).toContain('<!-- facts:cost-table -->');
    expect(read('docs/runbook.md')).toContain('<!-- facts:atlas-backups -->');
    expect(read('docs/runbook.md')).toContain('<!-- facts:scaling-table -->');
    expect(read('docs/cost.md')).toContain('<!-- facts:cost-curve -->');
    expect(read('docs/cost.md')).toContain('<!-- facts:cost-months -->');
  });

  test('the runbook restore section states each environment\'s backup windows', () => {
    const runbook = read('docs/runbook.md');
    expect(runbook).toContain('| prod | `marin-prod-mongodb` (M20) | point-in-time restore to any minute of the last 30 days');
    expect(runbook).toContain('| staging | `marin-staging-mongodb` (M10) | point-in-time restore to any minute of the last 2 days');
    expect(runbook).toContain('daily snapshots at 07:00 UTC kept 7 days');
    expect(runbook).toContain('| dev | `marin-dev-mongodb` (M0) | no cloud backup');
  });

  test.each([
    ['prod point-in-time window (runbook restore section)', 'prod', (i: Record<string, any>): void => { i.atlas.pointInTimeWindowDays = 35; i.atlas.backupRetentionDays = 35; }, ['README.md', 'docs/runbook.md']],
    ['staging daily snapshot retention', 'staging', (i: Record<string, any>): void => { i.atlas.backupRetentionDays = 14; }, ['README.md', 'docs/runbook.md']],
    ['prod worker floor (runbook scaling table, README table)', 'prod', (i: Record<string, any>): void => { i.services.workerMinCapacity = 2; }, ['README.md', 'docs/runbook.md']],
    ['dev log retention (README environment table)', 'dev', (i: Record<string, any>): void => { i.logRetentionDays = 14; }, ['README.md']],
    ['staging budget (README tables)', 'staging', (i: Record<string, any>): void => { i.budget.monthlyUsd = 700; }, ['README.md']],
  ] as const)('a changed config value makes the docs stale: %s', async (_, envName, edit, files) => {
    expect(staleFiles(await withEdit(envName, edit))).toEqual(files);
  });

  test('a changed cost estimate makes the README stale', async () => {
    const inputs = await loadFactInputs();
    expect(staleFiles({ ...inputs, costs: { ...inputs.costs, prod: { ...inputs.costs.prod, total: 999.99 } } })).toEqual(['README.md']);
  });

  test('an unknown block name is an error naming it', async () => {
    const facts = renderFacts(await loadFactInputs());
    expect(() => applyFacts('<!-- facts:nope -->\nx\n<!-- /facts:nope -->', facts, 'X.md')).toThrow('X.md: unknown generated block "facts:nope"');
  });

  test('covers every environment', async () => {
    const table = renderFacts(await loadFactInputs())['environment-table'];
    expect(table[0]).toBe(`| | ${ENVIRONMENT_NAMES.join(' | ')} |`);
  });
});
