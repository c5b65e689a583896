import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EnvironmentInput } from '../../environments';
import type { CfnTemplate } from '../../scripts/diff/replacements';
import { reportOnlyContext } from './cdk-context';
import { kept } from './synth-cache';

/**
 * The app synthesized from a whole environment input (a config no environment file holds, e.g. a month
 * of operator edits), as stack name -> template; once per input while the sources are unchanged
 * (./synth-cache.ts). CDK's validator is off, as in every synth inside a test file (./unit-synth.ts).
 */
export function synthesizeInput(input: EnvironmentInput, label: string): Map<string, CfnTemplate> {
  // An input without an image tag is synthesized as a deliberate no-release synth (services parked).
  const noRelease = input.services.imageTag === undefined;
  const dir = kept('inputs', { label, input }, (scratch) => {
    // Loaded only to synthesize: a kept result needs neither the app nor aws-cdk-lib.
    const { parseEnvironment } = require('../../environments') as typeof import('../../environments');
    const { createPipelineApp } = require('../../lib/pipeline-app') as typeof import('../../lib/pipeline-app');
    const { app } = createPipelineApp(parseEnvironment(input, label), { outdir: join(scratch, 'assembly'), context: reportOnlyContext(), noRelease });
    const templates = Object.fromEntries(
      app.synth().stacks.map((stack) => [stack.stackName, stack.template as CfnTemplate]),
    );
    writeFileSync(join(scratch, 'templates.json'), JSON.stringify(templates));
  });
  return new Map(Object.entries(JSON.parse(readFileSync(join(dir, 'templates.json'), 'utf8')) as Record<string, CfnTemplate>));
}
