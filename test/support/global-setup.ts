import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_RUNS, describeRun, recordRun, staleRuns } from './app-runs';
import { cachedKey, SYNTH_ROOT, synthInputKey } from './synth-cache';
import { INPUT_SYNTHS_DIR, inputSynthSourceKey } from './synthesize-input';
import { pruneAnswers, RUN_LOG } from './tool-answers';
import { jobDirectory, SYNTH_JOBS, type SynthJob } from './variants';

/** Written by the global setup, printed by ./timing-reporter.js at the end of the run. */
export const SETUP_TIMING_FILE = join(SYNTH_ROOT, 'setup-timing.json');

export interface SetupTiming {
  readonly seconds: number;
  readonly key: string;
  readonly reused: string[];
  readonly synthesized: Array<{ job: string; seconds: number }>;
}

/** Keeps the cache from growing: whole-input synths of other sources, tool answers long unused. */
function pruneRecords(): void {
  const current = inputSynthSourceKey();
  if (existsSync(INPUT_SYNTHS_DIR)) {
    for (const name of readdirSync(INPUT_SYNTHS_DIR)) if (name !== current) rmSync(join(INPUT_SYNTHS_DIR, name), { recursive: true, force: true });
  }
  pruneAnswers();
}

/** Runs one child process that synthesizes `jobs` in order (one module load and one validator engine for all). */
function runLane(jobs: SynthJob[], key: string): Promise<Array<{ job: string; seconds: number }>> {
  const tsx = join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx');
  const env: NodeJS.ProcessEnv = { ...process.env, TEST_SYNTH_KEY: key };
  // The assemblies are what `cdk synth` produces: CDK's CloudFormation validation stays on here.
  delete env.CDK_VALIDATION;
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, [join(__dirname, 'synthesize.ts'), ...jobs.map((j) => j.id)], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) =>
      code === 0
        ? resolve(stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { job: string; seconds: number }))
        : reject(new Error(`synth of ${jobs.map((j) => j.id).join(', ')} failed (exit ${code}):\n${stderr}`)),
    );
  });
}

/**
 * Synthesizes every job of ./variants.ts (each environment as committed and as deployed), and records the
 * entry-point runs of ./app-runs.ts, once per change of the inputs: a job directory whose recorded key equals the hash of the current inputs
 * (./synth-cache.ts) is reused, anything else is synthesized again, all in one child process.
 */
export default async function globalSetup(): Promise<void> {
  // The tool-answer log counts this run only (the timing summary reports it).
  rmSync(RUN_LOG, { force: true });
  // Only for suites that synthesize nothing (e.g. `TEST_SKIP_CDK_SYNTH=1 npx jest test/atlas`); CI never sets it.
  if (process.env.TEST_SKIP_CDK_SYNTH === '1') return;
  const started = Date.now();
  const key = synthInputKey();
  pruneRecords();
  const stale = SYNTH_JOBS.filter((job) => cachedKey(jobDirectory(SYNTH_ROOT, job)) !== key);
  const reused = SYNTH_JOBS.filter((job) => !stale.includes(job)).map((job) => job.id);

  // One child synthesizes every stale job: CDK's CloudFormation validator builds its rule engine once
  // (seconds of CPU) and reuses it for every later job. The entry-point runs (a process each) take the
  // other core, one at a time, and both cores once the synth is done: more at once only fight over two.
  const runs = staleRuns(key);
  const queue = [...runs];
  const runStarted = Date.now();
  let laneFailed = false;
  const lane = (stale.length > 0 ? runLane(stale, key) : Promise.resolve([])).catch((error: unknown) => {
    laneFailed = true;
    throw error;
  });
  const recordRuns = async (afterLane: boolean): Promise<void> => {
    if (afterLane) await lane.catch(() => undefined);
    // A failed synth fails the setup: no further run starts (one under way is waited for, never orphaned).
    for (let run = queue.shift(); run && !laneFailed; run = queue.shift()) await recordRun(run, key);
  };
  const [laneOutcome, ...runOutcomes] = await Promise.allSettled([lane, recordRuns(false), recordRuns(true)]);
  for (const outcome of [laneOutcome, ...runOutcomes]) if (outcome.status === 'rejected') throw outcome.reason;
  const laneResults = (laneOutcome as PromiseFulfilledResult<Array<{ job: string; seconds: number }>>).value;
  const synthesized = [...laneResults];
  if (runs.length > 0) synthesized.push({ job: `${runs.length} entry-point runs`, seconds: (Date.now() - runStarted) / 1000 });
  reused.push(...ALL_RUNS.filter((run) => !runs.includes(run)).map(describeRun));

  const timing: SetupTiming = { seconds: (Date.now() - started) / 1000, key, reused, synthesized };
  mkdirSync(SYNTH_ROOT, { recursive: true });
  writeFileSync(SETUP_TIMING_FILE, JSON.stringify(timing, null, 2));
}
