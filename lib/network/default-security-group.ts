/**
 * Closing the VPC's default security group without a Lambda.
 *
 * CloudFormation creates every VPC with a default security group that admits all traffic from itself and
 * allows all egress, and has no resource that removes rules. CDK's `restrictDefaultSecurityGroup` removes
 * them with a custom-resource Lambda that runs outside the VPC and leaves an unencrypted, never-expiring
 * log group behind. Instead the operator deploy closes it with the AWS CLI right after the network stack
 * (scripts/ops/default-security-group.ts builds the commands; the deploy plan runs them), and the AWS
 * Config managed rule `vpc-default-security-group-closed` reports any drift (docs/services.md,
 * "Default security group").
 * Nothing in the templates attaches the default group: every ENI-bearing resource names its own groups.
 */

/** Name under the environment's parameter prefix where the network stack publishes the default group's id. */
export const DEFAULT_SECURITY_GROUP_PARAMETER = 'network/default-security-group-id';
