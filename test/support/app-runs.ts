import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cdkJsonContext } from '../../scripts/lib/cdk-context';
import { kept } from './synth-cache';

const ROOT = join(__dirname, '..', '..');

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

export interface AppRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The directory the run wrote its output to (CDK_OUTDIR or CDKTF_OUTDIR). */
  readonly outdir: string;
}

/** Runs an entry point as its CLI starts it, once per input while the sources are unchanged (./synth-cache.ts). */
function run(script: string, env: Record<string, string>, outdirVariable: string): AppRun {
  const dir = kept('runs', { script, env }, (scratch) => {
    const child = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, script)], { cwd: ROOT, env: { ...process.env, ...env, [outdirVariable]: join(scratch, 'out') }, encoding: 'utf8' });
    writeFileSync(join(scratch, 'result.json'), JSON.stringify({ status: child.status, stdout: child.stdout, stderr: child.stderr }));
  });
  return { ...(JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as Omit<AppRun, 'outdir'>), outdir: join(dir, 'out') };
}

/**
 * A CDK entry point (bin/app.ts unless named) as the CDK CLI runs it: context (values as `-c key=value` gives
 * them) in CDK_CONTEXT_JSON, cdk-nag gates enforcing. CDK's CloudFormation validator is off (~6 s of CPU): the
 * global synth's validation reports cover it (test/core/compliance.test.ts), and CI's `npm run synth:all` runs it
 * enforcing.
 */
export function appRun(context: Record<string, string>, entryPoint = 'bin/app.ts'): AppRun {
  const env = { CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJsonContext(), ...context }), CDK_VALIDATION: 'false' };
  return run(entryPoint, env, 'CDK_OUTDIR');
}

/** atlas/main.ts as `cdktf synth` runs it, with these environment variables. */
export function atlasRun(env: Record<string, string>): AppRun {
  return run('atlas/main.ts', { ...env, CHECKPOINT_DISABLE: '1' }, 'CDKTF_OUTDIR');
}
