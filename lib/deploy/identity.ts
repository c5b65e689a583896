/**
 * Who may deploy, and what CloudFormation may do while it deploys: the names and policy documents of the
 * deploy-identity stack (lib/stacks/deploy-identity-stack.ts), named by the one-time bootstrap (README:
 * `cdk bootstrap --cloudformation-execution-policies <arn> --custom-permissions-boundary <name>`) and shared with
 * the pipeline apps, whose every IAM role carries the
 * boundary (lib/pipeline-app.ts, `PermissionsBoundary.of(stack)`).
 *
 *   execution policy   what the CDK bootstrap's CloudFormation execution role may do: the services the
 *                      stacks declare, nothing else (never AdministratorAccess); IAM only for roles that
 *                      carry the boundary;
 *   permissions boundary  the ceiling of every role the stacks create and of the execution role itself:
 *                      a role created by CloudFormation can never be more powerful than CloudFormation;
 *   deploy role        what a GitHub Actions job of this repository and GitHub environment may do: assume
 *                      the CDK bootstrap roles, its own Terraform state key, its Atlas API keys, what the
 *                      Atlas stack writes (the connection string, its handoff parameter), and the reads change set
 *                      review and drift detection make. No IAM action, no `*:*`;
 *   CDK deploy role policy  what the bootstrap deploy role lacks: resolving the services template's Atlas
 *                      handoff parameter (attached once after `cdk bootstrap`, docs/atlas.md).
 */
import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { EnvironmentConfig } from '../../environments';
import { atlasHandoffParameterName, SECRET_NAMES } from '../handoff';
import { ResourceNames } from '../naming';

/** The CDK bootstrap qualifier (cdk.json sets none: the CDK default). */
export const CDK_QUALIFIER = 'hnb659fds';

/** The GitHub Actions OIDC issuer and the audience its tokens carry for AWS. */
export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
export const GITHUB_OIDC_AUDIENCE = 'sts.amazonaws.com';

type Names = Pick<EnvironmentConfig, 'project' | 'name'>;

export interface DeployIdentityNames {
  readonly stackName: string;
  readonly executionPolicy: string;
  readonly permissionsBoundary: string;
  readonly deployRole: string;
  readonly deployPolicy: string;
  /** Secrets Manager secret holding the environment's Atlas API key pair, JSON `{"publicKey","privateKey","orgId"}`. */
  readonly atlasApiKeySecret: string;
  /**
   * The policy the CDK bootstrap deploy role needs to resolve the services template's Atlas handoff parameter
   * (cdkDeployRoleStatements); attached to that role by a one-time command after `cdk bootstrap` (docs/atlas.md).
   */
  readonly cdkDeployRolePolicy: string;
}

export function deployIdentityNames(config: Names): DeployIdentityNames {
  const names = ResourceNames.of(config);
  return {
    stackName: names.stackName('deploy-identity'),
    executionPolicy: names.name('cfn-execution'),
    permissionsBoundary: names.name('permissions-boundary'),
    deployRole: names.name('github-deploy', 'role'),
    deployPolicy: names.name('github-deploy-permissions'),
    atlasApiKeySecret: names.secretName('atlas-api-keys'),
    cdkDeployRolePolicy: names.name('cdk-deploy-atlas-handoff'),
  };
}

/**
 * The GitHub environments whose jobs may assume the deploy role: `<env>` (deploy/execute) and, where deploys are
 * reviewed, `<env>-prepare`.
 */
export function githubEnvironments(config: Pick<EnvironmentConfig, 'name' | 'terminationProtection'>): string[] {
  return config.terminationProtection ? [config.name, `${config.name}-prepare`] : [config.name];
}

/** The exact `sub` claims the deploy role trusts: this repository, these GitHub environments, nothing else. */
export function trustedSubjects(config: Pick<EnvironmentConfig, 'name' | 'terminationProtection' | 'ci'>): string[] {
  const { owner, repository } = config.ci.github;
  return githubEnvironments(config).map((environment) => `repo:${owner}/${repository}:environment:${environment}`);
}

/** ARN of a customer-managed policy of this account, by name. */
export function policyArn(name: string, account: string = Aws.ACCOUNT_ID, partition: string = Aws.PARTITION): string {
  return `arn:${partition}:iam::${account}:policy/${name}`;
}

/**
 * The services the CloudFormation execution role manages resources of, by IAM service prefix: one per
 * CloudFormation namespace the environments' templates use (test/deploy/execution-policy.test.ts derives
 * them from every synthesized template and fails on a missing one). IAM is not in the list: it gets the
 * scoped statements below.
 */
export const EXECUTION_POLICY_SERVICES: readonly string[] = [
  'application-autoscaling',
  'aoss',
  'budgets',
  'cloudwatch',
  'ec2',
  'ecr',
  'ecs',
  'elasticache',
  'elasticloadbalancing',
  'events',
  'kms',
  'logs',
  's3',
  'secretsmanager',
  'sns',
  'sqs',
  'ssm',
  'wafv2',
];

/**
 * The services of one environment: WAF only where the environment has a web ACL (prod); EventBridge only where
 * it has a staging-refresh task (its failure rule: staging and prod).
 */
export function executionPolicyServices(config: Pick<EnvironmentConfig, 'services' | 'refresh'>): string[] {
  return EXECUTION_POLICY_SERVICES.filter((service) => (service !== 'wafv2' || config.services.waf.enabled) && (service !== 'events' || config.refresh.role !== 'none'));
}

/** Service-linked roles the resources above need in a fresh account (created on first use by CloudFormation). */
export const SERVICE_LINKED_ROLE_SERVICES: readonly string[] = [
  'ecs.amazonaws.com',
  'ecs.application-autoscaling.amazonaws.com',
  'elasticache.amazonaws.com',
  'elasticloadbalancing.amazonaws.com',
  'observability.aoss.amazonaws.com',
  'wafv2.amazonaws.com',
];

/** IAM actions that give a role permissions: allowed only when the role carries the boundary. */
export const BOUNDED_ROLE_ACTIONS: readonly string[] = [
  'iam:AttachRolePolicy',
  'iam:CreateRole',
  'iam:DeleteRolePolicy',
  'iam:DetachRolePolicy',
  'iam:PutRolePermissionsBoundary',
  'iam:PutRolePolicy',
];

/**
 * What the policy documents read of the environment: its names and region, whether it has a web ACL and a
 * staging-refresh task, and the Terraform state bucket. A Pick of the schema on purpose: these documents exist
 * only per environment (the deploy-identity stack, the bootstrap); they are not a construct's props.
 */
type PolicyConfig = Pick<EnvironmentConfig, 'project' | 'name' | 'region' | 'services' | 'refresh' | 'terraformState'>;

interface PolicyContext {
  readonly config: PolicyConfig;
  readonly account: string;
  readonly region: string;
  readonly partition: string;
}

function prefixArn(context: PolicyContext, service: string, resource: string, region = context.region): string {
  return `arn:${context.partition}:${service}:${region}:${context.account}:${resource}`;
}

function iamArn(context: PolicyContext, resource: string): string {
  return `arn:${context.partition}:iam::${context.account}:${resource}`;
}

/**
 * The Lambda functions of the environment's network stack (CloudFormation-generated names start with the stack's
 * name): the only functions the stacks create, CDK's restriction of the default security group.
 */
function networkFunctionsArn(context: PolicyContext): string {
  return prefixArn(context, 'lambda', `function:${ResourceNames.of(context.config).stackName('network')}-*`);
}

/** Statements of the CloudFormation execution policy (`cdk bootstrap --cloudformation-execution-policies`). */
export function executionPolicyStatements(context: PolicyContext): iam.PolicyStatement[] {
  const names = deployIdentityNames(context.config);
  const prefix = ResourceNames.of(context.config).prefix;
  const networkStack = ResourceNames.of(context.config).stackName('network');
  const boundary = iamArn(context, `policy/${names.permissionsBoundary}`);
  return [
    new iam.PolicyStatement({
      sid: 'ManageTheStacksServices',
      actions: executionPolicyServices(context.config).map((service) => `${service}:*`),
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      // The one Lambda function of the stacks: CDK's provider that closes the VPC's default security group
      // (lib/network/network.ts). CloudFormation creates, updates and deletes it, and invokes it for its custom
      // resource. Functions of the network stack only: CloudFormation names them `<stack name>-<logical id>-<suffix>`.
      sid: 'TheNetworkStacksFunction',
      actions: ['lambda:*'],
      resources: [networkFunctionsArn(context)],
    }),
    new iam.PolicyStatement({
      // OpenSearch Serverless VPC endpoints create a private hosted zone for the collection endpoint.
      sid: 'OpenSearchServerlessVpcEndpointDns',
      actions: [
        'route53:AssociateVPCWithHostedZone',
        'route53:ChangeResourceRecordSets',
        'route53:CreateHostedZone',
        'route53:DeleteHostedZone',
        'route53:GetChange',
        'route53:GetHostedZone',
        'route53:ListHostedZonesByName',
        'route53:ListHostedZonesByVPC',
        'route53:ListResourceRecordSets',
      ],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      // Weak cross-stack references (Fn::GetStackOutput) read the producing stack's outputs.
      sid: 'ReadTheEnvironmentsStackOutputs',
      actions: ['cloudformation:DescribeStacks'],
      resources: [prefixArn(context, 'cloudformation', `stack/${prefix}-*/*`)],
    }),
    new iam.PolicyStatement({
      sid: 'RolesOnlyWithTheBoundary',
      actions: [...BOUNDED_ROLE_ACTIONS],
      resources: [iamArn(context, `role/${prefix}-*`)],
      conditions: { StringEquals: { 'iam:PermissionsBoundary': boundary } },
    }),
    new iam.PolicyStatement({
      sid: 'RoleLifecycle',
      actions: [
        'iam:DeleteRole',
        'iam:GetRole',
        'iam:GetRolePolicy',
        'iam:ListAttachedRolePolicies',
        'iam:ListRolePolicies',
        'iam:ListRoleTags',
        'iam:TagRole',
        'iam:UntagRole',
        'iam:UpdateAssumeRolePolicy',
        'iam:UpdateRole',
        'iam:UpdateRoleDescription',
      ],
      resources: [iamArn(context, `role/${prefix}-*`)],
    }),
    new iam.PolicyStatement({
      sid: 'PassTheStacksRolesToTheirServices',
      actions: ['iam:PassRole'],
      resources: [iamArn(context, `role/${prefix}-*`)],
      conditions: { StringEquals: { 'iam:PassedToService': ['ecs-tasks.amazonaws.com', 'vpc-flow-logs.amazonaws.com'] } },
    }),
    new iam.PolicyStatement({
      sid: 'PassTheNetworkStacksRoleToItsFunction',
      actions: ['iam:PassRole'],
      resources: [iamArn(context, `role/${networkStack}-*`)],
      conditions: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
    }),
    new iam.PolicyStatement({
      sid: 'TheStacksManagedPolicies',
      actions: [
        'iam:CreatePolicy',
        'iam:CreatePolicyVersion',
        'iam:DeletePolicy',
        'iam:DeletePolicyVersion',
        'iam:GetPolicy',
        'iam:GetPolicyVersion',
        'iam:ListEntitiesForPolicy',
        'iam:ListPolicyVersions',
        'iam:TagPolicy',
        'iam:UntagPolicy',
      ],
      resources: [iamArn(context, `policy/${prefix}-*`)],
    }),
    new iam.PolicyStatement({
      sid: 'ServiceLinkedRolesOfTheStacksServices',
      actions: ['iam:CreateServiceLinkedRole'],
      resources: [iamArn(context, 'role/aws-service-role/*')],
      conditions: { StringEquals: { 'iam:AWSServiceName': SERVICE_LINKED_ROLE_SERVICES.filter((service) => service !== 'wafv2.amazonaws.com' || context.config.services.waf.enabled) } },
    }),
    ...protectDeployIdentity(context),
  ];
}

/**
 * Deny statements shared by the execution policy and the boundary: the boundary, the execution policy and the deploy
 * role are not CloudFormation's to change.
 */
function protectDeployIdentity(context: PolicyContext): iam.PolicyStatement[] {
  const names = deployIdentityNames(context.config);
  return [
    new iam.PolicyStatement({
      sid: 'NeverAlterTheGuardrails',
      effect: iam.Effect.DENY,
      actions: ['iam:CreatePolicyVersion', 'iam:DeletePolicy', 'iam:DeletePolicyVersion', 'iam:SetDefaultPolicyVersion'],
      resources: [
        iamArn(context, `policy/${names.permissionsBoundary}`),
        iamArn(context, `policy/${names.executionPolicy}`),
        iamArn(context, `policy/${names.deployPolicy}`),
        iamArn(context, `policy/${names.cdkDeployRolePolicy}`),
      ],
    }),
    new iam.PolicyStatement({
      sid: 'NeverTouchTheDeployRole',
      effect: iam.Effect.DENY,
      actions: [...BOUNDED_ROLE_ACTIONS, 'iam:DeleteRole', 'iam:UpdateAssumeRolePolicy', 'iam:DeleteRolePermissionsBoundary'],
      resources: [iamArn(context, `role/${names.deployRole}`)],
    }),
  ];
}

/** Statements of the permissions boundary every role of the stacks (and the execution role) carries. */
export function permissionsBoundaryStatements(context: PolicyContext): iam.PolicyStatement[] {
  const names = deployIdentityNames(context.config);
  const boundary = iamArn(context, `policy/${names.permissionsBoundary}`);
  return [
    new iam.PolicyStatement({
      // A boundary grants nothing: it is the most any role carrying it may be granted.
      sid: 'CeilingTheStacksServices',
      actions: [...executionPolicyServices(context.config).map((service) => `${service}:*`), 'route53:*', 'cloudformation:*', 'iam:*', 'sts:AssumeRole', 'sts:TagSession'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      // The execution role's lambda:* (TheNetworkStacksFunction), on the same functions only.
      sid: 'CeilingTheNetworkStacksFunction',
      actions: ['lambda:*'],
      resources: [networkFunctionsArn(context)],
    }),
    new iam.PolicyStatement({
      sid: 'NoRoleWithoutThisBoundary',
      effect: iam.Effect.DENY,
      actions: ['iam:CreateRole', 'iam:PutRolePermissionsBoundary'],
      resources: ['*'],
      conditions: { StringNotEquals: { 'iam:PermissionsBoundary': boundary } },
    }),
    new iam.PolicyStatement({
      sid: 'NeverRemoveTheBoundary',
      effect: iam.Effect.DENY,
      actions: ['iam:DeleteRolePermissionsBoundary', 'iam:DeleteUserPermissionsBoundary'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'NoUsersOrKeys',
      effect: iam.Effect.DENY,
      actions: ['iam:CreateUser', 'iam:CreateAccessKey', 'iam:CreateLoginProfile', 'iam:UpdateLoginProfile'],
      resources: ['*'],
    }),
    ...protectDeployIdentity(context),
  ];
}

/** Name of a CDK bootstrap role (`cdk bootstrap` creates them: `cdk-hnb659fds-deploy-role-<account>-<region>`). */
export function bootstrapRoleName(role: 'deploy' | 'file-publishing' | 'image-publishing' | 'lookup', account: string, region: string): string {
  return `cdk-${CDK_QUALIFIER}-${role}-role-${account}-${region}`;
}

/** The bootstrap roles of this account and region a deploy job assumes (the CDK CLI does, per asset and stack). */
export function bootstrapRoleArns(context: PolicyContext): string[] {
  return (['deploy', 'file-publishing', 'image-publishing', 'lookup'] as const).map((role) => iamArn(context, `role/${bootstrapRoleName(role, context.account, context.region)}`));
}

/** ARN of the SSM parameter the Atlas stack writes and the services template requires (lib/handoff.ts). */
function atlasHandoffParameterArn(context: PolicyContext): string {
  return prefixArn(context, 'ssm', `parameter${atlasHandoffParameterName(ResourceNames.of(context.config))}`);
}

/**
 * Statements of the policy for the CDK bootstrap deploy role (`cdkDeployRolePolicy`). CloudFormation resolves an
 * `AWS::SSM::Parameter::Value` parameter with the permissions of the caller of CreateChangeSet, and the CDK CLI
 * calls it as the bootstrap deploy role, whose own policy reads only the bootstrap version parameter (its
 * `ReadVersion` statement: "CreateChangeSet uses this to evaluate any SSM parameters"). Without this grant every
 * services deploy fails with "AccessDenied. User doesn't have permission to call ssm:GetParameters", Atlas or not.
 */
export function cdkDeployRoleStatements(context: PolicyContext): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'ResolveTheAtlasHandoffParameter',
      actions: ['ssm:GetParameters'],
      resources: [atlasHandoffParameterArn(context)],
    }),
  ];
}

/** Statements of the deploy role's policy (the GitHub Actions jobs of this environment). */
export function deployRoleStatements(context: PolicyContext, stateKey: string): iam.PolicyStatement[] {
  const { config } = context;
  const names = deployIdentityNames(config);
  const resourceNames = ResourceNames.of(config);
  const prefix = resourceNames.prefix;
  const state = config.terraformState;
  const bucket = `${state.bucketPrefix}-${context.account}`;
  const bucketArn = `arn:${context.partition}:s3:::${bucket}`;
  const secretArn = (name: string): string => prefixArn(context, 'secretsmanager', `secret:${name}-*`);
  const mongodbUri = secretArn(resourceNames.secretName(SECRET_NAMES.mongodbUri));
  const regionCondition = { StringEquals: { 'aws:RequestedRegion': config.region } };
  return [
    new iam.PolicyStatement({
      sid: 'AssumeTheCdkBootstrapRoles',
      actions: ['sts:AssumeRole', 'sts:TagSession'],
      resources: bootstrapRoleArns(context),
    }),
    new iam.PolicyStatement({
      sid: 'ListOwnTerraformStateKey',
      actions: ['s3:ListBucket'],
      resources: [bucketArn],
      conditions: { StringLike: { 's3:prefix': [stateKey, `${stateKey}.tflock`] } },
    }),
    new iam.PolicyStatement({
      sid: 'OwnTerraformStateKey',
      actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      resources: [`${bucketArn}/${stateKey}`, `${bucketArn}/${stateKey}.tflock`],
    }),
    new iam.PolicyStatement({
      // The state bucket's default encryption is the account's aws/s3 key.
      sid: 'TerraformStateEncryption',
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [prefixArn(context, 'kms', 'key/*', state.region)],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${state.region}.amazonaws.com`, 'kms:EncryptionContext:aws:s3:arn': bucketArn } },
    }),
    new iam.PolicyStatement({
      sid: 'AtlasApiKeysAndConnectionString',
      actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      resources: [secretArn(names.atlasApiKeySecret), mongodbUri],
    }),
    new iam.PolicyStatement({
      // The Atlas stack (Terraform) writes the connection string into the CDK-owned secret.
      sid: 'AtlasWritesTheConnectionString',
      actions: ['secretsmanager:PutSecretValue'],
      resources: [mongodbUri],
    }),
    new iam.PolicyStatement({
      sid: 'SecretsThroughSecretsManagerOnly',
      actions: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
      resources: [prefixArn(context, 'kms', 'key/*')],
      conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${config.region}.amazonaws.com` } },
    }),
    new iam.PolicyStatement({
      sid: 'EnvironmentSecretsMetadata',
      actions: ['secretsmanager:DescribeSecret'],
      resources: [secretArn(`${config.name}/audio-pipeline/*`)],
    }),
    new iam.PolicyStatement({
      sid: 'ReviewDriftAndStackPolicies',
      actions: [
        'cloudformation:DescribeChangeSet',
        'cloudformation:DescribeStackEvents',
        'cloudformation:DescribeStackResourceDrifts',
        'cloudformation:DescribeStackResources',
        'cloudformation:DescribeStacks',
        'cloudformation:DetectStackDrift',
        'cloudformation:DetectStackResourceDrift',
        'cloudformation:GetStackPolicy',
        'cloudformation:GetTemplate',
        'cloudformation:ListChangeSets',
        'cloudformation:ListStackResources',
        'cloudformation:SetStackPolicy',
      ],
      resources: [prefixArn(context, 'cloudformation', `stack/${prefix}-*/*`)],
    }),
    new iam.PolicyStatement({
      // These actions support no resource-level permission.
      sid: 'DriftStatusAndHandoffParameters',
      actions: ['cloudformation:DescribeStackDriftDetectionStatus', 'cloudformation:ListStacks'],
      resources: ['*'],
      conditions: regionCondition,
    }),
    new iam.PolicyStatement({
      sid: 'HandoffParameters',
      actions: ['ssm:GetParameter', 'ssm:GetParameters'],
      resources: [prefixArn(context, 'ssm', `parameter/${config.project}/${config.name}/*`)],
    }),
    new iam.PolicyStatement({
      // The Atlas stack (Terraform, aws_ssm_parameter) writes the handoff the services template requires: create
      // with tags, tag changes, tag reads, delete. Reads come from HandoffParameters.
      sid: 'AtlasWritesItsHandoffParameter',
      actions: ['ssm:AddTagsToResource', 'ssm:DeleteParameter', 'ssm:ListTagsForResource', 'ssm:PutParameter', 'ssm:RemoveTagsFromResource'],
      resources: [atlasHandoffParameterArn(context)],
    }),
    new iam.PolicyStatement({
      // The AWS provider reads a parameter's metadata with DescribeParameters (no resource-level permission).
      sid: 'AtlasReadsParameterMetadata',
      actions: ['ssm:DescribeParameters'],
      resources: ['*'],
      conditions: regionCondition,
    }),
    new iam.PolicyStatement({
      sid: 'EcsServicesStable',
      actions: ['ecs:DescribeServices'],
      resources: [prefixArn(context, 'ecs', `service/${resourceNames.name('cluster')}/*`)],
    }),
    new iam.PolicyStatement({
      // Describe calls of the Atlas stack's AWS provider (PrivateLink endpoint, its group and that group's rules).
      sid: 'Ec2Reads',
      actions: ['ec2:DescribeSecurityGroupRules', 'ec2:DescribeSecurityGroups', 'ec2:DescribeVpcEndpoints', 'ec2:DescribeVpcs', 'ec2:DescribeSubnets', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribePrefixLists'],
      resources: ['*'],
      conditions: regionCondition,
    }),
    new iam.PolicyStatement({
      // The Atlas PrivateLink endpoint's security group, its ingress rule (a security-group-rule resource: created
      // tagged, read and revoked by id) and the interface endpoint (the Atlas stack's AWS provider; docs/atlas.md),
      // in the environment's region. Terraform revokes the new group's default egress rule. The VPC's default
      // security group is closed by the network template, not by this role.
      sid: 'AtlasPrivateLink',
      actions: [
        'ec2:AuthorizeSecurityGroupIngress',
        'ec2:CreateSecurityGroup',
        'ec2:CreateTags',
        'ec2:CreateVpcEndpoint',
        'ec2:DeleteSecurityGroup',
        'ec2:DeleteVpcEndpoints',
        'ec2:ModifyVpcEndpoint',
        'ec2:RevokeSecurityGroupEgress',
        'ec2:RevokeSecurityGroupIngress',
      ],
      resources: [
        prefixArn(context, 'ec2', 'security-group/*'),
        prefixArn(context, 'ec2', 'security-group-rule/*'),
        prefixArn(context, 'ec2', 'vpc/*'),
        prefixArn(context, 'ec2', 'vpc-endpoint/*'),
        prefixArn(context, 'ec2', 'subnet/*'),
      ],
    }),
  ];
}

/** Terraform state key of the environment's Atlas stack (atlas/lib/state-backend.ts uses the same). */
export function atlasStateKeyOf(config: Pick<EnvironmentConfig, 'name'>): string {
  return `atlas/${config.name}/terraform.tfstate`;
}
