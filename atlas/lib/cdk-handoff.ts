import { DataAwsSsmParameter } from '@cdktf/provider-aws/lib/data-aws-ssm-parameter';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { handoffParameterName, type HandoffParameter } from '../../lib/handoff';
import type { ResourceNames } from '../../lib/naming';

export interface CdkHandoffProps {
  /** Names of the environment (the parameter paths come from lib/handoff.ts through them). */
  readonly names: ResourceNames;
}

/**
 * What the CDK stateful stacks publish for the Atlas stack, read from SSM Parameter Store at
 * plan time. Nothing about the VPC, subnets, NAT addresses, security groups, task roles or the
 * secret is copied into this code: a CDK-side change reaches Atlas on the next plan.
 *
 * Values are read through `insecure_value`: they are identifiers (String / StringList), not
 * secrets, and a sensitive value could not drive `for_each`.
 */
export class CdkHandoff extends Construct {
  private readonly parameters = new Map<HandoffParameter, DataAwsSsmParameter>();

  constructor(
    scope: Construct,
    id: string,
    private readonly props: CdkHandoffProps,
  ) {
    super(scope, id);
  }

  /** `/marin/{env}/network/vpc-id`. */
  get vpcId(): string {
    return this.string('vpcId');
  }

  /** `/marin/{env}/network/private-subnet-ids` (StringList). */
  get privateSubnetIds(): string[] {
    return this.list('privateSubnetIds');
  }

  /** `/marin/{env}/network/nat-egress-ips` (StringList of Elastic IP addresses). */
  get natEgressIps(): string[] {
    return this.list('natEgressIps');
  }

  /** `/marin/{env}/network/services-security-group-id`: attached to every ECS task. */
  get servicesSecurityGroupId(): string {
    return this.string('servicesSecurityGroupId');
  }

  /** `/marin/{env}/identity/task-role-arns` (StringList of the four task role ARNs). */
  get taskRoleArns(): string[] {
    return this.list('taskRoleArns');
  }

  /**
   * `/marin/{env}/identity/refresh-task-role-arn`: the staging-refresh task's role (prod: anonymiser, staging: loader).
   */
  get refreshTaskRoleArn(): string {
    return this.string('refreshTaskRoleArn');
  }

  /** `/marin/{env}/data/mongodb-uri-secret-arn`: the CDK-owned secret the connection string is written into. */
  get mongodbUriSecretArn(): string {
    return this.string('mongodbUriSecretArn');
  }

  /** The SSM parameter data source behind `key` (created on first use, so unused inputs are not read). */
  parameter(key: HandoffParameter): DataAwsSsmParameter {
    let parameter = this.parameters.get(key);
    if (!parameter) {
      parameter = new DataAwsSsmParameter(this, key, { name: handoffParameterName(this.props.names, key) });
      this.parameters.set(key, parameter);
    }
    return parameter;
  }

  private string(key: HandoffParameter): string {
    return this.parameter(key).insecureValue;
  }

  /** A StringList parameter as a list; SSM joins StringList values with commas. */
  private list(key: HandoffParameter): string[] {
    return Fn.split(',', this.parameter(key).insecureValue);
  }
}
