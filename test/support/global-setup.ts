import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ENVIRONMENT_NAMES } from '../../environments';

/**
 * Synthesizes the three environments in parallel child processes (one per environment), once
 * per `jest` run; every test file then reads the same cloud assemblies.
 */
export default async function globalSetup(): Promise<void> {
  // Only for suites that synthesize nothing (e.g. `TEST_SKIP_CDK_SYNTH=1 npx jest test/atlas`); CI never sets it.
  if (process.env.TEST_SKIP_CDK_SYNTH === '1') return;
  const started = Date.now();
  const tsx = join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx');
  await Promise.all(
    ENVIRONMENT_NAMES.map(
      (envName) =>
        new Promise<void>((resolve, reject) => {
          const child = spawn(tsx, [join(__dirname, 'synthesize.ts'), envName], { stdio: ['ignore', 'inherit', 'pipe'] });
          let stderr = '';
          child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
          child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`synth of ${envName} failed (exit ${code}):\n${stderr}`))));
        }),
    ),
  );
  process.stdout.write(`\n[global-setup] synthesized ${ENVIRONMENT_NAMES.join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
}
