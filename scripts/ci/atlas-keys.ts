/**
 * npm run ci:atlas-keys -- --env <env>
 *
 * GitHub Actions only: reads the environment's Atlas API key pair from Secrets Manager at run time (the
 * deploy role may read exactly `{env}/audio-pipeline/atlas-api-keys`, JSON `{"publicKey","privateKey","orgId"}`),
 * masks every value in the job log (`::add-mask::`, consumed by the runner, never printed) and hands them to
 * the job's later steps through $GITHUB_ENV as MONGODB_ATLAS_PUBLIC_KEY, MONGODB_ATLAS_PRIVATE_KEY and
 * TF_VAR_atlas_org_id. Nothing is echoed; no key is ever in the repository or a workflow file.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { loadEnvironment } from '../../environments';
import { deployIdentityNames } from '../../lib/deploy/identity';
import { parseArgs } from '../lib/cli';

const USAGE = 'npm run ci:atlas-keys -- --env <dev|staging|prod>';

export interface AtlasKeys {
  readonly publicKey: string;
  readonly privateKey: string;
  readonly orgId: string;
}

/** Parses the secret's value; the error names the secret and the missing field, never a value. */
export function parseAtlasKeys(secretId: string, text: string): AtlasKeys {
  let parsed: Partial<Record<keyof AtlasKeys, unknown>>;
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    throw new Error(`secret ${secretId} is not JSON: store {"publicKey":"...","privateKey":"...","orgId":"..."}`);
  }
  const missing = (['publicKey', 'privateKey', 'orgId'] as const).filter((key) => typeof parsed[key] !== 'string' || parsed[key] === '');
  if (missing.length > 0) throw new Error(`secret ${secretId} lacks ${missing.join(', ')}: store {"publicKey":"...","privateKey":"...","orgId":"..."}`);
  return parsed as AtlasKeys;
}

/** The lines for stdout (masks) and for $GITHUB_ENV (the variables). */
export function githubEnvLines(keys: AtlasKeys): { masks: string[]; env: string[] } {
  const values = {
    MONGODB_ATLAS_PUBLIC_KEY: keys.publicKey,
    MONGODB_ATLAS_PRIVATE_KEY: keys.privateKey,
    TF_VAR_atlas_org_id: keys.orgId,
  };
  for (const value of Object.values(values)) if (/[\r\n]/.test(value)) throw new Error('an Atlas key contains a line break');
  return { masks: Object.values(values).map((value) => `::add-mask::${value}`), env: Object.entries(values).map(([key, value]) => `${key}=${value}`) };
}

if (require.main === module) {
  const args = parseArgs(process.argv.slice(2), { env: '' }, USAGE);
  const config = loadEnvironment(args.env);
  const secretId = deployIdentityNames(config).atlasApiKeySecret;
  const githubEnv = process.env.GITHUB_ENV;
  if (!githubEnv) {
    console.error('error: GITHUB_ENV is not set: this script hands the keys to later steps of a GitHub Actions job; on a laptop export them yourself (see docs/ci.md)');
    process.exit(1);
  }
  const read = spawnSync('aws', ['secretsmanager', 'get-secret-value', '--secret-id', secretId, '--region', config.region, '--query', 'SecretString', '--output', 'text'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (read.status !== 0) {
    console.error(`error: could not read ${secretId} (exit ${read.status}); create it once per account (docs/ci.md)`);
    process.exit(1);
  }
  try {
    const { masks, env } = githubEnvLines(parseAtlasKeys(secretId, read.stdout));
    // Workflow commands on stdout: the runner registers the masks and does not print these lines.
    for (const mask of masks) process.stdout.write(`${mask}\n`);
    appendFileSync(githubEnv, `${env.join('\n')}\n`);
    console.error(`Atlas API keys of ${config.name} read from ${secretId} (masked) and set for the next steps`);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    process.exit(1);
  }
}
