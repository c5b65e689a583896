/**
 * The CloudFormation execution policy (`cdk bootstrap --cloudformation-execution-policies`) and the
 * permissions boundary, checked against what the environments actually deploy:
 *  - wide enough: every resource type of every environment's synthesized templates belongs to a service
 *    the policy allows (the CloudFormation namespace -> IAM prefix map is written here, not read from the code);
 *  - narrow enough: no `*` or `*:*`, no service the templates do not use, no `iam:*`, and every IAM action
 *    that creates or grants a role requires the boundary;
 *  - every IAM role of every environment carries the boundary (dropping `PermissionsBoundary.of(...)` fails here).
 */
import { isDeepStrictEqual } from 'node:util';
import { ENVIRONMENT_NAMES, type EnvironmentName } from '../../environments';
import { allResources } from '../support/templates';
import { inAccount, synthAccount } from '../support/variants';
import { actionsOf, arnText, identityTemplate, managedPolicy, type PolicyStatementJson } from './support';

/**
 * CloudFormation namespace (`AWS::<namespace>::<type>`) -> IAM service prefix. A new namespace fails the test until it
 * is added here.
 */
const IAM_PREFIX: Record<string, string> = {
  ApplicationAutoScaling: 'application-autoscaling',
  Budgets: 'budgets',
  CloudWatch: 'cloudwatch',
  EC2: 'ec2',
  ECR: 'ecr',
  ECS: 'ecs',
  ElastiCache: 'elasticache',
  ElasticLoadBalancingV2: 'elasticloadbalancing',
  Events: 'events',
  IAM: 'iam',
  KMS: 'kms',
  // CloudFormation invokes a custom resource's ServiceToken: the Lambda functions below.
  Custom: 'lambda',
  Lambda: 'lambda',
  Logs: 'logs',
  OpenSearchServerless: 'aoss',
  S3: 's3',
  SecretsManager: 'secretsmanager',
  SNS: 'sns',
  SQS: 'sqs',
  SSM: 'ssm',
  WAFv2: 'wafv2',
};
/** Not resources CloudFormation calls a service for. */
const NOT_A_SERVICE = new Set(['AWS::CDK::Metadata']);

/** IAM actions that create a role or change its permissions. */
const ROLE_GRANTS = ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:AttachRolePolicy', 'iam:PutRolePermissionsBoundary'];

function namespacesOf(env: EnvironmentName): Map<string, string[]> {
  const byNamespace = new Map<string, string[]>();
  for (const resource of allResources(env)) {
    if (NOT_A_SERVICE.has(resource.type)) continue;
    const namespace = resource.type.startsWith('Custom::') ? 'Custom' : resource.type.split('::')[1];
    byNamespace.set(namespace, [...new Set([...(byNamespace.get(namespace) ?? []), resource.type])]);
  }
  return byNamespace;
}

/** The boundary's ARN, account rendered as 123456789012 (see arnText). */
const boundaryArn = (env: string): string => `arn:aws:iam::123456789012:policy/marin-${env}-permissions-boundary`;
const conditionArns = (condition: Record<string, Record<string, unknown>> | undefined) =>
  Object.fromEntries(
    Object.entries(condition ?? {}).map(([operator, keys]) => [
      operator,
      Object.fromEntries(Object.entries(keys).map(([key, value]) => [key, arnText(value)])),
    ]),
  );

function allowed(statements: PolicyStatementJson[]): string[] {
  return statements.filter((s) => s.Effect === 'Allow').flatMap(actionsOf);
}

describe.each(ENVIRONMENT_NAMES)('%s: CloudFormation execution policy', (env) => {
  const statements = () => managedPolicy(identityTemplate(env), `marin-${env}-cfn-execution`).Statement;

  test('wide enough: every resource type of every stack belongs to a service the policy allows', () => {
    const actions = allowed(statements());
    const uncovered: string[] = [];
    for (const [namespace, types] of namespacesOf(env)) {
      const prefix = IAM_PREFIX[namespace];
      if (prefix === undefined) {
        uncovered.push(`${types.join(', ')}: namespace ${namespace} is not in this test's IAM_PREFIX map (add it with its IAM service prefix)`);
        continue;
      }
      const covered = prefix === 'iam' ? ROLE_GRANTS.every((action) => actions.includes(action)) : actions.includes(`${prefix}:*`);
      if (!covered) uncovered.push(`${types.join(', ')} (${prefix})`);
    }
    expect(uncovered).toEqual([]);
  });

  test('narrow enough: no * action, no *:* , no service the templates do not use, no iam:* or other IAM wildcard', () => {
    const actions = allowed(statements());
    expect(actions.filter((a) => a === '*' || a.startsWith('*'))).toEqual([]);
    const used = new Set([...namespacesOf(env).keys()].map((namespace) => IAM_PREFIX[namespace]));
    // route53 (OpenSearch Serverless endpoint DNS) and cloudformation (stack outputs) are listed action by action.
    const serviceWide = actions.filter((a) => a.endsWith(':*')).map((a) => a.split(':')[0]);
    expect(serviceWide.filter((service) => !used.has(service))).toEqual([]);
    expect(actions.filter((a) => a.startsWith('route53:') || a.startsWith('cloudformation:')).filter((a) => a.includes('*'))).toEqual([]);
    expect(actions.filter((a) => a.startsWith('iam:') && a.includes('*'))).toEqual([]);
  });

  test('every IAM action that creates or grants a role requires the permissions boundary', () => {
    const granting = statements().filter((s) => s.Effect === 'Allow' && actionsOf(s).some((a) => ROLE_GRANTS.includes(a) || a === 'iam:DetachRolePolicy' || a === 'iam:DeleteRolePolicy'));
    expect(granting.length).toBeGreaterThan(0);
    for (const statement of granting) {
      expect(conditionArns(statement.Condition)).toEqual({ StringEquals: { 'iam:PermissionsBoundary': boundaryArn(env) } });
    }
    const create = statements().filter((s) => s.Effect === 'Allow' && actionsOf(s).includes('iam:CreateServiceLinkedRole'));
    expect(create.map((s) => Object.keys(s.Condition?.StringEquals ?? {}))).toEqual([['iam:AWSServiceName']]);
  });

  test('Lambda: every function is the network stack\'s (named by CloudFormation after the stack), each custom resource is served by one; lambda actions and passing a role to Lambda are allowed on those names only', () => {
    const resources = allResources(env);
    const functions = resources.filter((r) => r.type === 'AWS::Lambda::Function');
    expect(functions.map((f) => [f.stack, f.properties.FunctionName])).toEqual([[`marin-${env}-network`, undefined]]);
    const roles = functions.map((f) => resources.find((r) => r.stack === f.stack && r.logicalId === (f.properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0])!);
    expect(roles.map((r) => [r.type, r.properties.RoleName])).toEqual([['AWS::IAM::Role', undefined]]);
    for (const custom of resources.filter((r) => r.type.startsWith('Custom::'))) {
      const target = (custom.properties.ServiceToken as { 'Fn::GetAtt': string[] })['Fn::GetAtt'];
      expect(functions.some((f) => f.stack === custom.stack && f.logicalId === target[0]) && target[1] === 'Arn').toBe(true);
    }
    const network = `marin-${env}-network`;
    const lambdaStatements = statements().filter((s) => s.Effect === 'Allow' && actionsOf(s).some((a) => a.startsWith('lambda:')));
    expect(lambdaStatements.map((s) => [actionsOf(s), arnText(s.Resource)])).toEqual([[['lambda:*'], `arn:aws:lambda:us-east-1:123456789012:function:${network}-*`]]);
    const passToLambda = statements().filter((s) => actionsOf(s).includes('iam:PassRole') && JSON.stringify(s.Condition).includes('lambda.amazonaws.com'));
    expect(passToLambda.map((s) => [arnText(s.Resource), s.Condition])).toEqual([
      [`arn:aws:iam::123456789012:role/${network}-*`, { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } }],
    ]);
    const boundary = managedPolicy(identityTemplate(env), `marin-${env}-permissions-boundary`).Statement;
    const lambdaCeiling = boundary.filter((s) => s.Effect === 'Allow' && actionsOf(s).some((a) => a.startsWith('lambda:')));
    expect(lambdaCeiling.map((s) => [actionsOf(s), arnText(s.Resource)])).toEqual([[['lambda:*'], `arn:aws:lambda:us-east-1:123456789012:function:${network}-*`]]);
  });

  test('the boundary and the execution policy cannot be altered, nor the deploy role touched, by CloudFormation', () => {
    const denied = statements().filter((s) => s.Effect === 'Deny');
    expect(denied.flatMap(actionsOf)).toEqual(expect.arrayContaining(['iam:CreatePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:DeletePolicy', 'iam:UpdateAssumeRolePolicy']));
    expect(JSON.stringify(denied)).toContain(`:policy/marin-${env}-permissions-boundary`);
    expect(JSON.stringify(denied)).toContain(`:policy/marin-${env}-cfn-execution`);
    expect(JSON.stringify(denied)).toContain(`:role/marin-${env}-github-deploy`);
  });
});

describe.each(ENVIRONMENT_NAMES)('%s: permissions boundary', (env) => {
  test('every IAM role of every stack carries the environment\'s boundary', () => {
    const roles = allResources(env).filter((r) => r.type === 'AWS::IAM::Role');
    expect(roles.length).toBeGreaterThan(0);
    // Exactly as CDK renders it in this environment's synth: the account by reference, or literal when named.
    const boundary = inAccount({ 'Fn::Join': ['', ['arn:aws:iam::', { Ref: 'AWS::AccountId' }, `:policy/marin-${env}-permissions-boundary`]] }, synthAccount(env));
    const missing = roles
      .filter((role) => !isDeepStrictEqual(role.properties.PermissionsBoundary, boundary))
      .map((role) => `${role.stack}/${role.logicalId}: ${JSON.stringify(role.properties.PermissionsBoundary)}`);
    expect(missing).toEqual([]);
  });

  test('the boundary allows only the stacks\' services, and denies roles without it, removing it, users and keys', () => {
    const statements = managedPolicy(identityTemplate(env), `marin-${env}-permissions-boundary`).Statement;
    expect(allowed(statements).filter((a) => a === '*' || a.startsWith('*'))).toEqual([]);
    const noRoleWithout = statements.find((s) => s.Effect === 'Deny' && actionsOf(s).includes('iam:CreateRole'));
    expect(conditionArns(noRoleWithout?.Condition)).toEqual({ StringNotEquals: { 'iam:PermissionsBoundary': boundaryArn(env) } });
    expect(statements.filter((s) => s.Effect === 'Deny').flatMap(actionsOf)).toEqual(
      expect.arrayContaining(['iam:DeleteRolePermissionsBoundary', 'iam:CreateUser', 'iam:CreateAccessKey', 'iam:PutRolePermissionsBoundary']),
    );
  });
});
