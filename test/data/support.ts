import type { EnvironmentName } from '../../environments';
import { stackOf } from '../support/templates';

type Resources = Record<string, {
  Type: string;
  Properties?: Record<string, any>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  DependsOn?: string[];
}>;

/** The data stack's raw resources. */
export function dataResources(envName: EnvironmentName): Resources {
  return stackOf(envName, 'data').json.Resources as Resources;
}

/** Resources of one type, as [logicalId, resource] pairs. */
export function ofType(envName: EnvironmentName, type: string): Array<[string, Resources[string]]> {
  return Object.entries(dataResources(envName)).filter(([, resource]) => resource.Type === type);
}

/** The single resource of a type whose property matches, failing loudly otherwise. */
export function findOne(
  envName: EnvironmentName,
  type: string,
  predicate: (properties: Record<string, any>) => boolean,
): [string, Resources[string]] {
  const matches = ofType(envName, type).filter(([, resource]) => predicate(resource.Properties ?? {}));
  if (matches.length !== 1) throw new Error(`expected one ${type} matching in ${envName}, found ${matches.length}`);
  return matches[0];
}

/**
 * A readable label for a CloudFormation value: literal strings stay, a GetAtt/Ref to a resource of this stack
 * becomes `<type-label>` (queue:<name>, key:data, collection:<name>, role:<name>, ...), joins are concatenated.
 */
export function label(envName: EnvironmentName, value: unknown): string {
  const resources = dataResources(envName);
  const describe = (logicalId: string, attribute?: string): string => {
    const resource = resources[logicalId];
    if (!resource) return `<${logicalId}${attribute ? `.${attribute}` : ''}>`;
    const p = resource.Properties ?? {};
    switch (resource.Type) {
      case 'AWS::SQS::Queue': return `queue:${p.QueueName}`;
      case 'AWS::KMS::Key': return `key:${String(p.Description).split(':')[0]}`;
      case 'AWS::OpenSearchServerless::Collection': return `collection:${p.Name}`;
      case 'AWS::OpenSearchServerless::VpcEndpoint': return `vpce:${p.Name}`;
      case 'AWS::IAM::Role': return `role:${p.RoleName}`;
      case 'AWS::S3::Bucket': return `bucket:${p.BucketName}`;
      case 'AWS::SecretsManager::Secret': return `secret:${p.Name}`;
      case 'AWS::EC2::SecurityGroup': return `sg:${p.GroupDescription}`;
      case 'AWS::ElastiCache::ReplicationGroup': return `cache:${p.ReplicationGroupId}${attribute ? `.${attribute}` : ''}`;
      default: return `${resource.Type}:${logicalId}`;
    }
  };
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value && typeof value === 'object') {
    const v = value as Record<string, any>;
    if ('Fn::GetAtt' in v) return describe(v['Fn::GetAtt'][0], v['Fn::GetAtt'][1] === 'Arn' ? undefined : v['Fn::GetAtt'][1]);
    if ('Ref' in v) return String(v.Ref).startsWith('AWS::') ? `<${v.Ref}>` : describe(v.Ref);
    if ('Fn::Join' in v) return (v['Fn::Join'][1] as unknown[]).map((part) => label(envName, part)).join(v['Fn::Join'][0]);
    if ('Fn::GetStackOutput' in v) return `output:${v['Fn::GetStackOutput'].StackName}/${v['Fn::GetStackOutput'].OutputName}`;
    if ('Fn::ImportValue' in v) return `import:${JSON.stringify(v['Fn::ImportValue'])}`;
  }
  return JSON.stringify(value);
}

/** Parses a JSON policy string that CloudFormation assembles with Fn::Join, labelling the tokens inside. */
export function parseJoinedJson(envName: EnvironmentName, value: unknown): any {
  return JSON.parse(label(envName, value));
}

/** Every statement of a policy document as flat `action on resource` grants (order-free, merge-proof). */
export function grantsOf(envName: EnvironmentName, statements: Array<Record<string, any>>): string[] {
  return statements
    .filter((statement) => statement.Effect === 'Allow')
    .flatMap((statement) => {
      const actions = [statement.Action].flat() as string[];
      const resourceList = [statement.Resource].flat().map((resource) => label(envName, resource));
      return actions.flatMap((action) => resourceList.map((resource) => `${action} on ${resource}`));
    })
    .sort();
}
