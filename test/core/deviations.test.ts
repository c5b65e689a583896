/**
 * docs/deviations.md is the one list of deliberately unmet controls a security reviewer signs. Its rows must match
 * what the code acknowledges, in both directions: every rule of the four cdk-nag packs and every AWS Control Tower
 * control acknowledged anywhere (each environment as committed and as deployed, and the deploy-identity app) is in a
 * table row, and a table row names nothing that is no longer acknowledged. The acknowledgements are read from the
 * cloud assemblies (`*.metadata.json`, `aws:cdk:acknowledged-rules`), never from lib/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { ENVIRONMENT_NAMES, loadEnvironment, type EnvironmentName } from '../../environments';
import { CONTROL_TOWER_PLUGIN, controlOfRule } from '../../lib/core/compliance';
import { createDeployIdentityApp } from '../../lib/deploy-identity-app';
import { reportOnlyContext } from '../../scripts/lib/cdk-context';
import { kept } from '../support/synth-cache';
import { controlTowerFindings } from '../support/synthesize';
import { assemblyDir } from '../support/templates';
import { SYNTH_VARIANTS, synthAccount, type SynthVariant } from '../support/variants';

const DOC = readFileSync(join(__dirname, '..', '..', 'docs', 'deviations.md'), 'utf8');

/** Where CDK records an acknowledgement, by the prefix of its id. */
const NAMESPACES = {
  /** cdk-nag: `Validations.acknowledge` of an id without a plugin prefix. */
  nag: 'Annotation::',
  controlTower: `${CONTROL_TOWER_PLUGIN}::`,
  /** CDK's CloudFormation validator (cfn-lint rules). */
  templateValidator: 'CloudFormation-Validate::',
} as const;
type Kind = keyof typeof NAMESPACES;

const NAG_RULE = /\b(?:AwsSolutions|HIPAA\.Security|NIST\.800\.53\.R5|PCI\.DSS\.321)-[A-Za-z0-9]+/g;
const CONTROL = /\bCT\.[A-Z0-9-]+\.PR\.\d+\b/g;
const CFN_LINT_RULE = /\b[EWF]\d{4}\b/g;

/** The deploy-identity app of an environment (deploy-identity stack, Terraform state stack), kept per source change. */
function deployIdentityAssembly(envName: EnvironmentName): string {
  const account = synthAccount(envName, 'deployed')!;
  return kept('deploy-identity', { envName, account }, (dir) => {
    const app = new App({ outdir: dir, context: reportOnlyContext() });
    createDeployIdentityApp(app, loadEnvironment(envName, { account }));
    app.synth();
  });
}

const ASSEMBLIES: Array<[string, () => string]> = [
  ...ENVIRONMENT_NAMES.flatMap((envName) => (Object.keys(SYNTH_VARIANTS) as SynthVariant[])
    .map((variant): [string, () => string] => [`${variant}:${envName}`, () => assemblyDir(envName, variant)])),
  ...ENVIRONMENT_NAMES.map((envName): [string, () => string] => [`deploy-identity:${envName}`, () => deployIdentityAssembly(envName)]),
];

/** Every acknowledged id of an assembly, by the gate that reported it, with where (for the failure message). */
function acknowledgedIn(label: string, dir: string): Array<{ kind: Kind; id: string; at: string }> {
  const found: Array<{ kind: Kind; id: string; at: string }> = [];
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.metadata.json'))) {
    const metadata = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, Array<{ type: string; data?: Record<string, string> }>>;
    for (const [path, entries] of Object.entries(metadata)) {
      for (const entry of entries.filter((e) => e.type === 'aws:cdk:acknowledged-rules')) {
        for (const qualified of Object.keys(entry.data ?? {})) {
          const kind = (Object.keys(NAMESPACES) as Kind[]).find((k) => qualified.startsWith(NAMESPACES[k]));
          if (!kind) throw new Error(`${label} ${path}: acknowledgement ${qualified} of no known gate`);
          const rule = qualified.slice(NAMESPACES[kind].length);
          // A control is listed by its Control Tower id; a cdk-nag rule without the finding's detail ([Resource::...]).
          const id = kind === 'controlTower' ? controlOfRule(rule)?.id : rule.replace(/\[.*$/, '');
          if (!id) throw new Error(`${label} ${path}: ${qualified} names no bundled Control Tower control`);
          found.push({ kind, id, at: `${label} ${path}` });
        }
      }
    }
  }
  return found;
}

const acknowledged = ASSEMBLIES.flatMap(([label, dir]) => acknowledgedIn(label, dir()));
const ids = (kind: Kind) => [...new Set(acknowledged.filter((a) => a.kind === kind).map((a) => a.id))].sort();

const tableRows = DOC.split('\n').filter((line) => line.startsWith('| ') && !/^\|[-| ]+\|$/.test(line));
const inRows = (pattern: RegExp) => [...new Set(tableRows.flatMap((row) => row.match(pattern) ?? []))].sort();
/** The prose section on CDK's template validator (cfn-lint rules acknowledged on constructs). */
const validatorSection = DOC.split(/^## /m).find((section) => section.startsWith('Template-validator acknowledgements')) ?? '';

describe('docs/deviations.md matches the acknowledgements in the cloud assemblies', () => {
  test('the assemblies read: every environment in both variants and the deploy-identity app, each with acknowledgements', () => {
    expect(ASSEMBLIES).toHaveLength(ENVIRONMENT_NAMES.length * 3);
    for (const [label] of ASSEMBLIES) expect(acknowledged.some((a) => a.at.startsWith(`${label} `))).toBe(true);
    // Each gate has something acknowledged, so no category below can pass empty.
    for (const kind of Object.keys(NAMESPACES) as Kind[]) expect(ids(kind).length).toBeGreaterThan(0);
  });

  test('every acknowledged cdk-nag rule is in a table row', () => {
    expect(ids('nag').filter((id) => !inRows(NAG_RULE).includes(id))).toEqual([]);
  });

  test('every acknowledged Control Tower control is in a table row, by id', () => {
    expect(ids('controlTower').filter((id) => !inRows(CONTROL).includes(id))).toEqual([]);
  });

  test('the tables list no cdk-nag rule that nothing acknowledges any more', () => {
    expect(inRows(NAG_RULE).filter((id) => !ids('nag').includes(id))).toEqual([]);
  });

  test('the tables list no Control Tower control that nothing acknowledges any more', () => {
    expect(inRows(CONTROL).filter((id) => !ids('controlTower').includes(id))).toEqual([]);
  });

  test('the template validator\'s acknowledged rules are the ones its section names', () => {
    expect([...new Set(validatorSection.match(CFN_LINT_RULE) ?? [])].sort()).toEqual(ids('templateValidator'));
  });

  test('ECR\'s encryption choice has its row (no gate reports it, so no acknowledgement carries it)', () => {
    expect(tableRows.filter((row) => row.startsWith('| KMS encryption of container images |'))).toEqual([
      expect.stringContaining('AES-256'),
    ]);
  });

  test.each(ENVIRONMENT_NAMES)('the deploy-identity app of %s passes the Control Tower controls (cdk-nag: test/deploy)', (envName) => {
    expect(controlTowerFindings(deployIdentityAssembly(envName))).toEqual([]);
  });
});
