import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { ManagedPolicyRole } from '../../lib/core/managed-policy-role';
import { requiredParameter } from '../../lib/core/required-parameter';
import { ResourceNames } from '../../lib/naming';
import { Network, type NetworkProps } from '../../lib/network/network';
import { cdkJsonContext } from '../support/cdk-context';

/**
 * The network area's constructs, each built alone in a bare stack from its props (only the required ones unless a
 * test says otherwise): every documented default lands in the template, and each kept constructor check throws.
 */
function bareStack(): Stack {
  const env = { account: '123456789012', region: 'us-east-1' };
  return new Stack(new App({ context: cdkJsonContext() }), 'marin-test-x', { env });
}

interface Resource {
  Type: string;
  Properties: Record<string, any>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}
const resourcesOf = (stack: Stack, type: string): Resource[] => {
  const { Resources } = Template.fromStack(stack).toJSON() as { Resources: Record<string, Resource> };
  return Object.values(Resources).filter((r) => r.Type === type);
};

describe('Network alone', () => {
  const AZS = ['us-east-1a', 'us-east-1b'];
  const build = (props: Partial<NetworkProps> = {}) => {
    const stack = bareStack();
    const network = new Network(stack, 'Network', {
      names: new ResourceNames('marin', 'test'),
      availabilityZones: AZS,
      vpcCidr: '10.99.0.0/16',
      logsKey: new kms.Key(stack, 'LogsKey'),
      ...props,
    });
    return { stack, network };
  };
  const { stack, network } = build();

  test('natGateways defaults to one per AZ (2 NAT gateways, 2 egress IPs)', () => {
    expect(resourcesOf(stack, 'AWS::EC2::NatGateway')).toHaveLength(2);
    expect(network.natGateways).toHaveLength(2);
    expect(network.natEgressIps).toHaveLength(2);
  });

  test('interfaceEndpoints default to none: no interface endpoint, no endpoint security group', () => {
    const endpointTypes = resourcesOf(stack, 'AWS::EC2::VPCEndpoint').map((e) => e.Properties.VpcEndpointType);
    expect(endpointTypes).toEqual(['Gateway']);
    expect(resourcesOf(stack, 'AWS::EC2::SecurityGroup')).toEqual([]);
    expect(network.endpointSecurityGroup).toBeUndefined();
  });

  test('endpointAzCount defaults to every AZ of the VPC', () => {
    expect(network.endpointSubnets).toEqual({ subnetGroupName: 'private', availabilityZones: AZS });
  });

  test('flow log: ALL traffic (flowLogTrafficType), kept 731 days (flowLogRetention), retained (removalPolicy)', () => {
    expect(resourcesOf(stack, 'AWS::EC2::FlowLog').map((f) => f.Properties.TrafficType)).toEqual(['ALL']);
    const group = resourcesOf(stack, 'AWS::Logs::LogGroup').find((g) => g.Properties.LogGroupName === '/marin/test/vpc-flow-logs')!;
    const { DeletionPolicy: deletion, UpdateReplacePolicy: replace } = group;
    expect({ retention: group.Properties.RetentionInDays, deletion, replace })
      .toEqual({ retention: 731, deletion: 'RetainExceptOnCreate', replace: 'Retain' });
  });

  test('the default security group is always closed (no prop turns it off): CDK\'s restriction, its Lambda logging to a group kept like the flow logs', () => {
    expect(resourcesOf(stack, 'Custom::VpcRestrictDefaultSG')).toHaveLength(1);
    const [handler] = resourcesOf(stack, 'AWS::Lambda::Function');
    const group = network.restrictDefaultSecurityGroupLogGroup.node.defaultChild as logs.CfnLogGroup;
    expect(handler.Properties.LoggingConfig).toEqual({ LogGroup: { Ref: stack.getLogicalId(group) } });
    expect(group.logGroupName).toBe('/marin/test/restrict-default-security-group');
    const restriction = resourcesOf(stack, 'AWS::Logs::LogGroup').find((g) => g.Properties.LogGroupName === group.logGroupName)!;
    const { DeletionPolicy: deletion, UpdateReplacePolicy: replace } = restriction;
    expect({ retention: restriction.Properties.RetentionInDays, encrypted: 'KmsKeyId' in restriction.Properties, deletion, replace })
      .toEqual({ retention: 731, encrypted: true, deletion: 'RetainExceptOnCreate', replace: 'Retain' });
  });

  test.each([0, 3])('refuses natGateways %i with 2 AZs (ec2.Vpc would create fewer, or no egress)', (natGateways) => {
    expect(() => build({ natGateways }))
      .toThrow(`marin-test: natGateways (${natGateways}) must be 1 to the 2 availabilityZones`);
  });

  test('refuses an empty availabilityZones, naming it (not natGateways)', () => {
    expect(() => build({ availabilityZones: [] }))
      .toThrow(/^marin-test: availabilityZones must list at least one AZ, got none$/);
  });

  test.each([0, 3])('refuses endpointAzCount %i with 2 AZs', (endpointAzCount) => {
    expect(() => build({ endpointAzCount }))
      .toThrow(`marin-test: endpointAzCount (${endpointAzCount}) must be 1 to the 2 availabilityZones`);
  });
});

describe('ManagedPolicyRole alone', () => {
  const assumedBy = new iam.ServicePrincipal('ecs-tasks.amazonaws.com');

  test('no grant, no policy (CloudFormation rejects an empty one)', () => {
    const stack = bareStack();
    new ManagedPolicyRole(stack, 'Role', { assumedBy });
    expect(resourcesOf(stack, 'AWS::IAM::ManagedPolicy')).toEqual([]);
  });
});

describe('requiredParameter alone', () => {
  test('a String parameter with no default, under the given logical id, and a rule refusing an empty value', () => {
    const stack = bareStack();
    requiredParameter(stack, {
      id: 'Email',
      logicalId: 'AlarmEmail',
      description: 'where alarms go',
      allowedPattern: '.+@.+',
      constraintDescription: 'an email address',
      ruleId: 'EmailRule',
      ruleMessage: 'set the alarm email',
    });
    type Json = { Parameters: Record<string, unknown>; Rules: Record<string, unknown> };
    const json = Template.fromStack(stack).toJSON() as Json;
    expect(json.Parameters.AlarmEmail).toEqual({
      Type: 'String',
      Description: 'where alarms go',
      AllowedPattern: '.+@.+',
      ConstraintDescription: 'an email address',
    });
    expect(json.Rules.EmailRule).toEqual({
      Assertions: [
        {
          Assert: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AlarmEmail' }, ''] }] },
          AssertDescription: 'set the alarm email',
        },
      ],
    });
  });
});
