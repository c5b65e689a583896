import { spawnSync } from 'node:child_process';

/** Minimal `--key value` / `--flag` parser with usage errors that name the bad argument. */
export function parseArgs<T extends Record<string, string | boolean>>(argv: string[], defaults: T, usage: string): T {
  const result: Record<string, string | boolean> = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      console.log(`usage: ${usage}`);
      process.exit(0);
    }
    if (!arg.startsWith('--')) throw new Error(`unexpected argument "${arg}"\nusage: ${usage}`);
    const key = arg.slice(2);
    if (!(key in defaults)) throw new Error(`unknown option --${key}\nusage: ${usage}`);
    if (typeof defaults[key] === 'boolean') {
      result[key] = true;
    } else {
      const value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw new Error(`option --${key} needs a value\nusage: ${usage}`);
      result[key] = value;
    }
  }
  return result as T;
}

/** Runs a command with inherited stdio; telemetry of the CDKTF CLI is always off. */
export function run(command: string, args: string[], env: Record<string, string> = {}): number {
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, CHECKPOINT_DISABLE: '1', ...env } });
  if (result.error) throw result.error;
  return result.status ?? 1;
}
