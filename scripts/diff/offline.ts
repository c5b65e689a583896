/**
 * npm run diff:offline -- --base <git ref> [--env all|dev,staging,...] [--ci]
 *
 * Synthesizes every environment twice, at <git ref> (extracted with `git archive` into a temporary
 * directory that shares node_modules) and in the working tree, then prints per environment each
 * resource a deploy would replace or delete (`@aws-cdk/cloudformation-diff`, the library behind
 * `cdk diff`). Exit 1 when a stateful resource or a fixed-name one (keeping its name) would be
 * replaced; exit 0 otherwise. Offline: no AWS credentials, no network.
 *
 * A replacement that is known and wanted (e.g. before anything is deployed) is accepted by a trailer
 * on a commit between <git ref> and HEAD, one per resource, naming it exactly as printed:
 *   Replacement-Accepted: marin-prod-data/SearchCollectionE9B440CC: not deployed anywhere yet
 *
 * The comparison is skipped, with the reason printed and exit 0, when package-lock.json differs
 * from <git ref> (the shared node_modules cannot build the other side) or, with --ci, when <git ref>
 * does not exist (a first commit) or its synth fails.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveEnvironmentNames, type EnvironmentName } from '../../environments';
import { parseArgs } from '../lib/cli';
import { destructiveChanges, formatChange, isDangerous, type CfnTemplate, type ResourceChange } from './replacements';

const ROOT = join(__dirname, '..', '..');
const USAGE = 'npm run diff:offline -- --base <git ref> [--env all|dev,staging,prod] [--ci]';

class Skip extends Error {}

function git(args: string[]): { status: number; stdout: string } {
  const result = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  return { status: result.status ?? 1, stdout: (result.stdout ?? '').trim() };
}

/** `cdk synth` of one environment in `cwd` into `outdir`, as CI and operators synthesize. */
function synth(cwd: string, envName: EnvironmentName, outdir: string): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(join(ROOT, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet', '--no-notices', '-c', `env=${envName}`, '-o', outdir], {
      cwd,
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', CHECKPOINT_DISABLE: '1' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => resolve({ ok: code === 0, output }));
  });
}

/** `<stack>/<logicalId>` -> reason, from `Replacement-Accepted:` trailers of the commits after `base`. */
function acceptedReplacements(base: string): Map<string, string> {
  const log = git(['log', '--format=%(trailers:key=Replacement-Accepted,valueonly)', `${base}..HEAD`]);
  const accepted = new Map<string, string>();
  for (const line of log.stdout.split('\n')) {
    const match = /^\s*([^\s/]+\/[^\s:]+):\s*(.+)$/.exec(line);
    if (match) accepted.set(match[1], match[2].trim());
  }
  return accepted;
}

/** Stack name -> template of a cloud assembly. */
function templatesOf(assembly: string): Map<string, CfnTemplate> {
  const manifest = JSON.parse(readFileSync(join(assembly, 'manifest.json'), 'utf8')) as {
    artifacts: Record<string, { type: string; properties?: { templateFile?: string; stackName?: string } }>;
  };
  const templates = new Map<string, CfnTemplate>();
  for (const [id, artifact] of Object.entries(manifest.artifacts)) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    // Matched by CloudFormation stack name, which is what a deploy updates (construct ids may differ).
    templates.set(artifact.properties?.stackName ?? id, JSON.parse(readFileSync(join(assembly, artifact.properties!.templateFile!), 'utf8')) as CfnTemplate);
  }
  return templates;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2), { base: '', env: 'all', ci: false }, USAGE);
  if (args.base === '') throw new Error(`--base <git ref> is required\nusage: ${USAGE}`);
  const envNames = resolveEnvironmentNames(args.env);

  const base = git(['rev-parse', '--verify', '--quiet', `${args.base}^{commit}`]);
  if (base.status !== 0) {
    if (args.ci) throw new Skip(`"${args.base}" is not a commit (first commit, or a shallow clone without it)`);
    throw new Error(`"${args.base}" is not a commit of this repository`);
  }
  const short = base.stdout.slice(0, 12);
  if (git(['diff', '--quiet', base.stdout, '--', 'package-lock.json']).status !== 0) {
    throw new Skip(`package-lock.json differs from ${short}: the installed node_modules cannot synthesize both sides`);
  }

  const work = mkdtempSync(join(tmpdir(), 'diff-offline-'));
  try {
    const baseDir = join(work, 'base');
    mkdirSync(baseDir);
    const archive = spawnSync('sh', ['-c', `git archive --format=tar ${base.stdout} | tar -x -C "${baseDir}"`], { cwd: ROOT, stdio: 'inherit' });
    if (archive.status !== 0) throw new Error(`could not extract ${short} (git archive | tar exited ${archive.status})`);
    if (!existsSync(join(baseDir, 'cdk.json'))) throw new Skip(`${short} has no cdk.json (no CDK app to compare against)`);
    symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(baseDir, 'node_modules'), 'dir');

    const accepted = acceptedReplacements(base.stdout);
    console.log(`diff:offline: ${args.base} (${short}) -> working tree, ${envNames.join(', ')}`);
    let dangerous = 0;
    for (const envName of envNames) {
      const [before, after] = await Promise.all([synth(baseDir, envName, join(work, 'out-base', envName)), synth(ROOT, envName, join(work, 'out-head', envName))]);
      if (!after.ok) throw new Error(`synth of ${envName} in the working tree failed:\n${after.output}`);
      if (!before.ok) {
        if (args.ci) throw new Skip(`synth of ${envName} at ${short} failed, nothing to compare against:\n${before.output}`);
        throw new Error(`synth of ${envName} at ${short} failed:\n${before.output}`);
      }
      const old = templatesOf(join(work, 'out-base', envName));
      const next = templatesOf(join(work, 'out-head', envName));
      const changes: ResourceChange[] = [];
      const notes: string[] = [];
      for (const [stackName, template] of old) {
        const updated = next.get(stackName);
        if (updated) changes.push(...destructiveChanges(stackName, template, updated));
        else notes.push(`stack ${stackName} is no longer synthesized (a deploy leaves it alone; deleting it is a separate decision)`);
      }
      for (const stackName of next.keys()) if (!old.has(stackName)) notes.push(`new stack ${stackName}`);
      console.log(`\n${envName}: ${changes.length === 0 ? 'nothing replaced or deleted' : `${changes.length} resource(s) replaced or deleted`}`);
      for (const change of changes) {
        const reason = accepted.get(`${change.stack}/${change.logicalId}`);
        const mark = !isDangerous(change) ? '  ' : reason !== undefined ? 'ok' : '!!';
        console.log(`  ${mark} ${formatChange(change)}${isDangerous(change) && reason !== undefined ? ` -- accepted: ${reason}` : ''}`);
      }
      for (const note of notes) console.log(`     ${note}`);
      dangerous += changes.filter((change) => isDangerous(change) && !accepted.has(`${change.stack}/${change.logicalId}`)).length;
    }
    if (dangerous > 0) {
      console.error(
        `\nerror: ${dangerous} stateful or fixed-name replacement(s) (!!): the deploy would lose data or fail with "already exists". ` +
          'See docs/runbook.md, "Creation-time settings"; a wanted one is accepted with a "Replacement-Accepted: <stack>/<logicalId>: <reason>" commit trailer.',
      );
      return 1;
    }
    console.log('\nno stateful or fixed-name resource would be replaced');
    return 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    if (error instanceof Skip) {
      console.log(`diff:offline skipped: ${error.message}`);
      process.exitCode = 0;
      return;
    }
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  },
);
