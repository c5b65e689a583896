#!/usr/bin/env node
/**
 * CDK entry point of the deploy-identity stack of one environment's account (`npm run bootstrap` deploys it
 * before `cdk bootstrap`; lib/stacks/deploy-identity-stack.ts). Kept apart from bin/app.ts so the
 * environment apps (and their tests, cost report and diagram) never contain it.
 *
 *   npx cdk synth --app 'npx tsx bin/deploy-identity.ts' -c env=prod -c account=123456789012
 */
import { App } from 'aws-cdk-lib';
import { EnvironmentConfigError, loadEnvironment } from '../environments';
import { createDeployIdentityApp } from '../lib/deploy-identity-app';

const app = new App();
const context = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  return value === undefined || value === null || value === '' ? undefined : String(value);
};

try {
  createDeployIdentityApp(app, loadEnvironment(context('env') ?? 'dev', { account: context('account') }));
} catch (error) {
  if (error instanceof EnvironmentConfigError) {
    console.error(`error: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
