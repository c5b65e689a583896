/**
 * The one definition of the resource kinds the day-2 guard rails share: which CloudFormation types hold
 * data, carry a fixed physical name or have create-only properties, which Terraform types of the Atlas
 * stack are protected, and which retained types CloudFormation can adopt by name. Read by the stack policy
 * (./stack-policy.ts, committed as stack-policy.json), the replacement report (scripts/diff/replacements.ts), the tag
 * aspect (./tagging.ts) and the tests. Nothing else keeps a list.
 */

/**
 * Hold data, or the keys and logs needed to read or audit it: outside dev each is retained (or
 * snapshotted) on stack deletion and on replacement (./removal.ts; test/core/data-retention.test.ts).
 */
export const DATA_TYPES: readonly string[] = [
  'AWS::KMS::Key',
  'AWS::S3::Bucket',
  'AWS::SQS::Queue',
  'AWS::SecretsManager::Secret',
  'AWS::ElastiCache::ReplicationGroup',
  'AWS::OpenSearchServerless::Collection',
  'AWS::Logs::LogGroup',
  'AWS::ECR::Repository',
];

/**
 * What the data sits in: the cache, the search endpoint, the Atlas PrivateLink endpoint and the tasks
 * have network interfaces in these. A replacement moves nothing across (the old VPC cannot be deleted
 * while they use it, or everything in it is re-created empty); hold no data themselves, so not retained.
 */
export const NETWORK_FOUNDATION_TYPES: readonly string[] = ['AWS::EC2::VPC', 'AWS::EC2::Subnet'];

/**
 * Stateful: a replacement or removal loses data or what the data depends on. The union of the two lists
 * above, deliberately: the deploy review always refused VPC and subnet replacements, the replacement report
 * now reports them the same way (a subnet CIDR edit is as dangerous before the deploy as during it).
 */
export const STATEFUL_TYPES: readonly string[] = [...DATA_TYPES, ...NETWORK_FOUNDATION_TYPES];

/**
 * Types this app gives a fixed physical name and that are not stateful. CloudFormation cannot replace
 * them in place (the new resource needs the old name: the update fails, or a removal and re-create loses
 * the name to a race).
 */
export const FIXED_NAME_TYPES: readonly string[] = [
  'AWS::ApplicationAutoScaling::ScalingPolicy',
  'AWS::Budgets::Budget',
  'AWS::CloudWatch::Alarm',
  'AWS::CloudWatch::Dashboard',
  'AWS::ECS::Cluster',
  'AWS::ECS::Service',
  'AWS::ElastiCache::SubnetGroup',
  'AWS::ElasticLoadBalancingV2::LoadBalancer',
  'AWS::ElasticLoadBalancingV2::TargetGroup',
  'AWS::IAM::Role',
  'AWS::KMS::Alias',
  'AWS::OpenSearchServerless::AccessPolicy',
  'AWS::OpenSearchServerless::SecurityPolicy',
  'AWS::OpenSearchServerless::VpcEndpoint',
  'AWS::SNS::Topic',
  'AWS::SSM::Parameter',
  'AWS::WAFv2::WebACL',
];

/** Whose replacement or removal the deploy review refuses and the stack policies deny: stateful or fixed-name. */
export const GUARDED_TYPES: readonly string[] = [...STATEFUL_TYPES, ...FIXED_NAME_TYPES];

/**
 * Replaced on almost every image or sizing change by design: a task definition revision is immutable, so
 * ECS registers a new one and the service rolls to it. Never stateful, never a fixed name.
 */
export const ALWAYS_REPLACED_TYPES: readonly string[] = ['AWS::ECS::TaskDefinition'];

/**
 * Create-only properties this app sets on fixed-name resources: changing one replaces the resource, and
 * the replacement fails ("already exists") unless its name changes too. Checked against
 * `@aws-cdk/cloudformation-diff`'s own knowledge in test/diff/replacements.test.ts. The safe path for each is
 * in docs/runbook.md ("Creation-time settings").
 */
export const CREATE_ONLY_PROPERTIES: Readonly<Record<string, readonly string[]>> = {
  'AWS::OpenSearchServerless::Collection': ['Name', 'StandbyReplicas', 'Tags', 'Type'],
  'AWS::Budgets::Budget': ['NotificationsWithSubscribers'],
};

/** Fixed-name types whose `Tags` are create-only: the tag aspect skips them (./tagging.ts). */
export const CREATE_ONLY_TAG_TYPES: readonly string[] = Object.keys(CREATE_ONLY_PROPERTIES).filter((type) => CREATE_ONLY_PROPERTIES[type].includes('Tags'));

/**
 * Retained types CloudFormation can adopt by name when a stack is re-created (`cdk deploy
 * --import-existing-resources`: a static name in the template that is the type's primary identifier,
 * `DeletionPolicy` Retain or RetainExceptOnCreate, a type that supports resource import), with that name
 * property. The stateless stacks may retain only these, named; their deploys pass `--import-existing-resources`.
 */
export const IMPORTABLE_BY_NAME: Readonly<Record<string, string>> = {
  'AWS::ECR::Repository': 'RepositoryName',
  'AWS::Logs::LogGroup': 'LogGroupName',
};

/** Terraform resource types of the Atlas stack whose destroy or replacement loses data or connectivity. */
export const PROTECTED_TERRAFORM_TYPES: readonly string[] = [
  'mongodbatlas_project',
  'mongodbatlas_advanced_cluster',
  'mongodbatlas_cloud_backup_schedule',
  'mongodbatlas_privatelink_endpoint',
  'mongodbatlas_privatelink_endpoint_service',
];
