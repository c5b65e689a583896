/**
 * The one argument parser of every script (operator commands, cost, diagram, synth): node:util
 * `parseArgs` in strict mode, so `--flag value` and `--flag=value` both work and anything unknown is
 * a usage error naming the argument. Usage errors exit with USAGE_EXIT_CODE.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseArgs as nodeParseArgs } from 'node:util';
import type { App } from 'aws-cdk-lib';
// The light module of the names and their errors: every CLI loads this one before it checks its arguments.
import { checkContextKeys } from '../../environments/context';
import { DeployInputError, EnvironmentConfigError, UnknownEnvironmentError } from '../../environments/names';

/** Exit code of every script for a usage error (bad or missing argument). */
export const USAGE_EXIT_CODE = 2;

/** Exit code of every script for a failed check, a refusal or an invalid environment file. */
export const FAILURE_EXIT_CODE = 1;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** One option: its type, whether it repeats, and an optional check of a string value. */
export interface CliOption {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  /** Returns a problem with the value, or undefined. */
  readonly validate?: (value: string) => string | undefined;
}

export type CliValues = Record<string, string | boolean | string[] | undefined>;

/** node:util's parse errors, reworded to name the argument the way every script's messages do. */
function describeParseError(error: Error & { code?: string }, context: string | undefined): string {
  const quoted = /'([^' ]+)/.exec(error.message)?.[1] ?? '';
  const where = context ? ` for ${context}` : '';
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quoted}${where}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument "${quoted}"`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return error.message.includes('does not take an argument') ? `option ${quoted} is a flag and takes no value` : `option ${quoted} needs a value`;
    default:
      return error.message;
  }
}

/**
 * Parses `argv` against `options`; throws UsageError (message names the argument, then the usage).
 * A string option given twice is an error unless it is `multiple`; empty values are errors.
 */
export function parseCliArgs(
  argv: readonly string[],
  options: Readonly<Record<string, CliOption>>,
  usage: string,
  context?: string,
): CliValues {
  let parsed;
  try {
    parsed = nodeParseArgs({
      args: [...argv],
      options: Object.fromEntries(
        Object.entries(options).map(([key, o]) => [key, { type: o.type, multiple: o.multiple ?? false }]),
      ),
      strict: true,
      allowPositionals: false,
      tokens: true,
    });
  } catch (error) {
    throw new UsageError(`${describeParseError(error as Error & { code?: string }, context)}\n\n${usage}`);
  }
  const seen = new Set<string>();
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== 'option') continue;
    const option = options[token.name];
    if (seen.has(token.name) && !option.multiple) throw new UsageError(`option --${token.name} given twice`);
    seen.add(token.name);
    if (option.type === 'string') {
      const value = token.value ?? '';
      if (value === '' || (!token.inlineValue && value.startsWith('--'))) throw new UsageError(`option --${token.name} needs a value\n\n${usage}`);
      const problem = option.validate?.(value);
      if (problem) throw new UsageError(`option --${token.name}: "${value}" ${problem}`);
    }
  }
  return parsed.values as CliValues;
}

/**
 * Parses argv with `defaults` (each key's type from its default), for a `main` that returns its exit code:
 * `'help'` when --help or -h was asked, a UsageError thrown on a usage error.
 */
export function readArgs<T extends Record<string, string | boolean>>(argv: readonly string[], defaults: T, usage: string): T | 'help' {
  if (argv.includes('--help') || argv.includes('-h')) return 'help';
  const options = Object.fromEntries(Object.entries(defaults).map(([key, value]) => [key, { type: typeof value === 'boolean' ? 'boolean' : 'string' } as CliOption]));
  return { ...defaults, ...parseCliArgs(argv, options, `usage: ${usage}`) } as T;
}

/**
 * For scripts with a `main`: parses argv with `defaults` (each key's type from its default), prints
 * usage and exits 0 on --help, exits USAGE_EXIT_CODE with the message on a usage error.
 */
export function parseArgs<T extends Record<string, string | boolean>>(argv: string[], defaults: T, usage: string): T {
  try {
    const args = readArgs(argv, defaults, usage);
    if (args !== 'help') return args;
    console.log(`usage: ${usage}`);
    process.exit(0);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`error: ${error.message}`);
    process.exit(USAGE_EXIT_CODE);
  }
}

/**
 * The environment of every child process a script starts: this one's, with CDKTF telemetry
 * (CHECKPOINT_DISABLE) off (CDK CLI telemetry is off in cdk.json, `"cli-telemetry": false`). A
 * TF_CLI_CONFIG_FILE naming a missing file changes nothing in Terraform but a warning on every call (which
 * the CDKTF CLI prints as [ERROR] lines in an otherwise clean synth): the child does not get it then.
 */
export function childEnvironment(
  extra: Readonly<Record<string, string | undefined>> = {},
  parent: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const inherited = { ...parent };
  if (inherited.TF_CLI_CONFIG_FILE && !existsSync(inherited.TF_CLI_CONFIG_FILE)) delete inherited.TF_CLI_CONFIG_FILE;
  return { ...inherited, CHECKPOINT_DISABLE: '1', ...extra };
}

/** Runs a command with inherited stdio, in `childEnvironment`. */
export function run(command: string, args: string[], env: Record<string, string> = {}): number {
  const result = spawnSync(command, args, { stdio: 'inherit', env: childEnvironment(env) });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

/**
 * The exit code for an expected mistake (a usage error or unknown environment: 2; an invalid environment
 * file: 1), or undefined for anything else (a bug, which keeps its stack trace).
 */
export function expectedErrorExitCode(error: unknown): number | undefined {
  const usageErrors = [UsageError, UnknownEnvironmentError, DeployInputError];
  if (usageErrors.some((type) => error instanceof type)) return USAGE_EXIT_CODE;
  if (error instanceof EnvironmentConfigError) return FAILURE_EXIT_CODE;
  return undefined;
}

/**
 * An error of the code itself, not a refusal worded for the user: one of JavaScript's own error types
 * (TypeError, ReferenceError, ...) or a module that cannot be loaded (the CLIs load the app lazily, so a
 * broken lib/ file fails inside their try blocks). Compared by name: jest's module registry is another realm.
 */
export function isProgrammingError(error: unknown): boolean {
  if (!(error instanceof Object)) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return ['TypeError', 'ReferenceError', 'SyntaxError', 'RangeError'].includes(String(name))
    || code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND';
}

/**
 * What a CLI prints for an error no check expected: the stack trace of a programming error (a bug to fix),
 * else one `error:` line with the message.
 */
export function describeUnexpectedError(error: unknown): string {
  if (isProgrammingError(error)) return String((error as Error).stack ?? error);
  return `error: ${error instanceof Error ? error.message : String(error)}`;
}

/**
 * Runs a CDK entry point (bin/*.ts) on `app`: refuses any context key that is neither in `contextKeys` nor the
 * CDK's own, then `build` reads `-c key=value` context through `context(key)`, an empty value counting as absent.
 * An expected error (an unknown environment or context key, a missing deploy input: exit 2; a bad config value:
 * exit 1) ends the process with one `error:` line and no stack trace; any other error is thrown. `build` may be
 * async (it imports the app's modules once its context is checked); `app` (made with `autoSynth: false`) is
 * synthesized here once `build` has finished, into CDK_OUTDIR when the CDK CLI runs the entry point.
 */
export async function runCdkEntryPoint<K extends string>(
  app: App,
  contextKeys: readonly K[],
  build: (context: (key: K) => string | undefined) => void | Promise<void>,
): Promise<void> {
  const context = (key: K): string | undefined => {
    const value: unknown = app.node.tryGetContext(key);
    return value === undefined || value === null || value === '' ? undefined : String(value);
  };
  try {
    checkContextKeys(Object.keys(app.node.getAllContext()), contextKeys);
    await build(context);
  } catch (error) {
    const code = expectedErrorExitCode(error);
    if (code === undefined) throw error;
    console.error(`error: ${(error as Error).message}`);
    process.exit(code);
  }
  app.synth();
}

/**
 * Output piped into a reader that stops early (`| head`) closes stdout: end quietly with the code so
 * far instead of an EPIPE stack trace.
 */
export function endQuietlyOnClosedOutput(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}

/**
 * Runs a script's main: its return value is the exit code; an expected mistake prints one `error:` line
 * and exits with its code (expectedErrorExitCode); anything else is a bug and keeps its stack trace.
 */
export async function runMain(main: () => number | Promise<number>): Promise<void> {
  endQuietlyOnClosedOutput();
  try {
    process.exitCode = await main();
  } catch (error) {
    const code = expectedErrorExitCode(error);
    if (code === undefined) throw error;
    console.error(`error: ${(error as Error).message}`);
    process.exitCode = code;
  }
}
