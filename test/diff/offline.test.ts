/**
 * `npm run diff:offline` on the assemblies the global setup writes (SYNTH_ROOT/<env>, laid out as
 * `npm run synth -- --env all` writes cdk.out/<env>). A base is a copy of the dev assembly with one resource
 * edited, so a deploy of the untouched assembly over it replaces that resource.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../scripts/diff/offline';
import { SYNTH_ROOT } from '../support/synth-cache';

const COLLECTION = 'marin-dev-data/SearchCollectionE9B440CC';
const STATEFUL_REPLACEMENT = `  !! replace ${COLLECTION} (AWS::OpenSearchServerless::Collection): Tags [stateful; fixed name Name: marin-dev-vectors]`;

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'diff-offline-test-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** `npm run diff:offline -- <argv>` run from `cwd`: its exit code and output. */
function diffOffline(argv: string[], cwd: string = work): { status: number; stdout: string; stderr: string } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const status = main(argv, { log: (text) => stdout.push(text), error: (text) => stderr.push(text) }, cwd);
  return { status, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

type Edit = (properties: Record<string, unknown>) => void;

/** A base assembly directory: the committed dev assembly, copied, with `edit` applied to one resource's properties. */
function baseWith(name: string, stack: string, logicalId: string, edit: Edit): string {
  const dir = join(work, name);
  cpSync(join(SYNTH_ROOT, 'dev'), join(dir, 'dev'), { recursive: true });
  const file = join(dir, 'dev', `${stack}.template.json`);
  const template = JSON.parse(readFileSync(file, 'utf8')) as { Resources: Record<string, { Properties: Record<string, unknown> }> };
  edit(template.Resources[logicalId].Properties);
  writeFileSync(file, JSON.stringify(template));
  return dir;
}

/** Collection tags are create-only: the collection (stateful, fixed name) is replaced. */
const collectionBase = () =>
  baseWith('collection', 'marin-dev-data', 'SearchCollectionE9B440CC', (properties) => {
    properties.Tags = [...(properties.Tags as unknown[]), { Key: 'removed-since', Value: 'base' }];
  });

function git(cwd: string, ...args: string[]): void {
  const result = spawnSync('git', ['-c', 'user.email=test@example.com', '-c', 'user.name=test', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
}

test('identical assemblies: every environment reports nothing replaced, exit 0', () => {
  const result = diffOffline(['--base-assembly', SYNTH_ROOT, '--assembly', SYNTH_ROOT, '--env', 'all']);
  expect(result).toEqual({
    status: 0,
    stdout: '\ndev: nothing replaced or deleted\n\nstaging: nothing replaced or deleted\n\nprod: nothing replaced or deleted\n\nno stateful or fixed-name resource would be replaced',
    stderr: '',
  });
});

test('a stateful replacement fails (exit 1), naming the stack, logical id and the property', () => {
  const result = diffOffline(['--base-assembly', collectionBase(), '--assembly', SYNTH_ROOT, '--env', 'dev']);
  expect(result.status).toBe(1);
  expect(result.stdout.split('\n')).toEqual(['', 'dev: 1 resource(s) replaced or deleted', STATEFUL_REPLACEMENT]);
  expect(result.stderr).toMatch(/^\nerror: 1 stateful or fixed-name replacement\(s\) \(!!\): the deploy would lose data or fail with "already exists"/);
});

test('a fixed-name replacement that keeps its name fails (exit 1)', () => {
  // A target group's port is create-only; its name marin-dev-api stays: CloudFormation fails "already exists".
  const base = baseWith('target-group', 'marin-dev-services', 'ApiLoadBalancerTargetGroup2BF18CB3', (properties) => {
    properties.Port = (properties.Port as number) + 1;
  });
  const result = diffOffline(['--base-assembly', base, '--env', 'dev', '--assembly', SYNTH_ROOT]);
  expect(result.status).toBe(1);
  expect(result.stdout).toContain(
    '  !! replace marin-dev-services/ApiLoadBalancerTargetGroup2BF18CB3 (AWS::ElasticLoadBalancingV2::TargetGroup): Port [fixed name Name: marin-dev-api]',
  );
});

test('a Replacement-Accepted trailer on a commit after --accept-from accepts it (exit 0); one before does not', () => {
  const repo = join(work, 'repo');
  mkdirSync(repo);
  git(repo, 'init', '-q');
  git(repo, 'commit', '-q', '--allow-empty', '-m', 'base');
  git(repo, 'commit', '-q', '--allow-empty', '-m', `replace the collection\n\nReplacement-Accepted: ${COLLECTION}: not deployed anywhere yet`);
  const args = ['--base-assembly', collectionBase(), '--assembly', SYNTH_ROOT, '--env', 'dev'];

  const accepted = diffOffline([...args, '--accept-from', 'HEAD~1'], repo);
  expect(accepted).toMatchObject({ status: 0, stderr: '' });
  expect(accepted.stdout).toContain(`  ok ${STATEFUL_REPLACEMENT.slice(5)} -- accepted: not deployed anywhere yet`);

  // The trailer's commit is not in HEAD..HEAD.
  expect(diffOffline([...args, '--accept-from', 'HEAD'], repo)).toMatchObject({ status: 1, stdout: expect.stringContaining(STATEFUL_REPLACEMENT) });
});

test('a missing environment directory, or no --base-assembly, is a usage error (exit 2) naming what is missing', () => {
  mkdirSync(join(work, 'empty'));
  expect(diffOffline(['--base-assembly', 'empty', '--assembly', SYNTH_ROOT, '--env', 'dev'])).toEqual({
    status: 2,
    stdout: '',
    stderr: `error: ${join(work, 'empty', 'dev', 'manifest.json')} does not exist: synthesize it with \`npm run synth -- --env all\``,
  });
  expect(diffOffline([])).toMatchObject({ status: 2, stderr: expect.stringMatching(/^error: --base-assembly <dir> is required\nusage: npm run diff:offline -- --base-assembly <dir> /) });
});
