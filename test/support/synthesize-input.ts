import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EnvironmentInput } from '../../environments';
import type { CfnTemplate } from '../../scripts/diff/replacements';
import { reportOnlyContext } from './cdk-context';
import { sha256, SYNTH_ROOT, synthInputKey, writeRecord } from './synth-cache';

/** Recorded whole-input synths, one directory per source key: the global setup removes the others. */
export const INPUT_SYNTHS_DIR = join(SYNTH_ROOT, 'inputs');

/** The sources' key as a test file sees it: synths inside test files run without CDK's validator (./unit-synth.ts). */
export function inputSynthSourceKey(): string {
  return synthInputKey(undefined, { ...process.env, CDK_VALIDATION: 'false' });
}

/**
 * The app synthesized from a whole environment input (a config no environment file holds, e.g. a month
 * of operator edits), as stack name -> template. Like the global setup's assemblies, the result is
 * recorded under a hash of the sources (./synth-cache.ts) and of the input itself, and reused only
 * while both are unchanged.
 */
export function synthesizeInput(input: EnvironmentInput, label: string): Map<string, CfnTemplate> {
  const directory = join(INPUT_SYNTHS_DIR, inputSynthSourceKey());
  const file = join(directory, `${sha256(label, JSON.stringify(input), JSON.stringify(reportOnlyContext()))}.json`);
  if (existsSync(file)) return new Map(Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, CfnTemplate>));

  // Loaded only to synthesize: a recorded result needs neither the app nor aws-cdk-lib.
  const { parseEnvironment } = require('../../environments') as typeof import('../../environments');
  const { createPipelineApp } = require('../../lib/pipeline-app') as typeof import('../../lib/pipeline-app');
  const outdir = mkdtempSync(join(tmpdir(), `synth-${label}-`));
  try {
    const { app } = createPipelineApp(parseEnvironment(input, label), { outdir, context: reportOnlyContext() });
    const templates = new Map(app.synth().stacks.map((stack) => [stack.stackName, stack.template as CfnTemplate]));
    writeRecord(file, JSON.stringify(Object.fromEntries(templates)));
    return templates;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
