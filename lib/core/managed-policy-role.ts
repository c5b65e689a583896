import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

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

  constructor(scope: Construct, id: string, props: iam.RoleProps) {
    if (props.inlinePolicies && Object.keys(props.inlinePolicies).length > 0) {
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
