/**
 * The versions the project runs on, each stated once (docs/decisions/0041-supported-toolchain.md):
 * - Node.js: the major in .nvmrc is the one package.json's engines admit, the one @types/node describes, and the
 *   one this suite runs on (`.ci/run` installs it when the machine has another).
 * - The CDK: CLI telemetry off in cdk.json's context, where the CLI reads it (a top-level key is ignored), so no
 *   script or workflow needs CDK_DISABLE_CLI_TELEMETRY; every feature flag the installed aws-cdk-lib recommends is
 *   decided in cdk.json (set to the recommended value, or to another one with the reason in the decisions).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const read = (...path: string[]): string => readFileSync(join(ROOT, ...path), 'utf8');

interface PackageJson {
  readonly engines: { node: string };
  readonly devDependencies: Record<string, string>;
}
const pkg = JSON.parse(read('package.json')) as PackageJson;

describe('Node.js: one major, from .nvmrc', () => {
  const major = read('.nvmrc').trim();

  test('.nvmrc names a major only, so CI gets its security releases', () => {
    expect(major).toMatch(/^\d+$/);
  });

  test('package.json engines admit exactly that major (the lock file says the same), @types/node describes it', () => {
    expect(pkg.engines.node).toMatch(new RegExp(`^\\^${major}\\.\\d+\\.\\d+$`));
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { engines?: { node: string } }> };
    expect(lock.packages[''].engines).toEqual(pkg.engines);
    expect(pkg.devDependencies['@types/node'].split('.')[0]).toBe(major);
  });

  test('this suite runs on it', () => {
    expect(process.versions.node.split('.')[0]).toBe(major);
  });
});

describe('CDK CLI settings in cdk.json', () => {
  const cdk = JSON.parse(read('cdk.json')) as { context: Record<string, unknown> } & Record<string, unknown>;

  test('telemetry is off in the context, where the CLI reads it; not a top-level key', () => {
    expect(cdk.context['cli-telemetry']).toBe(false);
    expect(cdk['cli-telemetry']).toBeUndefined();
  });

  test('no workflow, CI script or child environment sets CDK_DISABLE_CLI_TELEMETRY: cdk.json is read wherever cdk runs', () => {
    const workflows = readdirSync(join(ROOT, '.github', 'workflows')).map((file) => join('.github', 'workflows', file));
    const files = [...workflows, join('.github', 'actions', 'setup', 'action.yml'), join('.ci', 'run'), join('scripts', 'lib', 'cli.ts')];
    expect(files.filter((file) => read(file).includes('CDK_DISABLE_CLI_TELEMETRY'))).toEqual([]);
  });

  test('every feature flag the installed aws-cdk-lib recommends is decided in cdk.json', () => {
    const recommended = JSON.parse(read('node_modules', 'aws-cdk-lib', 'recommended-feature-flags.json')) as Record<string, unknown>;
    expect(Object.keys(recommended).length).toBeGreaterThan(50);
    expect(Object.keys(recommended).filter((flag) => !(flag in cdk.context))).toEqual([]);
  });
});
