/**
 * `doctor`: deploy's preflight alone (./preflight.ts), run for real; changes nothing. It takes deploy's
 * options and reports deploy's release-input refusals as failed checks instead of refusing, so one run
 * lists everything a deploy with these arguments would stop on.
 */
import type { EnvironmentConfig } from '../../environments';
import { deployPreflight } from './deploy';
import { guard, requireAccount, requireAtlasAccount, type OpsOptions, type Plan, type StackInfo } from './steps';

export function planDoctor(config: EnvironmentConfig, options: OpsOptions, stacks: readonly StackInfo[]): Plan {
  requireAccount(config, options, 'doctor');
  requireAtlasAccount(config, options, 'doctor');
  return { command: 'doctor', environment: config.name, steps: [guard(config, options, deployPreflight(config, options, stacks, true))] };
}
