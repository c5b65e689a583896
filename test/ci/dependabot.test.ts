/**
 * .github/dependabot.yml, parsed. Validated once against Dependabot's JSON schema (SchemaStore's
 * dependabot-2.0.json, with ajv: docs/decisions/0041-supported-toolchain.md); the schema is not vendored here, so
 * this test checks what the schema cannot: every manifest is covered, weekly, the CDK packages move together, and
 * the archived CDKTF packages, which carry the Terraform providers, never move by themselves.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseDocument } from 'yaml';

const ROOT = join(__dirname, '..', '..');
const FILE = join(ROOT, '.github', 'dependabot.yml');

interface Update {
  readonly 'package-ecosystem': string;
  readonly directory?: string;
  readonly directories?: string[];
  readonly schedule: { interval: string };
  readonly groups?: Record<string, { patterns: string[] }>;
  readonly ignore?: Array<{ 'dependency-name': string; 'update-types'?: string[] }>;
}
const config = parse(readFileSync(FILE, 'utf8')) as { version: number; updates: Update[] };
const update = (ecosystem: string): Update => config.updates.find((u) => u['package-ecosystem'] === ecosystem)!;
const directoriesOf = (u: Update): string[] => u.directories ?? (u.directory === undefined ? [] : [u.directory]);
/** Dependabot's name patterns: `*` matches any run of characters. */
const matches = (pattern: string, name: string): boolean =>
  new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`).test(name);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<'dependencies' | 'devDependencies', Record<string, string>>;
const dependencies = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)];

test('version 2: npm and github-actions, each weekly', () => {
  expect(config.version).toBe(2);
  expect(config.updates.map((u) => u['package-ecosystem']).sort()).toEqual(['github-actions', 'npm']);
  for (const u of config.updates) expect({ ecosystem: u['package-ecosystem'], interval: u.schedule.interval }).toEqual({ ecosystem: u['package-ecosystem'], interval: 'weekly' });
});

test('npm covers the root package.json; github-actions the workflows and every composite action', () => {
  expect(directoriesOf(update('npm'))).toEqual(['/']);
  const actions = readdirSync(join(ROOT, '.github', 'actions')).filter((dir) => existsSync(join(ROOT, '.github', 'actions', dir, 'action.yml')));
  expect(actions.length).toBeGreaterThan(0);
  expect(directoriesOf(update('github-actions')).sort()).toEqual(['/', ...actions.map((dir) => `/.github/actions/${dir}`)].sort());
});

test('aws-cdk-lib, the aws-cdk CLI and every @aws-cdk/* package are one group', () => {
  const cdk = dependencies.filter((name) => name === 'aws-cdk' || name === 'aws-cdk-lib' || name.startsWith('@aws-cdk/'));
  expect(cdk).toEqual(expect.arrayContaining(['aws-cdk', 'aws-cdk-lib']));
  const groupsOf = (name: string): string[] => Object.entries(update('npm').groups ?? {}).filter(([, g]) => g.patterns.some((p) => matches(p, name))).map(([id]) => id);
  const groups = new Set(cdk.flatMap(groupsOf));
  expect(groups.size).toBe(1);
  for (const name of cdk) expect({ name, groups: groupsOf(name) }).toEqual({ name, groups: [...groups] });
});

test('cdktf, cdktf-cli and every @cdktf/* package are ignored for every update type, with the reason above them', () => {
  const ignore = update('npm').ignore ?? [];
  const whole = ignore.filter((rule) => rule['update-types'] === undefined).map((rule) => rule['dependency-name']);
  const cdktf = dependencies.filter((name) => name === 'cdktf' || name.startsWith('cdktf-') || name.startsWith('@cdktf/'));
  expect(cdktf).toEqual(expect.arrayContaining(['cdktf', 'cdktf-cli', '@cdktf/provider-mongodbatlas']));
  expect(cdktf.filter((name) => !whole.some((pattern) => matches(pattern, name)))).toEqual([]);
  expect(matches('@cdktf/*', '@cdktf/provider-next')).toBe(true);
  // The comment above the first of these rules; above a list's first item, the parser keeps it on the list.
  const first = ignore.findIndex((rule) => rule['dependency-name'] === 'cdktf');
  const rules = parseDocument(readFileSync(FILE, 'utf8')).getIn(['updates', config.updates.indexOf(update('npm')), 'ignore'], true) as { commentBefore?: string; items: Array<{ commentBefore?: string }> };
  const comment = (first === 0 ? rules.commentBefore : rules.items[first].commentBefore) ?? '';
  expect(comment).toMatch(/archived/);
  expect(comment).toMatch(/Terraform providers/);
});
