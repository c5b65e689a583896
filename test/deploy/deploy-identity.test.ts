/**
 * The deploy-identity stack of each environment, from its synthesized template: who may assume the deploy
 * role (exactly this repository and the environment's GitHub environments), what it may do, and that the
 * stack passes the four cdk-nag packs (the synth throws on an unacknowledged finding).
 */
import { ENVIRONMENT_NAMES, parseEnvironment, ENVIRONMENTS, type EnvironmentConfig } from '../../environments';
import { actionsOf, arnText, identityTemplate, managedPolicy, type IdentityTemplate } from './support';

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

function deployRole(identity: IdentityTemplate) {
  const roles = resourcesOf(identity, 'AWS::IAM::Role');
  expect(roles).toHaveLength(1);
  return roles[0];
}

describe.each(ENVIRONMENT_NAMES)('%s: deploy identity', (env) => {
  const identity = () => identityTemplate(env);

  // `npm run bootstrap` deploys this stack with `-c account=<id>`: the account is then a literal in every ARN,
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
