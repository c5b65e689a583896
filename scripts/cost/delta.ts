/**
 * npm run cost:delta -- --base <file> [--current <file>]
 *
 * The cost change of a pull request, per environment and line: compares the estimate of the base branch
 * (`npm run -s cost -- --env all --json > base.json`, run in a checkout of the base) with the working
 * tree's (computed here, or read from --current). Prints a Markdown report (the pull request workflow
 * appends it to the job summary) and exits 1 when an environment's new estimate exceeds its budget.
 */
import { readFileSync } from 'node:fs';
import { resolveEnvironmentNames } from '../../environments';
import { readArgs, USAGE_EXIT_CODE, UsageError } from '../lib/cli';
import { estimateEnvironment } from './estimate';
import { pricedEnvironments } from './reports';

const USAGE = 'npm run cost:delta -- --base <cost --json of the base branch> [--current <cost --json of the working tree>]';

/** What `npm run -s cost -- --env all --json` prints per environment (the fields this report reads). */
export interface CostJson {
  readonly env: string;
  readonly total: number;
  readonly budget: number;
  readonly withinBudget: boolean;
  readonly lines: ReadonlyArray<{ readonly service: string; readonly resource: string; readonly monthlyUsd: number }>;
}

const usd = (value: number): string => `${value < 0 ? '-' : ''}$${Math.abs(value).toFixed(2)}`;
const signed = (value: number): string => (Math.abs(value) < 0.005 ? '$0.00' : `${value > 0 ? '+' : '-'}$${Math.abs(value).toFixed(2)}`);

/** The Markdown report and whether every environment stays within budget. */
export function costDelta(
  base: readonly CostJson[],
  current: readonly CostJson[],
): { markdown: string; overBudget: string[] } {
  const out: string[] = ['## Cost delta (USD/month, on-demand, vs the base branch)', ''];
  out.push('| environment | base | this change | delta | budget | within budget |', '|---|---:|---:|---:|---:|---|');
  const overBudget: string[] = [];
  for (const now of current) {
    const before = base.find((b) => b.env === now.env);
    const delta = now.total - (before?.total ?? 0);
    if (!now.withinBudget || now.total > now.budget) overBudget.push(now.env);
    out.push(`| ${now.env} | ${before ? usd(before.total) : '(new)'} | ${usd(now.total)} | ${signed(delta)} | ${usd(now.budget)} | ${now.total > now.budget ? '**NO**' : 'yes'} |`);
  }
  for (const now of current) {
    const before = base.find((b) => b.env === now.env);
    const key = (line: CostJson['lines'][number]): string => `${line.service} — ${line.resource}`;
    const was = new Map((before?.lines ?? []).map((line) => [key(line), line.monthlyUsd]));
    const is = new Map(now.lines.map((line) => [key(line), line.monthlyUsd]));
    const changed = [...new Set([...was.keys(), ...is.keys()])]
      .map((line) => ({ line, before: was.get(line) ?? 0, after: is.get(line) ?? 0 }))
      .filter(({ before: b, after: a }) => Math.abs(a - b) >= 0.005);
    out.push('', `### ${now.env}: ${changed.length === 0 ? 'no line changed' : `${changed.length} line(s) changed`}`);
    if (changed.length > 0) {
      out.push('', '| line | base | this change | delta |', '|---|---:|---:|---:|');
      for (const c of changed) out.push(`| ${c.line} | ${was.has(c.line) ? usd(c.before) : '(new)'} | ${is.has(c.line) ? usd(c.after) : '(removed)'} | ${signed(c.after - c.before)} |`);
    }
  }
  if (overBudget.length > 0) out.push('', `**Over budget: ${overBudget.join(', ')}.** Lower the estimate or raise \`budget.monthlyUsd\` in a reviewed change.`);
  return { markdown: out.join('\n'), overBudget };
}

function readCostJson(file: string, what: string): CostJson[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`${what} ${file} is not the JSON of \`npm run -s cost -- --env all --json\`: ${(error as Error).message}`);
  }
  return Array.isArray(parsed) ? (parsed as CostJson[]) : [parsed as CostJson];
}

export async function main(
  argv: string[],
  out: { log(text: string): void; error(text: string): void } = console,
): Promise<number> {
  try {
    const args = readArgs(argv, { base: '', current: '' }, USAGE);
    if (args === 'help') {
      out.log(`usage: ${USAGE}`);
      return 0;
    }
    if (args.base === '') throw new UsageError(`missing --base <file>\nusage: ${USAGE}`);
    const base = readCostJson(args.base, '--base');
    const current =
      args.current !== ''
        ? readCostJson(args.current, '--current')
        : (await pricedEnvironments(resolveEnvironmentNames('all'), '')).map(({ config, stacks }) => estimateEnvironment(config, stacks));
    const { markdown, overBudget } = costDelta(base, current);
    out.log(markdown);
    for (const env of overBudget) out.error(`error: ${env} is over its budget with this change`);
    return overBudget.length > 0 ? 1 : 0;
  } catch (error) {
    out.error(`error: ${(error as Error).message}`);
    return error instanceof UsageError ? USAGE_EXIT_CODE : 1;
  }
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
