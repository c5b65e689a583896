#!/usr/bin/env node
/**
 * CDK entry point of the deploy-identity stack of one environment's account (`npm run bootstrap` deploys it
 * before `cdk bootstrap`; lib/stacks/deploy-identity-stack.ts). Kept apart from bin/app.ts so the
 * environment apps (and their tests, cost report and diagram) never contain it.
 *
 *   npx cdk synth --app 'npx tsx bin/deploy-identity.ts' -c env=prod -c account=123456789012
 */
import { App } from 'aws-cdk-lib';
import { loadEnvironment } from '../environments';
import { createDeployIdentityApp } from '../lib/deploy-identity-app';
import { runCdkEntryPoint } from '../scripts/lib/cli';

const app = new App();
runCdkEntryPoint(app, (context) => {
  createDeployIdentityApp(app, loadEnvironment(context('env') ?? 'dev', { account: context('account') }));
});
