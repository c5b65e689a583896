import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import type { EnvironmentName } from '../../environments';
import { SYNTH_ROOT, type NagSummary } from './synth-cache';
import { jobDirectory, type SynthVariant } from './variants';

/** A synthesized stack of one environment, by component (`network`, `data`, `services`, ...). */
export interface SynthesizedStack {
  readonly stackName: string;
  readonly component: string;
  readonly template: Template;
  /** The raw template, for whole-template scans. */
  readonly json: {
    Resources: Record<string, {
      Type: string;
      Properties?: Record<string, unknown>;
      DeletionPolicy?: string;
      UpdateReplacePolicy?: string;
    }>;
  };
  readonly terminationProtection: boolean;
}

interface Manifest {
  artifacts: Record<string, {
    type: string;
    displayName?: string;
    properties?: { templateFile?: string; stackName?: string; terminationProtection?: boolean };
  }>;
}

const cache = new Map<string, SynthesizedStack[]>();

/** The cloud assembly directory of one environment (`committed` by default), for tools that read it (the CDK CLI). */
export function assemblyDir(envName: EnvironmentName, variant: SynthVariant = 'committed'): string {
  const dir = jobDirectory(SYNTH_ROOT, { variant, envName });
  if (!existsSync(join(dir, 'manifest.json'))) {
    throw new Error(`${dir} has no cloud assembly: run the tests through jest (globalSetup synthesizes), or \`npx tsx test/support/synthesize.ts ${variant}:${envName}\``);
  }
  return dir;
}

/**
 * Every stack of the environment, as synthesized by the global
 * setup (`committed` config, or as `deployed`: see ./variants.ts).
 */
export function stacksOf(envName: EnvironmentName, variant: SynthVariant = 'committed'): SynthesizedStack[] {
  const cached = cache.get(`${variant}:${envName}`);
  if (cached) return cached;
  const dir = assemblyDir(envName, variant);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  const stacks = Object.entries(manifest.artifacts)
    .filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack')
    .map(([artifactId, artifact]) => {
      // The manifest omits stackName when it equals the artifact id (our stacks' id is their name).
      const stackName = artifact.properties!.stackName ?? artifactId;
      const json = JSON.parse(readFileSync(join(dir, artifact.properties!.templateFile!), 'utf8'));
      return {
        stackName,
        component: stackName.split('-').slice(2).join('-'),
        template: Template.fromJSON(json),
        json,
        terminationProtection: artifact.properties!.terminationProtection ?? false,
      };
    });
  cache.set(`${variant}:${envName}`, stacks);
  return stacks;
}

/** One stack of the environment by component name; fails with the list of what exists. */
export function stackOf(envName: EnvironmentName, component: string, variant: SynthVariant = 'committed'): SynthesizedStack {
  const stacks = stacksOf(envName, variant);
  const stack = stacks.find((s) => s.component === component);
  if (!stack) throw new Error(`no "${component}" stack in ${envName}: have ${stacks.map((s) => s.component).join(', ')}`);
  return stack;
}

export function templateOf(envName: EnvironmentName, component: string): Template {
  return stackOf(envName, component).template;
}

/** Every resource of every stack of the environment, with its stack. */
export function allResources(envName: EnvironmentName): Array<{
  stack: string;
  logicalId: string;
  type: string;
  properties: Record<string, unknown>;
  deletionPolicy?: string;
  updateReplacePolicy?: string;
}> {
  return stacksOf(envName).flatMap((stack) =>
    Object.entries(stack.json.Resources).map(([logicalId, resource]) => ({
      stack: stack.stackName,
      logicalId,
      type: resource.Type,
      properties: resource.Properties ?? {},
      deletionPolicy: resource.DeletionPolicy,
      updateReplacePolicy: resource.UpdateReplacePolicy,
    })),
  );
}

export function nagSummaryOf(envName: EnvironmentName, variant: SynthVariant = 'committed'): NagSummary {
  return JSON.parse(readFileSync(join(assemblyDir(envName, variant), 'nag-summary.json'), 'utf8')) as NagSummary;
}

export function validationReportOf(envName: EnvironmentName, variant: SynthVariant = 'committed'): {
  pluginReports: Array<{
    pluginName: string;
    conclusion: string;
    violations: Array<{ ruleName: string; description: string; violatingConstructs: Array<{ constructPath: string }> }>;
  }>;
} {
  return JSON.parse(readFileSync(join(assemblyDir(envName, variant), 'validation-report.json'), 'utf8'));
}
