import { ENVIRONMENT_NAMES } from '../../environments';
import { SERVICE_NAMES } from '../../lib/contracts';
import { mongodbUriPlaceholder } from '../../lib/handoff';
import { DATA_TYPES } from '../../lib/core/resource-kinds';
import { inAccount, synthAccount } from '../support/variants';
import { dataResources, findOne, label, ofType } from './support';

/**
 * Resource types that hold data (or keys to it): DATA_TYPES (lib/core/resource-kinds.ts, the one list).
 * Every type the data stack creates must be one of them or in STATELESS, so a new stateful type cannot slip
 * in unchecked. Outside dev each is retained (RetainExceptOnCreate, Retain on replacement); the cache is
 * snapshotted instead. Dev deletes everything.
 */
const retainedAs = (type: string): string => (type === 'AWS::ElastiCache::ReplicationGroup' ? 'Snapshot' : 'RetainExceptOnCreate');
/** The data types the data stack holds: all but the image repositories, which live with the services. */
const DATA_STACK_TYPES = DATA_TYPES.filter((type) => type !== 'AWS::ECR::Repository');
const STATELESS = new Set([
  'AWS::KMS::Alias',
  'AWS::S3::BucketPolicy',
  'AWS::SQS::QueuePolicy',
  'AWS::IAM::Role',
  'AWS::IAM::ManagedPolicy',
  'AWS::EC2::SecurityGroup',
  'AWS::EC2::SecurityGroupIngress',
  'AWS::EC2::SecurityGroupEgress',
  'AWS::ElastiCache::SubnetGroup',
  'AWS::OpenSearchServerless::VpcEndpoint',
  'AWS::OpenSearchServerless::SecurityPolicy',
  'AWS::OpenSearchServerless::AccessPolicy',
  'AWS::SSM::Parameter',
]);

describe.each(ENVIRONMENT_NAMES)('data stack in %s', (envName) => {
  const resources = Object.entries(dataResources(envName));
  const account = synthAccount(envName);

  test('every resource type is classified as stateful or stateless', () => {
    const unknown = [...new Set(resources.map(([, r]) => r.Type))]
      .filter((type) => !DATA_TYPES.includes(type) && !STATELESS.has(type));
    expect(unknown).toEqual([]);
  });

  test(`DeletionPolicy on every stateful resource: ${envName === 'dev' ? 'Delete (dev is disposable)' : 'RetainExceptOnCreate (Retain on replacement), Snapshot for the cache'}`, () => {
    const stateful = resources.filter(([, r]) => DATA_TYPES.includes(r.Type));
    expect(new Set(stateful.map(([, r]) => r.Type))).toEqual(new Set(DATA_STACK_TYPES));
    const wrong = stateful
      .map(([id, r]) => {
        const want = envName === 'dev' ? 'Delete' : retainedAs(r.Type);
        const wantOnReplace = want === 'RetainExceptOnCreate' ? 'Retain' : want;
        return {
          id, type: r.Type, deletion: r.DeletionPolicy === want, replace: r.UpdateReplacePolicy === wantOnReplace,
        };
      })
      .filter((r) => !r.deletion || !r.replace);
    expect(wrong).toEqual([]);
  });

  test('data key: customer managed, rotated yearly, aliased, 30-day deletion window outside dev', () => {
    // prod's staging export key is asserted in test/refresh/staging-refresh.test.ts.
    const keys = ofType(envName, 'AWS::KMS::Key').filter(([, k]) => !String(k.Properties!.Description).includes('staging export'));
    expect(keys).toHaveLength(1);
    const [keyId, key] = keys[0];
    expect(key.Properties!.EnableKeyRotation).toBe(true);
    expect(key.Properties!.RotationPeriodInDays).toBe(365);
    expect(key.Properties!.PendingWindowInDays).toBe(envName === 'dev' ? 7 : 30);
    const [, alias] = findOne(envName, 'AWS::KMS::Alias', (p) => p.AliasName !== 'alias/marin-prod-staging-export');
    expect(alias.Properties!).toEqual({ AliasName: `alias/marin-${envName}-data`, TargetKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
  });

  test('key policy: the only service principal is S3 (notifications), with the two data-key actions AWS documents, for its two buckets of this account', () => {
    const [, key] = ofType(envName, 'AWS::KMS::Key')[0];
    const statements = key.Properties!.KeyPolicy.Statement as Array<Record<string, any>>;
    const services = statements.filter((s) => s.Principal.Service);
    expect(services).toEqual(inAccount([
      {
        Sid: 'AllowS3EventNotificationsToEncryptedQueues',
        Effect: 'Allow',
        Principal: { Service: 's3.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        // Confused-deputy protection: S3 acting for these two buckets of this account only.
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: { 'aws:SourceArn': [`arn:aws:s3:::marin-${envName}-call-recordings`, `arn:aws:s3:::marin-${envName}-transcripts`] },
        },
      },
    ], account));
    // Other principals: the account (IAM policies decide), and Secrets Manager use on behalf of the account only;
    // the one statement naming everyone is the Deny that limits grants (test/core/encryption-key.test.ts).
    for (const statement of statements.filter((s) => !s.Principal.Service && s.Effect === 'Allow')) {
      expect(label(envName, statement.Principal.AWS)).toBe(inAccount('arn:aws:iam::<AWS::AccountId>:root', account));
    }
    expect(statements.filter((s) => s.Effect === 'Deny').map((s) => [s.Sid, s.Principal])).toEqual([['DenyGrantsNotForAwsResources', { AWS: '*' }]]);
    const viaSecretsManager = statements.filter((s) => s.Condition?.StringEquals?.['kms:ViaService']);
    expect(viaSecretsManager.map((s) => s.Condition.StringEquals['kms:ViaService'])).toEqual(['secretsmanager.us-east-1.amazonaws.com']);
  });

  test('the seed\'s secrets and the cache credential, each encrypted with the data key', () => {
    const secrets = ofType(envName, 'AWS::SecretsManager::Secret');
    expect(secrets.map(([, s]) => s.Properties!.Name).sort()).toEqual([`${envName}/audio-pipeline/mongodb-uri`, `${envName}/audio-pipeline/redis-auth`, `${envName}/audio-pipeline/redis-endpoint`]);
    for (const [, s] of secrets) expect(label(envName, s.Properties!.KmsKeyId)).toBe(`key:marin-${envName}`);
  });

  test('mongodb-uri: owned by CDK with a fixed placeholder that is not a URI (the Atlas stack writes the value)', () => {
    const [, secret] = findOne(envName, 'AWS::SecretsManager::Secret', (p) => p.Name === `${envName}/audio-pipeline/mongodb-uri`);
    expect(secret.Properties!.SecretString).toBe(mongodbUriPlaceholder(envName));
    expect(secret.Properties!.SecretString).not.toMatch(/^mongodb(\+srv)?:\/\//);
    expect(secret.Properties!.GenerateSecretString).toBeUndefined();
  });

  test('publishes the handoff parameters the Atlas stack reads', () => {
    const parameters = Object.fromEntries(ofType(envName, 'AWS::SSM::Parameter').map(([, p]) => [p.Properties!.Name, p.Properties!]));
    expect(Object.keys(parameters).sort()).toEqual(
      ['data/kms-key-arn', 'data/mongodb-uri-secret-arn', ...(envName === 'dev' ? [] : ['identity/refresh-task-role-arn']), 'identity/task-role-arns', 'network/services-security-group-id'].map((n) => `/marin/${envName}/${n}`),
    );
    if (envName !== 'dev') {
      expect(label(envName, parameters[`/marin/${envName}/identity/refresh-task-role-arn`].Value)).toBe(`role:marin-${envName}-${envName === 'prod' ? 'anonymiser' : 'loader'}-task`);
    }
    expect(label(envName, parameters[`/marin/${envName}/data/kms-key-arn`].Value)).toBe(`key:marin-${envName}`);
    expect(label(envName, parameters[`/marin/${envName}/data/mongodb-uri-secret-arn`].Value)).toBe(`secret:${envName}/audio-pipeline/mongodb-uri`);
    const roles = parameters[`/marin/${envName}/identity/task-role-arns`];
    expect(roles.Type).toBe('StringList');
    expect(label(envName, roles.Value)).toBe(SERVICE_NAMES.map((s) => `role:marin-${envName}-${s}-task`).join(','));
    expect(label(envName, parameters[`/marin/${envName}/network/services-security-group-id`].Value)).toMatch(/^sg:.*ECS tasks/);
  });
});
