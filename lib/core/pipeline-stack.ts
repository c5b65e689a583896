import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../environments';
import { ResourceNames } from '../naming';

export interface PipelineStackProps extends Omit<StackProps, 'env' | 'stackName' | 'terminationProtection'> {
  /** The validated environment this stack belongs to. */
  readonly config: EnvironmentConfig;
  /** Component name: the stack is named `{project}-{env}-{component}`. */
  readonly component: string;
}

/**
 * Base of every stack: named `{project}-{env}-{component}`, pinned to the environment's
 * region (and account when one is supplied), termination protection from config.
 */
export class PipelineStack extends Stack {
  readonly config: EnvironmentConfig;
  readonly names: ResourceNames;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    const names = ResourceNames.of(props.config);
    const stackName = names.stackName(props.component);
    // The CDK CLI selects stacks by construct id, CloudFormation and the console by stack name:
    // one name for both, so `cdk deploy marin-prod-data` means what it says.
    if (id !== stackName) {
      throw new Error(`stack id "${id}" must equal its stack name "${stackName}" (the CDK CLI selects stacks by id)`);
    }
    super(scope, id, {
      ...props,
      stackName,
      env: { account: props.config.account, region: props.config.region },
      terminationProtection: props.config.terminationProtection,
      description: `${props.config.project} audio call pipeline (${props.config.name}): ${props.component}`,
    });
    this.config = props.config;
    this.names = names;
  }

  /**
   * The environment's AZs from config. Overridden so that a stack with an explicit account never
   * performs an availability-zone context lookup at synth (which would need AWS credentials).
   */
  override get availabilityZones(): string[] {
    return [...this.config.availabilityZones];
  }
}
