/**
 * Where the cost report gets its templates: an in-memory synth of the CDK app (the same app,
 * gates and cdk.json feature flags as `cdk synth`), or an existing cloud assembly directory.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EnvironmentConfig } from '../../environments';
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
 * Checks that the stacks read from `dir` are exactly the stacks of `config`'s environment (`marin-{env}-{component}`
 * for each PRICED_COMPONENTS), so the gate never prices another environment's templates or leaves a stack out.
 * Throws AssemblyMismatchError naming the directory, what it holds and what was expected.
 */
export function checkAssemblyEnvironment(dir: string, stacks: readonly StackTemplate[], config: Pick<EnvironmentConfig, 'project' | 'name'>): void {
  const names = ResourceNames.of(config);
  const expected = PRICED_COMPONENTS.map((component) => names.stackName(component)).sort();
  const found = stacks.map((stack) => stack.stackName).sort();
  if (found.join() !== expected.join()) {
    throw new AssemblyMismatchError(
      `--env ${config.name}, but ${dir} holds ${found.join(', ') || 'no stack'}, not ${expected.join(', ')}: `
      + `synthesize ${config.name} into its own directory (\`npm run synth -- --env ${config.name}\` writes cdk.out/${config.name})`,
    );
  }
}
