import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cdkJsonContext } from '../../scripts/lib/cdk-context';
import { KEY_FILE, SYNTH_ROOT } from './synth-cache';

/**
 * Runs of bin/app.ts the way the CDK CLI starts it (context in CDK_CONTEXT_JSON, output directory in
 * CDK_OUTDIR, CDK's CloudFormation validation on), recorded by the global setup once per change of the
 * inputs, like the assemblies. A full prod synth costs seconds of CPU; reading its record costs nothing.
 * test/bin/app.test.ts asserts on them; a context not listed here fails with a message saying to add it.
 */
export const APP_RUNS: ReadonlyArray<Record<string, string>> = [
  { env: 'production' },
  { env: 'staging', account: '12345' },
  { env: 'prod', account: '123456789012' },
];

export interface AppRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The cloud assembly directory the run wrote (CDK_OUTDIR). */
  readonly outdir: string;
}

function runDirectory(context: Record<string, string>): string {
  const index = APP_RUNS.findIndex((c) => JSON.stringify(c) === JSON.stringify(context));
  if (index < 0) throw new Error(`bin/app.ts was not run with context ${JSON.stringify(context)}: add it to APP_RUNS in test/support/app-runs.ts`);
  return join(SYNTH_ROOT, 'app-runs', String(index));
}

/** The recorded run of bin/app.ts with this context (values as `-c key=value` would give them). */
export function appRun(context: Record<string, string>): AppRun {
  const dir = runDirectory(context);
  if (!existsSync(join(dir, 'result.json'))) throw new Error(`${dir} has no recorded run: run the tests through jest (the global setup records it)`);
  return { ...(JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as Omit<AppRun, 'outdir'>), outdir: join(dir, 'cdk.out') };
}

/** Whether the run with this context was recorded from these inputs. */
export function appRunIsCurrent(context: Record<string, string>, key: string): boolean {
  const file = join(runDirectory(context), KEY_FILE);
  return existsSync(file) && readFileSync(file, 'utf8').trim() === key;
}

/** Runs bin/app.ts with the context and records status, output and assembly under the input key. */
export function recordAppRun(context: Record<string, string>, key: string): Promise<void> {
  const dir = runDirectory(context);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'cdk.out'), { recursive: true });
  const root = join(__dirname, '..', '..');
  const env: NodeJS.ProcessEnv = { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJsonContext(), ...context }), CDK_OUTDIR: join(dir, 'cdk.out') };
  delete env.CDK_VALIDATION;
  return new Promise((resolve, reject) => {
    const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'bin', 'app.ts')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (status) => {
      writeFileSync(join(dir, 'result.json'), JSON.stringify({ status, stdout, stderr }, null, 2));
      writeFileSync(join(dir, KEY_FILE), key);
      resolve();
    });
  });
}
