/**
 * npm run cost -- [--env dev|staging|prod|all] [--json] [--assembly <dir>] [--summary] [--pricing on-demand|committed]
 *
 * Prints the monthly cost estimate of each environment from its synthesized templates (synthesized in memory once per
 * environment, or read from --assembly: a cloud assembly directory for one environment, or a directory holding <env>/
 * assemblies for several) and its Atlas config. An assembly that is not exactly the named environment's stacks (another
 * environment's, a stack missing) is refused. Exits 1 when an estimate exceeds its budget, a resource type has no
 * pricing rule or an assembly is refused. The budget check always uses on-demand prices; `--pricing committed` prints
 * the estimate with 1-year Savings Plan / reserved-node rates. `--volume 1,3,10` prints instead the cost, cost per
 * 1,000 calls and capacity at each multiple of the workload, and the first 12 months at 1x (scripts/cost/volume.ts);
 * the budget check stays at 1x. No AWS credentials or network needed.
 */
import { resolveEnvironmentNames } from '../../environments/names';
import { expectedErrorExitCode, isProgrammingError, readArgs, runMain, UsageError } from '../lib/cli';
import { estimateEnvironment, PRICING_MODES, type CostReport, type PricingMode } from './estimate';
import { formatReport, formatSummary } from './format';

const USAGE = 'npm run cost -- [--env dev|staging|prod|all] [--json] [--summary] [--assembly <cloud assembly dir>] [--pricing on-demand|committed] [--volume 1,3,10]';

/** Where the CLI writes: the console, or a test's buffers. */
export interface CostOutput {
  log(text: string): void;
  error(text: string): void;
}

async function report(argv: string[], out: CostOutput): Promise<number> {
  const args = readArgs(argv, { env: 'dev', json: false, summary: false, assembly: '', pricing: 'on-demand', volume: '' }, USAGE);
  if (args === 'help') {
    out.log(`usage: ${USAGE}`);
    return 0;
  }
  if (!(PRICING_MODES as readonly string[]).includes(args.pricing)) {
    throw new UsageError(`--pricing must be one of ${PRICING_MODES.join(', ')}, got "${args.pricing}"\nusage: ${USAGE}`);
  }
  const pricing = args.pricing as PricingMode;
  const volumes = args.volume === '' ? [] : args.volume.split(',').map(Number);
  if (volumes.some((v) => !(v > 0))) throw new UsageError(`--volume must be positive multiples of the workload, e.g. 1,3,10, got "${args.volume}"\nusage: ${USAGE}`);
  const envNames = resolveEnvironmentNames(args.env);
  // The schemas and the CDK app (to synthesize) load only once the arguments are good.
  const { pricedEnvironments } = await import('./reports');
  // On-demand is always computed: it is the budget check, whatever is printed.
  const priced = (await pricedEnvironments(envNames, args.assembly)).map(({ config, stacks }) => ({
    onDemand: estimateEnvironment(config, stacks),
    shown: pricing === 'on-demand' ? undefined : estimateEnvironment(config, stacks, pricing),
  }));
  const budgetChecks = priced.map((p) => p.onDemand);
  const reports: CostReport[] = priced.map((p) => p.shown ?? p.onDemand);

  if (volumes.length > 0) {
    const { volumeReport, formatVolumeReport } = await import('./volume');
    const curves = (await pricedEnvironments(envNames, args.assembly))
      .map(({ config, stacks }) => volumeReport(config, stacks, volumes));
    out.log(args.json ? JSON.stringify(curves.length === 1 ? curves[0] : curves, null, 2) : curves.map(formatVolumeReport).join('\n\n'));
  } else if (args.json) {
    const rows = reports.map(({ env, total, budget, delta, withinBudget, pricesAsOf, lines }, i) =>
      // Committed output names its pricing and the on-demand total the budget check used.
      pricing === 'on-demand'
        ? { env, total, budget, delta, withinBudget, pricesAsOf, lines }
        : {
          env,
          pricing,
          total,
          onDemandTotal: budgetChecks[i].total,
          budget,
          delta,
          withinBudget: budgetChecks[i].withinBudget,
          pricesAsOf,
          lines,
        },
    );
    out.log(JSON.stringify(args.env === 'all' || envNames.length > 1 ? rows : rows[0], null, 2));
  } else if (args.summary) {
    out.log(formatSummary(reports));
  } else {
    out.log(reports.map(formatReport).join('\n\n'));
    if (reports.length > 1) out.log(`\n${formatSummary(reports)}`);
  }
  if (pricing !== 'on-demand') out.log(`\nbudget check (on-demand): ${budgetChecks.map((r) => `${r.env} $${r.total.toFixed(2)}`).join(', ')}`);
  const over = budgetChecks.filter((r) => !r.withinBudget);
  for (const r of over) out.error(`error: ${r.env} estimate $${r.total.toFixed(2)} exceeds its budget $${r.budget} by $${(-r.delta).toFixed(2)}`);
  return over.length > 0 ? 1 : 0;
}

/**
 * Returns the exit code: 0 every estimate within budget (or --help), 1 over budget, an assembly refused or another
 * error, 2 a usage error or an unknown environment.
 */
export async function main(argv: string[], out: CostOutput = console): Promise<number> {
  try {
    return await report(argv, out);
  } catch (error) {
    // A bug (a TypeError, a lib/ module that fails to load) keeps its stack: rethrown, runMain lets it through.
    if (isProgrammingError(error)) throw error;
    out.error(`error: ${(error as Error).message}`);
    return expectedErrorExitCode(error) ?? 1;
  }
}

if (require.main === module) void runMain(() => main(process.argv.slice(2)));
