/**
 * npm run diagram          regenerates docs/architecture-diagram.md
 * npm run diagram:check    exit 1 when the committed file differs from a fresh render (CI runs it)
 *
 * Synthesizes every environment offline (no AWS) and draws, from the cloud assemblies only: prod's stacks in
 * dependency order with the Atlas (CDKTF) hand-offs; prod's data flow (every edge a bucket notification, a
 * task-role grant, a security-group rule or load-balancer wiring in the templates: see readFlow); and what dev
 * and staging draw differently. Deterministic: sorted, without hashes, tokens or dates.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { EnvironmentConfig } from '../environments';
import { ENVIRONMENT_NAMES, type EnvironmentName } from '../environments/names';
import { STACK_COMPONENTS } from '../lib/contracts';
import { atlasStackName } from '../lib/handoff';
import { reportOnlyContext } from './lib/cdk-context';
import { parseArgs, runMain } from './lib/cli';

export const DIAGRAM_FILE = join(__dirname, '..', 'docs', 'architecture-diagram.md');

type Json = unknown;
export interface Template {
  readonly Resources?: Record<string, { readonly Type: string; readonly Properties?: Record<string, Json> }>;
  readonly Outputs?: Record<string, { readonly Value: Json }>;
}
/** One environment as the diagram reads it: its config and its synthesized stacks. */
export interface SynthesizedEnvironment {
  readonly config: EnvironmentConfig;
  readonly stacks: ReadonlyArray<{ readonly name: string; readonly template: Template; readonly dependsOn: string[] }>;
}
interface Ref { readonly stack: string; readonly id: string }
type Resource = Ref & { readonly p: Record<string, Json> };
interface FlowNode { readonly id: string; readonly label: string; readonly shape: string; readonly stack?: string }
interface Flow { readonly nodes: Map<string, FlowNode>; readonly edges: Map<string, string> }

const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const asArray = (v: Json): Json[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const keyOf = (ref: Ref | undefined): string => (ref ? `${ref.stack}/${ref.id}` : '');
/** `marin-prod-transcripts` → `transcripts`. */
const short = (name: string): string => name.replace(/^[a-z0-9]+-[a-z0-9]+-/, '');
const SHAPES = { actor: '((_))', edge: '[/_/]', service: '(_)', task: '([_])', queue: '[[_]]', store: '[(_)]' };

/** The stacks of a cloud assembly, in dependency order, with the stacks each one depends on. */
export function stacksOf(assembly: CloudAssembly): SynthesizedEnvironment['stacks'] {
  const names = new Map(assembly.stacks.map((stack) => [stack.id, stack.stackName]));
  return assembly.stacks.map((stack) => ({
    name: stack.stackName,
    template: stack.template as Template,
    dependsOn: stack.dependencies.flatMap((d) => names.get(d.id) ?? []),
  }));
}

/** Reads the templates of one environment and follows `Ref`, `Fn::GetAtt` and `Fn::GetStackOutput` across them. */
class Templates {
  constructor(private readonly byStack: ReadonlyMap<string, Template>) {}

  resources(type: string): Resource[] {
    return [...this.byStack].flatMap(([stack, template]) => Object.entries(template.Resources ?? {})
      .filter(([, r]) => r.Type === type)
      .map(([id, r]) => ({ stack, id, p: r.Properties ?? {} })))
      .sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
  }

  props(ref: Ref | undefined): Record<string, Json> {
    return (ref && this.byStack.get(ref.stack)?.Resources?.[ref.id]?.Properties) ?? {};
  }

  target(value: Json, stack: string): Ref | undefined {
    if (!isObject(value)) return undefined;
    if (typeof value.Ref === 'string') {
      return this.byStack.get(stack)?.Resources?.[value.Ref] ? { stack, id: value.Ref } : undefined;
    }
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return { stack, id: String(getAtt[0]) };
    const output = value['Fn::GetStackOutput'];
    if (!isObject(output)) return undefined;
    const source = this.byStack.get(String(output.StackName))?.Outputs?.[String(output.OutputName)];
    return source && this.target(source.Value, String(output.StackName));
  }

  /** A value as text: literals kept, `Fn::Join` joined, a reference written as `«stack/id»`. */
  text(value: Json, stack: string): string {
    if (typeof value === 'string' || typeof value === 'number') return String(value);
    const join = isObject(value) ? value['Fn::Join'] : undefined;
    if (Array.isArray(join)) return asArray(join[1]).map((part) => this.text(part, stack)).join(String(join[0]));
    return `«${keyOf(this.target(value, stack))}»`;
  }
}

/** The data flow of one environment, read from its templates. */
export function readFlow({ config, stacks }: SynthesizedEnvironment): Flow {
  const t = new Templates(new Map(stacks.map((s) => [s.name, s.template])));
  const flow: Flow = { nodes: new Map(), edges: new Map() };
  const node = (ref: Ref, label: string, shape: keyof typeof SHAPES): FlowNode => ({
    id: `${short(ref.stack)}_${ref.id.replace(/[0-9A-F]{8}$/, '')}`, label, shape, stack: ref.stack,
  });
  const edge = (from: FlowNode, to: FlowNode, label: string, dotted = false): void => {
    flow.nodes.set(from.id, from).set(to.id, to);
    flow.edges.set(`${from.id} ${dotted ? '-.->' : '-->'}|${label}| ${to.id}`, `${from.label} ${dotted ? '⇢' : '→'} ${to.label} (${label})`);
  };
  const nodesOf = (type: string, label: (r: Resource) => string, shape: keyof typeof SHAPES) =>
    new Map(t.resources(type).map((r) => [keyOf(r), node(r, label(r), shape)]));
  const client: FlowNode = { id: 'client', label: 'client', shape: 'actor' };
  const atlasPath = config.atlas.connectivity === 'private-link' ? 'PrivateLink' : 'NAT IPs (access list)';
  const atlas: FlowNode = { id: 'atlas', label: `MongoDB Atlas ${config.atlas.instanceSize}, over ${atlasPath}`, shape: 'store' };
  const bucketName = (b: Resource): string => t.text(b.p.BucketName ?? b.id, b.stack);
  const buckets = nodesOf('AWS::S3::Bucket', (b) => `S3 ${short(bucketName(b))}`, 'store');
  const bucketsByName = new Map(t.resources('AWS::S3::Bucket').map((b) => [bucketName(b), buckets.get(keyOf(b))!]));
  const queues = nodesOf('AWS::SQS::Queue', (q) => `SQS ${short(t.text(q.p.QueueName ?? q.id, q.stack))}`, 'queue');
  const collections = nodesOf('AWS::OpenSearchServerless::Collection',
    (c) => `OpenSearch Serverless ${short(String(c.p.Name))} (${c.p.Type})`, 'store');

  // Workloads: ECS services, and the task definitions no service runs (started on demand).
  const workloads = t.resources('AWS::ECS::Service').map((service) => {
    const vpc = service.p.NetworkConfiguration as { AwsvpcConfiguration?: { SecurityGroups?: Json } } | undefined;
    return {
      node: node(service, `${short(t.text(service.p.ServiceName, service.stack))} service`, 'service'),
      taskDefinition: t.target(service.p.TaskDefinition, service.stack)!,
      groups: asArray(vpc?.AwsvpcConfiguration?.SecurityGroups).map((g) => keyOf(t.target(g, service.stack))),
      targetGroups: asArray(service.p.LoadBalancers)
        .map((lb) => t.target(isObject(lb) && lb.TargetGroupArn, service.stack)),
    };
  });
  const runByService = new Set(workloads.map((w) => keyOf(w.taskDefinition)));
  for (const task of t.resources('AWS::ECS::TaskDefinition').filter((d) => !runByService.has(keyOf(d)))) {
    const family = short(t.text(task.p.Family, task.stack));
    workloads.push({ node: node(task, `${family} task (on demand)`, 'task'), taskDefinition: task, groups: [], targetGroups: [] });
  }

  // client → (WAF) → ALB → service.
  for (const alb of t.resources('AWS::ElasticLoadBalancingV2::LoadBalancer')) {
    const albNode = node(alb, 'ALB', 'edge');
    const listeners = t.resources('AWS::ElasticLoadBalancingV2::Listener')
      .filter((l) => keyOf(t.target(l.p.LoadBalancerArn, l.stack)) === keyOf(alb));
    const ingress = listeners.map((l) => `${l.p.Protocol} ${l.p.Port}`).sort().join(', ');
    const waf = t.resources('AWS::WAFv2::WebACLAssociation')
      .find((a) => keyOf(t.target(a.p.ResourceArn, a.stack)) === keyOf(alb));
    if (waf) {
      edge(client, node(waf, 'AWS WAF', 'edge'), ingress);
      edge(node(waf, 'AWS WAF', 'edge'), albNode, 'allowed requests');
    } else {
      edge(client, albNode, ingress);
    }
    const forwarded = new Set(listeners.flatMap((l) => asArray(l.p.DefaultActions)
      .map((action) => keyOf(t.target(isObject(action) && action.TargetGroupArn, l.stack)))));
    for (const workload of workloads) {
      const group = workload.targetGroups.find((tg) => forwarded.has(keyOf(tg)));
      if (group) edge(albNode, workload.node, `port ${t.props(group).Port}`);
    }
  }

  // Task-role grants: buckets, queues, search.
  const policies = [...t.resources('AWS::IAM::ManagedPolicy'), ...t.resources('AWS::IAM::Policy')];
  for (const workload of workloads) {
    const role = keyOf(t.target(t.props(workload.taskDefinition).TaskRoleArn, workload.taskDefinition.stack));
    const grants = policies
      .filter((policy) => role && asArray(policy.p.Roles).some((r) => keyOf(t.target(r, policy.stack)) === role))
      .flatMap((policy) => asArray((policy.p.PolicyDocument as { Statement?: Json }).Statement)
        .map((statement) => ({ statement: statement as Record<string, Json>, stack: policy.stack })));
    for (const { statement, stack } of grants.filter((g) => g.statement.Effect === 'Allow')) {
      const actions = asArray(statement.Action).map(String);
      for (const resource of asArray(statement.Resource)) {
        const target = keyOf(t.target(resource, stack));
        const arnBucket = /^arn:[^:]*:s3:::([^/*]+)/.exec(t.text(resource, stack))?.[1];
        const bucket = buckets.get(target) ?? bucketsByName.get(arnBucket ?? '');
        if (bucket && actions.some((a) => a === 's3:PutObject' || a === 's3:*')) {
          if (workload.targetGroups.length > 0) edge(client, bucket, `presigned PUT (signed by ${workload.node.label})`);
          else edge(workload.node, bucket, 'write');
        }
        if (bucket && actions.some((a) => a === 's3:GetObject' || a === 's3:*')) edge(bucket, workload.node, 'read', true);
        const queue = queues.get(target);
        if (queue && actions.includes('sqs:ReceiveMessage')) edge(queue, workload.node, 'consume');
        if (queue && actions.includes('sqs:SendMessage')) edge(workload.node, queue, 'send');
        const collection = collections.get(target);
        if (collection && actions.some((a) => a.startsWith('aoss:'))) edge(workload.node, collection, searchAccess(t, role));
      }
    }
  }

  // Bucket notifications, then the dead-letter queues of the queues already drawn.
  for (const bucket of t.resources('AWS::S3::Bucket')) {
    const notifications = bucket.p.NotificationConfiguration as { QueueConfigurations?: Json } | undefined;
    for (const entry of asArray(notifications?.QueueConfigurations).filter(isObject)) {
      const queue = queues.get(keyOf(t.target(entry.Queue, bucket.stack)));
      if (queue) edge(buckets.get(keyOf(bucket))!, queue, String(entry.Event).replace(/^s3:|:\*$/g, ''));
    }
  }
  for (const queue of t.resources('AWS::SQS::Queue').filter((q) => isObject(q.p.RedrivePolicy))) {
    const redrive = queue.p.RedrivePolicy as Record<string, Json>;
    const dlq = queues.get(keyOf(t.target(redrive.deadLetterTargetArn, queue.stack)));
    const source = queues.get(keyOf(queue))!;
    if (dlq && flow.nodes.has(source.id)) edge(source, dlq, `after ${redrive.maxReceiveCount} receives`, true);
  }

  // Cache: an ingress rule of its security group from a group a workload runs in.
  const ingressRules = t.resources('AWS::EC2::SecurityGroupIngress');
  for (const cache of t.resources('AWS::ElastiCache::ReplicationGroup')) {
    const tls = cache.p.TransitEncryptionEnabled === true ? ', TLS' : '';
    const cacheNode = node(cache, `ElastiCache ${cache.p.Engine} ${cache.p.CacheNodeType}${tls}`, 'store');
    const cacheGroups = asArray(cache.p.SecurityGroupIds).map((g) => keyOf(t.target(g, cache.stack)));
    for (const workload of workloads) {
      const rule = ingressRules.find((r) => cacheGroups.includes(keyOf(t.target(r.p.GroupId, r.stack)))
        && workload.groups.includes(keyOf(t.target(r.p.SourceSecurityGroupId, r.stack))));
      if (rule) edge(workload.node, cacheNode, `port ${rule.p.FromPort}`);
    }
  }

  // Atlas: a task given the mongodb-uri secret.
  const auth = config.atlas.databaseAuth === 'aws-iam' ? 'MONGODB-AWS (task role)' : 'password user';
  for (const workload of workloads) {
    const secrets = asArray(t.props(workload.taskDefinition).ContainerDefinitions)
      .flatMap((c) => asArray(isObject(c) ? c.Secrets : undefined))
      .map((s) => t.target(isObject(s) && s.ValueFrom, workload.taskDefinition.stack));
    if (secrets.some((s) => String(t.props(s).Name).endsWith('/mongodb-uri'))) edge(workload.node, atlas, auth);
  }
  return flow;
}

/** `query (read)` or `index (read/write)`: what the collection's data access policies grant `role`. */
function searchAccess(t: Templates, role: string): string {
  const rules = t.resources('AWS::OpenSearchServerless::AccessPolicy')
    .flatMap((policy) => asArray(JSON.parse(t.text(policy.p.Policy, policy.stack))))
    .filter((rule) => isObject(rule) && asArray(rule.Principal).includes(`«${role}»`));
  return /Write|Create|Update/.test(JSON.stringify(rules)) ? 'index (read/write)' : 'query (read)';
}

/** The stacks (the assembly lists them in dependency order), with the Atlas stack's hand-offs. */
function renderStacks({ config, stacks: ordered }: SynthesizedEnvironment): string[] {
  const stateful = (name: string): boolean =>
    STACK_COMPONENTS.some((c) => c.stateful && c.component === short(name));
  const id = (name: string): string => `stack_${short(name)}`;
  const atlas = `atlas_${config.name}`;
  return [
    'flowchart LR',
    ...ordered.map((s) => `  ${id(s.name)}["${s.name}<br/>${stateful(s.name) ? 'stateful' : 'stateless'}"]`),
    `  ${atlas}[("${atlasStackName(config.name)} (CDKTF)<br/>MongoDB Atlas ${config.atlas.instanceSize}")]`,
    ...ordered.flatMap((s) => [...s.dependsOn].sort().map((d) => `  ${id(d)} --> ${id(s.name)}`)),
    ...ordered.filter((s) => stateful(s.name)).map((s) => `  ${id(s.name)} -.->|SSM hand-off| ${atlas}`),
    ...ordered.filter((s) => short(s.name) === 'services').map((s) => `  ${atlas} -.->|mongodb-uri secret| ${id(s.name)}`),
  ];
}

/** Mermaid lines of a data flow: nodes grouped by the stack that owns them, then the edges. */
function renderFlow(flow: Flow): string[] {
  const nodes = [...flow.nodes.values()].sort((a, b) => a.id.localeCompare(b.id));
  const line = (n: FlowNode, indent: string): string => {
    const [open, close] = SHAPES[n.shape as keyof typeof SHAPES].split('_');
    return `${indent}${n.id}${open}"${n.label}"${close}`;
  };
  const stacks = [...new Set(nodes.flatMap((n) => n.stack ?? []))].sort();
  return [
    'flowchart LR',
    ...nodes.filter((n) => !n.stack).map((n) => line(n, '  ')),
    ...stacks.flatMap((stack) => [
      `  subgraph stack_${short(stack)}["${stack}"]`,
      ...nodes.filter((n) => n.stack === stack).map((n) => line(n, '    ')),
      '  end',
    ]),
    ...[...flow.edges.keys()].sort().map((e) => `  ${e}`),
  ];
}

/** What `flow` draws differently from `prod`: edges it has or lacks, and nodes labelled otherwise. */
function differences(flow: Flow, prod: Flow): string[] {
  return [
    ...[...flow.edges].filter(([key]) => !prod.edges.has(key)).map(([, text]) => `has ${text}`),
    ...[...prod.edges].filter(([key]) => !flow.edges.has(key)).map(([, text]) => `lacks ${text}`),
    ...[...flow.nodes.values()].filter((n) => prod.nodes.has(n.id) && prod.nodes.get(n.id)!.label !== n.label)
      .map((n) => `shows ${prod.nodes.get(n.id)!.label} as ${n.label}`),
  ].sort();
}

/** The whole document, from every environment's synthesized stacks. */
export function renderDocument(environments: Readonly<Record<EnvironmentName, SynthesizedEnvironment>>): string {
  const flows = Object.fromEntries(ENVIRONMENT_NAMES.map((n) => [n, readFlow(environments[n])])) as
    Record<EnvironmentName, Flow>;
  return [
    '# Architecture diagram',
    '',
    '<!-- Generated by `npm run diagram` (scripts/diagram.ts) from the synthesized templates of every environment. Do not edit by hand; `npm run diagram:check` fails CI when this file is stale. -->',
    '',
    '## Stacks (prod)',
    '',
    'Arrows are stack dependencies (the deploy order); dotted arrows are the hand-offs through AWS that put the',
    'Atlas stack (CDKTF) between the stateful and the stateless stacks.',
    '',
    '```mermaid', ...renderStacks(environments.prod), '```',
    '',
    '## Data flow (prod)',
    '',
    'Solid arrows carry data (writes, sends, bucket notifications, consumers), dotted arrows are reads and',
    'dead-letter paths. Each edge is a bucket notification, a task-role grant, a security-group rule or',
    'load-balancer wiring in the templates; each box is inside the stack that owns it.',
    '',
    '```mermaid', ...renderFlow(flows.prod), '```',
    '',
    '## What dev and staging draw differently',
    '',
    ...ENVIRONMENT_NAMES.filter((n) => n !== 'prod').flatMap((n) => {
      const lines = differences(flows[n], flows.prod);
      return lines.length === 0 ? [`- **${n}**: as prod.`] : [`- **${n}**:`, ...lines.map((l) => `  - ${l}`)];
    }),
    '',
  ].join('\n');
}

/** Synthesizes every environment offline (the one place the diagram builds the apps). */
async function synthesizeAll(): Promise<Record<EnvironmentName, SynthesizedEnvironment>> {
  // Loaded here, not at the top: `npm run diagram -- --bogus` answers without the CDK app.
  const { loadOfflineEnvironment } = await import('../environments');
  const { createPipelineApp } = await import('../lib/pipeline-app');
  const environments = {} as Record<EnvironmentName, SynthesizedEnvironment>;
  for (const name of ENVIRONMENT_NAMES) {
    const config = loadOfflineEnvironment(name);
    const outdir = mkdtempSync(join(tmpdir(), 'diagram-'));
    try {
      // Findings are the compliance gates' business (cdk synth, tests); the diagram only reads the templates.
      const { app } = createPipelineApp(config, { outdir, context: reportOnlyContext(), noRelease: true });
      environments[name] = { config, stacks: stacksOf(app.synth()) };
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }
  return environments;
}

/** Writes `rendered` to `file`, or with `check` compares it with the file: 0 when current, 1 when stale. */
export function writeOrCheck(rendered: string, check: boolean, file = DIAGRAM_FILE): number {
  if (!check) {
    writeFileSync(file, rendered);
    console.log('wrote docs/architecture-diagram.md');
    return 0;
  }
  if (existsSync(file) && readFileSync(file, 'utf8') === rendered) {
    console.log('docs/architecture-diagram.md is up to date');
    return 0;
  }
  console.error('error: docs/architecture-diagram.md is stale (the templates changed): run `npm run diagram` and commit the result');
  return 1;
}

const USAGE = 'npm run diagram            regenerate docs/architecture-diagram.md\n       npm run diagram:check      exit 1 if the committed diagram is stale';

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { check: false }, USAGE);
  return writeOrCheck(renderDocument(await synthesizeAll()), args.check);
}

if (require.main === module) void runMain(() => main(process.argv.slice(2)));
