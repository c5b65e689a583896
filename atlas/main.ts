/**
 * CDKTF entry point for the MongoDB Atlas side stacks (`atlas-dev`, `atlas-staging`, `atlas-prod`),
 * and the only place in atlas/ that reads the process environment.
 * ATLAS_ENVIRONMENTS=dev,prod limits which stacks are synthesized (default: all three).
 */
import { App } from 'cdktf';
import { loadEnvironment, resolveEnvironmentNames } from '../environments';
import { atlasStackName } from '../lib/handoff';
import { AtlasStack } from './lib/atlas-stack';

const app = new App();
for (const envName of resolveEnvironmentNames(process.env.ATLAS_ENVIRONMENTS ?? 'all')) {
  new AtlasStack(app, atlasStackName(envName), { config: loadEnvironment(envName) });
}
app.synth();
