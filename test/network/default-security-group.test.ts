import { ENVIRONMENT_NAMES } from '../../environments';
import { allResources } from '../support/templates';

/** Resources that place network interfaces, and the property naming their security groups. */
const ENI_SECURITY_GROUPS: Record<string, (p: Record<string, any>) => unknown> = {
  'AWS::ECS::Service': (p) => p.NetworkConfiguration?.AwsvpcConfiguration?.SecurityGroups,
  'AWS::ElasticLoadBalancingV2::LoadBalancer': (p) => p.SecurityGroups,
  'AWS::ElastiCache::ReplicationGroup': (p) => p.SecurityGroupIds,
  'AWS::OpenSearchServerless::VpcEndpoint': (p) => p.SecurityGroupIds,
  'AWS::EC2::VPCEndpoint': (p) => (p.VpcEndpointType === 'Interface' ? p.SecurityGroupIds : ['gateway endpoint: no ENI']),
  // A function outside any VPC places no interface in it (CDK's default-group restriction: it calls EC2 only).
  'AWS::Lambda::Function': (p) => (p.VpcConfig === undefined ? ['not in a VPC: no ENI'] : p.VpcConfig.SecurityGroupIds),
  'AWS::EC2::Instance': () => undefined,
};

describe.each(ENVIRONMENT_NAMES)('nothing depends on the default security group in %s', (envName) => {
  const resources = allResources(envName);

  test('every resource that places network interfaces names its own security groups (none falls back to the default group)', () => {
    const withEnis = resources.filter((r) => r.type in ENI_SECURITY_GROUPS);
    expect(withEnis.map((r) => r.type)).toEqual(expect.arrayContaining(['AWS::ECS::Service', 'AWS::ElasticLoadBalancingV2::LoadBalancer', 'AWS::ElastiCache::ReplicationGroup', 'AWS::OpenSearchServerless::VpcEndpoint']));
    const fallsBack = withEnis.filter((r) => {
      const groups = ENI_SECURITY_GROUPS[r.type](r.properties);
      return !Array.isArray(groups) || groups.length === 0;
    });
    expect(fallsBack.map((r) => `${r.stack}/${r.logicalId}`)).toEqual([]);
  });

  test('the one Lambda function and the one custom resource of all stacks are CDK\'s restriction of the default group, in the network stack; the function logs to a group of the stack (no implicit, never-expiring, unencrypted group)', () => {
    const lambdaOrCustom = resources.filter((r) => r.type === 'AWS::Lambda::Function' || r.type.startsWith('Custom::') || r.type === 'AWS::CloudFormation::CustomResource');
    expect(lambdaOrCustom.map((r) => `${r.stack} ${r.type}`).sort()).toEqual([`marin-${envName}-network AWS::Lambda::Function`, `marin-${envName}-network Custom::VpcRestrictDefaultSG`]);
    const handler = lambdaOrCustom.find((r) => r.type === 'AWS::Lambda::Function')!;
    const logGroup = (handler.properties.LoggingConfig as { LogGroup?: { Ref?: string } } | undefined)?.LogGroup?.Ref;
    expect(resources.filter((r) => r.stack === handler.stack && r.logicalId === logGroup).map((r) => r.type)).toEqual(['AWS::Logs::LogGroup']);
  });

  test('every log group of every stack expires and is KMS-encrypted', () => {
    const groups = resources.filter((r) => r.type === 'AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThan(0);
    expect(groups.filter((g) => typeof g.properties.RetentionInDays !== 'number' || g.properties.KmsKeyId === undefined).map((g) => `${g.stack}/${g.logicalId}`)).toEqual([]);
  });
});
