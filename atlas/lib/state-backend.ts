import { S3Backend, type TerraformStack } from 'cdktf';
import type { EnvironmentConfig } from '../../environments';
import { terraformStateBucket } from '../../lib/terraform-state';

/** State key of one environment's Atlas stack: `atlas/{env}/terraform.tfstate`. */
export function atlasStateKey(config: Pick<EnvironmentConfig, 'name'>): string {
  return `atlas/${config.name}/terraform.tfstate`;
}

/**
 * S3 backend of an Atlas stack: the account's state bucket (`{bucketPrefix}-{account}`, the one the
 * account's `marin-terraform-state` stack creates, lib/stacks/terraform-state-stack.ts), one key per
 * environment, server-side encryption, S3-native locking (`use_lockfile`, added as an override
 * because CDKTF 0.21's `S3Backend` predates it) and, only when configured, a DynamoDB lock table
 * for teams still on Terraform < 1.10. State holds database user definitions (and, in password
 * mode, the generated password), so it is never written unencrypted.
 *
 * Without an account (offline synth: tests, CI) the bucket is empty: `terraform init` then stops
 * ("bucket" must not be empty) instead of using a wrong bucket. The operator commands always
 * synthesize with the account (ATLAS_ACCOUNT, see atlas/main.ts).
 */
export function configureStateBackend(stack: TerraformStack, config: EnvironmentConfig): S3Backend {
  const state = config.terraformState;
  const backend = new S3Backend(stack, {
    bucket: config.account !== undefined ? terraformStateBucket(state, config.account) : '',
    key: atlasStateKey(config),
    region: state.region,
    encrypt: true,
    ...(state.dynamodbTable !== undefined ? { dynamodbTable: state.dynamodbTable } : {}),
  });
  if (state.useLockfile) {
    backend.addOverride('use_lockfile', true);
  }
  return backend;
}
