import { join } from 'node:path';
import { ENVIRONMENT_NAMES, OFFLINE_ACCOUNT, type EnvironmentName, type EnvironmentOverrides } from '../../environments';

/** A placeholder ACM certificate of the placeholder account. */
export const TEST_CERTIFICATE_ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';

/**
 * The on-call address a staging or prod deploy passes (`-c alarmEmails=`; the
 * monitoring template's rule refuses to deploy without one).
 */
export const TEST_ALARM_EMAIL = 'oncall@example.com';

/**
 * The staging refresh across accounts, as deployed: prod names the staging account (`-c refreshPeerAccount=`),
 * staging names the prod account. Placeholder ids, distinct so a test can tell which side an ARN points at.
 */
export const TEST_PROD_ACCOUNT = '111111111111';
export const TEST_STAGING_ACCOUNT = '222222222222';
/** dev's account as deployed: the placeholder account. */
export const TEST_DEV_ACCOUNT = '123456789012';

/**
 * What the global setup synthesizes, once per change of the inputs (see ./synth-cache.ts):
 * - `committed`: each environment as `npm run synth` synthesizes it: no release (`-c noRelease=true`: services
 *   parked), staging and prod with the offline placeholder account they cannot synthesize without;
 * - `deployed`: as a release deploy synthesizes it: the account it always names (`-c account=`, so ARNs hold
 *   the literal id, as in a real deploy), an image tag everywhere, a certificate and an alarm address outside dev
 *   (`-c imageTag=... -c certificateArn=... -c alarmEmails=...`). The synth does not compare the certificate's
 *   account with the environment's.
 */
export const SYNTH_VARIANTS = {
  committed: {
    noRelease: true,
    overrides: {
      dev: {},
      staging: { account: OFFLINE_ACCOUNT },
      prod: { account: OFFLINE_ACCOUNT },
    } as Record<EnvironmentName, EnvironmentOverrides>,
  },
  deployed: {
    noRelease: false,
    overrides: {
      dev: { account: TEST_DEV_ACCOUNT, imageTag: '1.4.2' },
      staging: {
        account: TEST_STAGING_ACCOUNT,
        imageTag: '1.4.2',
        certificateArn: TEST_CERTIFICATE_ARN,
        alarmEmails: [TEST_ALARM_EMAIL],
        refreshPeerAccount: TEST_PROD_ACCOUNT,
      },
      prod: {
        account: TEST_PROD_ACCOUNT,
        imageTag: '1.4.2',
        certificateArn: TEST_CERTIFICATE_ARN,
        alarmEmails: [TEST_ALARM_EMAIL],
        refreshPeerAccount: TEST_STAGING_ACCOUNT,
      },
    } as Record<EnvironmentName, EnvironmentOverrides>,
  },
} as const;

export type SynthVariant = keyof typeof SYNTH_VARIANTS;

/** One synthesis of the global setup: `<variant>:<env>`, e.g. `deployed:prod`. */
export interface SynthJob {
  readonly id: string;
  readonly variant: SynthVariant;
  readonly envName: EnvironmentName;
}

export function synthJob(variant: SynthVariant, envName: EnvironmentName): SynthJob {
  return { id: `${variant}:${envName}`, variant, envName };
}

export function parseSynthJob(id: string): SynthJob {
  const [variant, envName] = id.split(':');
  if (!(variant in SYNTH_VARIANTS) || !(ENVIRONMENT_NAMES as readonly string[]).includes(envName)) {
    throw new Error(`unknown synth job "${id}": expected <${Object.keys(SYNTH_VARIANTS).join('|')}>:<${ENVIRONMENT_NAMES.join('|')}>`);
  }
  return synthJob(variant as SynthVariant, envName as EnvironmentName);
}

/**
 * Every job, prod first within a variant: CDK's CloudFormation validator builds its rule engine for the
 * resource types it has seen and reuses it for any subset, and prod has the most types (WAF).
 */
export const SYNTH_JOBS: readonly SynthJob[] = (Object.keys(SYNTH_VARIANTS) as SynthVariant[]).flatMap((variant) =>
  [...ENVIRONMENT_NAMES].reverse().map((envName) => synthJob(variant, envName)),
);

/**
 * Assembly directory of a job below the synth root; committed
 * assemblies keep `<root>/<env>` (the cost CLI's `--assembly` layout).
 */
export function jobDirectory(root: string, job: Pick<SynthJob, 'variant' | 'envName'>): string {
  return job.variant === 'committed' ? join(root, job.envName) : join(root, job.variant, job.envName);
}
