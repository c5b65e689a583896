import { ENVIRONMENT_NAMES } from '../../environments';
import { NAME_LIMITS, pascalCase, ResourceNames, type NameKind } from '../../lib/naming';
import { allResources } from '../support/templates';

/**
 * Explicit physical-name properties by CloudFormation type and the AWS limit that applies.
 * A resource type that sets a name and is missing here fails the "every name is checked" test.
 */
type NameProperty = { property: string; kind: NameKind } | { property: string; max: number; pattern: RegExp };
const NAME_PROPERTIES: Record<string, NameProperty> = {
  'AWS::S3::Bucket': { property: 'BucketName', kind: 'bucket' },
  'AWS::SQS::Queue': { property: 'QueueName', kind: 'queue' },
  'AWS::IAM::Role': { property: 'RoleName', kind: 'role' },
  'AWS::IAM::ManagedPolicy': { property: 'ManagedPolicyName', max: 128, pattern: /^[\w+=,.@-]+$/ },
  'AWS::ElasticLoadBalancingV2::LoadBalancer': { property: 'Name', kind: 'loadBalancer' },
  'AWS::ElasticLoadBalancingV2::TargetGroup': { property: 'Name', kind: 'targetGroup' },
  'AWS::OpenSearchServerless::Collection': { property: 'Name', kind: 'searchCollection' },
  'AWS::OpenSearchServerless::SecurityPolicy': { property: 'Name', kind: 'searchPolicy' },
  'AWS::OpenSearchServerless::AccessPolicy': { property: 'Name', kind: 'searchPolicy' },
  'AWS::OpenSearchServerless::VpcEndpoint': { property: 'Name', kind: 'searchPolicy' },
  'AWS::ElastiCache::ReplicationGroup': { property: 'ReplicationGroupId', kind: 'cacheReplicationGroup' },
  'AWS::ElastiCache::SubnetGroup': { property: 'CacheSubnetGroupName', max: 255, pattern: /^[a-z][a-z0-9-]*$/ },
  'AWS::ElastiCache::User': { property: 'UserId', max: 40, pattern: /^[a-z][a-z0-9-]*$/ },
  'AWS::ElastiCache::UserGroup': { property: 'UserGroupId', max: 40, pattern: /^[a-z][a-z0-9-]*$/ },
  'AWS::ECS::Cluster': { property: 'ClusterName', max: 255, pattern: /^[A-Za-z0-9_-]+$/ },
  'AWS::ECS::Service': { property: 'ServiceName', max: 255, pattern: /^[A-Za-z0-9_-]+$/ },
  'AWS::ECS::TaskDefinition': { property: 'Family', max: 255, pattern: /^[A-Za-z0-9_-]+$/ },
  'AWS::ECR::Repository': { property: 'RepositoryName', max: 256, pattern: /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/ },
  'AWS::Logs::LogGroup': { property: 'LogGroupName', max: 512, pattern: /^[\w\-./#]+$/ },
  'AWS::SecretsManager::Secret': { property: 'Name', max: 512, pattern: /^[\w/+=.@-]+$/ },
  'AWS::SSM::Parameter': { property: 'Name', max: 1011, pattern: /^[\w/.-]+$/ },
  'AWS::SNS::Topic': { property: 'TopicName', max: 256, pattern: /^[A-Za-z0-9_-]+$/ },
  'AWS::CloudWatch::Alarm': { property: 'AlarmName', max: 255, pattern: /^[\x20-\x7e]+$/ },
  'AWS::CloudWatch::Dashboard': { property: 'DashboardName', max: 255, pattern: /^[A-Za-z0-9_-]+$/ },
  'AWS::WAFv2::WebACL': { property: 'Name', max: 128, pattern: /^[\w-]+$/ },
  'AWS::KMS::Alias': { property: 'AliasName', max: 256, pattern: /^alias\/[\w/-]+$/ },
  'AWS::EC2::SecurityGroup': { property: 'GroupName', max: 255, pattern: /^[\x20-\x7e]+$/ },
  'AWS::Budgets::Budget': { property: 'Budget.BudgetName', max: 100, pattern: /^[^:\\]+$/ },
  // Unique per scalable target only, but still limited to 256 characters without ':' or '/'.
  'AWS::ApplicationAutoScaling::ScalingPolicy': { property: 'PolicyName', max: 256, pattern: /^[^:/]+$/ },
};

function valueAt(properties: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), properties);
}

describe.each(ENVIRONMENT_NAMES)('physical names in %s', (envName) => {
  const resources = allResources(envName);
  const named = resources.flatMap((resource) => {
    const rule = NAME_PROPERTIES[resource.type];
    if (!rule) return [];
    const value = valueAt(resource.properties, rule.property);
    return typeof value === 'string' ? [{ ...resource, rule, value }] : [];
  });

  test('there are explicit names to check', () => {
    expect(named.length).toBeGreaterThan(0);
  });

  test('every explicit name is within its AWS limit', () => {
    const problems = named.flatMap(({ type, logicalId, rule, value }) => {
      const { max, pattern } = 'kind' in rule ? NAME_LIMITS[rule.kind] : rule;
      if (value.length > max) return [`${type} ${logicalId}: "${value}" is ${value.length} > ${max}`];
      if (!pattern.test(value)) return [`${type} ${logicalId}: "${value}" does not match ${pattern}`];
      return [];
    });
    expect(problems).toEqual([]);
  });

  // WAF logging requires log groups named aws-waf-logs-*, so that one carries the prefix after it.
  test('names are prefixed {project}-{env}- (or /{project}/{env}/ and {env}/audio-pipeline/ paths)', () => {
    const unprefixed = named
      .filter(({ value }) => !(value.startsWith(`marin-${envName}-`) || value.startsWith(`/marin/${envName}/`) || value.startsWith(`${envName}/audio-pipeline/`) || value.startsWith(`alias/marin-${envName}-`) || value === `aws-waf-logs-marin-${envName}`))
      // Names unique only within their parent (a VPC, a scalable target), not in the account.
      .filter(({ type }) => type !== 'AWS::EC2::SecurityGroup' && type !== 'AWS::ApplicationAutoScaling::ScalingPolicy')
      .map(({ type, value }) => `${type}: ${value}`);
    expect(unprefixed).toEqual([]);
  });

  test('every resource type with a name-like property is in the table', () => {
    const nameLike = /^(Name|[A-Z][A-Za-z]*Name|ReplicationGroupId)$/;
    const unchecked = resources
      .filter((resource) => !NAME_PROPERTIES[resource.type])
      .filter((resource) => Object.entries(resource.properties).some(([key, value]) => nameLike.test(key) && typeof value === 'string'))
      .map((resource) => resource.type);
    // Types whose name-like property is not a physical name of a limited resource.
    const notPhysicalNames = new Set(['AWS::EC2::FlowLog', 'AWS::ECS::ClusterCapacityProviderAssociations', 'AWS::EC2::VPCEndpoint']);
    expect([...new Set(unchecked)].filter((type) => !notPhysicalNames.has(type))).toEqual([]);
  });
});

describe('ResourceNames', () => {
  const names = new ResourceNames('marin', 'staging');

  test('builds {project}-{env}-{resource}', () => {
    expect(names.name('call-recordings', 'bucket')).toBe('marin-staging-call-recordings');
    expect(names.secretName('mongodb-uri')).toBe('staging/audio-pipeline/mongodb-uri');
    expect(names.parameterName('network/vpc-id')).toBe('/marin/staging/network/vpc-id');
  });

  test('fails at synth on a name over the AWS limit, saying which', () => {
    expect(() => names.name('transcription-workers', 'loadBalancer')).toThrow('name "marin-staging-transcription-workers" is 35 characters; loadBalancer names allow at most 32');
    expect(() => names.name('vector-search-collection', 'searchCollection')).toThrow(/searchCollection names allow at most 28/);
  });

  test('fails on characters the resource kind does not allow', () => {
    expect(() => names.name('Call_Recordings', 'bucket')).toThrow(/does not match the bucket naming rule/);
  });
});

describe('pascalCase (construct ids, so logical ids, derive from it)', () => {
  test.each([
    ['transcription', 'Transcription'],
    ['api-alb-5xx', 'ApiAlb5xx'],
    ['cache-node1-engine-cpu', 'CacheNode1EngineCpu'],
    ['nat_gateway', 'NatGateway'],
  ])('%s -> %s', (value, expected) => {
    expect(pascalCase(value)).toBe(expected);
  });
});
