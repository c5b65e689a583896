import type { EnvironmentConfig } from '../environments';

/** What the account's state stack reads of the config: settings all environments share (environments/common.ts). */
export type TerraformStateSettings = Pick<EnvironmentConfig, 'project' | 'terraformState'>;

function requireAccount(account: string): void {
  if (!/^\d{12}$/.test(account)) throw new Error(`terraform state bucket: account must be a 12-digit AWS account id, got "${account}"`);
}

/**
 * Name of the Terraform state bucket of an account: `{bucketPrefix}-{account id}`. S3 names are
 * global, and staging/prod may live in their own accounts, so a fixed name would collide. The
 * account's state stack (lib/stacks/terraform-state-stack.ts) creates this bucket and the Atlas backend
 * (atlas/lib/state-backend.ts) uses it: both call this function.
 */
export function terraformStateBucket(state: Pick<EnvironmentConfig['terraformState'], 'bucketPrefix'>, account: string): string {
  requireAccount(account);
  return `${state.bucketPrefix}-${account}`;
}

/**
 * The server access log bucket of the state bucket: `{project}-terraform-state-logs-{account id}` (39 characters for
 * `marin`; the state bucket's own name may already use 62 of S3's 63, so this one is not derived from it).
 */
export function terraformStateLogsBucket(settings: Pick<EnvironmentConfig, 'project'>, account: string): string {
  requireAccount(account);
  return `${settings.project}-terraform-state-logs-${account}`;
}

/**
 * The CloudFormation stack of an account's Terraform state: `{project}-terraform-state`. No environment in
 * it: the environments of one account share the bucket, so they share the stack.
 */
export function terraformStateStackName(settings: Pick<EnvironmentConfig, 'project'>): string {
  return `${settings.project}-terraform-state`;
}
