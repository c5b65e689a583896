#!/usr/bin/env node
/**
 * CDK entry point, and the only place that reads context or the process environment.
 *
 *   npx cdk synth                     # dev
 *   npx cdk synth -c env=prod         # every prod stack
 *   npx cdk deploy -c env=prod -c account=123456789012 -c imageTag=1.4.2 \
 *     -c certificateArn=arn:aws:acm:... -c alarmEmails=oncall@example.com
 */
import { App } from 'aws-cdk-lib';
import { environmentName } from '../environments/names';
import { runCdkEntryPoint } from '../scripts/lib/cli';

// Synthesized by runCdkEntryPoint once the (async) build has finished, never by an emptied event loop before.
const app = new App({ autoSynth: false });
void runCdkEntryPoint(app, async (context) => {
  const name = environmentName(context('env') ?? 'dev');
  // The schemas and the whole app load only for a known environment: a typo fails in a fraction of a second.
  const [{ loadEnvironment }, { addPipeline }] = await Promise.all([import('../environments'), import('../lib/pipeline-app')]);
  const config = loadEnvironment(name, {
    account: context('account'),
    imageTag: context('imageTag'),
    certificateArn: context('certificateArn'),
    refreshPeerAccount: context('refreshPeerAccount'),
    refreshImageTag: context('refreshImageTag'),
    // Comma-separated; each address is validated by the schema (monitoring.alarmEmails).
    alarmEmails: context('alarmEmails')?.split(',').map((email) => email.trim()).filter((email) => email !== ''),
  });
  addPipeline(app, config);
});
