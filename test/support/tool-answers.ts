import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, utimesSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sha256, SYNTH_ROOT, writeRecord } from './synth-cache';

const ROOT = join(__dirname, '..', '..');

/** What a tool answered: exit status and both streams. */
export interface ToolAnswer {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * One run of a real tool. Its answer is a function of exactly these fields: the binary (`toolIdentity`),
 * the arguments, the environment, the standard input, the working directory and `dependsOn`, which names
 * whatever else the tool reads (the assembly it selects from, cdk.json, ...).
 */
export interface ToolCall {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly stdin?: string;
  /** The tool's identity (see `toolIdentity`): a new version is a new key. */
  readonly identity: string;
  /** Everything else the answer depends on, as strings (file digests, assembly input keys). */
  readonly dependsOn?: readonly string[];
}

/** Where answers are recorded; the timing reporter reads RUN_LOG to say how many were reused. */
export const ANSWERS_DIR = join(SYNTH_ROOT, 'tool-answers');
export const RUN_LOG = join(ANSWERS_DIR, 'this-run.log');

/** TEST_FRESH_TOOLS=1 runs every tool again (and records the new answers). */
const FRESH = process.env.TEST_FRESH_TOOLS === '1';

/** Digest of a file's content, or "absent": for inputs a tool reads when they exist (cdk.json, ~/.cdk.json). */
export function fileDigest(path: string): string {
  return `${path}=${existsSync(path) ? sha256(readFileSync(path)) : 'absent'}`;
}

/** The installed dependency tree: every npm-installed tool's code is fixed by it. */
export const LOCKFILE_DIGEST = fileDigest(join(ROOT, 'package-lock.json'));

/**
 * Who a binary is, without running it: its real path, and
 *  - for an npm tool, its package's name and version, the Node.js version and the lockfile (npm sets every
 *    file's mtime to 1985, so file dates say nothing);
 *  - for anything else (terraform's Go binary, Debian's awscli script), size, inode and modification time
 *    of the file, plus the Debian package database's modification time, which moves on every install or
 *    upgrade (awscli's Python code lives outside its launcher script).
 */
export function toolIdentity(binary: string): string {
  const real = realpathSync(binary);
  for (let dir = dirname(real); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name, version } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
      // Run by `#!/usr/bin/env node`: the Node.js version is part of what runs.
      if (name && version) return `${real} ${name}@${version} node ${process.version} ${LOCKFILE_DIGEST}`;
    }
  }
  const stat = statSync(real);
  const dpkg = existsSync('/var/lib/dpkg/status') ? statSync('/var/lib/dpkg/status').mtimeMs : 'none';
  return `${real} size=${stat.size} ino=${stat.ino} mtime=${stat.mtimeMs} dpkg=${dpkg}`;
}

export function spawnTool(call: ToolCall): Promise<ToolAnswer> {
  return new Promise((resolve, reject) => {
    const child = spawn(call.command, [...call.args], { cwd: call.cwd ?? ROOT, env: call.env, stdio: [call.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    child.stdin?.end(call.stdin);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

export function answerKey(call: ToolCall): string {
  const { command, args, env, cwd, stdin, identity, dependsOn } = call;
  const sortedEnv = Object.keys(env)
    .sort()
    .map((name) => `${name}=${env[name]}`);
  return sha256(JSON.stringify({ command, args, env: sortedEnv, cwd: cwd ?? ROOT, stdin: stdin ?? null, identity, dependsOn: dependsOn ?? [] }));
}

/** The recorded answer to exactly this call, if there is one (and TEST_FRESH_TOOLS is not set). */
export function recordedAnswer(call: ToolCall): ToolAnswer | undefined {
  const file = join(ANSWERS_DIR, `${answerKey(call)}.json`);
  if (FRESH || !existsSync(file)) return undefined;
  const now = new Date();
  utimesSync(file, now, now); // last use, for pruneAnswers
  return JSON.parse(readFileSync(file, 'utf8')) as ToolAnswer;
}

/** Answers unused for this long are deleted by the global setup (old assemblies, old tool versions). */
const UNUSED_DAYS = 14;

export function pruneAnswers(now: number = Date.now()): void {
  if (!existsSync(ANSWERS_DIR)) return;
  for (const name of readdirSync(ANSWERS_DIR)) {
    const file = join(ANSWERS_DIR, name);
    if (name.endsWith('.json') && now - statSync(file).mtimeMs > UNUSED_DAYS * 86_400_000) rmSync(file, { force: true });
  }
}

export function recordAnswer(call: ToolCall, answer: ToolAnswer): void {
  writeRecord(join(ANSWERS_DIR, `${answerKey(call)}.json`), JSON.stringify(answer));
}

/** Counts, for the timing summary: one line per call, "ran" or "reused". */
export function logAnswer(call: Pick<ToolCall, 'command' | 'args'>, how: 'ran' | 'reused'): void {
  mkdirSync(ANSWERS_DIR, { recursive: true });
  appendFileSync(RUN_LOG, `${how} ${[call.command, ...call.args].join(' ').slice(0, 200)}\n`);
}

/**
 * Runs the tool (through `run`, when the call needs a scratch directory, say), or returns its recorded
 * answer to the identical call. A tool is deterministic in what
 * the key holds (an offline run: no network, dummy credentials), so an equal key means an equal answer;
 * any change to the command, the tool or an input it reads runs it again.
 */
export async function askTool(call: ToolCall, run: (call: ToolCall) => Promise<ToolAnswer> = spawnTool): Promise<ToolAnswer> {
  const recorded = recordedAnswer(call);
  if (recorded) {
    logAnswer(call, 'reused');
    return recorded;
  }
  const answer = await run(call);
  // A run cut short by a signal says nothing about the command: never reuse it.
  if (answer.status !== null) recordAnswer(call, answer);
  logAnswer(call, 'ran');
  return answer;
}
