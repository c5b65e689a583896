/**
 * Operator CLI: deploy, diff, destroy and bootstrap one environment, with guard rails.
 *
 *   npm run deploy    -- --env dev [--image-tag 1.4.2] [--dry-run] [--yes]
 *   npm run diff      -- --env staging --account 123456789012
 *   npm run destroy   -- --env dev [--all-including-data]
 *   npm run bootstrap -- --env prod --account 123456789012
 *
 * Every command takes --help. parse (./args.ts) -> plan (./plan.ts, pure) -> execute (./execute.ts).
 */
import { EnvironmentConfigError, loadEnvironment, type EnvironmentConfig } from '../../environments';
import { parseOpsArgs, UsageError } from './args';
import { executePlan, type OpsDeps } from './execute';
import { plan, RefusalError, type StackInfo } from './plan';

export interface CliDeps extends OpsDeps {
  /** The environment's stacks in deploy order (the real app by default). */
  inventory(config: EnvironmentConfig): StackInfo[];
}

/** Returns the exit code: 0 done (or help), 1 refused/failed, 2 usage error. */
export async function main(argv: readonly string[], deps: CliDeps): Promise<number> {
  let parsed;
  try {
    parsed = parseOpsArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      deps.error(`error: ${error.message}`);
      return 2;
    }
    throw error;
  }
  if (parsed.kind === 'help') {
    deps.log(parsed.text);
    return 0;
  }
  try {
    const config = loadEnvironment(parsed.env, { account: parsed.options.account, imageTag: parsed.options.imageTag, certificateArn: parsed.options.certificateArn });
    const stacks = parsed.command === 'bootstrap' ? [] : deps.inventory(config);
    return await executePlan(plan(parsed.command, config, parsed.options, stacks), deps, { dryRun: parsed.options.dryRun });
  } catch (error) {
    if (error instanceof RefusalError || error instanceof EnvironmentConfigError) {
      deps.error(`error: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

if (require.main === module) {
  void (async () => {
    const { systemDeps } = await import('./system');
    const { appStackInventory } = await import('./inventory');
    try {
      process.exitCode = await main(process.argv.slice(2), { ...systemDeps(), inventory: appStackInventory });
    } catch (error) {
      console.error(`error: ${(error as Error).message}`);
      process.exitCode = 1;
    }
  })();
}
