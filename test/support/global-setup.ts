import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sourceHash, SYNTH_ROOT } from './synth-cache';
import { SYNTH_JOBS, SYNTH_VARIANTS } from './variants';

/** One child process synthesizing `jobs` (./synthesize.ts; CDK's validator builds its rule engine once per process). */
function synthesize(jobs: readonly string[]): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The assemblies are what `cdk synth` produces: validator on, no context but cdk.json's.
  delete env.CDK_VALIDATION;
  delete env.CDK_CONTEXT_JSON;
  const tsx = join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx');
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, [join(__dirname, 'synthesize.ts'), ...jobs], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`the synth of ${jobs.join(', ')} failed (exit ${code}):\n${stderr}`))));
  });
}

/**
 * The one global synth: every job of ./variants.ts (each environment as committed and as deployed), one
 * child process per variant (one per core), into SYNTH_ROOT, stamped with the sources' hash. When the
 * stamp differs from the current hash, SYNTH_ROOT is emptied first (with it every kept synth and run).
 */
export default async function globalSetup(): Promise<void> {
  const stamp = join(SYNTH_ROOT, 'source-hash');
  const hash = sourceHash();
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) {
    process.stderr.write(`\nglobal synth: reused ${SYNTH_ROOT} (sources unchanged)\n`);
    return;
  }
  rmSync(SYNTH_ROOT, { recursive: true, force: true });
  mkdirSync(SYNTH_ROOT, { recursive: true });
  // Only for suites that read no assembly (`TEST_SKIP_CDK_SYNTH=1 npx jest test/environments`); CI never sets it.
  if (process.env.TEST_SKIP_CDK_SYNTH === '1') return;
  const started = Date.now();
  process.stderr.write(`\nglobal synth: ${SYNTH_JOBS.map((job) => job.id).join(', ')} (cdk-nag, Control Tower controls and template validation on; about 25 s on 2 cores)...\n`);
  const lanes = Object.keys(SYNTH_VARIANTS)
    .map((variant) => SYNTH_JOBS.filter((job) => job.variant === variant).map((job) => job.id));
  // Both lanes end before a failure is reported: no child outlives the setup.
  const failed = (await Promise.allSettled(lanes.map(synthesize))).find((lane) => lane.status === 'rejected');
  if (failed) throw failed.reason;
  writeFileSync(stamp, hash);
  process.stderr.write(`\nglobal synth: ${((Date.now() - started) / 1000).toFixed(1)} s into ${SYNTH_ROOT}\n`);
}
