/**
 * npm run mutation -- [--only id,id] [--jobs N] [--check] [--list] [--keep] [--skip-baseline] [--verbose]
 *
 * The mutation drill: applies each named mistake of ./mutations.ts to a scratch copy of the working
 * tree (tracked and untracked files, node_modules symlinked), runs that mutation's tests there with
 * its own TEST_SYNTH_DIR, and prints which test killed it, which survived, and the kill rate.
 * A mutation whose `find` text is no longer in the code is reported as "no longer applies", never
 * as survived. Exits 1 when the kill rate is below 95% or any mutation no longer applies.
 * Slow (one jest run with a three-environment synth per mutation): not part of CI; run it when an
 * issue changes lib/ or environments/ and report the result.
 *   --check  only checks that every mutation still applies (seconds, no tests)
 *   --list   prints the mutations
 *   --keep   keeps the scratch copies (their paths are printed)
 *   --verbose  lists every failed test per killed mutation, not only the first
 *   --skip-baseline  skips the first run of the same tests without any mutation (which must pass,
 *            or every "killed" would mean nothing)
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from '../lib/cli';
import { MUTATIONS, type Edit, type Mutation } from './mutations';

const ROOT = join(__dirname, '..', '..');
/** Kill rate the drill must reach (issue 15). */
export const REQUIRED_KILL_RATE = 0.95;

export type Outcome =
  | { readonly kind: 'killed'; readonly by: readonly string[] }
  | { readonly kind: 'survived' }
  | { readonly kind: 'not-applicable'; readonly reason: string };

export interface MutationResult {
  readonly id: string;
  readonly outcome: Outcome;
  readonly seconds: number;
}

/** Applies the mutation's edits to file contents; refuses when a `find` text is absent or ambiguous. */
export function applyEdits(
  mutation: Mutation,
  read: (file: string) => string,
): { files: Record<string, string> } | { reason: string } {
  const files: Record<string, string> = {};
  for (const edit of [mutation as Edit, ...(mutation.also ?? [])]) {
    const text = files[edit.file] ?? read(edit.file);
    const count = text.split(edit.find).length - 1;
    if (count !== 1) {
      return { reason: `no longer applies: find text ${count === 0 ? 'not found' : `found ${count} times`} in ${edit.file}` };
    }
    files[edit.file] = text.replace(edit.find, () => edit.replace);
  }
  return { files };
}

interface JestJson {
  testResults?: Array<{
    name: string;
    status: string;
    message?: string;
    assertionResults: Array<{ status: string; fullName: string }>;
  }>;
}

/** What killed a mutation, from jest's --json output (or its stderr when jest could not run the tests). */
export function killersOf(json: JestJson | undefined, stderr: string): string[] {
  const failed = (json?.testResults ?? []).flatMap((file) => {
    const rel = file.name.replace(/^.*?\/test\//, 'test/');
    const assertions = file.assertionResults.filter((a) => a.status === 'failed').map((a) => `${rel} › ${a.fullName}`);
    return assertions.length > 0 ? assertions : file.status === 'failed' ? [`${rel} (suite failed: ${(file.message ?? '').split('\n').find((l) => l.trim()) ?? 'error'})`] : [];
  });
  if (failed.length > 0) return failed;
  // The global-setup wrapper line first, then the synth's own error (which names the field), if any.
  const errors = [...new Set(stderr.split('\n').map((l) => l.trim()).filter((l) => /error|fail/i.test(l) && !/^throw |\$\{/.test(l)))].slice(0, 3);
  const text = errors.length > 0 ? errors.join(' | ') : stderr.trim().split('\n')[0] || 'jest exited non-zero';
  return [`jest run (global setup or compile): ${text.slice(0, 400)}`];
}

/**
 * A mutation that no longer compiles or names something out of scope (ReferenceError, SyntaxError: the
 * code around its `find` text changed) is killed by the language, not by a test: it proves nothing.
 * Returns the error line then, for a "rewrite it" report; undefined when tests ran or the failure is real.
 */
export function brokenCodeOf(json: JestJson | undefined, stderr: string): string | undefined {
  if ((json?.testResults ?? []).some((file) => file.status === 'failed')) return undefined;
  return stderr
    .split('\n')
    .map((line) => line.trim())
    .find((line) => /^(ReferenceError|SyntaxError)\b|Transform failed/.test(line));
}

export function killRate(results: readonly MutationResult[]): { killed: number; applicable: number; rate: number } {
  const applicable = results.filter((r) => r.outcome.kind !== 'not-applicable');
  const killed = applicable.filter((r) => r.outcome.kind === 'killed').length;
  return { killed, applicable: applicable.length, rate: applicable.length === 0 ? 0 : killed / applicable.length };
}

export function formatTable(results: readonly MutationResult[]): string {
  const rows = results.map((r) => {
    const o = r.outcome;
    const detail = o.kind === 'killed' ? `${o.by[0]}${o.by.length > 1 ? ` (+${o.by.length - 1} more)` : ''}` : o.kind === 'not-applicable' ? o.reason : '-';
    const label = o.kind === 'killed' ? 'KILLED' : o.kind === 'survived' ? 'SURVIVED' : 'NO LONGER APPLIES';
    return [r.id, label, `${r.seconds.toFixed(0)}s`, detail];
  });
  const header = ['mutation', 'result', 'time', 'killed by / reason'];
  const widths = header.slice(0, 3).map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const fmt = (row: string[]) => row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]) : cell)).join('  ');
  const { killed, applicable, rate } = killRate(results);
  const stale = results.filter((r) => r.outcome.kind === 'not-applicable').length;
  return [fmt(header), ...rows.map(fmt), '', `kill rate ${(rate * 100).toFixed(1)}% (${killed} of ${applicable} applicable killed; required ${REQUIRED_KILL_RATE * 100}%)${stale > 0 ? `; ${stale} no longer apply: update their find text in scripts/mutation/mutations.ts` : ''}`].join('\n');
}

/** The working tree's files (tracked and untracked, not ignored), as git sees them. */
function workingTreeFiles(): string[] {
  const out = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`git ls-files failed: ${out.stderr}`);
  return out.stdout.split('\0').filter((f) => f && f !== 'node_modules' && existsSync(join(ROOT, f)));
}

function scratchCopy(id: string, files: readonly string[], edits: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), `mutation-${id}-`));
  for (const file of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(dir, file));
  }
  for (const [file, text] of Object.entries(edits)) writeFileSync(join(dir, file), text);
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(dir, 'node_modules'), 'dir');
  return dir;
}

/** Removes a scratch copy; never fatal (a leftover copy is reported, the drill goes on). */
function removeScratch(dir: string, keep: boolean): void {
  if (keep) {
    console.error(`kept ${dir}`);
    return;
  }
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 3000 });
  } catch (error) {
    console.error(`warning: could not remove ${dir} (${(error as Error).message}); remove it by hand`);
  }
}

/** Process groups of the running jest children, ended on Ctrl-C (detached groups do not get it). */
const activeGroups = new Set<number>();

function endGroupsOnInterrupt(): void {
  process.on('SIGINT', () => {
    for (const pid of activeGroups) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    process.exit(130);
  });
}

function runTests(dir: string, mutation: Mutation): Promise<Outcome> {
  const resultFile = join(dir, 'jest-result.json');
  const env: NodeJS.ProcessEnv = { ...process.env, CI: '1', TEST_SYNTH_DIR: join(dir, '.test-synth'), CHECKPOINT_DISABLE: '1' };
  if (mutation.skipCdkSynth) env.TEST_SKIP_CDK_SYNTH = '1';
  else delete env.TEST_SKIP_CDK_SYNTH;
  return new Promise((resolve, reject) => {
    // Own process group: when a synth fails, jest returns while the other environments' synth processes
    // still run; ending the group stops them from writing into the scratch copy after it is removed.
    const child = spawn(join(dir, 'node_modules', '.bin', 'jest'), [...mutation.tests, '--json', `--outputFile=${resultFile}`], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    if (child.pid !== undefined) activeGroups.add(child.pid);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      activeGroups.delete(child.pid!);
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // ESRCH: nothing of the group is left.
      }
      if (code === 0) return resolve({ kind: 'survived' });
      const json = existsSync(resultFile) ? (JSON.parse(readFileSync(resultFile, 'utf8')) as JestJson) : undefined;
      const broken = brokenCodeOf(json, stderr);
      if (broken) return resolve({ kind: 'not-applicable', reason: `no longer applies: it breaks the code instead of its behaviour (${broken.slice(0, 160)}); rewrite it` });
      resolve({ kind: 'killed', by: killersOf(json, stderr) });
    });
  });
}

async function drill(
  mutations: readonly Mutation[],
  jobs: number,
  keep: boolean,
  checkOnly: boolean,
): Promise<MutationResult[]> {
  const files = workingTreeFiles();
  const results: MutationResult[] = new Array(mutations.length);
  let next = 0;
  const worker = async () => {
    while (next < mutations.length) {
      const index = next++;
      const mutation = mutations[index];
      const started = Date.now();
      const applied = applyEdits(mutation, (file) => readFileSync(join(ROOT, file), 'utf8'));
      let outcome: Outcome;
      if ('reason' in applied) {
        outcome = { kind: 'not-applicable', reason: applied.reason };
      } else if (checkOnly) {
        outcome = { kind: 'survived' };
      } else {
        const dir = scratchCopy(mutation.id, files, applied.files);
        try {
          outcome = await runTests(dir, mutation);
        } finally {
          removeScratch(dir, keep);
        }
      }
      results[index] = { id: mutation.id, outcome, seconds: (Date.now() - started) / 1000 };
      if (!checkOnly) {
        const shown = outcome.kind === 'killed' ? `killed by ${outcome.by[0]}` : outcome.kind === 'not-applicable' ? outcome.reason : 'SURVIVED';
        console.error(`[${index + 1}/${mutations.length}] ${mutation.id}: ${shown}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
  return results;
}

/** The selected mutations' tests on the unmutated tree: they must pass, or a "kill" proves nothing. */
async function baseline(selected: readonly Mutation[], keep: boolean): Promise<boolean> {
  const tests = [...new Set(selected.flatMap((m) => m.tests))];
  const unmutated: Mutation = { id: 'baseline', why: 'no mutation', file: '', find: '', replace: '', tests, skipCdkSynth: selected.every((m) => m.skipCdkSynth) };
  const dir = scratchCopy('baseline', workingTreeFiles(), {});
  try {
    const outcome = await runTests(dir, unmutated);
    if (outcome.kind === 'killed') console.error(`error: the tests fail without any mutation, fix them first:\n  ${outcome.by.join('\n  ')}`);
    else console.error(`baseline: ${tests.join(' ')} pass without mutations`);
    return outcome.kind === 'survived';
  } finally {
    removeScratch(dir, keep);
  }
}

async function main(): Promise<number> {
  const args = parseArgs(
    process.argv.slice(2),
    { only: '', jobs: '1', check: false, list: false, keep: false, 'skip-baseline': false, verbose: false },
    'npm run mutation -- [--only id,id] [--jobs N] [--check] [--list] [--keep] [--skip-baseline] [--verbose]',
  );
  const ids = new Set(MUTATIONS.map((m) => m.id));
  if (ids.size !== MUTATIONS.length) throw new Error('scripts/mutation/mutations.ts: mutation ids must be unique');
  const only = args.only ? args.only.split(',').map((s) => s.trim()) : [];
  const unknown = only.filter((id) => !ids.has(id));
  if (unknown.length > 0) throw new Error(`unknown mutation ${unknown.join(', ')}: valid ids are ${[...ids].join(', ')}`);
  const selected = only.length > 0 ? MUTATIONS.filter((m) => only.includes(m.id)) : MUTATIONS;
  const jobs = Number(args.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`--jobs must be a positive integer, got "${args.jobs}"`);

  if (args.list) {
    for (const m of selected) console.log(`${m.id}\n  ${m.why}\n  ${m.file}; tests: ${m.tests.join(' ')}`);
    return 0;
  }
  endGroupsOnInterrupt();
  if (!args.check && !args['skip-baseline'] && !(await baseline(selected, args.keep))) return 1;
  const results = await drill(selected, jobs, args.keep, args.check);
  if (args.check) {
    const stale = results.filter((r) => r.outcome.kind === 'not-applicable');
    console.log(stale.length === 0 ? `all ${results.length} mutations apply` : stale.map((r) => `${r.id}: ${(r.outcome as { reason: string }).reason}`).join('\n'));
    return stale.length === 0 ? 0 : 1;
  }
  console.log(formatTable(results));
  if (args.verbose) {
    for (const r of results) if (r.outcome.kind === 'killed') console.log(`\n${r.id} killed by:\n  ${r.outcome.by.join('\n  ')}`);
  }
  const { rate } = killRate(results);
  return rate >= REQUIRED_KILL_RATE && results.every((r) => r.outcome.kind !== 'not-applicable') ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => (process.exitCode = code),
    (error: Error) => {
      console.error(`error: ${error.message}`);
      process.exitCode = 1;
    },
  );
}
