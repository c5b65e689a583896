import { ENVIRONMENT_NAMES } from '../../environments';
import { allResources } from '../support/templates';

/**
 * Every customer-managed key of every stack denies kms:CreateGrant unless an AWS service creates the grant
 * for an AWS resource (or the caller is an AWS service). Written out in full: a weakened condition (one key
 * dropped, plain Bool instead of BoolIfExists, a narrower principal) fails here.
 */
const DENY_UNSCOPED_GRANTS = {
  Sid: 'DenyGrantsNotForAwsResources',
  Effect: 'Deny',
  Principal: { AWS: '*' },
  Action: 'kms:CreateGrant',
  Resource: '*',
  // BoolIfExists, not Bool: with Bool a request that carries no kms:GrantIsForAWSResource makes the condition false,
  // and the deny does not apply (the control this implements asks for IfExists).
  Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
};

/** The keys per environment, by stack: logs (network), data (data), alarm topic (monitoring). */
const EXPECTED_KEYS = (envName: string) => [
  `marin-${envName}-data`,
  // prod's staging export bucket has its own key
  // (the staging loader may decrypt it): test/refresh/staging-refresh.test.ts.
  ...(envName === 'prod' ? ['marin-prod-data'] : []),
  `marin-${envName}-monitoring`,
  `marin-${envName}-network`,
];

describe.each(ENVIRONMENT_NAMES)('KMS keys in %s', (envName) => {
  const keys = allResources(envName).filter((r) => r.type === 'AWS::KMS::Key');
  const statements = (properties: Record<string, unknown>) =>
    (properties.KeyPolicy as { Statement: Array<Record<string, unknown>> }).Statement;

  test('three customer-managed keys, one in each of the network, data and monitoring stacks', () => {
    expect(keys.map((key) => key.stack).sort()).toEqual(EXPECTED_KEYS(envName));
  });

  test('each key policy has exactly one Deny: grants that are not for an AWS resource', () => {
    for (const key of keys) {
      const denies = statements(key.properties).filter((s) => s.Effect === 'Deny');
      expect({ key: `${key.stack}/${key.logicalId}`, denies }).toEqual({ key: `${key.stack}/${key.logicalId}`, denies: [DENY_UNSCOPED_GRANTS] });
    }
  });

  test('the only Allow naming kms:CreateGrant is Secrets Manager\'s, through the service (a grant for an AWS resource)', () => {
    const grantAllows = keys.flatMap((key) =>
      statements(key.properties)
        .filter((s) => s.Effect === 'Allow' && JSON.stringify(s.Action).includes('Grant'))
        .map((s) => ({ stack: key.stack, condition: s.Condition })),
    );
    expect(grantAllows).toEqual([{ stack: `marin-${envName}-data`, condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' } } }]);
  });
});
