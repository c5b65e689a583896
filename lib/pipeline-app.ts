import { App } from 'aws-cdk-lib';
import type { EnvironmentConfig } from '../environments';
import { addComplianceChecks } from './core/compliance';
import { ResourceNames } from './naming';
import { applyStandardTags } from './core/tagging';
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
  return { network, data, services, monitoring };
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
export function createPipelineApp(config: EnvironmentConfig, options: PipelineAppOptions = {}): { app: App; stacks: PipelineStacks } {
  const app = new App({ outdir: options.outdir, context: options.context });
  return { app, stacks: addPipeline(app, config) };
}
