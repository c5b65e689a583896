import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cdkJsonContext } from '../../scripts/lib/cdk-context';
import { KEY_FILE, SYNTH_ROOT } from './synth-cache';

/**
 * Runs of the two entry points as their CLIs start them, recorded by the global setup once per change of
 * the inputs, like the assemblies: bin/app.ts with context in CDK_CONTEXT_JSON and output in CDK_OUTDIR
 * (cdk-nag gates enforcing, as in `cdk synth`; CDK's CloudFormation validator off: see recordRun),
 * atlas/main.ts with a process environment and CDKTF_OUTDIR.
 * A full synth costs seconds of CPU; reading its record costs nothing. test/bin and test/atlas assert on
 * them; a run not listed here fails with a message saying to add it.
 */
export const APP_RUNS: ReadonlyArray<Record<string, string>> = [
  { env: 'production' },
  { env: 'staging', account: '12345' },
  { env: 'prod', account: '123456789012' },
];

/**
 * Credentials as they would be exported in a deploy shell (sentinel values). None of them may reach the
 * synthesized Atlas configuration: the providers read them from the environment at plan time.
 */
export const ATLAS_SENTINEL_CREDENTIALS = {
  MONGODB_ATLAS_PUBLIC_KEY: 'qzxkpublic',
  MONGODB_ATLAS_PRIVATE_KEY: '0f8b2c4e-9d1a-4b7e-8c3f-5a6d7e8f9a0b',
  MONGODB_ATLAS_CLIENT_ID: 'mdb_sa_id_0123456789abcdef',
  MONGODB_ATLAS_CLIENT_SECRET: 'mdb_sa_sk_sentinelsecretvalue',
  AWS_ACCESS_KEY_ID: 'AKIAZZZZSENTINEL0000',
  AWS_SECRET_ACCESS_KEY: 'Zk9sentinel/AWSsecretKEYvalue0123456789ab',
  TF_VAR_atlas_org_id: '5f1a2b3c4d5e6f7a8b9c0d1e',
} as const;

/** Process environments atlas/main.ts is run with. */
export const ATLAS_RUNS: ReadonlyArray<Record<string, string>> = [
  { ...ATLAS_SENTINEL_CREDENTIALS, ATLAS_ACCOUNT: '123456789012' },
  { ATLAS_ENVIRONMENTS: 'dev,prod', ATLAS_ACCOUNT: '' },
  { ATLAS_ENVIRONMENTS: 'prod', ATLAS_ACCOUNT: '123456789012' },
  { ATLAS_ENVIRONMENTS: 'prod', ATLAS_ACCOUNT: '12345' },
  { ATLAS_ENVIRONMENTS: 'dev,qa' },
];

interface RunSpec {
  readonly script: 'bin/app.ts' | 'atlas/main.ts';
  readonly input: Record<string, string>;
}

const RUNS: readonly RunSpec[] = [
  ...APP_RUNS.map((input) => ({ script: 'bin/app.ts' as const, input })),
  ...ATLAS_RUNS.map((input) => ({ script: 'atlas/main.ts' as const, input })),
];

export interface AppRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The directory the run wrote its output to (CDK_OUTDIR or CDKTF_OUTDIR). */
  readonly outdir: string;
}

function runDirectory(script: RunSpec['script'], input: Record<string, string>): string {
  const index = RUNS.findIndex((r) => r.script === script && JSON.stringify(r.input) === JSON.stringify(input));
  if (index < 0) throw new Error(`${script} was not run with ${JSON.stringify(input)}: add it to test/support/app-runs.ts`);
  return join(SYNTH_ROOT, 'app-runs', String(index));
}

function recorded(dir: string): AppRun {
  if (!existsSync(join(dir, 'result.json'))) throw new Error(`${dir} has no recorded run: run the tests through jest (the global setup records it)`);
  return { ...(JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as Omit<AppRun, 'outdir'>), outdir: join(dir, 'out') };
}

/** The recorded run of bin/app.ts with this context (values as `-c key=value` would give them). */
export function appRun(context: Record<string, string>): AppRun {
  return recorded(runDirectory('bin/app.ts', context));
}

/** The recorded run of atlas/main.ts with these environment variables. */
export function atlasRun(env: Record<string, string>): AppRun {
  return recorded(runDirectory('atlas/main.ts', env));
}

/** Runs whose record is missing or from other inputs. */
export function staleRuns(key: string): readonly RunSpec[] {
  return RUNS.filter((run) => {
    const file = join(runDirectory(run.script, run.input), KEY_FILE);
    return !existsSync(file) || readFileSync(file, 'utf8').trim() !== key;
  });
}

export function describeRun(run: RunSpec): string {
  return `${run.script} ${JSON.stringify(run.input)}`;
}

export const ALL_RUNS = RUNS;

/** Runs the entry point and records status, output and what it wrote, under the input key. */
export function recordRun(run: RunSpec, key: string): Promise<void> {
  const dir = runDirectory(run.script, run.input);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'out'), { recursive: true });
  const root = join(__dirname, '..', '..');
  const env: NodeJS.ProcessEnv =
    run.script === 'bin/app.ts'
      ? { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJsonContext(), ...run.input }), CDK_OUTDIR: join(dir, 'out') }
      : { ...process.env, ...run.input, CDKTF_OUTDIR: join(dir, 'out'), CHECKPOINT_DISABLE: '1' };
  // CDK's CloudFormation validator costs ~6 s of CPU per run and adds nothing here: the global setup's
  // assemblies run it (their validation reports must be empty, test/core/compliance.test.ts) and CI's
  // `npm run synth:all` runs it in enforcing mode. These runs test the entry point: context, errors, offline.
  env.CDK_VALIDATION = 'false';
  return new Promise((resolve, reject) => {
    const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), [join(root, run.script)], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
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
