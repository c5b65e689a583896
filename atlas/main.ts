/**
 * CDKTF entry point for the MongoDB Atlas side stacks (`atlas-dev`, `atlas-staging`, `atlas-prod`),
 * and the only place in atlas/ that reads the process environment.
 * ATLAS_ENVIRONMENTS=dev,prod limits which stacks are synthesized (default: all three).
 */
import { App, TerraformStack } from 'cdktf';
import { loadEnvironment, resolveEnvironmentNames } from '../environments';

const app = new App();
for (const envName of resolveEnvironmentNames(process.env.ATLAS_ENVIRONMENTS ?? 'all')) {
  const config = loadEnvironment(envName);
  new TerraformStack(app, `atlas-${config.name}`);
}
app.synth();
