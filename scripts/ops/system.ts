/**
 * The real implementations of OpsDeps: child processes, the AWS identity through the AWS CLI, and
 * a terminal prompt. Kept apart from the executor so tests never load them.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline/promises';
import { childEnvironment } from '../lib/cli';
import type { CallerIdentity, OpsDeps, RunOptions, RunResult } from './execute';

/** Runs a command in `childEnvironment` (CDKTF telemetry off); stdout streams to the terminal unless captured. */
export function runProcess(argv: readonly string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const [command, ...args] = argv;
    const child = spawn(command, args, {
      stdio: ['inherit', options.capture ? 'pipe' : 'inherit', 'inherit'],
      env: childEnvironment(options.env),
    });
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code ?? 1, stdout }));
  });
}

/**
 * `aws sts get-caller-identity`, and the region the AWS CLI/Terraform will use: AWS_REGION,
 * AWS_DEFAULT_REGION, else `aws configure get region` (the profile's).
 */
export async function resolveIdentity(
  run: OpsDeps['run'],
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<CallerIdentity> {
  const sts = await run(['aws', 'sts', 'get-caller-identity', '--output', 'json'], { capture: true });
  if (sts.status !== 0) throw new Error(`aws sts get-caller-identity exited ${sts.status}`);
  const parsed = JSON.parse(sts.stdout) as { Account?: string; Arn?: string };
  if (!parsed.Account || !parsed.Arn) throw new Error(`unexpected get-caller-identity output: ${sts.stdout.trim()}`);
  let region = env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
  if (!region) {
    const configured = await run(['aws', 'configure', 'get', 'region'], { capture: true });
    region = configured.status === 0 && configured.stdout.trim() !== '' ? configured.stdout.trim() : undefined;
  }
  return { account: parsed.Account, arn: parsed.Arn, region };
}

/** Reads one line from the terminal; rejects when stdin is not a terminal (CI without --yes). */
export async function promptTerminal(question: string): Promise<string> {
  if (!process.stdin.isTTY) throw new Error('stdin is not a terminal');
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

export function systemDeps(): OpsDeps {
  return {
    run: runProcess,
    identity: () => resolveIdentity(runProcess),
    prompt: promptTerminal,
    log: (line) => console.log(line),
    error: (line) => console.error(line),
  };
}
