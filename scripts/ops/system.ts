/**
 * The real implementations of OpsDeps: child processes, the AWS identity through the AWS CLI, and
 * a terminal prompt. Kept apart from the executor so tests never load them.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline/promises';
import { childEnvironment } from '../lib/cli';
import type { CallerIdentity, OpsDeps, ProbeResult, RunOptions, RunResult } from './execute';
import { resolveAwsCli, type AwsCli } from './tools';

let awsCli: AwsCli | undefined;

/** The one AWS CLI of this process, resolved on first use (./tools.ts); throws AwsCliError naming the fix. */
export function theAwsCli(): AwsCli {
  awsCli ??= resolveAwsCli(process.env);
  return awsCli;
}

/** The program a step's argv runs: `aws` is the resolved AWS CLI, anything else is looked up on PATH. */
function program(command: string): string {
  return command === 'aws' ? theAwsCli().binary : command;
}

function spawnStep(
  argv: readonly string[],
  env: Readonly<Record<string, string>> | undefined,
  stdout: boolean,
  stderr: boolean,
): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const [command, ...args] = argv;
    let child;
    try {
      child = spawn(program(command), args, { stdio: ['inherit', stdout ? 'pipe' : 'inherit', stderr ? 'pipe' : 'inherit'], env: childEnvironment(env) });
    } catch (error) {
      reject(error as Error);
      return;
    }
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? new Error(`${command}: command not found on PATH`) : error));
    child.on('close', (code) => resolve({ status: code ?? 1, stdout: out, stderr: err }));
  });
}

/**
 * Runs a command in `childEnvironment` (CDK and CDKTF telemetry off); stdout streams to the terminal unless captured.
 */
export async function runProcess(argv: readonly string[], options: RunOptions): Promise<RunResult> {
  const { status, stdout } = await spawnStep(argv, options.env, options.capture, false);
  return { status, stdout };
}

/** A preflight probe: stdout and stderr captured. */
export function probeProcess(argv: readonly string[]): Promise<ProbeResult> {
  return spawnStep(argv, undefined, true, true);
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
    probe: probeProcess,
    env: process.env,
    identity: () => resolveIdentity(runProcess),
    prompt: promptTerminal,
    log: (line) => console.log(line),
    error: (line) => console.error(line),
  };
}

/**
 * The git checkout's branch and HEAD commit (the deploy lease's
 * holder), or undefined outside a checkout or on a detached HEAD.
 */
export async function gitSource(run: OpsDeps['run'] = runProcess): Promise<{ branch: string; commit: string } | undefined> {
  const branch = await run(['git', 'rev-parse', '--abbrev-ref', 'HEAD'], { capture: true });
  const commit = await run(['git', 'rev-parse', 'HEAD'], { capture: true });
  if (branch.status !== 0 || commit.status !== 0) return undefined;
  const name = branch.stdout.trim();
  // Detached HEAD (CI checkouts): the pipeline passes --branch.
  return name === '' || name === 'HEAD' ? undefined : { branch: name, commit: commit.stdout.trim() };
}
