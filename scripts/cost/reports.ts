/**
 * The cost reports of several environments, from an in-memory synth of each or from existing cloud
 * assemblies. Shared by `npm run cost` and `npm run cost:golden`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadOfflineEnvironment, type EnvironmentConfig, type EnvironmentName } from '../../environments';
import { estimateEnvironment, type CostReport, type PricingMode, type StackTemplate } from './estimate';
import { AssemblyMismatchError, checkAssemblyEnvironment, readAssembly, synthesizeTemplates } from './templates';

/**
 * @param assembly a cloud assembly directory for one environment, or a directory holding `<env>/`
 * assemblies for several (`<assembly>/<env>/` is read when it exists, else `<assembly>` itself); empty to
 * synthesize each environment in memory. Whatever is read must be exactly that environment's stacks
 * (checkAssemblyEnvironment): another environment's assembly, a missing stack or a mix throws
 * AssemblyMismatchError, one message for every environment that does not match.
 */
export async function pricedEnvironments(
  envNames: readonly EnvironmentName[],
  assembly: string,
): Promise<Array<{ config: EnvironmentConfig; stacks: StackTemplate[] }>> {
  const problems: string[] = [];
  const priced: Array<{ config: EnvironmentConfig; stacks: StackTemplate[] }> = [];
  for (const envName of envNames) {
    const config = loadOfflineEnvironment(envName);
    if (!assembly) {
      priced.push({ config, stacks: await synthesizeTemplates(config) });
      continue;
    }
    const perEnv = join(assembly, envName);
    const own = existsSync(join(perEnv, 'manifest.json'));
    const dir = own ? perEnv : assembly;
    if (!own && !existsSync(join(assembly, 'manifest.json'))) {
      problems.push(`--env ${envName}: no cloud assembly in ${perEnv} or ${assembly} (no manifest.json): run \`npm run synth -- --env ${envName}\` (writes cdk.out/${envName}) first`);
      priced.push({ config, stacks: [] });
      continue;
    }
    const stacks = readAssembly(dir);
    try {
      checkAssemblyEnvironment(dir, stacks, config);
    } catch (error) {
      if (!(error instanceof AssemblyMismatchError)) throw error;
      problems.push(error.message);
    }
    priced.push({ config, stacks });
  }
  if (problems.length > 0) throw new AssemblyMismatchError(problems.join('\n'));
  return priced;
}

/** The reports at `pricing` (on-demand, the budget check, by default). */
export async function costReports(envNames: readonly EnvironmentName[], assembly: string, pricing: PricingMode = 'on-demand'): Promise<CostReport[]> {
  return (await pricedEnvironments(envNames, assembly))
    .map(({ config, stacks }) => estimateEnvironment(config, stacks, pricing));
}
