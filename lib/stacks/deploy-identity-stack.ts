import { BootstraplessSynthesizer, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../environments';
import { SECRET_NAMES } from '../handoff';
import { acknowledge, acknowledgeControl, acknowledgeEach } from '../core/compliance';
import { PipelineStack } from '../core/pipeline-stack';
import {
  atlasStateKeyOf,
  bootstrapRoleName,
  cdkDeployRoleStatements,
  deployIdentityNames,
  deployRoleStatements,
  executionPolicyServices,
  executionPolicyStatements,
  GITHUB_OIDC_AUDIENCE,
  GITHUB_OIDC_HOST,
  permissionsBoundaryStatements,
  trustedSubjects,
} from '../deploy/identity';

export interface DeployIdentityStackProps {
  readonly config: EnvironmentConfig;
}

/**
 * The deploy identities of one environment's account (`marin-{env}-deploy-identity`), deployed once per account
 * (README, "Once per account") with the operator's credentials before `cdk bootstrap` (BootstraplessSynthesizer: the
 * CLI deploys the template inline with its own credentials; no bootstrap resources, no assets):
 *
 * - the GitHub Actions OIDC identity provider (created, or the account's existing one: `ci.oidcProvider`);
 * - the environment's deploy role, assumable only by this repository's jobs in its GitHub environment(s);
 * - the CloudFormation execution policy the bootstrap passes to `--cloudformation-execution-policies`;
 * - the permissions boundary (`--custom-permissions-boundary`) every role of the stacks carries;
 * - the policy the CDK bootstrap deploy role needs to resolve the services template's Atlas handoff parameter,
 *   attached by a one-time command after `cdk bootstrap` (the role does not exist before it; docs/atlas.md).
 */
export class DeployIdentityStack extends PipelineStack {
  readonly deployRole: iam.Role;
  readonly executionPolicy: iam.ManagedPolicy;
  readonly permissionsBoundary: iam.ManagedPolicy;
  readonly cdkDeployRolePolicy: iam.ManagedPolicy;
  readonly provider: iam.IOidcProvider;

  constructor(scope: Construct, id: string, props: DeployIdentityStackProps) {
    super(scope, id, { config: props.config, component: 'deploy-identity', synthesizer: new BootstraplessSynthesizer() });
    const config = props.config;
    const names = deployIdentityNames(config);
    const stack = Stack.of(this);
    const context = { config, account: stack.account, region: stack.region, partition: stack.partition };

    this.permissionsBoundary = new iam.ManagedPolicy(this, 'PermissionsBoundary', {
      managedPolicyName: names.permissionsBoundary,
      description: `Ceiling of every IAM role the ${config.name} stacks create and of the CDK CloudFormation execution role`,
      statements: permissionsBoundaryStatements(context),
    });
    this.executionPolicy = new iam.ManagedPolicy(this, 'ExecutionPolicy', {
      managedPolicyName: names.executionPolicy,
      description: `CloudFormation execution policy of ${config.name} (cdk bootstrap --cloudformation-execution-policies): the stacks' services only`,
      statements: executionPolicyStatements(context),
    });
    // Neither policy may ever be attached to a principal by this stack: the bootstrap attaches the execution
    // policy to its CloudFormation execution role, and the boundary is a boundary, not a grant.
    this.cdkDeployRolePolicy = new iam.ManagedPolicy(this, 'CdkDeployRolePolicy', {
      managedPolicyName: names.cdkDeployRolePolicy,
      description: `For ${bootstrapRoleName('deploy', stack.account, stack.region)}: resolve the ${config.name} services template's Atlas handoff parameter (attached once after cdk bootstrap)`,
      statements: cdkDeployRoleStatements(context),
    });
    // Not attached here either: this stack is deployed before `cdk bootstrap` creates the role (docs/atlas.md).

    this.provider =
      config.ci.oidcProvider === 'create'
        ? new iam.OidcProviderNative(this, 'GitHubOidcProvider', {
          url: `https://${GITHUB_OIDC_HOST}`,
          clientIds: [GITHUB_OIDC_AUDIENCE],
          removalPolicy: RemovalPolicy.RETAIN,
        })
        : iam.OidcProviderNative.fromOidcProviderArn(this, 'GitHubOidcProvider', `arn:${stack.partition}:iam::${stack.account}:oidc-provider/${GITHUB_OIDC_HOST}`);

    this.deployRole = new iam.Role(this, 'DeployRole', {
      roleName: names.deployRole,
      description: `GitHub Actions deploys of ${config.name}: ${trustedSubjects(config).join(', ')}`,
      maxSessionDuration: Duration.hours(2),
      assumedBy: new iam.WebIdentityPrincipal(this.provider.oidcProviderArn, {
        StringEquals: {
          [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
          [`${GITHUB_OIDC_HOST}:sub`]: trustedSubjects(config),
        },
      }),
    });
    const deployPolicy = new iam.ManagedPolicy(this, 'DeployPolicy', {
      managedPolicyName: names.deployPolicy,
      description: `What the ${config.name} deploy jobs may do besides assuming the CDK bootstrap roles`,
      statements: deployRoleStatements(context, atlasStateKeyOf(config)),
      roles: [this.deployRole],
    });
    // The deploy role carries the boundary too (lib/pipeline-app.ts applies it to the environment stacks).
    iam.PermissionsBoundary.of(this).apply(this.permissionsBoundary);

    acknowledgeEach(
      this.executionPolicy,
      ['HIPAA.Security-IAMPolicyNoStatementsWithFullAccess', 'NIST.800.53.R5-IAMPolicyNoStatementsWithFullAccess', 'PCI.DSS.321-IAMPolicyNoStatementsWithFullAccess'],
      'CloudFormation creates, updates and deletes every resource type of these services that the stacks declare, so it needs their full action sets; the list is limited to the services of the synthesized templates (test/deploy/execution-policy.test.ts), IAM is scoped to roles carrying the permissions boundary, and the boundary denies altering itself or this policy.',
    );
    acknowledgeControl(
      this.executionPolicy,
      'CT.IAM.PR.3',
      'The CloudFormation execution policy: CloudFormation manages every resource type of these services that the stacks declare, so it needs their full action sets; the services are exactly those of the synthesized templates (test/deploy/execution-policy.test.ts), IAM is scoped to roles carrying the permissions boundary, and the boundary denies altering itself or this policy.',
    );
    acknowledgeEach(
      this.permissionsBoundary,
      ['HIPAA.Security-IAMPolicyNoStatementsWithFullAccess', 'NIST.800.53.R5-IAMPolicyNoStatementsWithFullAccess', 'PCI.DSS.321-IAMPolicyNoStatementsWithFullAccess'],
      'A permissions boundary grants nothing: it is the ceiling of the roles that carry it. Its Allow lists only the services the stacks use; its Deny statements stop a role without this boundary, removing the boundary, users/keys and changes to the guardrail policies.',
    );
    acknowledgeControl(
      this.permissionsBoundary,
      'CT.IAM.PR.3',
      'A permissions boundary grants nothing: it is the ceiling of the roles that carry it. Its Allow lists only the services the stacks use (service-wide so that it never blocks what the execution policy allows); its Deny statements stop a role without this boundary, removing the boundary, users/keys and changes to the guardrail policies.',
    );
    this.acknowledgeWildcards(deployPolicy);
  }

  /**
   * AwsSolutions-IAM5, one finding per wildcard: the execution policy and the boundary are service-level
   * by design (what CloudFormation manages); the deploy policy's wildcards are the random suffix of secret
   * ARNs, the environment's name prefix, and ids that exist only at deploy time.
   */
  private acknowledgeWildcards(deployPolicy: iam.ManagedPolicy): void {
    const config = this.config;
    const stack = Stack.of(this);
    // As cdk-nag renders the finding: the pseudo parameter when the account is left to deploy time, the
    // literal id when it is named (the one-time deploy passes `-c account=<id>`).
    const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
    const arn = (service: string, resource: string): string => `arn:${stack.partition}:${service}:${config.region}:${account}:${resource}`;
    const prefix = this.names.prefix;
    for (const service of executionPolicyServices(config)) {
      acknowledge(
        this.executionPolicy,
        `AwsSolutions-IAM5[Action::${service}:*]`,
        `CloudFormation manages resources of ${service} that the stacks declare (create, update, delete, tag); the service list is derived from every synthesized template by test/deploy/execution-policy.test.ts, and every role it creates carries the permissions boundary.`,
      );
      acknowledge(
        this.permissionsBoundary,
        `AwsSolutions-IAM5[Action::${service}:*]`,
        `A permissions boundary grants nothing; ${service}:* is the ceiling of the stacks' roles, which are granted resource-scoped actions by their own policies.`,
      );
    }
    for (const action of ['route53:*', 'cloudformation:*', 'iam:*']) {
      acknowledge(
        this.permissionsBoundary,
        `AwsSolutions-IAM5[Action::${action}]`,
        'A permissions boundary grants nothing: this is the ceiling for the execution role (OpenSearch Serverless endpoint DNS, stack outputs, bounded roles); its Deny statements forbid roles without this boundary and changes to the guardrails.',
      );
    }
    acknowledge(
      this.executionPolicy,
      'AwsSolutions-IAM5[Action::lambda:*]',
      'CloudFormation creates, updates, deletes and invokes the network stack\'s one Lambda function (CDK\'s provider that closes the VPC\'s default security group), whose API actions grow with Lambda\'s features; the statement names only functions of the network stack (the resource acknowledged below), never layers, event source mappings or other functions.',
    );
    acknowledge(
      this.permissionsBoundary,
      'AwsSolutions-IAM5[Action::lambda:*]',
      'A permissions boundary grants nothing; lambda:* is the execution role\'s ceiling, on the network stack\'s functions only (the resource acknowledged below).',
    );
    acknowledge(this.permissionsBoundary, 'AwsSolutions-IAM5[Resource::*]', 'A permissions boundary is a ceiling over every resource the bounded roles may be granted; the grants themselves name their resources.');
    acknowledge(
      this.executionPolicy,
      'AwsSolutions-IAM5[Resource::*]',
      'CloudFormation creates resources whose ARNs do not exist before the create (generated ids of VPCs, subnets, endpoints, hosted zones); the actions are limited to the stacks\' services.',
    );
    const iamArn = (resource: string): string => `arn:${stack.partition}:iam::${account}:${resource}`;
    const scoped: Array<[iam.ManagedPolicy, string, string]> = [
      [this.executionPolicy, arn('cloudformation', `stack/${prefix}-*/*`), 'Only DescribeStacks, on the environment\'s own stacks (weak cross-stack references read the producing stack\'s outputs).'],
      [this.executionPolicy, iamArn(`policy/${prefix}-*`), 'The stacks\' customer-managed policies carry CloudFormation-generated names under the environment\'s prefix; the guardrail policies are denied explicitly.'],
      [this.executionPolicy, iamArn(`role/${prefix}-*`), 'The stacks\' roles are named under the environment\'s prefix; creating or granting one requires this permissions boundary (condition iam:PermissionsBoundary).'],
      [this.executionPolicy, arn('lambda', `function:${this.names.stackName('network')}-*`), 'CloudFormation names a function it creates `<stack name>-<logical id>-<random suffix>`: these are the network stack\'s functions (CDK\'s restriction of the default security group), and no other function of the account.'],
      [this.permissionsBoundary, arn('lambda', `function:${this.names.stackName('network')}-*`), 'A permissions boundary grants nothing: the ceiling of lambda:* is the network stack\'s functions (names generated as `<stack name>-<logical id>-<random suffix>`).'],
      [this.executionPolicy, iamArn(`role/${this.names.stackName('network')}-*`), 'Only iam:PassRole to lambda.amazonaws.com (condition iam:PassedToService) of the network stack\'s roles, whose names CloudFormation generates from the stack name: the provider function\'s role, which carries the permissions boundary.'],
      [this.executionPolicy, iamArn('role/aws-service-role/*'), 'Only iam:CreateServiceLinkedRole, conditioned on iam:AWSServiceName naming the six services the stacks use.'],
      [deployPolicy, arn('cloudformation', `stack/${prefix}-*/*`), 'Change set review, drift detection and stack policies of the environment\'s own stacks (their ids end in a generated suffix).'],
      [deployPolicy, '*', 'Only DescribeStackDriftDetectionStatus, ListStacks, EC2 Describe calls and ssm:DescribeParameters, which support no resource-level permission; limited to the environment\'s region.'],
      [deployPolicy, arn('ec2', 'security-group-rule/*'), 'The Atlas PrivateLink endpoint group\'s ingress rule is created, tagged and revoked by a rule id that exists only once Terraform has created it.'],
      [deployPolicy, arn('ec2', 'security-group/*'), 'The Atlas PrivateLink endpoint group gets its id at deploy time; actions are limited to the few the Atlas stack makes.'],
      [deployPolicy, arn('ec2', 'subnet/*'), 'The Atlas PrivateLink interface endpoint is placed in subnets whose ids exist only at deploy time.'],
      [deployPolicy, arn('ec2', 'vpc-endpoint/*'), 'The Atlas PrivateLink interface endpoint gets its id at deploy time.'],
      [deployPolicy, arn('ec2', 'vpc/*'), 'The Atlas PrivateLink endpoint and its group are created in the environment\'s VPC, whose id exists only at deploy time.'],
      [deployPolicy, arn('ecs', `service/${this.names.name('cluster')}/*`), 'Only ecs:DescribeServices (the runbook\'s stability check, `aws ecs wait services-stable`) on the services of the environment\'s cluster.'],
      [deployPolicy, arn('kms', 'key/*'), 'Only through S3 (the state bucket, by encryption context) or Secrets Manager (kms:ViaService): key ids are generated at create time.'],
      [deployPolicy, arn('secretsmanager', `secret:${config.name}/audio-pipeline/*-*`), 'Only DescribeSecret (the runbook\'s check that each secret has a current value) of the environment\'s secrets; values are readable for two named secrets only.'],
      [deployPolicy, arn('secretsmanager', `secret:${deployIdentityNames(config).atlasApiKeySecret}-*`), 'Secrets Manager appends a random six-character suffix to every secret ARN; the name itself is exact.'],
      [deployPolicy, arn('secretsmanager', `secret:${this.names.secretName(SECRET_NAMES.mongodbUri)}-*`), 'Secrets Manager appends a random six-character suffix to every secret ARN; the name itself is exact.'],
      [deployPolicy, arn('ssm', `parameter/${config.project}/${config.name}/*`), 'Only GetParameter(s) of the environment\'s hand-off parameters (the VPC, subnets and NAT addresses, read by the Atlas stack).'],
    ];
    for (const [policy, resource, reason] of scoped) acknowledge(policy, `AwsSolutions-IAM5[Resource::${resource}]`, reason);
  }
}
