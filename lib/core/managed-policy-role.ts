import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/**
 * iam.Role's props without `inlinePolicies`: every permission goes through grants or `addToPrincipalPolicy`,
 * into the role's managed policy. The defaults are iam.Role's.
 */
export type ManagedPolicyRoleProps = Omit<iam.RoleProps, 'inlinePolicies'>;

/**
 * An IAM role whose grants land in a customer-managed policy attached to it, instead of the
 * inline `DefaultPolicy` CDK normally creates.
 *
 * Why: HIPAA 164.308(a)(4), NIST AC-6 and PCI 7.1.2 (cdk-nag `IAMNoInlinePolicy`) want
 * permissions in managed policies that can be inventoried and reviewed on their own. This keeps
 * every `grant*()` call working (least privilege stays generated from the resources) and fixes the
 * finding rather than acknowledging it on every role.
 */
export class ManagedPolicyRole extends iam.Role {
  private managedPolicy?: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: ManagedPolicyRoleProps) {
    // The type already leaves inlinePolicies out; this stops a cast or a plain-JavaScript caller.
    const { inlinePolicies } = props as iam.RoleProps;
    if (inlinePolicies && Object.keys(inlinePolicies).length > 0) {
      throw new Error(`${id}: ManagedPolicyRole takes no inlinePolicies; use grants or addToPrincipalPolicy`);
    }
    super(scope, id, props);
  }

  override addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    // Created on first use: CloudFormation rejects a managed policy without statements.
    this.managedPolicy ??= new iam.ManagedPolicy(this, 'Permissions', {
      description: `Permissions of ${this.node.path}`,
      roles: [this],
    });
    this.managedPolicy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.managedPolicy };
  }
}
