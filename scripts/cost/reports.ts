/**
 * The cost reports of several environments, from an in-memory synth of each or from existing cloud
 * assemblies. Shared by `npm run cost` and `npm run cost:golden`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadEnvironment, type EnvironmentConfig, type EnvironmentName } from '../../environments';
import { estimateEnvironment, type CostReport, type PricingMode, type StackTemplate } from './estimate';
import { readAssembly, synthesizeTemplates } from './templates';

/**
 * @param assembly a cloud assembly directory for one environment, or a directory holding `<env>/`
 * assemblies for several; empty to synthesize each environment in memory.
 */
export function pricedEnvironments(envNames: readonly EnvironmentName[], assembly: string): Array<{ config: EnvironmentConfig; stacks: StackTemplate[] }> {
  return envNames.map((envName) => {
    const config = loadEnvironment(envName);
    let stacks;
    if (assembly) {
      const perEnv = join(assembly, envName);
      stacks = readAssembly(existsSync(join(perEnv, 'manifest.json')) ? perEnv : assembly);
    } else {
      stacks = synthesizeTemplates(config);
    }
    return { config, stacks };
  });
}

/** The reports at `pricing` (on-demand, the budget check, by default). */
export function costReports(envNames: readonly EnvironmentName[], assembly: string, pricing: PricingMode = 'on-demand'): CostReport[] {
  return pricedEnvironments(envNames, assembly).map(({ config, stacks }) => estimateEnvironment(config, stacks, pricing));
}
