import type { App } from 'aws-cdk-lib';
import type { EnvironmentConfig } from '../environments';
import { addComplianceChecks } from './core/compliance';
import { applyStandardTags } from './core/tagging';
import { deployIdentityNames } from './deploy/identity';
import { DeployIdentityStack } from './stacks/deploy-identity-stack';
import { TerraformStateStack } from './stacks/terraform-state-stack';

export interface DeployIdentityApp {
  /** `{project}-{env}-deploy-identity`: the environment's deploy role, execution policy and boundary. */
  readonly identity: DeployIdentityStack;
  /** `{project}-terraform-state`: the account's Terraform state, shared by its environments (one template from all). */
  readonly terraformState: TerraformStateStack;
}

/**
 * Adds the compliance gates and the two stacks deployed once per account, before `cdk bootstrap`, with the
 * operator's credentials (`cdk deploy --app 'npx tsx bin/deploy-identity.ts' -c env=<env> -c account=<id> --all`):
 * the environment's deploy identity (standard tags of the environment) and the account's Terraform state (only
 * what every environment shares: its project and `terraformState` settings, and the account).
 */
export function createDeployIdentityApp(app: App, config: EnvironmentConfig): DeployIdentityApp {
  addComplianceChecks(app);
  const identity = new DeployIdentityStack(app, deployIdentityNames(config).stackName, { config });
  applyStandardTags(identity, config);
  const terraformState = new TerraformStateStack(app, {
    settings: { project: config.project, terraformState: config.terraformState },
    account: config.account,
  });
  return { identity, terraformState };
}
