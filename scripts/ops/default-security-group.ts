/**
 * The AWS CLI commands of the operator deploy's step that closes the VPC's default security group
 * (why there is no Lambda for it: lib/network/default-security-group.ts). Pure functions: the deploy plan runs them.
 */

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

/**
 * `aws ec2 describe-security-group-rules` listing every rule of the group (JSON),
 * input of {@link revokeDefaultSecurityGroupRulesArgv}.
 */
export function describeDefaultSecurityGroupRulesArgv(region: string, groupId: string): string[] {
  assertGroupId(groupId);
  return ['aws', 'ec2', 'describe-security-group-rules', '--region', region, '--filters', `Name=group-id,Values=${groupId}`, '--output', 'json'];
}

/**
 * The revoke commands that leave the group with no rule, by rule id: one for ingress, one for egress, none
 * when that direction is already empty. Idempotent: a closed group yields no command (revoking a rule that
 * does not exist fails with InvalidPermission.NotFound in a non-default VPC, so nothing is revoked blindly).
 */
export function revokeDefaultSecurityGroupRulesArgv(
  region: string,
  groupId: string,
  describeOutput: { SecurityGroupRules: readonly SecurityGroupRule[] },
): string[][] {
  assertGroupId(groupId);
  const foreign = describeOutput.SecurityGroupRules.filter((rule) => rule.GroupId !== groupId);
  if (foreign.length > 0) {
    throw new Error(`describe-security-group-rules returned rules of other groups (${foreign.map((r) => r.GroupId).join(', ')}); expected only ${groupId}`);
  }
  const commands: string[][] = [];
  for (const [egress, verb] of [[false, 'revoke-security-group-ingress'], [true, 'revoke-security-group-egress']] as const) {
    const ids = describeOutput.SecurityGroupRules
      .filter((rule) => rule.IsEgress === egress)
      .map((rule) => rule.SecurityGroupRuleId);
    if (ids.length > 0) commands.push(['aws', 'ec2', verb, '--region', region, '--group-id', groupId, '--security-group-rule-ids', ...ids]);
  }
  return commands;
}

function assertGroupId(groupId: string): void {
  if (!/^sg-[0-9a-f]{8,17}$/.test(groupId)) {
    throw new Error(`default security group id must look like sg-0123456789abcdef0, got "${groupId}"`);
  }
}
