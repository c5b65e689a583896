/**
 * The deploy-identity stack of each environment, from its synthesized template: who may assume the deploy
 * role (exactly this repository and the environment's GitHub environments), what it may do, and that the
 * stack passes the four cdk-nag packs (the synth throws on an unacknowledged finding).
 */
import { ENVIRONMENT_NAMES, loadEnvironment, parseEnvironment, ENVIRONMENTS, type EnvironmentConfig } from '../../environments';
import { onlyResource, synthStack } from '../atlas/support';
import { stackOf } from '../support/templates';
import { actionsOf, arnText, identityTemplate, managedPolicy, type IdentityTemplate, type PolicyStatementJson } from './support';

/**
 * The repository and GitHub environments each deploy role trusts (restated from the design, not read from the code).
 */
const REPOSITORY = 'marin-platform/audio-pipeline-infra';
const TRUSTED: Record<string, string[]> = {
  dev: [`repo:${REPOSITORY}:environment:dev`],
  staging: [`repo:${REPOSITORY}:environment:staging`, `repo:${REPOSITORY}:environment:staging-prepare`],
  prod: [`repo:${REPOSITORY}:environment:prod`, `repo:${REPOSITORY}:environment:prod-prepare`],
};

function resourcesOf(
  identity: IdentityTemplate,
  type: string,
): Array<{ id: string; properties: Record<string, unknown> }> {
  return Object.entries(identity.json.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => ({ id, properties: r.Properties }));
}

interface PolicyDocument {
  Statement: PolicyStatementJson[];
}

/** Whether an Allow statement grants `action` on `arn` (actions are literal here: no wildcard action is allowed). */
function allows(statements: PolicyStatementJson[], action: string, arn: string): boolean {
  return statements.some((s) => s.Effect === 'Allow' && actionsOf(s).includes(action)
    && (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).map(arnText)
      .some((pattern) => new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(arn)));
}

function deployRole(identity: IdentityTemplate) {
  const roles = resourcesOf(identity, 'AWS::IAM::Role');
  expect(roles).toHaveLength(1);
  return roles[0];
}

describe.each(ENVIRONMENT_NAMES)('%s: deploy identity', (env) => {
  const identity = () => identityTemplate(env);

  // The one-time deploy of this stack passes `-c account=<id>`: the account is then a literal in every ARN,
  // and each wildcard acknowledgement must name that literal, or the cdk-nag gate refuses the synth.
  test('synthesizes with the account named, as bootstrap deploys it (-c account=...), with no unacknowledged finding', () => {
    const named = identityTemplate(env, (config) => ({ ...config, account: '123456789012' }));
    expect(JSON.stringify(named.json)).toContain('arn:aws:iam::123456789012:role/');
  });

  test('the deploy role trusts exactly this repository in its GitHub environment(s), audience sts.amazonaws.com, through the GitHub OIDC provider', () => {
    const role = deployRole(identity());
    expect(role.properties.RoleName).toBe(`marin-${env}-github-deploy`);
    const trust = role.properties.AssumeRolePolicyDocument as { Statement: Array<Record<string, unknown>> };
    expect(trust.Statement).toEqual([
      {
        Action: 'sts:AssumeRoleWithWebIdentity',
        Effect: 'Allow',
        Principal: { Federated: { Ref: resourcesOf(identity(), 'AWS::IAM::OIDCProvider')[0].id } },
        Condition: {
          StringEquals: {
            'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
            'token.actions.githubusercontent.com:sub': TRUSTED[env],
          },
        },
      },
    ]);
  });

  test('the OIDC provider is GitHub\'s, for the sts.amazonaws.com audience, kept on stack deletion', () => {
    const providers = Object.values(identity().json.Resources).filter((r) => r.Type === 'AWS::IAM::OIDCProvider') as unknown as Array<{ Properties: Record<string, unknown>; DeletionPolicy: string }>;
    expect(providers).toHaveLength(1);
    expect(providers[0].Properties).toMatchObject({ Url: 'https://token.actions.githubusercontent.com', ClientIdList: ['sts.amazonaws.com'] });
    expect(providers[0].DeletionPolicy).toBe('Retain');
  });

  test('the deploy role carries the permissions boundary and only its managed policy (no inline policy)', () => {
    const role = deployRole(identity());
    const boundary = resourcesOf(identity(), 'AWS::IAM::ManagedPolicy').find((p) => p.properties.ManagedPolicyName === `marin-${env}-permissions-boundary`)!;
    expect(role.properties.PermissionsBoundary).toEqual({ Ref: boundary.id });
    expect(role.properties.Policies).toBeUndefined();
    expect(resourcesOf(identity(), 'AWS::IAM::Policy')).toEqual([]);
    const attached = resourcesOf(identity(), 'AWS::IAM::ManagedPolicy').filter((p) => p.properties.Roles !== undefined);
    expect(attached.map((p) => p.properties.ManagedPolicyName)).toEqual([`marin-${env}-github-deploy-permissions`]);
  });

  test('the deploy role may: assume the four CDK bootstrap roles, its own state key, its Atlas keys; no IAM action, no wildcard action', () => {
    const statements = managedPolicy(identity(), `marin-${env}-github-deploy-permissions`).Statement;
    expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
    const actions = statements.flatMap(actionsOf);
    expect(actions.filter((a) => a.startsWith('iam:'))).toEqual([]);
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    const resources = (sid: string): string[] => {
      const statement = statements.find((s) => s.Sid === sid)!;
      return (Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]).map(arnText);
    };
    expect(resources('AssumeTheCdkBootstrapRoles')).toEqual(
      ['deploy', 'file-publishing', 'image-publishing', 'lookup'].map((r) => `arn:aws:iam::123456789012:role/cdk-hnb659fds-${r}-role-123456789012-us-east-1`),
    );
    expect(resources('OwnTerraformStateKey')).toEqual([
      `arn:aws:s3:::marin-terraform-state-123456789012/atlas/${env}/terraform.tfstate`,
      `arn:aws:s3:::marin-terraform-state-123456789012/atlas/${env}/terraform.tfstate.tflock`,
    ]);
    expect(resources('AtlasApiKeysAndConnectionString')).toEqual([
      `arn:aws:secretsmanager:us-east-1:123456789012:secret:${env}/audio-pipeline/atlas-api-keys-*`,
      `arn:aws:secretsmanager:us-east-1:123456789012:secret:${env}/audio-pipeline/mongodb-uri-*`,
    ]);
    // Issue 19's stack policies around each change-set execution run with this role.
    expect(actions).toEqual(expect.arrayContaining(['cloudformation:SetStackPolicy', 'cloudformation:GetStackPolicy', 'cloudformation:DescribeChangeSet', 'cloudformation:DetectStackDrift']));
    // Nothing outside the environment: every stack, parameter and secret ARN names it.
    for (const statement of statements) {
      for (const arn of (Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]).map(arnText)) {
        if (/:(cloudformation|ssm|secretsmanager):/.test(arn)) expect(arn).toMatch(new RegExp(`(marin-${env}-|/marin/${env}/|secret:${env}/)`));
      }
    }
  });

  describe('the Atlas handoff parameter', () => {
    /** The parameter as the Atlas stack's Terraform writes it, and as the services template requires it. */
    const written = () => onlyResource(synthStack(loadEnvironment(env)).json, 'aws_ssm_parameter').name as string;
    const required = () => {
      const parameters = (stackOf(env, 'services', 'deployed').json as unknown as { Parameters: Record<string, { Type: string; Default?: string }> }).Parameters;
      const ssmTyped = Object.values(parameters).filter((p) => p.Type.startsWith('AWS::SSM::Parameter::Value') && !p.Default?.startsWith('/cdk-bootstrap/'));
      expect(ssmTyped).toHaveLength(1);
      return ssmTyped[0].Default!;
    };
    const parameterArn = (name: string) => `arn:aws:ssm:us-east-1:123456789012:parameter${name}`;

    // What the AWS provider's aws_ssm_parameter calls (create with tags, read, tag changes, delete).
    test('the deploy role (it applies the Atlas stack in CI) may create, read, tag and delete exactly that parameter', () => {
      const statements = managedPolicy(identity(), `marin-${env}-github-deploy-permissions`).Statement;
      const arn = parameterArn(written());
      for (const action of ['ssm:PutParameter', 'ssm:GetParameter', 'ssm:DeleteParameter', 'ssm:AddTagsToResource', 'ssm:RemoveTagsFromResource', 'ssm:ListTagsForResource']) {
        expect([action, allows(statements, action, arn)]).toEqual([action, true]);
      }
      // The provider reads the parameter's metadata with DescribeParameters, which has no resource-level permission.
      expect(allows(statements, 'ssm:DescribeParameters', '*')).toBe(true);
      // It writes no other parameter: those belong to the CDK stacks.
      for (const other of [`/marin/${env}/network/vpc-id`, `/marin/${env}/data/mongodb-uri-secret-arn`, `${written()}-other`]) {
        expect(allows(statements, 'ssm:PutParameter', parameterArn(other))).toBe(false);
        expect(allows(statements, 'ssm:DeleteParameter', parameterArn(other))).toBe(false);
      }
    });

    // CloudFormation resolves SSM-typed parameters with the caller's permissions at CreateChangeSet: the CDK CLI calls
    // it as the bootstrap deploy role, whose own policy reads only the bootstrap version parameter.
    test('a policy for the CDK bootstrap deploy role grants only ssm:GetParameters on the parameter the services template requires; this stack attaches it to nothing', () => {
      const arn = parameterArn(required());
      const policies = Object.values(identity().json.Resources)
        .filter((r) => r.Type === 'AWS::IAM::ManagedPolicy')
        .map((r) => r.Properties as { ManagedPolicyName: string; Roles?: unknown; PolicyDocument: PolicyDocument })
        .filter((p) => !p.ManagedPolicyName.endsWith('-github-deploy-permissions') && !p.ManagedPolicyName.endsWith('-permissions-boundary') && !p.ManagedPolicyName.endsWith('-cfn-execution'));
      expect(policies).toHaveLength(1);
      const [policy] = policies;
      expect(policy.ManagedPolicyName).toBe(`marin-${env}-cdk-deploy-atlas-handoff`);
      expect(policy.Roles).toBeUndefined();
      expect(policy.PolicyDocument.Statement.map((s) => ({ ...s, Resource: arnText(s.Resource) }))).toEqual([
        { Sid: 'ResolveTheAtlasHandoffParameter', Effect: 'Allow', Action: 'ssm:GetParameters', Resource: arn },
      ]);
      // Stacks cannot widen it: the guardrail deny of the execution policy and the boundary names it.
      for (const guardrail of [`marin-${env}-cfn-execution`, `marin-${env}-permissions-boundary`]) {
        const deny = managedPolicy(identity(), guardrail).Statement.find((s) => s.Sid === 'NeverAlterTheGuardrails')!;
        expect((deny.Resource as unknown[]).map(arnText)).toContain(`arn:aws:iam::123456789012:policy/marin-${env}-cdk-deploy-atlas-handoff`);
      }
    });
  });
});

describe('deploy identity: config', () => {
  const withCi = (env: 'prod', ci: { github: Partial<EnvironmentConfig['ci']['github']> }) => {
    const base = ENVIRONMENTS[env];
    return { ...base, ci: { ...base.ci, github: { ...base.ci.github, ...ci.github } } };
  };

  test.each([
    [{ owner: '*' }, 'ci.github.owner: must be a GitHub owner name'],
    [{ owner: 'marin-platform/*' }, 'ci.github.owner: must be a GitHub owner name'],
    [{ repository: '*' }, 'ci.github.repository: must be a GitHub repository name'],
    [{ repository: 'infra/x' }, 'ci.github.repository: must be a GitHub repository name'],
    [{ repository: '..' }, 'ci.github.repository: must be a GitHub repository name, not "." or ".."'],
  ])('a wildcard or malformed %j is refused, naming the field', (github, message) => {
    expect(() => parseEnvironment(withCi('prod', { github }), 'prod')).toThrow(message);
  });

  test('ci.oidcProvider: existing reuses the account\'s provider by ARN and creates none', () => {
    const identity = identityTemplate('prod', (config) => ({ ...config, ci: { ...config.ci, oidcProvider: 'existing' } }));
    expect(resourcesOf(identity, 'AWS::IAM::OIDCProvider')).toEqual([]);
    const trust = deployRole(identity).properties.AssumeRolePolicyDocument as {
      Statement: Array<{ Principal: { Federated: unknown } }>;
    };
    expect(arnText(trust.Statement[0].Principal.Federated)).toBe('arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com');
  });

  test('another repository in config changes the trusted subject exactly (never a pattern)', () => {
    const identity = identityTemplate('dev', (config) => ({ ...config, ci: { ...config.ci, github: { owner: 'acme', repository: 'calls' } } }));
    const trust = deployRole(identity).properties.AssumeRolePolicyDocument as {
      Statement: Array<{ Condition: Record<string, Record<string, unknown>> }>;
    };
    expect(trust.Statement[0].Condition).toEqual({ StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com', 'token.actions.githubusercontent.com:sub': ['repo:acme/calls:environment:dev'] } });
  });
});
