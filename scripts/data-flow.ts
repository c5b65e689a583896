/**
 * The data-flow picture of one environment, read from its synthesized CloudFormation templates (not
 * from a list kept here): who may talk to whom, and how data moves.
 *
 * Edges and where they come from:
 * - client → WAF → ALB → service: the WebACL association, the listener's target group, the service's
 *   load balancer entry;
 * - client → bucket (presigned PUT): `s3:PutObject` granted to a load-balanced service's task role
 *   (the URL it signs carries that permission);
 * - service → bucket (write) / bucket ⇢ service (read): `s3:PutObject` / `s3:GetObject` in the task
 *   role's policies;
 * - bucket → queue (ObjectCreated): the bucket's `NotificationConfiguration`;
 * - queue → service (consume) / service → queue (send): `sqs:ReceiveMessage` / `sqs:SendMessage`;
 * - queue ⇢ DLQ: the queue's `RedrivePolicy`;
 * - service → vector search: `aoss:APIAccessAll` in the role's policies, read or write from the
 *   collection's data access policy;
 * - service → cache: an ingress rule of the cache's security group from a group the service runs in;
 * - service → Atlas: a task whose secrets include the Atlas connection string (the path, PrivateLink
 *   or the NAT addresses' access list, is the environment's `atlas.connectivity`);
 * - service ⇢ Secrets Manager: the task definition's secrets.
 * Cross-stack values are followed through `Fn::GetStackOutput` / `Fn::ImportValue` to the resource
 * they name. Nodes with no edge are not drawn.
 */
import type { EnvironmentConfig } from '../environments';

/** A CloudFormation template, as far as this module reads it. */
export interface FlowTemplate {
  readonly Resources?: Record<string, { readonly Type: string; readonly Properties?: Record<string, unknown> }>;
  readonly Outputs?: Record<string, { readonly Value: unknown; readonly Export?: { readonly Name?: unknown } }>;
}

/** A resource of the assembly: its stack and logical id. */
interface ResourceRef {
  readonly stack: string;
  readonly logicalId: string;
}

type Json = unknown;

export interface FlowEdge {
  readonly from: string;
  readonly to: string;
  readonly label: string;
  /** Reads, lookups and failure paths are dotted; data written or handed on is solid. */
  readonly dotted: boolean;
}

export interface FlowNode {
  readonly id: string;
  readonly label: string;
  readonly shape: 'actor' | 'edge' | 'service' | 'task' | 'bucket' | 'queue' | 'store';
}

export interface DataFlow {
  readonly nodes: ReadonlyMap<string, FlowNode>;
  readonly edges: readonly FlowEdge[];
  /** Facts that differ per environment, read from the same templates (and the Atlas config). */
  readonly facts: EnvironmentFacts;
}

export interface EnvironmentFacts {
  readonly waf: boolean;
  readonly listeners: readonly string[];
  readonly natGateways: number;
  readonly atlasPath: string;
  readonly searchStandby: boolean;
  readonly cacheNodes: number;
  readonly cacheMultiAz: boolean;
}

const PREFIX_STRIP = /^[a-z0-9]+-[a-z0-9]+-/;

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads an assembly's templates by stack name and follows references across them. */
class Assembly {
  private readonly exportsByName = new Map<string, ResourceRef | undefined>();

  constructor(readonly templates: ReadonlyMap<string, FlowTemplate>) {
    for (const [stack, template] of templates) {
      for (const output of Object.values(template.Outputs ?? {})) {
        const name = output.Export?.Name;
        if (typeof name === 'string') this.exportsByName.set(name, this.target(output.Value, stack));
      }
    }
  }

  resources(type: string): Array<ResourceRef & { properties: Record<string, Json> }> {
    const found: Array<ResourceRef & { properties: Record<string, Json> }> = [];
    for (const [stack, template] of this.templates) {
      for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
        if (resource.Type === type) found.push({ stack, logicalId, properties: resource.Properties ?? {} });
      }
    }
    return found.sort((a, b) => key(a).localeCompare(key(b)));
  }

  properties(ref: ResourceRef): Record<string, Json> {
    return this.templates.get(ref.stack)?.Resources?.[ref.logicalId]?.Properties ?? {};
  }

  type(ref: ResourceRef): string | undefined {
    return this.templates.get(ref.stack)?.Resources?.[ref.logicalId]?.Type;
  }

  /** The resource a `Ref`, `Fn::GetAtt`, `Fn::GetStackOutput` or `Fn::ImportValue` names, if any. */
  target(value: Json, stack: string): ResourceRef | undefined {
    if (!isObject(value)) return undefined;
    if (typeof value.Ref === 'string') return this.templates.get(stack)?.Resources?.[value.Ref] ? { stack, logicalId: value.Ref } : undefined;
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return { stack, logicalId: getAtt[0] };
    const output = value['Fn::GetStackOutput'];
    if (isObject(output) && typeof output.StackName === 'string' && typeof output.OutputName === 'string') {
      const source = this.templates.get(output.StackName)?.Outputs?.[output.OutputName];
      return source ? this.target(source.Value, output.StackName) : undefined;
    }
    const imported = value['Fn::ImportValue'];
    if (typeof imported === 'string') return this.exportsByName.get(imported);
    return undefined;
  }

  /** A value as text: literals kept, `Fn::Join` joined, each reference written as `«stack/logicalId»`. */
  text(value: Json, stack: string): string {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (isObject(value) && Array.isArray(value['Fn::Join'])) {
      const [separator, parts] = value['Fn::Join'] as [string, Json[]];
      return (Array.isArray(parts) ? parts : []).map((part) => this.text(part, stack)).join(separator);
    }
    const ref = this.target(value, stack);
    if (ref) return `«${key(ref)}»`;
    if (isObject(value) && typeof value.Ref === 'string') return `{${value.Ref}}`;
    return JSON.stringify(value);
  }
}

function key(ref: ResourceRef): string {
  return `${ref.stack}/${ref.logicalId}`;
}

function asArray(value: Json): Json[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function shortName(name: string): string {
  return name.replace(PREFIX_STRIP, '');
}

/** A readable Mermaid id: the stack's component and the logical id without CDK's hash suffix. */
function nodeIdOf(ref: ResourceRef): string {
  return `${shortName(ref.stack)}_${ref.logicalId.replace(/[0-9A-F]{8}$/, '')}`.replace(/[^A-Za-z0-9]/g, '_');
}

interface Workload {
  readonly node: FlowNode;
  readonly taskDefinition: ResourceRef;
  readonly taskRole?: ResourceRef;
  readonly securityGroups: readonly ResourceRef[];
  readonly behindLoadBalancer: readonly ResourceRef[];
}

/** Reads the data flow of one environment from its templates (stack name → template). */
export function readDataFlow(templates: ReadonlyMap<string, FlowTemplate>, config: EnvironmentConfig): DataFlow {
  const assembly = new Assembly(templates);
  const nodes = new Map<string, FlowNode>();
  const edges = new Map<string, FlowEdge>();
  const addEdge = (from: FlowNode, to: FlowNode, label: string, dotted = false): void => {
    nodes.set(from.id, from);
    nodes.set(to.id, to);
    const edge = { from: from.id, to: to.id, label, dotted };
    edges.set(`${edge.from}>${edge.to}>${label}`, edge);
  };
  const client: FlowNode = { id: 'client', label: 'client', shape: 'actor' };

  // Buckets by physical name: policies name them by ARN.
  const bucketsByName = new Map<string, FlowNode>();
  const bucketNodes = new Map<string, FlowNode>();
  for (const bucket of assembly.resources('AWS::S3::Bucket')) {
    const name = assembly.text(bucket.properties.BucketName ?? bucket.logicalId, bucket.stack);
    const node: FlowNode = { id: nodeIdOf(bucket), label: `S3 ${shortName(name)}`, shape: 'bucket' };
    bucketsByName.set(name, node);
    bucketNodes.set(key(bucket), node);
  }
  const queueNodes = new Map<string, FlowNode>();
  for (const queue of assembly.resources('AWS::SQS::Queue')) {
    const name = assembly.text(queue.properties.QueueName ?? queue.logicalId, queue.stack);
    queueNodes.set(key(queue), { id: nodeIdOf(queue), label: `SQS ${shortName(name)}`, shape: 'queue' });
  }
  const collections = new Map<string, FlowNode>();
  for (const collection of assembly.resources('AWS::OpenSearchServerless::Collection')) {
    const name = String(collection.properties.Name ?? collection.logicalId);
    collections.set(key(collection), { id: nodeIdOf(collection), label: `OpenSearch Serverless ${shortName(name)} (${collection.properties.Type ?? 'collection'})`, shape: 'store' });
  }
  const secretsNode: FlowNode = { id: 'secrets', label: `Secrets Manager ${config.name}/audio-pipeline/*`, shape: 'store' };
  const atlasPath = config.atlas.connectivity === 'private-link' ? 'PrivateLink' : 'NAT IPs (access list)';
  const atlasNode: FlowNode = { id: 'atlas', label: `MongoDB Atlas ${config.atlas.instanceSize}, over ${atlasPath}`, shape: 'store' };

  // Workloads: ECS services, and task definitions no service runs (started on demand).
  const workloads: Workload[] = [];
  const runByService = new Set<string>();
  for (const service of assembly.resources('AWS::ECS::Service')) {
    const taskDefinition = assembly.target(service.properties.TaskDefinition, service.stack);
    if (!taskDefinition) continue;
    runByService.add(key(taskDefinition));
    const network = service.properties.NetworkConfiguration as
      { AwsvpcConfiguration?: { SecurityGroups?: Json[] } } | undefined;
    const vpc = network?.AwsvpcConfiguration;
    const name = assembly.text(service.properties.ServiceName ?? service.logicalId, service.stack);
    workloads.push({
      node: { id: nodeIdOf(service), label: `${shortName(name)} service`, shape: 'service' },
      taskDefinition,
      taskRole: assembly.target(assembly.properties(taskDefinition).TaskRoleArn, taskDefinition.stack),
      securityGroups: asArray(vpc?.SecurityGroups).flatMap((group) => assembly.target(group, service.stack) ?? []),
      behindLoadBalancer: asArray(service.properties.LoadBalancers).flatMap((entry) =>
        isObject(entry) ? (assembly.target(entry.TargetGroupArn, service.stack) ?? []) : [],
      ),
    });
  }
  for (const taskDefinition of assembly.resources('AWS::ECS::TaskDefinition')) {
    if (runByService.has(key(taskDefinition))) continue;
    const family = assembly.text(taskDefinition.properties.Family ?? taskDefinition.logicalId, taskDefinition.stack);
    workloads.push({
      node: { id: nodeIdOf(taskDefinition), label: `${shortName(family)} task (on demand)`, shape: 'task' },
      taskDefinition,
      taskRole: assembly.target(taskDefinition.properties.TaskRoleArn, taskDefinition.stack),
      securityGroups: [],
      behindLoadBalancer: [],
    });
  }

  // client → (WAF) → ALB → service.
  const waf = assembly.resources('AWS::WAFv2::WebACLAssociation');
  const listeners: string[] = [];
  for (const loadBalancer of assembly.resources('AWS::ElasticLoadBalancingV2::LoadBalancer')) {
    const albNode: FlowNode = { id: nodeIdOf(loadBalancer), label: 'ALB', shape: 'edge' };
    const protected_ = waf.filter((association) => {
      const target = assembly.target(association.properties.ResourceArn, association.stack);
      return target !== undefined && key(target) === key(loadBalancer);
    });
    const lbListeners = assembly
      .resources('AWS::ElasticLoadBalancingV2::Listener')
      .filter((listener) => {
        const target = assembly.target(listener.properties.LoadBalancerArn, listener.stack) ?? listener;
        return key(target) === key(loadBalancer);
      });
    const entry = lbListeners.map((l) => `${l.properties.Protocol} ${l.properties.Port}`).sort();
    listeners.push(...entry);
    const ingress = entry.join(', ');
    if (protected_.length > 0) {
      const wafNode: FlowNode = { id: nodeIdOf(protected_[0]), label: 'AWS WAF', shape: 'edge' };
      addEdge(client, wafNode, ingress);
      addEdge(wafNode, albNode, 'allowed requests');
    } else {
      addEdge(client, albNode, ingress);
    }
    const targetGroups = new Set(
      lbListeners.flatMap((listener) =>
        asArray(listener.properties.DefaultActions).flatMap((action) => {
          const target = isObject(action) ? assembly.target(action.TargetGroupArn, listener.stack) : undefined;
          return target ? [key(target)] : [];
        }),
      ),
    );
    for (const workload of workloads) {
      const group = workload.behindLoadBalancer.find((tg) => targetGroups.has(key(tg)));
      if (group) addEdge(albNode, workload.node, `port ${assembly.properties(group).Port ?? '?'}`);
    }
  }

  // Task role policies: buckets, queues, search.
  const policies = [...assembly.resources('AWS::IAM::ManagedPolicy'), ...assembly.resources('AWS::IAM::Policy')];
  const accessPolicies = assembly.resources('AWS::OpenSearchServerless::AccessPolicy');
  for (const workload of workloads) {
    const role = workload.taskRole;
    if (!role) continue;
    const statements = policies
      .filter((policy) => asArray(policy.properties.Roles).some((r) => key(assembly.target(r, policy.stack) ?? { stack: '', logicalId: '' }) === key(role)))
      .flatMap((policy) =>
        asArray((policy.properties.PolicyDocument as { Statement?: Json } | undefined)?.Statement)
          .map((statement) => ({ statement, stack: policy.stack })),
      );
    for (const { statement, stack } of statements) {
      if (!isObject(statement) || statement.Effect === 'Deny') continue;
      const actions = asArray(statement.Action).map(String);
      for (const resource of asArray(statement.Resource)) {
        const target = assembly.target(resource, stack);
        const text = assembly.text(resource, stack);
        const bucketName = /^arn:[^:]*:s3:::([^/*]+)/.exec(text.replace(/\{AWS::Partition\}/g, 'aws'))?.[1];
        const bucket = bucketName ? bucketsByName.get(bucketName) : target ? bucketNodes.get(key(target)) : undefined;
        if (bucket) {
          if (actions.some((a) => a === 's3:PutObject' || a === 's3:*')) {
            if (workload.behindLoadBalancer.length > 0) addEdge(client, bucket, `presigned PUT (signed by ${workload.node.label})`);
            else addEdge(workload.node, bucket, 'write');
          }
          if (actions.some((a) => a === 's3:GetObject' || a === 's3:*')) addEdge(bucket, workload.node, 'read', true);
        }
        const queue = target ? queueNodes.get(key(target)) : undefined;
        if (queue) {
          if (actions.includes('sqs:ReceiveMessage')) addEdge(queue, workload.node, 'consume');
          if (actions.includes('sqs:SendMessage')) addEdge(workload.node, queue, 'send');
        }
        const collection = target ? collections.get(key(target)) : undefined;
        if (collection && actions.some((a) => a.startsWith('aoss:'))) {
          addEdge(workload.node, collection, searchAccess(assembly, accessPolicies, role));
        }
      }
    }
  }

  // Bucket notifications.
  for (const bucket of assembly.resources('AWS::S3::Bucket')) {
    const configuration = bucket.properties.NotificationConfiguration as { QueueConfigurations?: Json[] } | undefined;
    for (const entry of asArray(configuration?.QueueConfigurations)) {
      if (!isObject(entry)) continue;
      const target = assembly.target(entry.Queue, bucket.stack);
      const queue = target ? queueNodes.get(key(target)) : undefined;
      if (queue) addEdge(bucketNodes.get(key(bucket))!, queue, String(entry.Event ?? '').replace(/^s3:|:\*$/g, ''));
    }
  }

  // Dead-letter queues: only for queues already in the picture.
  for (const queue of assembly.resources('AWS::SQS::Queue')) {
    const redrive = queue.properties.RedrivePolicy;
    if (!isObject(redrive)) continue;
    const source = queueNodes.get(key(queue))!;
    const target = assembly.target(redrive.deadLetterTargetArn, queue.stack);
    if (!nodes.has(source.id) || !target) continue;
    addEdge(source, { ...queueNodes.get(key(target))!, shape: 'queue' }, `after ${redrive.maxReceiveCount} receives`, true);
  }

  // Cache: security-group ingress from a group a service runs in.
  const cacheFacts = { nodes: 0, multiAz: false };
  for (const cache of assembly.resources('AWS::ElastiCache::ReplicationGroup')) {
    const p = cache.properties;
    const clusterModeNodes = Number(p.NumNodeGroups ?? 1) * (1 + Number(p.ReplicasPerNodeGroup ?? 0));
    cacheFacts.nodes += Number(p.NumCacheClusters ?? clusterModeNodes);
    cacheFacts.multiAz ||= p.MultiAZEnabled === true;
    const cacheNode: FlowNode = {
      id: nodeIdOf(cache),
      label: `ElastiCache ${p.Engine ?? 'redis'} ${p.CacheNodeType ?? ''}${p.TransitEncryptionEnabled === true ? ', TLS' : ''}`.trim(),
      shape: 'store',
    };
    const cacheGroups = new Set(
      asArray(p.SecurityGroupIds)
        .flatMap((g) => assembly.target(g, cache.stack) ?? [])
        .map(key),
    );
    const ingressRules = assembly
      .resources('AWS::EC2::SecurityGroupIngress')
      .filter((rule) => cacheGroups.has(key(assembly.target(rule.properties.GroupId, rule.stack) ?? rule)));
    for (const workload of workloads) {
      const groups = new Set(workload.securityGroups.map(key));
      const rule = ingressRules
        .find((r) => groups.has(key(assembly.target(r.properties.SourceSecurityGroupId, r.stack) ?? r)));
      if (rule) addEdge(workload.node, cacheNode, `port ${rule.properties.FromPort}`);
    }
  }

  // Secrets and Atlas, from the task definitions' secrets.
  for (const workload of workloads) {
    const containers = asArray(assembly.properties(workload.taskDefinition).ContainerDefinitions);
    const names = new Set<string>();
    for (const container of containers) {
      for (const secret of asArray(isObject(container) ? container.Secrets : undefined)) {
        if (!isObject(secret)) continue;
        const target = assembly.target(secret.ValueFrom, workload.taskDefinition.stack);
        const secretName = target
          ? assembly.text(assembly.properties(target).Name ?? target.logicalId, target.stack)
          : String(secret.Name);
        names.add(String(secret.Name));
        if (secretName.endsWith('/mongodb-uri')) addEdge(workload.node, atlasNode, config.atlas.databaseAuth === 'aws-iam' ? 'MONGODB-AWS (task role)' : 'password user');
      }
    }
    if (names.size > 0) addEdge(secretsNode, workload.node, [...names].sort().join(', '), true);
  }

  const natGateways = assembly.resources('AWS::EC2::NatGateway').length;
  const searchStandby = assembly.resources('AWS::OpenSearchServerless::Collection').some((c) => c.properties.StandbyReplicas === 'ENABLED');
  const sortedEdges = [...edges.values()].sort((a, b) => `${a.from}>${a.to}>${a.label}`.localeCompare(`${b.from}>${b.to}>${b.label}`));
  return {
    nodes,
    edges: sortedEdges,
    facts: {
      waf: waf.length > 0,
      listeners: [...new Set(listeners)].sort(),
      natGateways,
      atlasPath,
      searchStandby,
      cacheNodes: cacheFacts.nodes,
      cacheMultiAz: cacheFacts.multiAz,
    },
  };
}

/** `read` or `read/write` for one role, from the collection's data access policy (a JSON document). */
function searchAccess(assembly: Assembly, accessPolicies: ReturnType<Assembly['resources']>, role: ResourceRef): string {
  const permissions = new Set<string>();
  for (const policy of accessPolicies) {
    let document: Json;
    try {
      document = JSON.parse(assembly.text(policy.properties.Policy, policy.stack));
    } catch {
      continue;
    }
    for (const rule of asArray(document)) {
      if (!isObject(rule) || !asArray(rule.Principal).includes(`«${key(role)}»`)) continue;
      for (const entry of asArray(rule.Rules)) {
        if (isObject(entry)) asArray(entry.Permission).forEach((p) => permissions.add(String(p)));
      }
    }
  }
  const writes = [...permissions].some((p) => /Write|Create|Update/.test(p));
  return writes ? 'index (read/write)' : 'query (read)';
}

const SHAPES: Record<FlowNode['shape'], [string, string]> = {
  actor: ['((', '))'],
  edge: ['[/', '/]'],
  service: ['(', ')'],
  task: ['([', '])'],
  bucket: ['[(', ')]'],
  queue: ['[[', ']]'],
  store: ['[(', ')]'],
};

/** Mermaid flowchart lines for a data flow (deterministic: nodes and edges sorted). */
export function renderDataFlow(flow: DataFlow): string[] {
  const lines = ['flowchart LR'];
  for (const node of [...flow.nodes.values()].sort((a, b) => a.id.localeCompare(b.id))) {
    const [open, close] = SHAPES[node.shape];
    lines.push(`  ${node.id}${open}"${node.label}"${close}`);
  }
  for (const edge of flow.edges) {
    lines.push(`  ${edge.from} ${edge.dotted ? '-.->' : '-->'}|${edge.label}| ${edge.to}`);
  }
  return lines;
}

/**
 * The edges of `flow`, keyed by node ids and edge label (ids name the resource, not the environment, so
 * the keys of two environments compare), each with a readable description.
 */
export function describeEdges(flow: DataFlow): Map<string, string> {
  const label = (id: string): string => flow.nodes.get(id)?.label ?? id;
  return new Map(
    flow.edges.map((edge) => [`${edge.from}>${edge.to}>${edge.label}`, `${label(edge.from)} ${edge.dotted ? '⇢' : '→'} ${label(edge.to)} (${edge.label})`]),
  );
}
