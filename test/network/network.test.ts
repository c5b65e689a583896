import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { ENVIRONMENT_NAMES, loadEnvironment } from '../../environments';
import { FLOW_LOG_TRAFFIC_TYPE, SEED } from '../fixtures/seed-requirements';
import { assemblyDir, templateOf } from '../support/templates';
import { inAccount, synthAccount, SYNTH_VARIANTS, type SynthVariant } from '../support/variants';

const EXPECTED = {
  dev: { azs: 2, nat: 1, interfaceEndpoints: 0 },
  staging: { azs: 2, nat: 1, interfaceEndpoints: 0 },
  prod: { azs: 3, nat: 3, interfaceEndpoints: 0 },
} as const;

describe.each(ENVIRONMENT_NAMES)('network in %s', (envName) => {
  const template = templateOf(envName, 'network');
  const config = loadEnvironment(envName);
  const expected = { ...EXPECTED[envName], retention: SEED[envName].logRetentionDays };

  test('VPC named and sized from config over explicit AZs', () => {
    template.hasResourceProperties('AWS::EC2::VPC', {
      CidrBlock: config.network.vpcCidr,
      Tags: Match.arrayWith([{ Key: 'Name', Value: `marin-${envName}-vpc` }]),
    });
    const subnets = template.findResources('AWS::EC2::Subnet');
    const azs = new Set(Object.values(subnets).map((s) => s.Properties.AvailabilityZone));
    expect([...azs].sort()).toEqual([...config.availabilityZones].sort());
    expect(azs.size).toBe(expected.azs);
    // public, private-with-egress and isolated in every AZ
    expect(Object.keys(subnets)).toHaveLength(expected.azs * 3);
  });

  test(`${expected.nat} NAT gateway(s)`, () => {
    template.resourceCountIs('AWS::EC2::NatGateway', expected.nat);
  });

  test('no subnet auto-assigns public IPs', () => {
    const subnets = Object.values(template.findResources('AWS::EC2::Subnet'));
    expect(subnets.filter((s) => s.Properties.MapPublicIpOnLaunch !== false)).toEqual([]);
  });

  test(`flow logs of ${FLOW_LOG_TRAFFIC_TYPE} traffic to an encrypted log group kept ${expected.retention} days`, () => {
    template.resourceCountIs('AWS::EC2::FlowLog', 1);
    template.hasResourceProperties('AWS::EC2::FlowLog', { LogDestinationType: 'cloud-watch-logs', ResourceType: 'VPC', TrafficType: FLOW_LOG_TRAFFIC_TYPE });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: `/marin/${envName}/vpc-flow-logs`,
      RetentionInDays: expected.retention,
      KmsKeyId: Match.anyValue(),
    });
  });

  test('default security group: closed by the template, a Custom::VpcRestrictDefaultSG on the VPC\'s DefaultSecurityGroup served by the stack\'s one Lambda function', () => {
    const vpcId = Object.keys(template.findResources('AWS::EC2::VPC'))[0];
    const functions = Object.keys(template.findResources('AWS::Lambda::Function'));
    expect(functions).toHaveLength(1);
    const restrictions = Object.values(template.findResources('Custom::VpcRestrictDefaultSG'));
    expect(restrictions.map((r) => r.Properties)).toEqual([
      {
        ServiceToken: { 'Fn::GetAtt': [functions[0], 'Arn'] },
        DefaultSecurityGroupId: { 'Fn::GetAtt': [vpcId, 'DefaultSecurityGroup'] },
        Account: inAccount({ Ref: 'AWS::AccountId' }, synthAccount(envName)),
      },
    ]);
  });

  test(`the restriction's Lambda logs to its own group (KMS, ${expected.retention} days); its role may only change the default group's rules and write that group's streams, with the boundary`, () => {
    const vpcId = Object.keys(template.findResources('AWS::EC2::VPC'))[0];
    const [handler] = Object.values(template.findResources('AWS::Lambda::Function'));
    const groups = template.findResources('AWS::Logs::LogGroup', { Properties: { LogGroupName: `/marin/${envName}/restrict-default-security-group` } });
    const [groupId] = Object.keys(groups);
    expect(groups[groupId].Properties).toMatchObject({ RetentionInDays: expected.retention, KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^LogsKey/), 'Arn'] } });
    expect(handler.Properties.LoggingConfig).toEqual({ LogGroup: { Ref: groupId } });
    // No VpcConfig: the function calls the EC2 API only and places no network interface in the VPC.
    expect(handler.Properties.VpcConfig).toBeUndefined();
    const roleId = handler.Properties.Role['Fn::GetAtt'][0];
    const role = template.toJSON().Resources[roleId];
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.RoleName).toBeUndefined();
    expect(role.Properties.PermissionsBoundary).toEqual(inAccount({ 'Fn::Join': ['', ['arn:aws:iam::', { Ref: 'AWS::AccountId' }, `:policy/marin-${envName}-permissions-boundary`]] }, synthAccount(envName)));
    const policies = role.Properties.Policies as Array<{ PolicyDocument: { Statement: unknown[] } }>;
    expect(policies.flatMap((p) => p.PolicyDocument.Statement)).toEqual([
      {
        Effect: 'Allow',
        Action: ['ec2:AuthorizeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupEgress', 'ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress'],
        Resource: [inAccount({ 'Fn::Join': ['', ['arn:aws:ec2:us-east-1:', { Ref: 'AWS::AccountId' }, ':security-group/', { 'Fn::GetAtt': [vpcId, 'DefaultSecurityGroup'] }]] }, synthAccount(envName))],
      },
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [groupId, 'Arn'] } },
    ]);
  });

  test('no file of the cloud assembly (templates, *.metadata.json, manifest) acknowledges or mentions VPCDefaultSecurityGroupClosed', () => {
    for (const variant of Object.keys(SYNTH_VARIANTS) as SynthVariant[]) {
      const dir = assemblyDir(envName, variant);
      const files = readdirSync(dir).filter((file) => file.endsWith('.json'));
      expect(files.filter((file) => file.endsWith('.metadata.json')).length).toBeGreaterThan(0);
      const mentioning = files.filter((file) => readFileSync(join(dir, file), 'utf8').includes('VPCDefaultSecurityGroupClosed'));
      expect({ variant, mentioning }).toEqual({ variant, mentioning: [] });
    }
  });

  test('S3 gateway endpoint and the configured interface endpoints', () => {
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway', ServiceName: Match.objectLike({}) });
    const interfaces = Object.values(template.findResources('AWS::EC2::VPCEndpoint')).filter((e) => e.Properties.VpcEndpointType === 'Interface');
    expect(interfaces).toHaveLength(expected.interfaceEndpoints);
    for (const endpoint of interfaces) expect(endpoint.Properties.PrivateDnsEnabled).toBe(true);
  });

  test('the S3 gateway endpoint admits only this environment\'s data buckets (this account), the refresh export on the side that uses it, and the ECR layer bucket', () => {
    const gateways = Object.values(template.findResources('AWS::EC2::VPCEndpoint')).filter((e) => e.Properties.VpcEndpointType === 'Gateway');
    expect(gateways).toHaveLength(1);
    const thisAccount = { StringEquals: { 'aws:PrincipalAccount': inAccount({ Ref: 'AWS::AccountId' }, synthAccount(envName)) } };
    // prod writes the staging-refresh export (a prod bucket); staging reads and lists it (docs/staging-refresh.md).
    const exportWrite = envName === 'prod' ? ['arn:aws:s3:::marin-prod-staging-export/*'] : [];
    const exportRead = envName === 'staging'
      ? [{ Sid: 'StagingRefreshExportRead', Effect: 'Allow', Principal: { AWS: '*' }, Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::marin-prod-staging-export', 'arn:aws:s3:::marin-prod-staging-export/*'], Condition: thisAccount }]
      : [];
    expect(gateways[0].Properties.PolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'EnvironmentDataBuckets',
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: ['s3:GetObject', 's3:PutObject'],
          Resource: [`arn:aws:s3:::marin-${envName}-call-recordings/*`, `arn:aws:s3:::marin-${envName}-transcripts/*`, ...exportWrite].sort(),
          Condition: thisAccount,
        },
        ...exportRead,
        // ECR's image layers (the ECR guide, "Minimum Amazon S3 bucket permissions for Amazon ECR").
        { Sid: 'EcrImageLayers', Effect: 'Allow', Principal: { AWS: '*' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*' },
      ],
    });
  });

  test('logs key rotates and is retained outside dev', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    const keys = Object.values(template.findResources('AWS::KMS::Key'));
    for (const key of keys) expect(key.DeletionPolicy).toBe(envName === 'dev' ? 'Delete' : 'RetainExceptOnCreate');
  });

  test('publishes the handoff parameters for the Atlas stack, and no other parameter', () => {
    const names = Object.values(template.findResources('AWS::SSM::Parameter')).map((p) => p.Properties.Name).sort();
    expect(names).toEqual(['network/nat-egress-ips', 'network/private-subnet-ids', 'network/vpc-id'].map((name) => `/marin/${envName}/${name}`));
  });
});

describe('Network construct with interface endpoints (no environment enables them today)', () => {
  const { App } = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
  const { Template } = require('aws-cdk-lib/assertions') as typeof import('aws-cdk-lib/assertions');
  const { NetworkStack } = require('../../lib/stacks/network-stack') as typeof import('../../lib/stacks/network-stack');
  const base = loadEnvironment('prod');
  const config = { ...base, network: { ...base.network, interfaceEndpoints: ['ECR', 'ECR_DOCKER', 'SQS'] as typeof base.network.interfaceEndpoints } };
  const template = Template.fromStack(new NetworkStack(new App(), 'marin-prod-network', { config }));

  test('one private-DNS endpoint per configured service, in the private subnets of network.endpointAzCount (2) AZs, HTTPS from the VPC only', () => {
    const interfaces = Object.values(template.findResources('AWS::EC2::VPCEndpoint')).filter((e) => e.Properties.VpcEndpointType === 'Interface');
    expect(interfaces).toHaveLength(3);
    for (const endpoint of interfaces) {
      expect(endpoint.Properties.PrivateDnsEnabled).toBe(true);
      expect(endpoint.Properties.SubnetIds).toEqual([{ Ref: 'NetworkVpcprivateSubnet1Subnet9EC58498' }, { Ref: 'NetworkVpcprivateSubnet2Subnet6E5E8804' }]);
    }
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [{ CidrIp: base.network.vpcCidr, FromPort: 443, ToPort: 443, IpProtocol: 'tcp', Description: 'HTTPS from the VPC' }],
    });
  });
});
