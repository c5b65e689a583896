/**
 * Where the cost report gets its templates: an in-memory synth of the CDK app (the same app,
 * gates and cdk.json feature flags as `cdk synth`), or an existing cloud assembly directory.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EnvironmentConfig } from '../../environments';
import { createPipelineApp } from '../../lib/pipeline-app';
import { reportOnlyContext } from '../lib/cdk-context';
import type { StackTemplate } from './estimate';


/**
 * Synthesizes one environment in memory into a temporary directory (removed afterwards).
 * Compliance findings do not stop the estimate: `cdk synth` and the tests gate those.
 */
export function synthesizeTemplates(config: EnvironmentConfig): StackTemplate[] {
  const outdir = mkdtempSync(join(tmpdir(), `cost-${config.name}-`));
  try {
    const { app } = createPipelineApp(config, {
      outdir,
      context: reportOnlyContext(),
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

/** Reads every stack template of a cloud assembly directory (cdk.out/<env>, .test-synth/<env>). */
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
