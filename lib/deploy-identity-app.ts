import type { App } from 'aws-cdk-lib';
import type { EnvironmentConfig } from '../environments';
import { addComplianceChecks } from './core/compliance';
import { applyStandardTags } from './core/tagging';
import { deployIdentityNames } from './deploy/identity';
import { DeployIdentityStack } from './stacks/deploy-identity-stack';

/** Adds the compliance gates, the standard tags and the deploy-identity stack of one environment to `app`. */
export function createDeployIdentityApp(app: App, config: EnvironmentConfig): DeployIdentityStack {
  addComplianceChecks(app);
  applyStandardTags(app, config);
  return new DeployIdentityStack(app, deployIdentityNames(config).stackName, { config });
}
