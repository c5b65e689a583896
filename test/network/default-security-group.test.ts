import { ENVIRONMENT_NAMES } from '../../environments';
import {
  defaultSecurityGroupIdArgv,
  describeDefaultSecurityGroupRulesArgv,
  revokeDefaultSecurityGroupRulesArgv,
  type SecurityGroupRule,
} from '../../lib/network/default-security-group';
import { allResources } from '../support/templates';

const SG = 'sg-0123456789abcdef0';
/** What a fresh VPC's default group holds: all traffic from itself in, all traffic out (IPv4). */
const FRESH: SecurityGroupRule[] = [
  { SecurityGroupRuleId: 'sgr-0aaaaaaaaaaaaaaa1', GroupId: SG, IsEgress: false },
  { SecurityGroupRuleId: 'sgr-0bbbbbbbbbbbbbbb2', GroupId: SG, IsEgress: true },
];

describe('closing the default security group (operator deploy step)', () => {
  test('reads the group id from the network stack parameter', () => {
    expect(defaultSecurityGroupIdArgv('us-east-1', '/marin/dev/network/default-security-group-id')).toEqual([
      'aws', 'ssm', 'get-parameter', '--region', 'us-east-1', '--name', '/marin/dev/network/default-security-group-id', '--query', 'Parameter.Value', '--output', 'text',
    ]);
  });

  test('lists the rules of that group only', () => {
    expect(describeDefaultSecurityGroupRulesArgv('us-east-1', SG)).toEqual([
      'aws', 'ec2', 'describe-security-group-rules', '--region', 'us-east-1', '--filters', `Name=group-id,Values=${SG}`, '--output', 'json',
    ]);
  });

  test('a fresh group: one ingress and one egress revoke, by rule id', () => {
    expect(revokeDefaultSecurityGroupRulesArgv('us-east-1', SG, { SecurityGroupRules: FRESH })).toEqual([
      ['aws', 'ec2', 'revoke-security-group-ingress', '--region', 'us-east-1', '--group-id', SG, '--security-group-rule-ids', 'sgr-0aaaaaaaaaaaaaaa1'],
      ['aws', 'ec2', 'revoke-security-group-egress', '--region', 'us-east-1', '--group-id', SG, '--security-group-rule-ids', 'sgr-0bbbbbbbbbbbbbbb2'],
    ]);
  });

  test('an already closed group: nothing to run (the step is idempotent)', () => {
    expect(revokeDefaultSecurityGroupRulesArgv('us-east-1', SG, { SecurityGroupRules: [] })).toEqual([]);
  });

  test('refuses a malformed group id and rules of another group', () => {
    expect(() => describeDefaultSecurityGroupRulesArgv('us-east-1', 'default')).toThrow('default security group id must look like sg-0123456789abcdef0, got "default"');
    expect(() => revokeDefaultSecurityGroupRulesArgv('us-east-1', SG, { SecurityGroupRules: [{ ...FRESH[0], GroupId: 'sg-0fffffffffffffff9' }] })).toThrow(
      `describe-security-group-rules returned rules of other groups (sg-0fffffffffffffff9); expected only ${SG}`,
    );
  });
});

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
