import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/**
 * Where the global setup writes the assemblies (TEST_SYNTH_DIR moves it, e.g. for the mutation drill's
 * scratch copies). Kept in this dependency-free module: test files import it without loading the CDK app.
 */
export const SYNTH_ROOT = process.env.TEST_SYNTH_DIR ?? join(ROOT, '.test-synth');

export interface NagSummary {
  /** Pack name -> unacknowledged findings as "RuleId at construct/path". */
  readonly packs: Record<string, string[]>;
  /**
   * AWS Control Tower's proactive controls (`cdk-validator-cfnguard`): unacknowledged findings as
   * "CT.X.PR.n (guard rule) at construct/path", and the plugin's failure, if it failed, as "plugin failed: <error>".
   */
  readonly controlTower: string[];
}

/** What a synth is built from; anything else (tests, docs, scripts outside scripts/lib) cannot change one. */
const SOURCES = ['lib', 'bin', 'environments', 'atlas', 'scripts/lib', 'test/support', 'cdk.json', 'package.json', 'package-lock.json', 'tsconfig.json'];

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).sort().flatMap((entry) => filesUnder(join(path, entry)));
}

/** One sha256 of the Node.js version and the path and content of every source file. */
export function sourceHash(root: string = ROOT): string {
  const hash = createHash('sha256').update(`node ${process.version}\0`);
  for (const file of SOURCES.flatMap((source) => filesUnder(join(root, source)))) hash.update(`${relative(root, file)}\0`).update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

/**
 * The directory of a synth a test asks for (`kind` and its input `parts`), made by `make` the first time
 * and kept in SYNTH_ROOT, which the global setup empties when the sources change. Two workers making the
 * same one at once each write their own directory; the first rename wins (the results are equal).
 */
export function kept(kind: string, parts: unknown, make: (dir: string) => void): string {
  const dir = join(SYNTH_ROOT, kind, createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 24));
  if (existsSync(dir)) return dir;
  const scratch = `${dir}.${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  make(scratch);
  try {
    renameSync(scratch, dir);
  } catch {
    rmSync(scratch, { recursive: true, force: true });
  }
  return dir;
}
