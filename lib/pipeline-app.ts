import { App } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { EnvironmentConfig } from '../environments';
import { addComplianceChecks } from './core/compliance';
import { ResourceNames } from './naming';
import { applyStandardTags } from './core/tagging';
import { deployIdentityNames } from './deploy/identity';
import { DataStack } from './stacks/data-stack';
import { MonitoringStack } from './stacks/monitoring-stack';
import { NetworkStack } from './stacks/network-stack';
import { ServicesStack } from './stacks/services-stack';

/** The stacks of one environment, in deploy order. */
export interface PipelineStacks {
  readonly network: NetworkStack;
  readonly data: DataStack;
  readonly services: ServicesStack;
  readonly monitoring: MonitoringStack;
}

/**
 * Builds every stack of one environment into `app`. Stateful stacks (network, data) are kept
 * apart from stateless ones (services, monitoring) so the latter can be replaced freely.
 */
export function buildPipeline(app: App, config: EnvironmentConfig): PipelineStacks {
  // Construct id = CloudFormation stack name: the one name the CDK CLI, the console and the docs share.
  const id = (component: string): string => ResourceNames.of(config).stackName(component);
  const network = new NetworkStack(app, id('network'), { config });
  const data = new DataStack(app, id('data'), { config, network });
  const services = new ServicesStack(app, id('services'), { config, network, data });
  const monitoring = new MonitoringStack(app, id('monitoring'), { config, network, data, services });
  const stacks = { network, data, services, monitoring };
  for (const stack of Object.values(stacks)) applyPermissionsBoundary(stack, config);
  return stacks;
}

/**
 * Every IAM role of the stack carries the environment's permissions boundary (created by the deploy-identity
 * stack, `npm run bootstrap`): the CloudFormation execution policy allows creating a role only with it, so
 * nothing the stacks create can be more powerful than the boundary. CDK's own mechanism: an aspect that sets
 * `PermissionsBoundary` on every `AWS::IAM::Role` (and user) of the scope.
 */
export function applyPermissionsBoundary(
  stack: NetworkStack | DataStack | ServicesStack | MonitoringStack,
  config: EnvironmentConfig,
): void {
  iam.PermissionsBoundary.of(stack).apply(iam.ManagedPolicy.fromManagedPolicyName(stack, 'PermissionsBoundary', deployIdentityNames(config).permissionsBoundary));
}

export interface PipelineAppOptions {
  /** Cloud assembly directory. @default - the CDK CLI's, or a temporary directory */
  readonly outdir?: string;
  /** Context (feature flags) when not run by the CDK CLI, e.g. cdk.json's `context` in tests. */
  readonly context?: Record<string, unknown>;
}

/** Registers the compliance gates and standard tags on `app` and builds one environment's stacks into it. */
export function addPipeline(app: App, config: EnvironmentConfig): PipelineStacks {
  addComplianceChecks(app);
  applyStandardTags(app, config);
  return buildPipeline(app, config);
}

/** An App with the compliance gates and standard tags, holding one environment's stacks. */
export function createPipelineApp(
  config: EnvironmentConfig,
  options: PipelineAppOptions = {},
): { app: App; stacks: PipelineStacks } {
  const app = new App({ outdir: options.outdir, context: options.context });
  return { app, stacks: addPipeline(app, config) };
}
