/**
 * CDKTF entry point for the MongoDB Atlas side stacks (`atlas-dev`, `atlas-staging`, `atlas-prod`),
 * and the only place in atlas/ that reads the process environment.
 * ATLAS_ENVIRONMENTS=dev,prod limits which stacks are synthesized (default: all three).
 * ATLAS_ACCOUNT=123456789012 is the AWS account of the environment (as `-c account=` for the CDK app): the AWS
 * provider then refuses to run with credentials of any other account. Offline synth leaves it unset.
 */
import { App } from 'cdktf';
import { loadEnvironment, resolveEnvironmentNames } from '../environments';
import { AtlasStack } from './lib/atlas-stack';

const app = new App();
for (const envName of resolveEnvironmentNames(process.env.ATLAS_ENVIRONMENTS ?? 'all')) {
  const account = process.env.ATLAS_ACCOUNT === '' ? undefined : process.env.ATLAS_ACCOUNT;
  new AtlasStack(app, `atlas-${envName}`, { config: loadEnvironment(envName, { account }) });
}
app.synth();
