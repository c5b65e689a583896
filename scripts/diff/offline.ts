/**
 * npm run diff:offline -- --base <git ref> [--env all|dev,staging,...] [--ci]
 *
 * Synthesizes every environment twice, at <git ref> (extracted with `git archive` into a temporary
 * directory) and in the working tree, then prints per environment each resource a deploy would replace
 * or delete (`@aws-cdk/cloudformation-diff`, the library behind `cdk diff`). Exit 1 when a stateful
 * resource or a fixed-name one (keeping its name) would be replaced; exit 0 otherwise. No AWS
 * credentials; no network unless package-lock.json differs (below).
 *
 * Each side is synthesized with its own dependencies: when <git ref>'s package-lock.json equals the
 * working tree's, the base shares the installed node_modules; otherwise (an upgrade of aws-cdk-lib, say)
 * the base's dependencies are installed with `npm ci` (the npm registry) into a cache entry keyed by the
 * hash of its lockfile (DIFF_OFFLINE_CACHE, default .test-synth/diff-offline-deps/), reused by the next
 * run with the same lockfile. A failing `npm ci` fails the command (exit 2) with npm's output. Each step
 * prints what it does and the time since the start, and a line every 30 s while it runs.
 *
 * A replacement that is known and wanted (e.g. before anything is deployed) is accepted by a trailer
 * on a commit between <git ref> and HEAD, one per resource, naming it exactly as printed:
 *   Replacement-Accepted: marin-prod-data/SearchCollectionE9B440CC: not deployed anywhere yet
 *
 * With --ci, the comparison is skipped (reason printed, exit 0) when <git ref> does not exist (a first
 * commit) or its synth fails.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { OFFLINE_ACCOUNT, resolveEnvironmentNames, type EnvironmentName } from '../../environments';
import { readArgs, USAGE_EXIT_CODE, UsageError } from '../lib/cli';
import { destructiveChanges, formatChange, isDangerous, type CfnTemplate, type ResourceChange } from './replacements';

const REPO_ROOT = join(__dirname, '..', '..');
const USAGE = 'npm run diff:offline -- --base <git ref> [--env all|dev,staging,prod] [--ci]';

/** Cache entries (installed dependency trees, ~1.3 GB each) kept: the one just used and the one before. */
const CACHE_ENTRIES_KEPT = 2;

/** A partial install this old belongs to a run that was killed (an install takes minutes). */
const STALE_PARTIAL_MS = 6 * 60 * 60 * 1000;

class Skip extends Error {}

/** `npm ci` of the base's dependencies failed: the command fails (no comparison is better than a silent skip). */
export class InstallError extends Error {}

export interface DiffOutput {
  log(text: string): void;
  error(text: string): void;
}

/**
 * Installs `<dir>/node_modules` from `<dir>/package.json` and `<dir>/package-lock.json`; rejects with an
 * InstallError naming what failed. `progress` receives lines worth showing while it runs.
 */
export type InstallDependencies = (dir: string, progress: (line: string) => void) => Promise<void>;

/** The environment `npm ci` runs in: this process's, without what `npm run` exports about the calling project. */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const kept = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig', 'npm_config_offline']);
  for (const [key, value] of Object.entries(process.env)) if (!key.toLowerCase().startsWith('npm_') || kept.has(key.toLowerCase())) env[key] = value;
  return env;
}

/**
 * The real install: `npm ci` in `dir`, its output kept in
 * `last-npm-ci.log` beside `dir`; on failure, its last lines in the error.
 */
export const npmCi: InstallDependencies = (dir, progress) =>
  new Promise((resolve, reject) => {
    const logFile = join(dirname(dir), 'last-npm-ci.log');
    const log = createWriteStream(logFile);
    let output = '';
    // --loglevel: under `npm run -s` the child would inherit "silent" and fail without a word.
    const child = spawn('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=warn'], { cwd: dir, env: npmEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (chunk: Buffer) => {
      log.write(chunk);
      output += chunk.toString();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (error) => reject(new InstallError(`could not start npm (${error.message}): is npm on PATH?`)));
    child.on('close', (code) => {
      log.end();
      if (code === 0) {
        progress(`npm ci: ${output.trim().split('\n').filter((line) => /^added \d+ packages/.test(line)).join(' ') || 'done'}`);
        resolve();
        return;
      }
      const tail = output.trim().split('\n').slice(-30).join('\n');
      reject(new InstallError(`npm ci exited ${code} (full output: ${logFile}):\n${tail}`));
    });
  });

/**
 * The cache key of an installed dependency tree: the SHA-256 of the lockfile's bytes (16 hex digits), then
 * platform, architecture and Node major (native optional dependencies, e.g. @swc/core's, differ by each).
 */
export function dependencyCacheKey(lockfile: string | Buffer): string {
  const hash = createHash('sha256').update(lockfile).digest('hex').slice(0, 16);
  return `${hash}-${process.platform}-${process.arch}-node${process.versions.node.split('.')[0]}`;
}

export function defaultCacheDir(root: string): string {
  return process.env.DIFF_OFFLINE_CACHE ?? join(root, '.test-synth', 'diff-offline-deps');
}

/** `m:ss` since `started`. */
function clock(started: number): string {
  const seconds = Math.round((Date.now() - started) / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/** Prints a step when it starts, every `heartbeatMs` while it runs and when it ends, each with the elapsed time. */
async function step<T>(
  out: DiffOutput,
  started: number,
  heartbeatMs: number,
  label: string,
  work: () => Promise<T>,
): Promise<T> {
  const stepStarted = Date.now();
  out.log(`diff:offline [${clock(started)}] ${label} ...`);
  const timer = setInterval(() => out.log(`diff:offline [${clock(started)}] still ${label} (${clock(stepStarted)} so far)`), heartbeatMs);
  try {
    const result = await work();
    out.log(`diff:offline [${clock(started)}] ${label}: done in ${clock(stepStarted)}`);
    return result;
  } finally {
    clearInterval(timer);
  }
}

/**
 * The node_modules for a base whose lockfile differs: `<cacheDir>/<key>/node_modules`, installed by
 * `install` on a miss into a partial directory that is renamed into place only when the install succeeded
 * (an interrupted or failed install is never reused). Older entries beyond CACHE_ENTRIES_KEPT are removed.
 */
export async function cachedDependencies(opts: {
  readonly packageJson: string;
  readonly lockfile: string;
  readonly cacheDir: string;
  readonly install: InstallDependencies;
  readonly progress: (line: string) => void;
}): Promise<{ nodeModules: string; key: string; reused: boolean }> {
  const key = dependencyCacheKey(opts.lockfile);
  const entry = join(opts.cacheDir, key);
  if (existsSync(join(entry, 'node_modules'))) {
    const now = new Date();
    utimesSync(entry, now, now);
    return { nodeModules: join(entry, 'node_modules'), key, reused: true };
  }
  mkdirSync(opts.cacheDir, { recursive: true });
  const partial = mkdtempSync(join(opts.cacheDir, `.partial-${key}-`));
  try {
    writeFileSync(join(partial, 'package.json'), opts.packageJson);
    writeFileSync(join(partial, 'package-lock.json'), opts.lockfile);
    await opts.install(partial, opts.progress);
    if (!existsSync(join(partial, 'node_modules'))) throw new InstallError(`the install finished without creating ${join(partial, 'node_modules')}`);
    if (existsSync(entry) && !existsSync(join(entry, 'node_modules'))) rmSync(entry, { recursive: true, force: true });
    try {
      renameSync(partial, entry);
    } catch (error) {
      // Another run installed the same lockfile meanwhile: use its entry, drop ours.
      if (!existsSync(join(entry, 'node_modules'))) throw error;
    }
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  pruneCache(opts.cacheDir, key);
  return { nodeModules: join(entry, 'node_modules'), key, reused: false };
}

/**
 * Removes entries beyond CACHE_ENTRIES_KEPT (least recently used first) and partial installs of runs that were killed.
 */
function pruneCache(cacheDir: string, current: string): void {
  for (const name of readdirSync(cacheDir).filter((n) => n.startsWith('.partial-'))) {
    const partial = join(cacheDir, name);
    if (Date.now() - statSync(partial).mtimeMs > STALE_PARTIAL_MS) rmSync(partial, { recursive: true, force: true });
  }
  const entries = readdirSync(cacheDir)
    .filter((name) => !name.startsWith('.') && !name.endsWith('.log') && name !== current)
    .map((name) => ({ name, used: statSync(join(cacheDir, name)).mtimeMs }))
    .sort((a, b) => b.used - a.used);
  for (const { name } of entries.slice(CACHE_ENTRIES_KEPT - 1)) {
    rmSync(join(cacheDir, name), { recursive: true, force: true });
  }
}

/**
 * `cdk synth` of one environment in `cwd` into `outdir` with `cwd`'s own CDK CLI, as CI and operators synthesize
 * (cdk-nag gates on), but without CDK's built-in CloudFormation validator (CDK_VALIDATION=false): it writes nothing
 * into a template, so the comparison is the same, and it is the costliest part of a synth (~8 s of CPU in each of
 * these processes). Its verdict on the working tree is `npm run synth`'s, which CI runs beside this report; the
 * base's was given when the base landed.
 */
function synth(cwd: string, envName: EnvironmentName, outdir: string): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    // Offline, as `npm run synth`: no release, and the placeholder account outside dev (a base from before the
    // app's guards ignores noRelease and parks the services anyway, so both sides compare alike).
    const context = ['-c', `env=${envName}`, '-c', 'noRelease=true', ...(envName === 'dev' ? [] : ['-c', `account=${OFFLINE_ACCOUNT}`])];
    const child = spawn(join(cwd, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet', '--no-notices', ...context, '-o', outdir], {
      cwd,
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', CHECKPOINT_DISABLE: '1', CDK_VALIDATION: 'false' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => resolve({ ok: false, output: error.message }));
    child.on('close', (code) => resolve({ ok: code === 0, output }));
  });
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

export interface DiffOfflineOptions {
  /** The repository whose working tree is compared. @default this repository */
  readonly root?: string;
  /** The git ref compared against. */
  readonly base: string;
  readonly envNames: readonly EnvironmentName[];
  readonly ci?: boolean;
  /** @default defaultCacheDir(root) */
  readonly cacheDir?: string;
  /** How a base with another lockfile gets its dependencies. @default npmCi */
  readonly install?: InstallDependencies;
  readonly out?: DiffOutput;
  /** @default 30 s */
  readonly heartbeatMs?: number;
}

/**
 * The comparison; returns the exit code (0 nothing dangerous
 * or skipped, 1 a dangerous replacement), throws on an error.
 */
export async function diffOffline(options: DiffOfflineOptions): Promise<number> {
  const root = options.root ?? REPO_ROOT;
  const out = options.out ?? console;
  const started = Date.now();
  const heartbeatMs = options.heartbeatMs ?? 30_000;
  const git = (args: string[]) => {
    const result = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
    return { status: result.status ?? 1, stdout: (result.stdout ?? '').trim() };
  };
  try {
    const base = git(['rev-parse', '--verify', '--quiet', `${options.base}^{commit}`]);
    if (base.status !== 0) {
      if (options.ci) throw new Skip(`"${options.base}" is not a commit (first commit, or a shallow clone without it)`);
      throw new Error(`"${options.base}" is not a commit of this repository`);
    }
    const short = base.stdout.slice(0, 12);
    const work = mkdtempSync(join(tmpdir(), 'diff-offline-'));
    try {
      const baseDir = join(work, 'base');
      mkdirSync(baseDir);
      const archive = spawnSync('sh', ['-c', `git archive --format=tar ${base.stdout} | tar -x -C "${baseDir}"`], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
      if (archive.status !== 0) throw new Error(`could not extract ${short} (git archive | tar exited ${archive.status}): ${archive.stderr}`);
      if (!existsSync(join(baseDir, 'cdk.json'))) throw new Skip(`${short} has no cdk.json (no CDK app to compare against)`);
      out.log(`diff:offline: ${options.base} (${short}) -> working tree, ${options.envNames.join(', ')}`);

      const lockfile = join(baseDir, 'package-lock.json');
      const sameLockfile = git(['diff', '--quiet', base.stdout, '--', 'package-lock.json']).status === 0;
      if (sameLockfile || !existsSync(lockfile)) {
        symlinkSync(realpathSync(join(root, 'node_modules')), join(baseDir, 'node_modules'), 'dir');
      } else {
        const cacheDir = options.cacheDir ?? defaultCacheDir(root);
        const key = dependencyCacheKey(readFileSync(lockfile));
        const entry = relative(root, join(cacheDir, key)).startsWith('..') ? join(cacheDir, key) : relative(root, join(cacheDir, key));
        const cached = existsSync(join(cacheDir, key, 'node_modules'));
        out.log(
          `diff:offline [${clock(started)}] package-lock.json differs from ${short}'s: ` +
            (cached ? `reusing its dependencies cached in ${entry}` : `its dependencies come from npm ci into ${entry} (cached by lockfile)`),
        );
        const get = async () => {
          try {
            return await cachedDependencies({
              packageJson: readFileSync(join(baseDir, 'package.json'), 'utf8'),
              lockfile: readFileSync(lockfile, 'utf8'),
              cacheDir,
              install: options.install ?? npmCi,
              progress: (line) => out.log(`diff:offline [${clock(started)}] ${line}`),
            });
          } catch (error) {
            if (error instanceof InstallError) {
              throw new InstallError(
                `npm ci of ${short}'s package-lock.json failed, so the base cannot be synthesized with its own dependencies and nothing was compared: ${error.message}\n` +
                  `fix: check the registry is reachable and ${short}'s package-lock.json is in sync with its package.json (\`git show ${short}:package-lock.json\`), then run again`,
              );
            }
            throw error;
          }
        };
        const deps = cached ? await get() : await step(out, started, heartbeatMs, `installing ${short}'s dependencies`, get);
        symlinkSync(realpathSync(deps.nodeModules), join(baseDir, 'node_modules'), 'dir');
      }

      const accepted = new Map<string, string>();
      const log = git(['log', '--format=%(trailers:key=Replacement-Accepted,valueonly)', `${base.stdout}..HEAD`]);
      for (const line of log.stdout.split('\n')) {
        const match = /^\s*([^\s/]+\/[^\s:]+):\s*(.+)$/.exec(line);
        if (match) accepted.set(match[1], match[2].trim());
      }

      let dangerous = 0;
      for (const envName of options.envNames) {
        const [before, after] = await step(out, started, heartbeatMs, `synthesizing ${envName} at ${short} and in the working tree`, () =>
          Promise.all([synth(baseDir, envName, join(work, 'out-base', envName)), synth(root, envName, join(work, 'out-head', envName))]),
        );
        if (!after.ok) throw new Error(`synth of ${envName} in the working tree failed:\n${after.output}`);
        if (!before.ok) {
          if (options.ci) throw new Skip(`synth of ${envName} at ${short} failed, nothing to compare against:\n${before.output}`);
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
        out.log(`\n${envName}: ${changes.length === 0 ? 'nothing replaced or deleted' : `${changes.length} resource(s) replaced or deleted`}`);
        for (const change of changes) {
          const reason = accepted.get(`${change.stack}/${change.logicalId}`);
          const mark = !isDangerous(change) ? '  ' : reason !== undefined ? 'ok' : '!!';
          out.log(`  ${mark} ${formatChange(change)}${isDangerous(change) && reason !== undefined ? ` -- accepted: ${reason}` : ''}`);
        }
        for (const note of notes) out.log(`     ${note}`);
        dangerous += changes.filter((change) => isDangerous(change) && !accepted.has(`${change.stack}/${change.logicalId}`)).length;
      }
      if (dangerous > 0) {
        out.error(
          `\nerror: ${dangerous} stateful or fixed-name replacement(s) (!!): the deploy would lose data or fail with "already exists". ` +
            'See docs/runbook.md, "Creation-time settings"; a wanted one is accepted with a "Replacement-Accepted: <stack>/<logicalId>: <reason>" commit trailer.',
        );
        return 1;
      }
      out.log('\nno stateful or fixed-name resource would be replaced');
      return 0;
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  } catch (error) {
    if (error instanceof Skip) {
      out.log(`diff:offline skipped: ${error.message}`);
      return 0;
    }
    throw error;
  }
}

/**
 * The CLI: exit 0 nothing dangerous (or skipped, or --help), 1 a dangerous replacement,
 * 2 a usage error or a failure (e.g. `npm ci` of the base).
 */
export async function main(argv: readonly string[], out: DiffOutput = console, overrides: Pick<DiffOfflineOptions, 'root' | 'cacheDir' | 'install'> = {}): Promise<number> {
  try {
    const args = readArgs([...argv], { base: '', env: 'all', ci: false }, USAGE);
    if (args === 'help') {
      out.log(`usage: ${USAGE}`);
      return 0;
    }
    if (args.base === '') throw new UsageError(`--base <git ref> is required\nusage: ${USAGE}`);
    return await diffOffline({
      ...overrides,
      base: args.base,
      envNames: resolveEnvironmentNames(args.env),
      ci: args.ci,
      out,
    });
  } catch (error) {
    out.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    return USAGE_EXIT_CODE;
  }
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
