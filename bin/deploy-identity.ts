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
import { expectedErrorExitCode } from '../scripts/lib/cli';

const app = new App();
const context = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  return value === undefined || value === null || value === '' ? undefined : String(value);
};

try {
  createDeployIdentityApp(app, loadEnvironment(context('env') ?? 'dev', { account: context('account') }));
} catch (error) {
  // As bin/app.ts: an unknown environment (exit 2) or a bad config value (exit 1), one line, no stack trace.
  const code = expectedErrorExitCode(error);
  if (code === undefined) throw error;
  console.error(`error: ${(error as Error).message}`);
  process.exit(code);
}
