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

/**
 * The account a variant's synth of an environment names (`-c account=`): the offline placeholder for the committed
 * staging and prod, the TEST_* ids when deployed; undefined for the committed dev, whose templates keep
 * `Ref AWS::AccountId`.
 */
export function synthAccount(envName: EnvironmentName, variant: SynthVariant = 'committed'): string | undefined {
  return SYNTH_VARIANTS[variant].overrides[envName].account;
}

const ACCOUNT_ID = 'AWS::AccountId';

/**
 * An expected CloudFormation value written for a stack without an account (`{ Ref: 'AWS::AccountId' }`, or the
 * `<AWS::AccountId>` of a label string), rendered as CDK renders it when the stack names `account`: the literal id
 * in place of the reference and of the label, and a `Fn::Join` merged the way CDK merges one (adjacent strings
 * joined, a single part left alone). Without `account`, the value unchanged. Only plain objects and arrays are
 * walked: an asymmetric matcher (`expect.objectContaining(...)`) is left as it is, so wrap what is inside it.
 */
export function inAccount(expected: string, account: string | undefined): string;
export function inAccount(expected: unknown, account: string | undefined): unknown;
export function inAccount(expected: unknown, account: string | undefined): unknown {
  if (account === undefined) return expected;
  const render = (value: unknown): unknown => {
    if (typeof value === 'string') return value.replaceAll(`<${ACCOUNT_ID}>`, account);
    if (Array.isArray(value)) return value.map(render);
    if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return value;
    const keys = Object.keys(value);
    const object = value as Record<string, unknown>;
    if (keys.length === 1 && keys[0] === 'Ref' && object.Ref === ACCOUNT_ID) return account;
    if (keys.length === 1 && keys[0] === 'Fn::Join') {
      const [delimiter, parts] = object['Fn::Join'] as [string, unknown[]];
      const merged = parts.map(render).reduce<unknown[]>((out, part) => {
        const last = out.at(-1);
        if (typeof part === 'string' && typeof last === 'string') out[out.length - 1] = `${last}${delimiter}${part}`;
        else out.push(part);
        return out;
      }, []);
      return merged.length === 1 ? merged[0] : { 'Fn::Join': [delimiter, merged] };
    }
    return Object.fromEntries(Object.entries(object).map(([key, v]) => [key, render(v)]));
  };
  return render(expected);
}
