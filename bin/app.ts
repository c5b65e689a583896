#!/usr/bin/env node
/**
 * CDK entry point, and the only place that reads context or the process environment.
 *
 *   npx cdk synth -c noRelease=true                                   # dev, services parked (no image yet)
 *   npx cdk synth -c env=prod -c account=000000000000 -c noRelease=true   # every prod stack, offline
 *   npx cdk deploy -c env=prod -c account=123456789012 -c imageTag=1.4.2 \
 *     -c certificateArn=arn:aws:acm:... -c alarmEmails=oncall@example.com
 *
 * Refused before anything is synthesized: a context key this app does not read (a typo such as
 * `-c imagetag=`), staging or prod without `-c account=`, and any environment that names neither its release
 * (`-c imageTag=`) nor `-c noRelease=true` (lib/pipeline-app.ts, checkDeployInputs).
 */
import { App } from 'aws-cdk-lib';
import { contextFlag } from '../environments/context';
import { environmentName } from '../environments/names';
import { runCdkEntryPoint } from '../scripts/lib/cli';

/** Every context key this app reads; any other is refused by name (with the CDK's own keys allowed). */
const CONTEXT_KEYS = [
  'env', 'account', 'imageTag', 'certificateArn', 'alarmEmails', 'refreshPeerAccount', 'refreshImageTag', 'noRelease',
] as const;

// Synthesized by runCdkEntryPoint once the (async) build has finished, never by an emptied event loop before.
const app = new App({ autoSynth: false });
void runCdkEntryPoint(app, CONTEXT_KEYS, async (context) => {
  const name = environmentName(context('env') ?? 'dev');
  const noRelease = contextFlag('noRelease', context('noRelease'));
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
  addPipeline(app, config, { noRelease });
});
