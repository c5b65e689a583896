#!/usr/bin/env node
/**
 * CDK entry point of the stacks deployed once per account, before `cdk bootstrap`, with administrator credentials
 * (lib/deploy-identity-app.ts): the environment's deploy identity and the account's Terraform state
 * (`marin-terraform-state`, shared by the environments of the account). Kept apart from bin/app.ts so the
 * environment apps (and their tests, cost report and diagram) never contain them.
 *
 *   npx cdk deploy --app 'npx tsx bin/deploy-identity.ts' -c env=prod -c account=123456789012 --all
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
