/**
 * Closing the VPC's default security group without a Lambda.
 *
 * CloudFormation creates every VPC with a default security group that admits all traffic from itself and
 * allows all egress, and has no resource that removes rules. CDK's `restrictDefaultSecurityGroup` removes
 * them with a custom-resource Lambda that runs outside the VPC and leaves an unencrypted, never-expiring
 * log group behind. Instead the operator deploy closes it with the AWS CLI right after the network stack
 * (these pure functions build the commands; the deploy plan runs them), and the AWS Config managed rule
 * `vpc-default-security-group-closed` reports any drift (docs/services.md, "Default security group").
 * Nothing in the templates attaches the default group: every ENI-bearing resource names its own groups.
 */

/** Name under the environment's parameter prefix where the network stack publishes the default group's id. */
export const DEFAULT_SECURITY_GROUP_PARAMETER = 'network/default-security-group-id';

/** One rule of `aws ec2 describe-security-group-rules --output json`, the fields used here. */
export interface SecurityGroupRule {
  readonly SecurityGroupRuleId: string;
  readonly GroupId: string;
  readonly IsEgress: boolean;
}

/** `aws ssm get-parameter` printing the default security group id (text) from the network stack's parameter. */
export function defaultSecurityGroupIdArgv(region: string, parameterName: string): string[] {
  return ['aws', 'ssm', 'get-parameter', '--region', region, '--name', parameterName, '--query', 'Parameter.Value', '--output', 'text'];
}

/** `aws ec2 describe-security-group-rules` listing every rule of the group (JSON), input of {@link revokeDefaultSecurityGroupRulesArgv}. */
export function describeDefaultSecurityGroupRulesArgv(region: string, groupId: string): string[] {
  assertGroupId(groupId);
  return ['aws', 'ec2', 'describe-security-group-rules', '--region', region, '--filters', `Name=group-id,Values=${groupId}`, '--output', 'json'];
}

/**
 * The revoke commands that leave the group with no rule, by rule id: one for ingress, one for egress, none
 * when that direction is already empty. Idempotent: a closed group yields no command (revoking a rule that
 * does not exist fails with InvalidPermission.NotFound in a non-default VPC, so nothing is revoked blindly).
 */
export function revokeDefaultSecurityGroupRulesArgv(region: string, groupId: string, describeOutput: { SecurityGroupRules: readonly SecurityGroupRule[] }): string[][] {
  assertGroupId(groupId);
  const foreign = describeOutput.SecurityGroupRules.filter((rule) => rule.GroupId !== groupId);
  if (foreign.length > 0) {
    throw new Error(`describe-security-group-rules returned rules of other groups (${foreign.map((r) => r.GroupId).join(', ')}); expected only ${groupId}`);
  }
  const commands: string[][] = [];
  for (const [egress, verb] of [[false, 'revoke-security-group-ingress'], [true, 'revoke-security-group-egress']] as const) {
    const ids = describeOutput.SecurityGroupRules.filter((rule) => rule.IsEgress === egress).map((rule) => rule.SecurityGroupRuleId);
    if (ids.length > 0) commands.push(['aws', 'ec2', verb, '--region', region, '--group-id', groupId, '--security-group-rule-ids', ...ids]);
  }
  return commands;
}

function assertGroupId(groupId: string): void {
  if (!/^sg-[0-9a-f]{8,17}$/.test(groupId)) {
    throw new Error(`default security group id must look like sg-0123456789abcdef0, got "${groupId}"`);
  }
}
