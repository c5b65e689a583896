import type { EnvironmentConfig } from '../environments';

/**
 * Name of the Terraform state bucket of an account: `{bucketPrefix}-{account id}`. S3 names are
 * global, and staging/prod may live in their own accounts, so a fixed name would collide. The
 * bootstrap (scripts/ops) creates this bucket and the Atlas backend (atlas/lib/state-backend.ts)
 * uses it: both call this function.
 */
export function terraformStateBucket(state: Pick<EnvironmentConfig['terraformState'], 'bucketPrefix'>, account: string): string {
  if (!/^\d{12}$/.test(account)) throw new Error(`terraform state bucket: account must be a 12-digit AWS account id, got "${account}"`);
  return `${state.bucketPrefix}-${account}`;
}
