/**
 * How the bill and the capacity grow with the calls (`npm run cost -- --volume 1,3,10`): the estimate at each
 * multiple of the workload with its cost per 1,000 calls and the limits it reaches, and the first 12 months at 1x
 * with the stores growing under the lifecycle rules.
 */
import type { EnvironmentConfig } from '../../environments';
import { WORKER_NAMES } from '../../lib/contracts';
import { deriveUsage, estimateEnvironment, ONE_X, round, type DerivedUsage, type StackTemplate } from './estimate';

/**
 * Atlas storage included per tier (GB). M10 10 GB and M20 20 GB are the seed's; M0 512 MB, M30 40 GB and M40 80 GB
 * are Atlas's defaults (https://www.mongodb.com/docs/atlas/reference/amazon-aws/, cluster tiers table).
 */
const ATLAS_STORAGE_GB: Record<string, number> = { M0: 0.5, M10: 10, M20: 20, M30: 40, M40: 80 };
/**
 * Vector data one search replica at the OCU floor holds in memory: 0.5 OCU x 6 GiB. Vector collections are bound by
 * OCU RAM ("Each OCU is a combination of 6 GiB of memory"; the floor is 0.5 OCU for search, x 2 with redundancy:
 * https://docs.aws.amazon.com/opensearch-service/latest/developerguide/serverless-scaling.html).
 */
const OCU_FLOOR_VECTOR_GB = round((0.5 * 6 * 2 ** 30) / 1e9, 2);

export interface CapacityLimit {
  readonly limit: string;
  readonly need: number;
  readonly capacity: number;
  readonly over: boolean;
  /** The setting to change when it is over. */
  readonly setting: string;
}

export interface VolumeRow {
  readonly volume: number;
  readonly callsPerMonth: number;
  readonly totalUsd: number;
  readonly usdPer1000Calls: number;
  readonly overBudget: boolean;
  readonly capacity: readonly CapacityLimit[];
}

export interface MonthRow {
  readonly month: number;
  readonly totalUsd: number;
  readonly recordingsStoredGb: number;
  readonly transcriptsStoredGb: number;
  readonly searchIndexStoredGb: number;
  readonly overBudget: boolean;
}

export interface VolumeReport {
  readonly env: string;
  readonly budget: number;
  readonly volumes: readonly VolumeRow[];
  /** The limit closest to its capacity at 1x: the first one the calls reach as they grow. */
  readonly firstLimit: CapacityLimit;
  readonly months: readonly MonthRow[];
  /** The first month (1-12, at 1x) whose estimate exceeds the budget; undefined when none does. */
  readonly budgetCrossedMonth?: number;
}

/**
 * At the usage of one scenario: each worker's peak tasks against services.maxCapacity, the index against the OCU
 * floor, Atlas data vs the tier.
 */
export function capacityAt(config: EnvironmentConfig, usage: DerivedUsage): CapacityLimit[] {
  const max = config.services.maxCapacity;
  const { instanceSize, autoScaling } = config.atlas;
  const ceiling = autoScaling.computeMaxInstanceSize;
  const limit = (name: string, need: number, capacity: number, setting: string): CapacityLimit =>
    ({ limit: name, need: round(need, 2), capacity, over: need > capacity, setting });
  return [
    ...WORKER_NAMES.map((w) => {
      const t = usage.workerTasks[w];
      return limit(`${w} peak tasks (average ${round(t.average, 2)})`, t.peak, max, 'services.maxCapacity');
    }),
    limit(`search index GB vs the OCU floor's memory (${OCU_FLOOR_VECTOR_GB} GB)`, usage.searchIndexStoredGb, OCU_FLOOR_VECTOR_GB,
      'OCUs scale past the floor, not priced here: workload.indexBytesPerCall (smaller vectors) or budget the OCUs'),
    limit(`Atlas data GB vs ${instanceSize} storage${ceiling ? ` (ceiling ${ceiling}: ${ATLAS_STORAGE_GB[ceiling]} GB)` : ''}`,
      usage.atlasDataGb, ATLAS_STORAGE_GB[instanceSize], ceiling ? 'atlas.instanceSize (auto-scaling reaches it)' : 'atlas.instanceSize'),
  ];
}

export function volumeReport(
  config: EnvironmentConfig,
  stacks: readonly StackTemplate[],
  volumes: readonly number[],
): VolumeReport {
  const budget = config.budget.monthlyUsd;
  const rows = volumes.map((volume): VolumeRow => {
    const scenario = { volume, month: 0 };
    const { total } = estimateEnvironment(config, stacks, 'on-demand', scenario);
    const usage = deriveUsage(config, scenario);
    const calls = usage.callsPerMonth;
    const usdPer1000Calls = calls > 0 ? round((total / calls) * 1000, 2) : 0;
    const capacity = capacityAt(config, usage);
    return { volume, callsPerMonth: round(calls, 0), totalUsd: total, usdPer1000Calls, overBudget: total > budget,
      capacity };
  });
  const months = Array.from({ length: 12 }, (_, i): MonthRow => {
    const scenario = { volume: 1, month: i + 1 };
    const usage = deriveUsage(config, scenario);
    const { total } = estimateEnvironment(config, stacks, 'on-demand', scenario);
    const gb = (n: number) => round(n, 1);
    return {
      month: i + 1,
      totalUsd: total,
      recordingsStoredGb: gb(usage.recordingsStoredGb),
      transcriptsStoredGb: gb(usage.transcriptsStoredGb),
      searchIndexStoredGb: gb(usage.searchIndexStoredGb),
      overBudget: total > budget,
    };
  });
  const ratio = (l: CapacityLimit) => l.need / l.capacity;
  const firstLimit = capacityAt(config, deriveUsage(config, ONE_X)).reduce((a, b) => (ratio(b) > ratio(a) ? b : a));
  const budgetCrossedMonth = months.find((m) => m.overBudget)?.month;
  return { env: config.name, budget, volumes: rows, firstLimit, months, budgetCrossedMonth };
}

const usd = (n: number) => n.toFixed(2);

/** The cost per volume and the first limit hit (markdown; also docs/cost.md's facts:cost-curve block). */
export function curveLines(r: VolumeReport): string[] {
  const first = r.firstLimit;
  return [
    '| volume | calls/month | USD/month | USD per 1,000 calls | budget |',
    '|---:|---:|---:|---:|---|',
    ...r.volumes.map((v) => `| ${v.volume}x | ${v.callsPerMonth} | ${usd(v.totalUsd)} | ${usd(v.usdPer1000Calls)} | ${v.overBudget ? 'over' : 'within'} |`),
    '',
    `First limit hit: ${first.limit} (${first.need} of ${first.capacity} at 1x); change: ${first.setting}.`,
  ];
}

/** The first 12 months at 1x and the month the budget is crossed (also docs/cost.md's facts:cost-months block). */
export function monthLines(r: VolumeReport): string[] {
  return [
    '| month | USD/month | recordings GB | transcripts GB | index GB |',
    '|---:|---:|---:|---:|---:|',
    ...r.months.map((m) => `| ${m.month} | ${usd(m.totalUsd)} | ${m.recordingsStoredGb} | ${m.transcriptsStoredGb} | ${m.searchIndexStoredGb} |`),
    '',
    r.budgetCrossedMonth ? `The budget is crossed in month ${r.budgetCrossedMonth}.` : 'The budget is not crossed in the first 12 months.',
  ];
}

/** The curve, the capacity per volume and the 12-month table, as text (markdown tables). */
export function formatVolumeReport(r: VolumeReport): string {
  return [
    `== ${r.env}: monthly cost by call volume (budget $${r.budget}, on-demand)`,
    ...curveLines(r),
    'A worker over services.maxCapacity is priced at the tasks it needs, not at the maximum.',
    '',
    '| volume | limit | need | capacity | |',
    '|---:|---|---:|---:|---|',
    ...r.volumes.flatMap((v) => v.capacity.map((l) => `| ${v.volume}x | ${l.limit} | ${l.need} | ${l.capacity} | ${l.over ? `OVER: ${l.setting}` : 'fits'} |`)),
    '',
    'first 12 months at 1x (stores grow under the lifecycle rules):',
    ...monthLines(r),
  ].join('\n');
}
