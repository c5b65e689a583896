/**
 * npm run bench:test [-- --cold 2 --warm 3]
 *
 * The speed report of issues 22 and 29: `npm test` (jest) against the README's prod synth (`npx cdk synth -c env=prod
 * -c account=000000000000 -c noRelease=true`), in turn,
 * as whole processes (wall clock, and CPU of the process tree as bash's `time` counts it). Cold runs start
 * with the global synth's directory removed; warm runs follow one unmeasured warm-up with nothing changed.
 * Prints the medians, the ratios against the targets and the slowest test files of the last warm run, as
 * Markdown for the README. A report, not a check: it exits 0 whatever the figures, and 1 only when a run
 * fails. Run it on an idle machine (it prints the load average, and warns when something else is running).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { OFFLINE_ACCOUNT } from '../../environments/names';
import { SYNTH_ROOT } from '../../test/support/synth-cache';
import { childEnvironment, parseArgs, runMain, UsageError } from '../lib/cli';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'node_modules', '.bin');

/** The targets of issue 29: `npm test` wall time over one offline prod `cdk synth`, on two cores. */
export const TARGETS = { cold: 4, warm: 2 } as const;

/** One measured process: wall and CPU seconds (user + system, children included). */
export interface Timing {
  readonly wall: number;
  readonly cpu: number;
}

/** bash's `time` with TIMEFORMAT='BENCH %R %U %S': real, user and system seconds. */
export function parseTiming(stderr: string): Timing {
  const match = /^BENCH (\d+\.\d+) (\d+\.\d+) (\d+\.\d+)$/m.exec(stderr);
  if (!match) throw new Error(`no timing in bash's output: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return { wall: Number(match[1]), cpu: Number(match[2]) + Number(match[3]) };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Runs `argv` from the project root, output to `log`; throws naming the log when it fails. */
function timed(argv: readonly string[], log: string): Timing {
  const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const result = spawnSync('bash', ['-c', `TIMEFORMAT='BENCH %R %U %S'; time ${quoted} >'${log}' 2>&1`], {
    cwd: ROOT,
    encoding: 'utf8',
    env: childEnvironment(),
  });
  if (result.status !== 0) throw new Error(`${argv.join(' ')} failed (exit ${result.status}): see ${log}`);
  return parseTiming(result.stderr);
}

interface JestFile {
  readonly name: string;
  readonly startTime: number;
  readonly endTime: number;
  readonly assertionResults: unknown[];
}

/** The slowest test files of a jest --json report: seconds, tests, path. */
export function slowestFiles(report: { testResults: JestFile[] }, count: number): Array<[number, number, string]> {
  return report.testResults
    .map((file): [number, number, string] => {
      return [(file.endTime - file.startTime) / 1000, file.assertionResults.length, relative(ROOT, file.name)];
    })
    .sort((a, b) => b[0] - a[0])
    .slice(0, count);
}

const s = (n: number): string => `${n.toFixed(1)} s`;

const USAGE = 'npm run bench:test [-- --cold <runs> --warm <runs>]   (defaults: 2 cold, 3 warm; 0 skips a kind)';

export function main(argv: string[]): number {
  const args = parseArgs(argv, { cold: '2', warm: '3' }, USAGE);
  const runs = { cold: Number(args.cold), warm: Number(args.warm) };
  for (const [kind, n] of Object.entries(runs)) {
    if (!/^\d+$/.test(args[kind as keyof typeof runs]) || n > 10) {
      throw new UsageError(`option --${kind}: "${args[kind as keyof typeof runs]}" must be a number of runs from 0 to 10\n\nusage: ${USAGE}`);
    }
  }
  if (runs.cold + runs.warm === 0) throw new UsageError(`nothing to measure: --cold and --warm are both 0\n\nusage: ${USAGE}`);
  const load = loadavg()[0];
  // The one-minute average: a check run just before the report counts in it too.
  const busy = load > 1.5 ? ' (the last minute was busy: if something else still runs, the figures will be high)' : '';
  console.log(`bench:test: load average ${load.toFixed(2)} on start${busy}`);
  const scratch = mkdtempSync(join(tmpdir(), 'bench-test-'));
  // The README's prod synth command (offline: the placeholder account, no release), and how the report names it.
  const synthArgs = ['synth', '-c', 'env=prod', '-c', `account=${OFFLINE_ACCOUNT}`, '-c', 'noRelease=true'];
  const synthLabel = `cdk ${synthArgs.join(' ')}`;
  const synth = [join(BIN, 'cdk'), ...synthArgs, '-o', join(scratch, 'cdk.out'), '-q'];
  const jest = (json: string) => [join(BIN, 'jest'), '--json', `--outputFile=${json}`];
  const results: Record<'cold' | 'warm', { jest: Timing[]; synth: Timing[] }> = { cold: { jest: [], synth: [] }, warm: { jest: [], synth: [] } };
  let tests = 0;
  let lastReport = '';
  try {
    for (const kind of ['cold', 'warm'] as const) {
      if (runs[kind] === 0) continue;
      if (kind === 'warm') {
        console.log('bench:test: warm-up run of npm test (not measured) ...');
        timed(jest(join(scratch, 'warm-up.json')), join(scratch, 'warm-up.log'));
      }
      for (let i = 1; i <= runs[kind]; i++) {
        if (kind === 'cold') rmSync(SYNTH_ROOT, { recursive: true, force: true });
        lastReport = join(scratch, `${kind}-${i}.json`);
        const test = timed(jest(lastReport), join(scratch, `${kind}-${i}.log`));
        rmSync(join(scratch, 'cdk.out'), { recursive: true, force: true });
        const reference = timed(synth, join(scratch, `synth-${kind}-${i}.log`));
        results[kind].jest.push(test);
        results[kind].synth.push(reference);
        tests = (JSON.parse(readFileSync(lastReport, 'utf8')) as { numTotalTests: number }).numTotalTests;
        console.log(`bench:test: ${kind} ${i}/${runs[kind]}: npm test ${s(test.wall)} (CPU ${s(test.cpu)}), ${synthLabel} ${s(reference.wall)} (CPU ${s(reference.cpu)})`);
      }
    }
    console.log(`\n${tests} tests; medians; load average ${loadavg()[0].toFixed(2)} at the end\n`);
    console.log(`| run | \`npm test\` CPU / wall | \`${synthLabel}\` CPU / wall | ratio wall (CPU) | target |`);
    console.log('|---|---:|---:|---:|---:|');
    for (const kind of ['cold', 'warm'] as const) {
      const { jest: j, synth: r } = results[kind];
      if (j.length === 0) continue;
      const [jw, jc] = [median(j.map((t) => t.wall)), median(j.map((t) => t.cpu))];
      const [rw, rc] = [median(r.map((t) => t.wall)), median(r.map((t) => t.cpu))];
      const ratio = jw / rw;
      console.log(`| ${kind} (${j.length}) | ${s(jc)} / ${s(jw)} | ${s(rc)} / ${s(rw)} | ${ratio.toFixed(2)}× (${(jc / rc).toFixed(2)}×) | ≤ ${TARGETS[kind]}× ${ratio <= TARGETS[kind] ? 'met' : 'NOT met'} |`);
    }
    console.log(`\nslowest test files of the last run (${lastReport}): seconds, tests, file`);
    const report = JSON.parse(readFileSync(lastReport, 'utf8')) as { testResults: JestFile[] };
    for (const [seconds, count, file] of slowestFiles(report, 12)) {
      console.log(`  ${seconds.toFixed(1).padStart(5)} ${String(count).padStart(4)}  ${file}`);
    }
    return 0;
  } finally {
    rmSync(join(scratch, 'cdk.out'), { recursive: true, force: true });
    console.log(`\nlogs and jest reports: ${scratch}`);
  }
}

if (require.main === module) void runMain(() => main(process.argv.slice(2)));
