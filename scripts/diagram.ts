/**
 * npm run diagram          regenerates docs/architecture-diagram.md
 * npm run diagram:check    fails (exit 1) when the committed file differs from a fresh render (CI)
 *
 * Builds and synthesizes each environment's CDK app into a temporary directory (offline, no AWS)
 * and renders Mermaid:
 * - the data flow of prod, read from its synthesized templates (./data-flow.ts: bucket notifications,
 *   task-role policies, security-group rules, load balancer wiring), with a table of what differs per
 *   environment and the edges dev and staging add or lack;
 * - the construct inventory of dev: one subgraph per stack (in STACK_COMPONENTS order), one node per
 *   top-level construct (a concern) listing its key AWS resources, the hand-off SSM parameters, stack
 *   dependencies and the Atlas (CDKTF) stack between the stateful and stateless stacks.
 * Output is deterministic: sorted, no hashes, tokens or dates.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CfnResource, Stack, type App } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { EnvironmentConfig } from '../environments';
import { ENVIRONMENT_NAMES, type EnvironmentName } from '../environments/names';
import { STACK_COMPONENTS } from '../lib/contracts';
import { atlasStackName } from '../lib/handoff';
import { ResourceNames } from '../lib/naming';
import { reportOnlyContext } from './lib/cdk-context';
import { describeEdges, readDataFlow, renderDataFlow, type DataFlow, type FlowTemplate } from './data-flow';
import { parseArgs, runMain } from './lib/cli';

const ROOT = join(__dirname, '..');
export const DIAGRAM_FILE = join(ROOT, 'docs', 'architecture-diagram.md');

/**
 * Resource types shown by name in a concern's node; everything else (routes, associations,
 * policies, ...) is counted as "supporting resources" so the diagram stays readable.
 */
const KEY_TYPES = new Set([
  'AWS::ApplicationAutoScaling::ScalableTarget',
  'AWS::Budgets::Budget',
  'AWS::CloudWatch::Alarm',
  'AWS::CloudWatch::Dashboard',
  'AWS::EC2::FlowLog',
  'AWS::EC2::NatGateway',
  'AWS::EC2::SecurityGroup',
  'AWS::EC2::Subnet',
  'AWS::EC2::VPC',
  'AWS::EC2::VPCEndpoint',
  'AWS::ECR::Repository',
  'AWS::ECS::Cluster',
  'AWS::ECS::Service',
  'AWS::ECS::TaskDefinition',
  'AWS::ElastiCache::ReplicationGroup',
  'AWS::ElasticLoadBalancingV2::Listener',
  'AWS::ElasticLoadBalancingV2::LoadBalancer',
  'AWS::ElasticLoadBalancingV2::TargetGroup',
  'AWS::Events::Rule',
  'AWS::IAM::ManagedPolicy',
  'AWS::IAM::Role',
  'AWS::KMS::Key',
  'AWS::Logs::LogGroup',
  'AWS::OpenSearchServerless::AccessPolicy',
  'AWS::OpenSearchServerless::Collection',
  'AWS::OpenSearchServerless::SecurityPolicy',
  'AWS::OpenSearchServerless::VpcEndpoint',
  'AWS::S3::Bucket',
  'AWS::Scheduler::Schedule',
  'AWS::SecretsManager::Secret',
  'AWS::SNS::Topic',
  'AWS::SQS::Queue',
  'AWS::SSM::Parameter',
  'AWS::WAFv2::WebACL',
]);

/** A Mermaid-safe node id. */
function nodeId(...parts: string[]): string {
  return parts.join('_').replace(/[^A-Za-z0-9_]/g, '_');
}

function shortType(type: string): string {
  return type.replace(/^AWS::/, '').replace(/::/g, ' ');
}

function cfnResourcesUnder(scope: IConstruct): CfnResource[] {
  return scope.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c));
}

function resourceSummary(resources: readonly CfnResource[]): string[] {
  const counts = new Map<string, number>();
  let supporting = 0;
  for (const resource of resources) {
    const type = resource.cfnResourceType;
    if (KEY_TYPES.has(type)) counts.set(type, (counts.get(type) ?? 0) + 1);
    else supporting++;
  }
  const lines = [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([type, n]) => (n > 1 ? `${shortType(type)} ×${n}` : shortType(type)));
  if (supporting > 0) lines.push(`+${supporting} supporting`);
  return lines;
}

function componentOf(stack: Stack, config: EnvironmentConfig): string {
  return stack.stackName.slice(ResourceNames.of(config).prefix.length + 1);
}

function orderedStacks(app: App, config: EnvironmentConfig): Stack[] {
  const order = STACK_COMPONENTS.map((c) => c.component as string);
  const rank = (stack: Stack): number => {
    const index = order.indexOf(componentOf(stack, config));
    return index === -1 ? order.length : index;
  };
  return app.node.children
    .filter((c): c is Stack => Stack.isStack(c))
    .sort((a, b) => rank(a) - rank(b) || a.stackName.localeCompare(b.stackName));
}

/** The Markdown document with the Mermaid diagrams of `app` (one environment's stacks). */
export function renderDiagram(app: App, config: EnvironmentConfig): string {
  // Synthesis resolves cross-stack references into stack dependencies (and is cached by the App).
  app.synth();
  const stacks = orderedStacks(app, config);
  const stateful = new Set<string>(STACK_COMPONENTS.filter((c) => c.stateful).map((c) => c.component));
  const atlas = nodeId('atlas', config.name);

  const lines: string[] = ['flowchart LR'];
  for (const stack of stacks) {
    const component = componentOf(stack, config);
    const kind = stateful.has(component) ? 'stateful' : 'stateless';
    lines.push(`  subgraph ${nodeId('stack', component)}["${stack.stackName} (${kind})"]`);
    lines.push('    direction TB');
    const concerns = stack.node.children
      .filter((child) => cfnResourcesUnder(child).length > 0)
      .sort((a, b) => a.node.id.localeCompare(b.node.id));
    // Single SSM parameters at the top level are the stack's hand-off contract: one node lists them.
    const isParameter = (c: IConstruct): boolean => {
      const resources = cfnResourcesUnder(c);
      return resources.length === 1 && resources[0].cfnResourceType === 'AWS::SSM::Parameter';
    };
    for (const concern of concerns.filter((c) => !isParameter(c))) {
      const summary = resourceSummary(cfnResourcesUnder(concern));
      lines.push(`    ${nodeId(component, concern.node.id)}["<b>${concern.node.id}</b><br/>${summary.join('<br/>')}"]`);
    }
    const parameters = concerns.filter(isParameter).map((c) => c.node.id);
    if (parameters.length > 0) {
      lines.push(`    ${nodeId(component, 'handoff_parameters')}["<b>hand-off SSM parameters</b><br/>${parameters.join('<br/>')}"]`);
    }
    lines.push('  end');
  }
  lines.push(`  ${atlas}[("${atlasStackName(config.name)} (CDKTF)<br/>MongoDB Atlas ${config.atlas.instanceSize}")]`);

  // Stack dependencies (dependency --> dependent), from the construct tree.
  const edges = new Set<string>();
  for (const stack of stacks) {
    for (const dependency of stack.dependencies) {
      edges.add(`  ${nodeId('stack', componentOf(dependency, config))} --> ${nodeId('stack', componentOf(stack, config))}`);
    }
  }
  // The deploy order's hand-offs: stateful stacks publish what Atlas reads; Atlas writes what services read.
  for (const stack of stacks) {
    const component = componentOf(stack, config);
    if (stateful.has(component)) edges.add(`  ${nodeId('stack', component)} -.->|SSM handoff| ${atlas}`);
    else if (component === 'services') edges.add(`  ${atlas} -.->|mongodb-uri secret| ${nodeId('stack', component)}`);
  }
  lines.push(...[...edges].sort());

  return [
    `Stacks of \`${config.name}\` in deploy order (${STACK_COMPONENTS.map((c) => c.component).join(' → ')}, with Atlas deployed between the stateful and the stateless stacks).`,
    'Each box is a top-level construct (one concern) with its key AWS resources; solid arrows are stack dependencies, dotted arrows the hand-offs through AWS.',
    '',
    '```mermaid',
    ...lines,
    '```',
    '',
  ].join('\n');
}

/** The synthesized templates of an app, by stack name. */
export function templatesOf(app: App): Map<string, FlowTemplate> {
  const assembly = app.synth();
  return new Map(assembly.stacks.map((stack) => [stack.stackName, stack.template as FlowTemplate]));
}

/** The data-flow section: prod's picture, the per-environment facts, and what dev and staging draw differently. */
export function renderDataFlowSection(flows: Readonly<Record<EnvironmentName, DataFlow>>): string {
  const yesNo = (b: boolean): string => (b ? 'yes' : 'no');
  const rows: Array<[string, (f: DataFlow) => string]> = [
    ['WAF in front of the ALB', (f) => yesNo(f.facts.waf)],
    ['ALB listeners', (f) => f.facts.listeners.join(', ') || 'none'],
    ['NAT gateways', (f) => String(f.facts.natGateways)],
    ['Atlas reached over', (f) => f.facts.atlasPath],
    ['Search standby replicas', (f) => yesNo(f.facts.searchStandby)],
    ['Cache nodes (Multi-AZ)', (f) => `${f.facts.cacheNodes} (${yesNo(f.facts.cacheMultiAz)})`],
  ];
  const names = ENVIRONMENT_NAMES;
  const table = [
    `| | ${names.join(' | ')} |`,
    `|---|${names.map(() => '---').join('|')}|`,
    ...rows.map(([label, value]) => `| ${label} | ${names.map((n) => value(flows[n])).join(' | ')} |`),
  ];
  const prodEdges = describeEdges(flows.prod);
  const differences: string[] = [];
  for (const name of names.filter((n) => n !== 'prod')) {
    const edges = describeEdges(flows[name]);
    const added = [...edges].filter(([k]) => !prodEdges.has(k)).map(([, text]) => text);
    const missing = [...prodEdges].filter(([k]) => !edges.has(k)).map(([, text]) => text);
    if (added.length + missing.length === 0) {
      differences.push(`- **${name}**: the same edges as prod.`);
      continue;
    }
    differences.push(`- **${name}**, compared with prod:`);
    differences.push(...added.map((e) => `  - has ${e}`));
    differences.push(...missing.map((e) => `  - lacks ${e}`));
  }
  return [
    '## Data flow (prod)',
    '',
    'Read from the synthesized templates (`scripts/data-flow.ts`): solid arrows carry data (writes, sends,',
    'bucket notifications, consumers), dotted arrows are reads, secrets and dead-letter paths. Every edge is',
    'a bucket notification, a task-role grant, a security-group rule or load-balancer wiring in the templates.',
    '',
    '```mermaid',
    ...renderDataFlow(flows.prod),
    '```',
    '',
    '### What differs per environment',
    '',
    ...table,
    '',
    ...differences,
    '',
  ].join('\n');
}

/** The whole document: the data flow of every environment, then dev's construct inventory. */
export function renderDocument(flows: Readonly<Record<EnvironmentName, DataFlow>>, inventory: string): string {
  return [
    '# Architecture diagram',
    '',
    '<!-- Generated by `npm run diagram` (scripts/diagram.ts) from the synthesized templates of every environment and the construct tree of dev. Do not edit by hand; `npm run diagram:check` fails CI when this file is stale. -->',
    '',
    renderDataFlowSection(flows),
    '## Stacks and concerns (dev)',
    '',
    inventory,
  ].join('\n');
}

/** Renders every environment's app, each synthesized into a temporary directory that is removed afterwards. */
export async function renderAllDiagrams(): Promise<string> {
  // The schemas and the CDK app load here, not at the top: `npm run diagram -- --bogus` answers without them.
  const [{ loadOfflineEnvironment }, { createPipelineApp }] = await Promise.all([import('../environments'), import('../lib/pipeline-app')]);
  const flows = {} as Record<EnvironmentName, DataFlow>;
  let inventory = '';
  for (const name of ENVIRONMENT_NAMES) {
    const config = loadOfflineEnvironment(name);
    const outdir = mkdtempSync(join(tmpdir(), 'diagram-'));
    try {
      // Findings are the compliance gates' business (cdk synth, tests); the diagram only needs the templates.
      const { app } = createPipelineApp(config, { outdir, context: reportOnlyContext(), noRelease: true });
      flows[name] = readDataFlow(templatesOf(app), config);
      if (name === 'dev') inventory = renderDiagram(app, config);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }
  return renderDocument(flows, inventory);
}

const DIAGRAM_USAGE = 'npm run diagram            regenerate docs/architecture-diagram.md\n       npm run diagram:check      exit 1 if the committed diagram is stale';

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { check: false }, DIAGRAM_USAGE);
  const rendered = await renderAllDiagrams();
  if (args.check) {
    let committed = '';
    try {
      committed = readFileSync(DIAGRAM_FILE, 'utf8');
    } catch {
      // Missing counts as stale.
    }
    if (committed !== rendered) {
      console.error('error: docs/architecture-diagram.md is stale (the templates or the construct tree changed): run `npm run diagram` and commit the result');
      return 1;
    }
    console.log('docs/architecture-diagram.md is up to date');
    return 0;
  }
  writeFileSync(DIAGRAM_FILE, rendered);
  console.log('wrote docs/architecture-diagram.md');
  return 0;
}

if (require.main === module) void runMain(() => main(process.argv.slice(2)));
