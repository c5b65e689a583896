import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENVIRONMENT_NAMES } from '../../environments';
import { allStrings } from './support';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

/**
 * Credentials as they would be exported in a deploy shell. None of them may reach the synthesized
 * configuration: the providers read them from the environment at plan time, never from code.
 */
const CREDENTIALS = {
  MONGODB_ATLAS_PUBLIC_KEY: 'qzxkpublic',
  MONGODB_ATLAS_PRIVATE_KEY: '0f8b2c4e-9d1a-4b7e-8c3f-5a6d7e8f9a0b',
  MONGODB_ATLAS_CLIENT_ID: 'mdb_sa_id_0123456789abcdef',
  MONGODB_ATLAS_CLIENT_SECRET: 'mdb_sa_sk_sentinelsecretvalue',
  AWS_ACCESS_KEY_ID: 'AKIAZZZZSENTINEL0000',
  AWS_SECRET_ACCESS_KEY: 'Zk9sentinel/AWSsecretKEYvalue0123456789ab',
  TF_VAR_atlas_org_id: '5f1a2b3c4d5e6f7a8b9c0d1e',
};

function runApp(env: Record<string, string>): { status: number | null; stderr: string; outdir: string } {
  const outdir = mkdtempSync(join(tmpdir(), 'atlas-app-'));
  const result = spawnSync(TSX, [join(ROOT, 'atlas', 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: '1' },
    encoding: 'utf8',
  });
  return { status: result.status, stderr: result.stderr, outdir };
}

function stacksIn(outdir: string): string[] {
  return existsSync(join(outdir, 'stacks')) ? readdirSync(join(outdir, 'stacks')).sort() : [];
}

describe('atlas/main.ts', () => {
  const outdirs: string[] = [];
  afterAll(() => outdirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  describe('with credentials in the environment (all stacks)', () => {
    const run = runApp({ ...CREDENTIALS });
    outdirs.push(run.outdir);

    test('synthesizes atlas-dev, atlas-staging and atlas-prod', () => {
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(stacksIn(run.outdir)).toEqual(ENVIRONMENT_NAMES.map((e) => `atlas-${e}`).sort());
    });

    test.each(ENVIRONMENT_NAMES)('atlas-%s contains no credential, key or secret value', (envName) => {
      const file = join(run.outdir, 'stacks', `atlas-${envName}`, 'cdk.tf.json');
      const raw = readFileSync(file, 'utf8');
      for (const [name, value] of Object.entries(CREDENTIALS)) {
        expect({ name, found: raw.includes(value) }).toEqual({ name, found: false });
      }
      const strings = allStrings(JSON.parse(raw));
      const keyLike = [
        /AKIA[0-9A-Z]{16}/, // AWS access key id
        /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i, // Atlas private API key (UUID)
        /^[0-9a-f]{24}$/, // Atlas org / project id
        /mongodb(\+srv)?:\/\/[^$/]*:[^$]/, // a URI with literal credentials
        /-----BEGIN/,
      ];
      for (const { path, value } of strings) {
        for (const pattern of keyLike) {
          expect({ path, value, matches: pattern.test(value) }).toEqual({ path, value, matches: false });
        }
      }
      // No literal password anywhere: only references to generated values.
      for (const { path, value } of strings.filter((s) => /(^|\.)(password|private_key|public_key|secret_string)$/.test(s.path))) {
        expect({ path, literal: !value.includes('${') }).toEqual({ path, literal: false });
      }
    });
  });

  test('ATLAS_ENVIRONMENTS selects stacks', () => {
    const run = runApp({ ATLAS_ENVIRONMENTS: 'dev,prod' });
    outdirs.push(run.outdir);
    expect(run.status).toBe(0);
    expect(stacksIn(run.outdir)).toEqual(['atlas-dev', 'atlas-prod']);
  });

  test('ATLAS_ACCOUNT pins the AWS provider to the environment account (allowed_account_ids); without it, no pin', () => {
    const run = runApp({ ATLAS_ENVIRONMENTS: 'prod', ATLAS_ACCOUNT: '123456789012' });
    outdirs.push(run.outdir);
    expect(run.status).toBe(0);
    const json = JSON.parse(readFileSync(join(run.outdir, 'stacks', 'atlas-prod', 'cdk.tf.json'), 'utf8'));
    expect(json.provider.aws[0].allowed_account_ids).toEqual(['123456789012']);
  });

  test('a malformed ATLAS_ACCOUNT fails naming the field', () => {
    const run = runApp({ ATLAS_ENVIRONMENTS: 'prod', ATLAS_ACCOUNT: '12345' });
    outdirs.push(run.outdir);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('account: must be a 12-digit AWS account id');
  });

  test('an unknown environment fails and names the valid ones', () => {
    const run = runApp({ ATLAS_ENVIRONMENTS: 'dev,qa' });
    outdirs.push(run.outdir);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('unknown environment "qa": valid environments are dev, staging, prod (or all)');
    expect(stacksIn(run.outdir)).toEqual([]);
  });
});
