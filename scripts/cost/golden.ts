/**
 * npm run cost:golden -- [--check] [--assembly <dir holding <env>/ assemblies>]
 *
 * Writes test/cost/cost-golden.json: every price of scripts/cost/prices.ts with its source and date,
 * and per environment the usage assumptions, every line and the total of the cost report for the
 * committed config. test/cost/golden.test.ts compares the live estimate with it, so a changed price,
 * usage figure or pricing rule fails the tests until this file is regenerated and its diff reviewed
 * in the same commit. `--check` only compares (exit 1 when stale).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENVIRONMENT_NAMES, loadEnvironment, type EnvironmentConfig } from '../../environments';
import { parseArgs } from '../lib/cli';
import { deriveUsage, estimateEnvironment, round, type CostLine, type CostReport } from './estimate';
import { PRICES, PRICES_AS_OF, type Price } from './prices';
import { pricedEnvironments } from './reports';
import { volumeReport, type VolumeReport } from './volume';

export const GOLDEN_FILE = join(__dirname, '..', '..', 'test', 'cost', 'cost-golden.json');

/** One price as reviewed: figure, unit, where it was read and when. */
export interface GoldenPrice extends Price {
  readonly asOf: string;
}

export interface CostGolden {
  readonly regenerate: string;
  /** Price key (nested tables as `table.key`) -> the price. */
  readonly prices: Record<string, GoldenPrice>;
  readonly environments: Record<string, {
    total: number;
    budget: number;
    usage: Record<string, unknown>;
    lines: Array<CostLine & { pricesAsOf: string }>;
  }>;
  /** prod at 1x, 3x and 10x and its first 12 months (npm run cost -- --env prod --volume 1,3,10; docs/cost.md). */
  readonly curve?: VolumeReport;
}

/** The volumes the golden file (and docs/cost.md) pins for prod. */
export const GOLDEN_VOLUMES = [1, 3, 10];

function isPrice(value: object): value is Price {
  return typeof (value as Price).usd === 'number' && typeof (value as Price).source === 'string';
}

/** Every price of the table, nested tables flattened to `table.key`. */
export function flattenPrices(
  table: Record<string, object> = PRICES,
  asOf = PRICES_AS_OF,
): Record<string, GoldenPrice> {
  const flat: Record<string, GoldenPrice> = {};
  for (const [key, value] of Object.entries(table)) {
    if (isPrice(value)) flat[key] = { ...value, asOf };
    else for (const [inner, price] of Object.entries(value as Record<string, Price>)) flat[`${key}.${inner}`] = { ...price, asOf };
  }
  return flat;
}

/** The golden content for these reports (one per environment, in ENVIRONMENT_NAMES order). */
export function costGolden(reports: readonly CostReport[], curve?: VolumeReport): CostGolden {
  return {
    regenerate: 'npm run cost:golden; review the diff; commit it with the price, usage or rule change that caused it',
    prices: flattenPrices(),
    environments: Object.fromEntries(
      reports.map((r) => [
        r.env,
        {
          total: r.total,
          budget: r.budget,
          usage: usageOf(loadEnvironment(r.env as (typeof ENVIRONMENT_NAMES)[number])),
          lines: r.lines.map((l) => ({ ...l, pricesAsOf: r.pricesAsOf })),
        },
      ]),
    ),
    ...(curve ? { curve } : {}),
  };
}

/** The workload, the fixed usage and what the estimate derived from them at 1x (rounded). */
function usageOf(config: EnvironmentConfig): Record<string, unknown> {
  const { workerTasks, ...derived } = deriveUsage(config);
  const rounded = (o: object): Record<string, unknown> => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? round(v, 3) : rounded(v)]));
  return { workload: config.workload, ...config.usage, derived: rounded({ ...derived, workerTasks }) };
}

export function serializeGolden(golden: CostGolden): string {
  return `${JSON.stringify(golden, null, 2)}\n`;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2), { check: false, assembly: '' }, 'npm run cost:golden -- [--check] [--assembly <dir holding <env>/ assemblies>]');
  const priced = await pricedEnvironments(ENVIRONMENT_NAMES, args.assembly);
  const prod = priced.find((p) => p.config.name === 'prod');
  const curve = prod && volumeReport(prod.config, prod.stacks, GOLDEN_VOLUMES);
  const reports = priced.map(({ config, stacks }) => estimateEnvironment(config, stacks));
  const text = serializeGolden(costGolden(reports, curve));
  if (args.check) {
    if (readFileSync(GOLDEN_FILE, 'utf8') === text) return 0;
    console.error(`error: ${GOLDEN_FILE} is stale: run \`npm run cost:golden\` and review the diff`);
    return 1;
  }
  writeFileSync(GOLDEN_FILE, text);
  console.log(`wrote ${GOLDEN_FILE}`);
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(`error: ${(error as Error).message}`);
      process.exitCode = 1;
    },
  );
}
