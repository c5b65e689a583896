#!/usr/bin/env node
/**
 * CDK entry point of the deploy-identity stack of one environment's account (`npm run bootstrap` deploys it
 * before `cdk bootstrap`; lib/stacks/deploy-identity-stack.ts). Kept apart from bin/app.ts so the
 * environment apps (and their tests, cost report and diagram) never contain it.
 *
 *   npx cdk synth --app 'npx tsx bin/deploy-identity.ts' -c env=prod -c account=123456789012
 */
import { App } from 'aws-cdk-lib';
import { environmentName } from '../environments/names';
import { runCdkEntryPoint } from '../scripts/lib/cli';

// Synthesized by runCdkEntryPoint once the (async) build has finished, never by an emptied event loop before.
const app = new App({ autoSynth: false });
void runCdkEntryPoint(app, ['env', 'account'], async (context) => {
  const name = environmentName(context('env') ?? 'dev');
  // As bin/app.ts: the schemas and the stack's modules load once the environment is known.
  const [{ loadEnvironment }, { createDeployIdentityApp }] = await Promise.all([import('../environments'), import('../lib/deploy-identity-app')]);
  createDeployIdentityApp(app, loadEnvironment(name, { account: context('account') }));
});
