import {
  defaultSecurityGroupIdArgv,
  describeDefaultSecurityGroupRulesArgv,
  revokeDefaultSecurityGroupRulesArgv,
  type SecurityGroupRule,
} from '../../scripts/ops/default-security-group';

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
