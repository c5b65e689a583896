import { App } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { DeployInputError, OFFLINE_ACCOUNT, type EnvironmentConfig } from '../environments';
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

/** What a synth says about the release it deploys. */
export interface ReleaseOptions {
  /**
   * Synthesize without a release: no image tag, the services parked at 0 tasks, and the certificate and alarm
   * addresses, when absent, left to template parameters that refuse to deploy empty. For the first deploy before
   * any image exists, `destroy`, `drift` and offline synth (`-c noRelease=true`). Refused together with an image tag.
   */
  readonly noRelease: boolean;
}

/**
 * Refuses a synth that would deploy something nobody asked for: an environment holding data (staging, prod:
 * `disposableData: false`) without its account (the stacks then name it, so the CDK CLI refuses credentials of any
 * other account), and a synth that names neither its image tag nor `noRelease` (omitting the tag must never park
 * every service at 0 tasks).
 */
export function checkDeployInputs(config: EnvironmentConfig, { noRelease }: ReleaseOptions): void {
  if (!config.disposableData && config.account === undefined) {
    throw new DeployInputError(
      `${config.name} holds data, so it deploys only to its own account: pass -c account=<12-digit id> `
      + `(aws sts get-caller-identity --query Account --output text); an offline synth passes -c account=${OFFLINE_ACCOUNT}`,
    );
  }
  const imageTag = config.services.imageTag;
  if (noRelease && imageTag !== undefined) {
    throw new DeployInputError(`${config.name}: -c noRelease=true and -c imageTag=${imageTag} contradict each other: drop one`);
  }
  if (!noRelease && imageTag === undefined) {
    throw new DeployInputError(
      `${config.name} names no release: pass -c imageTag=<tag> (the image every service runs), or -c noRelease=true `
      + 'to synthesize the services parked at 0 tasks (first deploy before any image, destroy, drift, offline synth)',
    );
  }
}

/**
 * Builds every stack of one environment into `app`. Stateful stacks (network, data) are kept
 * apart from stateless ones (services, monitoring) so the latter can be replaced freely.
 */
export function buildPipeline(app: App, config: EnvironmentConfig, release: ReleaseOptions): PipelineStacks {
  checkDeployInputs(config, release);
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
 * stack, deployed once per account before `cdk bootstrap`): the CloudFormation execution policy allows creating
 * a role only with it, so nothing the stacks create can be more powerful than the boundary. CDK's own mechanism:
 * an aspect that sets `PermissionsBoundary` on every `AWS::IAM::Role` (and user) of the scope.
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
  /** @see ReleaseOptions.noRelease */
  readonly noRelease: boolean;
}

/** Registers the compliance gates and standard tags on `app` and builds one environment's stacks into it. */
export function addPipeline(app: App, config: EnvironmentConfig, release: ReleaseOptions): PipelineStacks {
  addComplianceChecks(app);
  applyStandardTags(app, config);
  return buildPipeline(app, config, release);
}

/** An App with the compliance gates and standard tags, holding one environment's stacks. */
export function createPipelineApp(
  config: EnvironmentConfig,
  options: PipelineAppOptions,
): { app: App; stacks: PipelineStacks } {
  const app = new App({ outdir: options.outdir, context: options.context });
  return { app, stacks: addPipeline(app, config, options) };
}
