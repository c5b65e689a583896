/** `diff`: what deploy would change, for every CDK stack and the Atlas stack; changes nothing. */
import type { EnvironmentConfig } from '../../environments';
import { atlasDiff, cdkDiff, guard, requireAtlasAccount, type OpsOptions, type Plan, type StackInfo, type Step } from './steps';

export function planDiff(config: EnvironmentConfig, options: OpsOptions, stacks: readonly StackInfo[]): Plan {
  requireAtlasAccount(config, options, 'diff');
  const steps: Step[] = [guard(config, options)];
  if (stacks.length > 0) steps.push(cdkDiff(config, options, stacks));
  steps.push(atlasDiff(config, options));
  return { command: 'diff', environment: config.name, steps };
}
