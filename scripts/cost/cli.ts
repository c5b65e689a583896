/**
 * npm run cost -- [--env dev|staging|prod|all] [--json] [--assembly <dir>] [--summary]
 *
 * Prints the monthly cost estimate of each environment from its synthesized templates (synthesized
 * in memory once per environment, or read from --assembly: a cloud assembly directory for one
 * environment, or a directory holding <env>/ assemblies for several) and its Atlas config.
 * Exits 1 when an estimate exceeds its budget or a resource type has no pricing rule.
 * No AWS credentials or network needed.
 */
import { resolveEnvironmentNames } from '../../environments';
import { parseArgs } from '../lib/cli';
import type { CostReport } from './estimate';
import { formatReport, formatSummary } from './format';
import { costReports } from './reports';

const USAGE = 'npm run cost -- [--env dev|staging|prod|all] [--json] [--summary] [--assembly <cloud assembly dir>]';

function main(): number {
  const args = parseArgs(process.argv.slice(2), { env: 'dev', json: false, summary: false, assembly: '' }, USAGE);
  const envNames = resolveEnvironmentNames(args.env);
  const reports: CostReport[] = costReports(envNames, args.assembly);

  if (args.json) {
    const out = reports.map(({ env, total, budget, delta, withinBudget, pricesAsOf, lines }) => ({ env, total, budget, delta, withinBudget, pricesAsOf, lines }));
    console.log(JSON.stringify(args.env === 'all' || envNames.length > 1 ? out : out[0], null, 2));
  } else if (args.summary) {
    console.log(formatSummary(reports));
  } else {
    console.log(reports.map(formatReport).join('\n\n'));
    if (reports.length > 1) console.log(`\n${formatSummary(reports)}`);
  }
  const over = reports.filter((r) => !r.withinBudget);
  for (const r of over) console.error(`error: ${r.env} estimate $${r.total.toFixed(2)} exceeds its budget $${r.budget} by $${(-r.delta).toFixed(2)}`);
  return over.length > 0 ? 1 : 0;
}

try {
  process.exitCode = main();
} catch (error) {
  console.error(`error: ${(error as Error).message}`);
  process.exitCode = 1;
}
