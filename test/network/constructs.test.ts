import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { EncryptionKey } from '../../lib/core/encryption-key';
import { ManagedPolicyRole, type ManagedPolicyRoleProps } from '../../lib/core/managed-policy-role';
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

  test('the VPC has the given CIDR', () => {
    expect(resourcesOf(stack, 'AWS::EC2::VPC').map((v) => v.Properties.CidrBlock)).toEqual(['10.99.0.0/16']);
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

describe('EncryptionKey alone', () => {
  const keyOf = (removalPolicy?: RemovalPolicy) => {
    const stack = bareStack();
    new EncryptionKey(stack, 'Key', {
      aliasName: 'marin-test-x',
      description: 'test',
      ...(removalPolicy ? { removalPolicy } : {}),
    });
    const [key] = resourcesOf(stack, 'AWS::KMS::Key');
    const pendingWindow = key.Properties.PendingWindowInDays;
    return { deletion: key.DeletionPolicy, replace: key.UpdateReplacePolicy, pendingWindow };
  };

  test('removalPolicy defaults to RETAIN_ON_UPDATE_OR_DELETE, pendingWindow to 30 days', () => {
    expect(keyOf()).toEqual({ deletion: 'RetainExceptOnCreate', replace: 'Retain', pendingWindow: 30 });
  });

  test('DESTROY: deleted with the stack, pendingWindow defaults to 7 days', () => {
    expect(keyOf(RemovalPolicy.DESTROY)).toEqual({ deletion: 'Delete', replace: 'Delete', pendingWindow: 7 });
  });
});

describe('ManagedPolicyRole alone', () => {
  const assumedBy = new iam.ServicePrincipal('ecs-tasks.amazonaws.com');

  test('refuses inlinePolicies', () => {
    const statement = new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] });
    const inlinePolicies = { Extra: new iam.PolicyDocument({ statements: [statement] }) };
    // The props type leaves inlinePolicies out: only a cast (or JavaScript) gets them this far.
    const props = { assumedBy, inlinePolicies } as ManagedPolicyRoleProps;
    expect(() => new ManagedPolicyRole(bareStack(), 'Role', props))
      .toThrow('Role: ManagedPolicyRole takes no inlinePolicies; use grants or addToPrincipalPolicy');
  });

  test('no grant, no policy (CloudFormation rejects an empty one)', () => {
    const stack = bareStack();
    new ManagedPolicyRole(stack, 'Role', { assumedBy });
    expect(resourcesOf(stack, 'AWS::IAM::ManagedPolicy')).toEqual([]);
  });

  test('grants land in one customer-managed policy attached to the role, never in an inline policy', () => {
    const stack = bareStack();
    const role = new ManagedPolicyRole(stack, 'Role', { assumedBy });
    const queue = new sqs.Queue(stack, 'Queue');
    queue.grantSendMessages(role);
    const statement = new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/*'] });
    role.addToPrincipalPolicy(statement);
    expect(resourcesOf(stack, 'AWS::IAM::Policy')).toEqual([]);
    const policies = resourcesOf(stack, 'AWS::IAM::ManagedPolicy');
    expect(policies).toHaveLength(1);
    expect(policies[0].Properties.Roles).toEqual([{ Ref: stack.getLogicalId(role.node.defaultChild as iam.CfnRole) }]);
    expect(policies[0].Properties.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
        Resource: { 'Fn::GetAtt': [stack.getLogicalId(queue.node.defaultChild as sqs.CfnQueue), 'Arn'] },
      },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' },
    ]);
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
