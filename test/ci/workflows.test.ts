/**
 * The GitHub Actions workflows, offline: every file passes GitHub's own parser (@actions/workflow-parser,
 * run by scripts/ci/parse-workflows.mts in a child process: the parser is an ES module), and the parsed
 * documents are checked for the promotion graph, least privilege, pinning and the npm scripts they run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const WORKFLOWS = join(ROOT, '.github', 'workflows');

interface Step {
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, string>;
  readonly 'working-directory'?: string;
}
interface Job {
  readonly needs?: string | string[];
  readonly environment?: string;
  readonly permissions?: Record<string, string>;
  readonly concurrency?: { group: string; 'cancel-in-progress': boolean };
  readonly strategy?: { matrix: { include: Array<Record<string, string>> } };
  readonly steps: Step[];
}
interface Workflow {
  readonly on: Record<string, unknown>;
  readonly permissions?: Record<string, string>;
  readonly jobs: Record<string, Job>;
}
interface Parsed {
  readonly file: string;
  readonly errors: string[];
  readonly document: Workflow;
}

/** Every committed workflow, then each of `extra`, parsed by one parser process. */
function parse(extra: string[] = []): Parsed[] {
  const result = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'scripts', 'ci', 'parse-workflows.mts'), ...extra], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`parse-workflows failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout) as Parsed[];
}

let parsed: Parsed[] = [];
/** A broken workflow (an unknown permission level, a job without runs-on), parsed along with the committed ones. */
let broken: Parsed;
const workflow = (name: string): Workflow => {
  const found = parsed.find((p) => p.file.endsWith(`/${name}`));
  if (!found) throw new Error(`no workflow ${name}: have ${parsed.map((p) => p.file).join(', ')}`);
  return found.document;
};
const jobsOf = (): Array<[string, string, Job]> => parsed.flatMap((p) => Object.entries(p.document.jobs).map(([id, job]): [string, string, Job] => [p.file.split('/').pop()!, id, job]));
const needs = (job: Job): string[] =>
  (job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs]);
const runs = (job: Job): string[] => job.steps.flatMap((s) => (s.run === undefined ? [] : [s.run]));
const assumesRole = (job: Job): boolean => job.steps.some((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'));

/**
 * The actions the workflows may use, each pinned to the full commit SHA of a release tag (read from the
 * actions' own repositories with git: `git rev-parse <tag>^{commit}`). A new action, or a new version, is
 * added here with its SHA and tag.
 */
const PINNED: Record<string, { sha: string; tag: string }> = {
  'actions/checkout': { sha: '3d3c42e5aac5ba805825da76410c181273ba90b1', tag: 'v7.0.1' },
  'actions/setup-node': { sha: '820762786026740c76f36085b0efc47a31fe5020', tag: 'v7.0.0' },
  'actions/upload-artifact': { sha: 'bbbca2ddaa5d8feaa63e36b76fdaad77386f024f', tag: 'v7.0.0' },
  'actions/download-artifact': { sha: '3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c', tag: 'v8.0.1' },
  'aws-actions/configure-aws-credentials': { sha: 'e6de054238d6b7531b4efff3b6587d9aade6a06c', tag: 'v6.2.3' },
  'hashicorp/setup-terraform': { sha: 'dfe3c3f87815947d99a8997f908cb6525fc44e9e', tag: 'v4.0.1' },
};

beforeAll(() => {
  const file = join(mkdtempSync(join(tmpdir(), 'workflow-')), 'broken.yml');
  writeFileSync(file, 'on: push\npermissions:\n  id-token: writ\njobs:\n  a:\n    steps:\n      - run: npm test\n');
  const all = parse([file]);
  parsed = all.filter((p) => p.file !== file);
  broken = all.find((p) => p.file === file)!;
});

describe('GitHub\'s workflow parser', () => {
  test('the three workflows exist and parse without an error', () => {
    expect(parsed.map((p) => p.file.split('/').pop()).sort()).toEqual(['deploy.yml', 'drift.yml', 'pull-request.yml']);
    expect(readdirSync(WORKFLOWS).sort()).toEqual(['deploy.yml', 'drift.yml', 'pull-request.yml']);
    expect(parsed.map((p) => ({ file: p.file.split('/').pop(), errors: p.errors }))).toEqual(parsed.map((p) => ({ file: p.file.split('/').pop(), errors: [] })));
  });

  test('the parser rejects a broken workflow (an unknown permission level, a job without runs-on)', () => {
    expect(broken.file).toMatch(/broken\.yml$/);
    expect(broken.errors.length).toBeGreaterThan(0);
    expect(broken.errors.join('\n')).toMatch(/writ|runs-on/);
  });
});

describe('least privilege', () => {
  test('every workflow grants nothing at the top (permissions: {})', () => {
    for (const p of parsed) {
      expect({ file: p.file, permissions: p.document.permissions }).toEqual({ file: p.file, permissions: {} });
    }
  });

  test('id-token: write exactly on the jobs that assume a role; every job states its permissions; nothing writes contents', () => {
    for (const [file, id, job] of jobsOf()) {
      expect({ job: `${file}:${id}`, permissions: job.permissions }).toEqual({ job: `${file}:${id}`, permissions: assumesRole(job) ? { contents: 'read', 'id-token': 'write' } : { contents: 'read' } });
    }
  });

  test('every action is pinned to the full commit SHA of a known release, with the tag as a comment', () => {
    const problems: string[] = [];
    for (const file of readdirSync(WORKFLOWS)) {
      for (const line of readFileSync(join(WORKFLOWS, file), 'utf8').split('\n')) {
        const match = /^\s*(?:-\s+)?uses:\s*([^@\s]+)@(\S+)(?:\s+#\s*(\S+))?\s*$/.exec(line);
        if (!/^\s*(?:-\s+)?uses:/.test(line)) continue;
        if (!match) {
          problems.push(`${file}: cannot read "${line.trim()}"`);
          continue;
        }
        const [, action, ref, comment] = match;
        const pin = PINNED[action];
        if (!/^[0-9a-f]{40}$/.test(ref)) problems.push(`${file}: ${action}@${ref} is not pinned to a full commit SHA`);
        else if (!pin) problems.push(`${file}: ${action} is not in this test's PINNED table`);
        else if (pin.sha !== ref || pin.tag !== comment) problems.push(`${file}: ${action}@${ref} # ${comment} is not ${pin.sha} # ${pin.tag}`);
      }
    }
    expect(problems).toEqual([]);
  });

  test('no expression is spliced into a run step (script injection): values reach the shell as environment variables', () => {
    for (const [file, id, job] of jobsOf()) for (const run of runs(job)) expect({ job: `${file}:${id}`, run, expression: run.includes('${{') }).toMatchObject({ expression: false });
  });

  test('no secret is used or echoed: no secrets context, no echo/printenv/set -x; Atlas keys are read at run time', () => {
    for (const file of readdirSync(WORKFLOWS)) {
      const text = readFileSync(join(WORKFLOWS, file), 'utf8');
      expect({ file, secrets: /\$\{\{\s*secrets\./.test(text) }).toEqual({ file, secrets: false });
    }
    for (const [file, id, job] of jobsOf()) {
      for (const run of runs(job)) expect({ job: `${file}:${id}`, run, echoes: /(^|[;&|(]\s*)(echo|printenv|env|set -x|cat)\b/.test(run) }).toMatchObject({ echoes: false });
      if (runs(job).some((r) => /npm run (deploy|drift) /.test(r) && !r.includes('--env dev '))) {
        expect(runs(job).some((r) => r.startsWith('npm run ci:atlas-keys -- --env '))).toBe(true);
      }
    }
  });
});

describe('every run step is npm ci, npm test or an npm script that exists', () => {
  const scripts = Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);

  test.each(['deploy.yml', 'drift.yml', 'pull-request.yml'])('%s', (file) => {
    const problems: string[] = [];
    for (const job of Object.values(workflow(file).jobs)) {
      for (const run of runs(job)) {
        if (run.includes('\n')) problems.push(`multi-line run: ${run}`);
        if (/^npm ci( --no-audit --no-fund)?$/.test(run) || run === 'npm test') continue;
        const match = /^npm run (?:-s )?([a-z][a-z:-]*)(?: -- .*)?$/.exec(run);
        if (!match) problems.push(`not an npm script: ${run}`);
        else if (!scripts.includes(match[1])) problems.push(`npm script "${match[1]}" does not exist in package.json: ${run}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('deploy: dev -> staging -> prod, prepare then execute from the artifact', () => {
  const deploy = () => workflow('deploy.yml');

  test('runs on main and by hand with an image tag', () => {
    expect(deploy().on).toEqual({
      push: { branches: ['main'] },
      workflow_dispatch: { inputs: { 'image-tag': expect.objectContaining({ required: true, type: 'string' }) } },
    });
  });

  test('the job graph: prod executes only after staging executed (same run: same commit and image tag)', () => {
    const jobs = deploy().jobs;
    expect(Object.fromEntries(Object.entries(jobs).map(([id, job]) => [id, needs(job).sort()]))).toEqual({
      dev: [],
      'staging-prepare': ['dev'],
      'staging-execute': ['staging-prepare'],
      'prod-prepare': ['staging-execute'],
      'prod-execute': ['prod-prepare', 'staging-execute'],
    });
  });

  test('each job names its GitHub environment: execute jobs the reviewed one, prepare jobs <env>-prepare', () => {
    const jobs = deploy().jobs;
    expect(Object.fromEntries(Object.entries(jobs).map(([id, job]) => [id, job.environment]))).toEqual({
      dev: 'dev',
      'staging-prepare': 'staging-prepare',
      'staging-execute': 'staging',
      'prod-prepare': 'prod-prepare',
      'prod-execute': 'prod',
    });
  });

  test('one deploy per environment at a time, never cancelled mid-way', () => {
    const jobs = deploy().jobs;
    for (const [id, job] of Object.entries(jobs)) expect({ id, concurrency: job.concurrency }).toEqual({ id, concurrency: { group: `deploy-${id.split('-')[0]}`, 'cancel-in-progress': false } });
  });

  test.each(['staging', 'prod'])('%s: prepare uploads the bundle; execute downloads exactly that artifact and executes it, nothing synthesized again', (env) => {
    const jobs = deploy().jobs;
    const prepare = jobs[`${env}-prepare`];
    const execute = jobs[`${env}-execute`];
    const upload = prepare.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    const download = execute.steps.find((s) => s.uses?.startsWith('actions/download-artifact@'))!;
    expect(upload.with).toMatchObject({ name: `\${{ format('${env}-{0}-{1}', github.run_id, github.run_attempt) }}`, path: 'deploy-bundle/', 'if-no-files-found': 'error' });
    expect(download.with).toEqual({ name: upload.with!.name, path: 'deploy-bundle/' });
    expect(runs(prepare)).toContainEqual(expect.stringMatching(new RegExp(`^npm run deploy -- --env ${env} .*--prepare-only --bundle deploy-bundle --commit "\\$GITHUB_SHA" --yes$`)));
    expect(runs(prepare)).toContain('npm run -s deploy:summary -- --bundle deploy-bundle >> "$GITHUB_STEP_SUMMARY"');
    expect(runs(execute).filter((r) => r.startsWith('npm run deploy'))).toEqual([`npm run deploy -- --env ${env} --execute deploy-bundle --commit "$GITHUB_SHA" --image-tag "$IMAGE_TAG" --yes`]);
    expect(runs(execute).filter((r) => /synth|--prepare-only|cdk |cdktf /.test(r))).toEqual([]);
  });

  test('each environment assumes its own deploy role', () => {
    for (const [id, job] of Object.entries(deploy().jobs)) {
      const env = id.split('-')[0];
      const credentials = job.steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'))!;
      expect(credentials.with).toMatchObject({ 'role-to-assume': `\${{ format('arn:aws:iam::{0}:role/marin-${env}-github-deploy', vars.AWS_ACCOUNT_ID) }}`, 'aws-region': 'us-east-1' });
    }
  });
});

describe('pull request and drift', () => {
  test('pull requests: lint, typecheck, test, synth all, diagram check, the cost delta and the replacement report in the summary', () => {
    const all = Object.values(workflow('pull-request.yml').jobs).flatMap(runs);
    expect(all).toEqual(
      expect.arrayContaining([
        'npm run lint',
        'npm run typecheck',
        'npm test',
        'npm run synth:all',
        'npm run diagram:check',
        'npm run -s cost:delta -- --base cost-base.json >> "$GITHUB_STEP_SUMMARY"',
        'npm run -s diff:offline -- --base "$BASE_SHA" --ci >> "$GITHUB_STEP_SUMMARY"',
      ]),
    );
    expect(jobsOf().filter(([file, , job]) => file === 'pull-request.yml' && assumesRole(job))).toEqual([]);
  });

  test('drift: daily and by hand, every environment, through its unreviewed GitHub environment', () => {
    const drift = workflow('drift.yml');
    expect(Object.keys(drift.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    const job = drift.jobs.drift;
    expect(job.strategy!.matrix.include).toEqual([
      { env: 'dev', 'github-environment': 'dev' },
      { env: 'staging', 'github-environment': 'staging-prepare' },
      { env: 'prod', 'github-environment': 'prod-prepare' },
    ]);
    expect(runs(job)).toContain('npm run drift -- --env "$ENVIRONMENT" --account "$AWS_ACCOUNT_ID" --yes');
  });
});
