import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENVIRONMENT_NAMES } from '../../environments';
import { ATLAS_SENTINEL_CREDENTIALS as CREDENTIALS, atlasRun } from '../support/app-runs';
import { allStrings } from './support';

/**
 * atlas/main.ts run as `cdktf synth` runs it (CDKTF_OUTDIR: test/support/app-runs.ts). With sentinel
 * credentials in the environment, none of them may reach the synthesized configuration: the providers
 * read them from the environment at plan time, never from code.
 */
function stacksIn(outdir: string): string[] {
  return existsSync(join(outdir, 'stacks')) ? readdirSync(join(outdir, 'stacks')).sort() : [];
}

describe('atlas/main.ts', () => {
  describe('with credentials in the environment (all stacks)', () => {
    const run = atlasRun({ ...CREDENTIALS, ATLAS_ACCOUNT: '123456789012' });

    test('synthesizes atlas-dev, atlas-staging and atlas-prod', () => {
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(stacksIn(run.outdir)).toEqual(ENVIRONMENT_NAMES.map((e) => `atlas-${e}`).sort());
    });

    test.each(ENVIRONMENT_NAMES)('atlas-%s keeps its state in the account bucket named by ATLAS_ACCOUNT', (envName) => {
      const json = JSON.parse(readFileSync(join(run.outdir, 'stacks', `atlas-${envName}`, 'cdk.tf.json'), 'utf8'));
      expect(json.terraform.backend.s3).toMatchObject({ bucket: 'marin-terraform-state-123456789012', key: `atlas/${envName}/terraform.tfstate` });
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

  test('ATLAS_ENVIRONMENTS selects stacks; without ATLAS_ACCOUNT it says so and leaves the state bucket empty (terraform init stops)', () => {
    const run = atlasRun({ ATLAS_ENVIRONMENTS: 'dev,prod', ATLAS_ACCOUNT: '' });
    expect(run.status).toBe(0);
    expect(stacksIn(run.outdir)).toEqual(['atlas-dev', 'atlas-prod']);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('atlas: note: ATLAS_ACCOUNT is not set: the S3 backend bucket is empty (terraform init will stop). Set ATLAS_ACCOUNT=<12-digit id> to deploy.\n');
    const json = JSON.parse(readFileSync(join(run.outdir, 'stacks', 'atlas-dev', 'cdk.tf.json'), 'utf8'));
    expect(json.terraform.backend.s3.bucket).toBe('');
  });

  test('ATLAS_ACCOUNT pins the AWS provider to the environment account (allowed_account_ids); without it, no pin', () => {
    const run = atlasRun({ ATLAS_ENVIRONMENTS: 'prod', ATLAS_ACCOUNT: '123456789012' });
    expect(run.status).toBe(0);
    const json = JSON.parse(readFileSync(join(run.outdir, 'stacks', 'atlas-prod', 'cdk.tf.json'), 'utf8'));
    expect(json.provider.aws[0].allowed_account_ids).toEqual(['123456789012']);
    const unpinned = JSON.parse(readFileSync(join(atlasRun({ ATLAS_ENVIRONMENTS: 'dev,prod', ATLAS_ACCOUNT: '' }).outdir, 'stacks', 'atlas-prod', 'cdk.tf.json'), 'utf8'));
    expect(unpinned.provider.aws[0]).not.toHaveProperty('allowed_account_ids');
  });

  test('a malformed ATLAS_ACCOUNT fails naming the field', () => {
    const run = atlasRun({ ATLAS_ENVIRONMENTS: 'prod', ATLAS_ACCOUNT: '12345' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('account: must be a 12-digit AWS account id');
  });
});
