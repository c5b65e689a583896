/**
 * Where the cost report gets its templates: an in-memory synth of the CDK app (the same app,
 * gates and cdk.json feature flags as `cdk synth`), or an existing cloud assembly directory.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENVIRONMENT_NAMES, type EnvironmentConfig } from '../../environments';
import { ResourceNames } from '../../lib/naming';
import { reportOnlyContext } from '../lib/cdk-context';
import type { StackTemplate } from './estimate';

/**
 * The CDK stacks of one environment, by component (`marin-{env}-{component}`): an assembly the cost report
 * prices must hold each of them and nothing else. test/cost/assembly.test.ts checks this list against the
 * stacks the app synthesizes, so a new stack cannot go unpriced.
 */
export const PRICED_COMPONENTS: readonly string[] = ['network', 'data', 'services', 'monitoring'];

/** The assembly is not the one environment the report names (another environment's, incomplete, mixed). Exit 1. */
export class AssemblyMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssemblyMismatchError';
  }
}

/**
 * Synthesizes one environment in memory into a temporary directory (removed afterwards).
 * Compliance findings do not stop the estimate: `cdk synth` and the tests gate those.
 * Async: the CDK app loads here, so reading an assembly (--assembly) or a usage error never loads it.
 */
export async function synthesizeTemplates(config: EnvironmentConfig): Promise<StackTemplate[]> {
  const { createPipelineApp } = await import('../../lib/pipeline-app');
  const outdir = mkdtempSync(join(tmpdir(), `cost-${config.name}-`));
  try {
    const { app } = createPipelineApp(config, {
      outdir,
      context: reportOnlyContext(),
      noRelease: true,
    });
    const assembly = app.synth();
    return assembly.stacks.map((stack) => ({ stackName: stack.stackName, template: stack.template }));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

interface Manifest {
  artifacts?: Record<string, { type: string; properties?: { templateFile?: string; stackName?: string } }>;
}

/** Reads every stack template of a cloud assembly directory (cdk.out/<env>, .test-synth/<env>), unchecked. */
export function readAssembly(dir: string): StackTemplate[] {
  const manifestFile = join(dir, 'manifest.json');
  if (!existsSync(manifestFile)) throw new Error(`${dir} is not a cloud assembly (no manifest.json): run \`npm run synth -- --env <name>\` first`);
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
  return Object.entries(manifest.artifacts ?? {})
    .filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack')
    .map(([id, artifact]) => ({
      stackName: artifact.properties?.stackName ?? id,
      template: JSON.parse(readFileSync(join(dir, artifact.properties!.templateFile!), 'utf8')),
    }));
}

/**
 * The environment a stack name belongs to (`{project}-{env}-{component}`), or undefined for a name of no environment.
 */
export function environmentOfStack(project: string, stackName: string): string | undefined {
  // Longest first, so one environment name being a prefix of another cannot misattribute a stack.
  return [...ENVIRONMENT_NAMES].sort((a, b) => b.length - a.length).find((envName) => stackName.startsWith(`${project}-${envName}-`));
}

/**
 * The values of every resource's `Environment` tag in a template, with a logical id carrying each (array or map form).
 */
function environmentTags(template: StackTemplate['template']): Map<string, string> {
  const values = new Map<string, string>();
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    const tags = resource.Properties?.Tags as unknown;
    let value: unknown;
    if (Array.isArray(tags)) value = (tags as Array<{ Key?: unknown; Value?: unknown }>).find((tag) => tag?.Key === 'Environment')?.Value;
    else if (tags !== null && typeof tags === 'object') value = (tags as Record<string, unknown>).Environment;
    if (typeof value === 'string' && !values.has(value)) values.set(value, logicalId);
  }
  return values;
}

/**
 * Checks that the stacks read from `dir` are exactly the stacks of `config`'s environment: the environment is
 * read from each stack's name (what a deploy updates) and confirmed by its resources' `Environment` tag.
 * Throws AssemblyMismatchError naming the environment asked for, the one found and the directory.
 */
export function checkAssemblyEnvironment(dir: string, stacks: readonly StackTemplate[], config: Pick<EnvironmentConfig, 'project' | 'name'>): void {
  const wanted = config.name;
  const names = ResourceNames.of(config);
  const expected = PRICED_COMPONENTS.map((component) => names.stackName(component));
  const fix =
    `synthesize ${wanted} into its own directory (\`npm run synth -- --env ${wanted}\` writes cdk.out/${wanted}) ` +
    `and pass --assembly cdk.out/${wanted} (or --assembly cdk.out, which reads cdk.out/<env> of each environment)`;
  const foreign = stacks.filter((stack) => environmentOfStack(config.project, stack.stackName) !== wanted);
  if (foreign.length > 0) {
    const byEnv = new Map<string, string[]>();
    for (const stack of foreign) {
      const env = environmentOfStack(config.project, stack.stackName) ?? 'no environment';
      byEnv.set(env, [...(byEnv.get(env) ?? []), stack.stackName]);
    }
    const found = [...byEnv].map(([env, stackNames]) => `${env} (${stackNames.join(', ')})`).join(' and ');
    const whose = foreign.length === stacks.length ? 'is the cloud assembly of' : `mixes ${wanted}'s stacks with stacks of`;
    throw new AssemblyMismatchError(`--env ${wanted}, but ${dir} ${whose} ${found}, not ${wanted}: ${fix}`);
  }
  const present = new Set(stacks.map((stack) => stack.stackName));
  const missing = expected.filter((stackName) => !present.has(stackName));
  if (missing.length > 0) {
    throw new AssemblyMismatchError(
      `--env ${wanted}, but ${dir} has no stack ${missing.join(', ')} (${wanted}'s stacks are ${expected.join(', ')}): the cost report would leave it out; ${fix}`,
    );
  }
  const extra = stacks.filter((stack) => !expected.includes(stack.stackName));
  if (extra.length > 0) {
    throw new AssemblyMismatchError(
      `--env ${wanted}, but ${dir} holds ${extra.map((s) => s.stackName).join(', ')}, not one of ${wanted}'s stacks (${expected.join(', ')}): ` +
        'add its component to PRICED_COMPONENTS (scripts/cost/templates.ts) if the app now builds it',
    );
  }
  for (const stack of stacks) {
    for (const [value, logicalId] of environmentTags(stack.template)) {
      if (value !== wanted) {
        throw new AssemblyMismatchError(
          `--env ${wanted}, but stack ${stack.stackName} in ${dir} has resources tagged Environment=${value} (e.g. ${logicalId}), not ${wanted}: ` +
            `the template is not ${wanted}'s; ${fix}`,
        );
      }
    }
  }
}
