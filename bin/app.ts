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
import { loadEnvironment } from '../environments';
import { addPipeline } from '../lib/pipeline-app';
import { runCdkEntryPoint } from '../scripts/lib/cli';

const app = new App();
runCdkEntryPoint(app, (context) => {
  const config = loadEnvironment(context('env') ?? 'dev', {
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
