/**
 * Pure planning for the operator commands: (environment config, options, stacks) -> the exact list
 * of steps. Nothing here touches AWS, the file system or child processes, so every rule (order,
 * refusals, flags) is testable offline; scripts/ops/execute.ts runs a plan. One module per command;
 * the step types and shared builders are in ./steps.ts.
 */
import { loadEnvironment, type EnvironmentConfig } from '../../environments';
import { REFRESH_SOURCE } from '../../lib/refresh/names';
import { planBootstrap } from './bootstrap';
import { planDeploy } from './deploy';
import { planDestroy } from './destroy';
import { planDiff } from './diff';
import { planDoctor } from './doctor';
import { planDrift } from './drift';
import { planRefresh } from './refresh';
import { planStatus } from './status';
import type { Command, OpsOptions, Plan, StackInfo } from './steps';

export * from './steps';
export { executionPolicyArns, planBootstrap, refuseAdministratorAccess, stateBucketPolicy } from './bootstrap';
export { CHECKED_SECRETS, deployBundle, deployPreflight, isReviewed, planDeploy, readDeployBundle, reviewedArtefacts } from './deploy';
export { planDoctor } from './doctor';
export { planDestroy } from './destroy';
export { planDiff } from './diff';
export { planDrift } from './drift';
export { planRefresh } from './refresh';
export { planStatus } from './status';

export function plan(
  command: Command,
  config: EnvironmentConfig,
  options: OpsOptions,
  stacks: readonly StackInfo[],
): Plan {
  switch (command) {
    case 'deploy':
      return planDeploy(config, options, stacks);
    case 'diff':
      return planDiff(config, options, stacks);
    case 'destroy':
      return planDestroy(config, options, stacks);
    case 'bootstrap':
      return planBootstrap(config, options);
    case 'doctor':
      return planDoctor(config, options, stacks);
    case 'drift':
      return planDrift(config, options, stacks);
    case 'status':
      return planStatus(config, options);
    case 'refresh-staging':
      // The target is `config` (staging); the source is prod's committed config (the task's names, no deploy values).
      return planRefresh(loadEnvironment(REFRESH_SOURCE), config, options);
  }
}
