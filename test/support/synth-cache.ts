import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/**
 * Where the global setup writes its assemblies. Override with TEST_SYNTH_DIR to keep parallel runs
 * (several worktrees, say) apart. Kept in this dependency-free module: test files import it without
 * loading the CDK app.
 */
export const SYNTH_ROOT = process.env.TEST_SYNTH_DIR ?? join(ROOT, '.test-synth');

export interface NagSummary {
  /** Pack name -> unacknowledged findings as "RuleId at construct/path". */
  readonly packs: Record<string, string[]>;
}

/**
 * Everything a synthesized assembly depends on: the app (lib, bin, environments), what it reads at synth
 * (cdk.json's flags through scripts/lib), the code that synthesizes it here (test/support), the compiler
 * settings and the exact dependency tree (package-lock.json). atlas/ is included because it shares
 * lib/ and environments/ and is cheap to hash. Anything else (tests, docs) cannot change a template.
 */
export const SYNTH_INPUTS = ['lib', 'bin', 'environments', 'atlas', 'scripts/lib', 'test/support', 'cdk.json', 'package.json', 'package-lock.json', 'tsconfig.json'] as const;

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((entry) => filesUnder(join(path, entry)));
}

/**
 * sha256 over the path and content of every input file, the Node.js version and the synth-affecting
 * environment variables. Equal keys mean equal inputs, so a cached assembly is reused only when nothing
 * it was built from has changed; any edit, added or removed file gives a new key.
 */
export function synthInputKey(root: string = ROOT, env: NodeJS.ProcessEnv = process.env): string {
  const hash = createHash('sha256');
  hash.update(`node ${process.version}\n`);
  for (const name of ['CDK_VALIDATION', 'CDK_CONTEXT_JSON']) hash.update(`${name}=${env[name] ?? ''}\n`);
  for (const input of SYNTH_INPUTS) {
    for (const file of filesUnder(join(root, input))) {
      hash.update(`${relative(root, file)}\0`);
      hash.update(readFileSync(file));
      hash.update('\0');
    }
  }
  return hash.digest('hex');
}

/** sha256 of the parts, each ended by a NUL (so ("ab", "c") and ("a", "bc") differ). */
export function sha256(...parts: ReadonlyArray<string | Buffer>): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex');
}

/** Writes a record whole, then renames it into place: a reader (another jest worker) never sees half a file. */
export function writeRecord(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.${process.pid}`, text);
  renameSync(`${file}.${process.pid}`, file);
}

/** File in each job directory that records the key it was synthesized from; written last, so its presence means complete. */
export const KEY_FILE = '.input-key';

export function cachedKey(directory: string): string | undefined {
  const file = join(directory, KEY_FILE);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}
