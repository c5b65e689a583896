import { ENVIRONMENT_NAMES } from '../../environments';
import { allResources } from '../support/templates';

/** Resources that place network interfaces, and the property naming their security groups. */
const ENI_SECURITY_GROUPS: Record<string, (p: Record<string, any>) => unknown> = {
  'AWS::ECS::Service': (p) => p.NetworkConfiguration?.AwsvpcConfiguration?.SecurityGroups,
  'AWS::ElasticLoadBalancingV2::LoadBalancer': (p) => p.SecurityGroups,
  'AWS::ElastiCache::ReplicationGroup': (p) => p.SecurityGroupIds,
  'AWS::OpenSearchServerless::VpcEndpoint': (p) => p.SecurityGroupIds,
  'AWS::EC2::VPCEndpoint': (p) => (p.VpcEndpointType === 'Interface' ? p.SecurityGroupIds : ['gateway endpoint: no ENI']),
  'AWS::Lambda::Function': () => undefined,
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

  test('no Lambda function in any stack, hence no implicit never-expiring, unencrypted log group', () => {
    expect(resources.filter((r) => r.type === 'AWS::Lambda::Function' || r.type.startsWith('Custom::')).map((r) => `${r.stack}/${r.logicalId} ${r.type}`)).toEqual([]);
  });

  test('every log group of every stack expires and is KMS-encrypted', () => {
    const groups = resources.filter((r) => r.type === 'AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThan(0);
    expect(groups.filter((g) => typeof g.properties.RetentionInDays !== 'number' || g.properties.KmsKeyId === undefined).map((g) => `${g.stack}/${g.logicalId}`)).toEqual([]);
  });
});
