/**
 * `doctor`: deploy's preflight alone (./preflight.ts), run for real; changes nothing. It takes deploy's
 * options and reports deploy's release-input refusals as failed checks instead of refusing, so one run
 * lists everything a deploy with these arguments would stop on.
 */
import type { EnvironmentConfig } from '../../environments';
import { deployPreflight } from './deploy';
import { guard, refuseWithoutAccount, type OpsOptions, type Plan, type StackInfo } from './steps';

export function planDoctor(config: EnvironmentConfig, options: OpsOptions, stacks: readonly StackInfo[]): Plan {
  refuseWithoutAccount('doctor', config, options);
  return { command: 'doctor', environment: config.name, steps: [guard(config, options, deployPreflight(config, options, stacks, true))] };
}
