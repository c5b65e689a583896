import { S3Backend, type TerraformStack } from 'cdktf';
import type { EnvironmentConfig } from '../../environments';

/** State key of one environment's Atlas stack: `atlas/{env}/terraform.tfstate`. */
export function atlasStateKey(config: Pick<EnvironmentConfig, 'name'>): string {
  return `atlas/${config.name}/terraform.tfstate`;
}

/**
 * S3 backend of an Atlas stack: the shared state bucket from config, one key per environment,
 * server-side encryption, S3-native locking (`use_lockfile`, added as an override because
 * CDKTF 0.21's `S3Backend` predates it) and, when configured, the DynamoDB lock table for
 * teams still on Terraform < 1.10. State holds database user definitions (and, in password
 * mode, the generated password), so it is never written unencrypted.
 */
export function configureStateBackend(stack: TerraformStack, config: EnvironmentConfig): S3Backend {
  const state = config.terraformState;
  const backend = new S3Backend(stack, {
    bucket: state.bucket,
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
