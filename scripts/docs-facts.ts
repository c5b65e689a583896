/**
 * npm run docs:facts          rewrites the generated blocks of README.md and docs/*.md
 * npm run docs:facts -- --check   exit 1 when a block differs from a fresh render (CI, and a test)
 *
 * Numbers and names the config decides (sizes, counts, retention, backup windows, floors, budgets) are
 * not typed into the docs: each sits in a block between `<!-- facts:NAME -->` and `<!-- /facts:NAME -->`
 * rendered here from environments/ (and, for the estimates, from the reviewed cost golden file that
 * `npm test` pins to the templates). Edit the config, run `npm run docs:facts`, commit both.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EnvironmentConfig } from '../environments';
import { ENVIRONMENT_NAMES, type EnvironmentName } from '../environments/names';
import { apiMinimumTasks, WORKER_NAMES } from '../lib/contracts';
import { ResourceNames } from '../lib/naming';
import { curveLines, monthLines, type VolumeReport } from './cost/volume';
import { parseArgs, runMain } from './lib/cli';

const ROOT = join(__dirname, '..');
const GOLDEN_FILE = join(ROOT, 'test', 'cost', 'cost-golden.json');

/** The files with generated blocks, relative to the repository root. */
export const FACT_FILES = ['README.md', 'docs/runbook.md', 'docs/cost.md'] as const;

type Configs = Readonly<Record<EnvironmentName, EnvironmentConfig>>;

interface CostGolden {
  readonly environments: Record<EnvironmentName, { readonly total: number; readonly budget: number }>;
  /** prod's cost at 1x/3x/10x of its workload and its first 12 months (npm run cost:golden). */
  readonly curve: VolumeReport;
}

export interface FactInputs {
  readonly configs: Configs;
  readonly costs: CostGolden['environments'];
  readonly curve: VolumeReport;
}

/** The committed configs and cost golden file. Async: the schemas load here, so a usage error answers without them. */
export async function loadFactInputs(): Promise<FactInputs> {
  const { loadEnvironment } = await import('../environments');
  const configs = Object.fromEntries(
    ENVIRONMENT_NAMES.map((name) => [name, loadEnvironment(name)]),
  ) as Record<EnvironmentName, EnvironmentConfig>;
  const golden = JSON.parse(readFileSync(GOLDEN_FILE, 'utf8')) as CostGolden;
  return { configs, costs: golden.environments, curve: golden.curve };
}

const usd = (n: number): string => n.toFixed(2);
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function table(header: string[], rows: string[][]): string[] {
  return [`| ${header.join(' | ').trim()} |`.replace('|  |', '| |'), `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

function byEnv(
  inputs: FactInputs,
  label: string,
  cell: (c: EnvironmentConfig, name: EnvironmentName) => string,
): string[] {
  return [label, ...ENVIRONMENT_NAMES.map((name) => cell(inputs.configs[name], name))];
}

function atlasSummary(c: EnvironmentConfig): string {
  const a = c.atlas;
  const scaling = a.autoScaling.computeMaxInstanceSize ? ` (auto-scaling to ${a.autoScaling.computeMaxInstanceSize})` : '';
  return a.instanceSize === 'M0' ? 'M0 (free, 512 MB), no cloud backup' : `${a.instanceSize}${scaling}, ${backupSummary(c)}`;
}

/** What Atlas keeps, in words an on-call engineer restores from (mirrors atlas/lib/atlas-cluster.ts). */
export function backupSummary(c: EnvironmentConfig): string {
  const a = c.atlas;
  if (a.instanceSize === 'M0') return 'no cloud backup (shared tier)';
  if (!a.continuousBackup) return 'no cloud backup';
  const parts = [
    `point-in-time restore to any minute of the last ${plural(a.pointInTimeWindowDays, 'day')} (snapshots every ${a.snapshotIntervalHours} h kept as long)`,
    `daily snapshots at ${String(a.snapshotHourUtc).padStart(2, '0')}:00 UTC kept ${plural(a.backupRetentionDays, 'day')}`,
  ];
  if (a.weeklySnapshotRetentionWeeks > 0) parts.push(`weekly kept ${plural(a.weeklySnapshotRetentionWeeks, 'week')}`);
  if (a.monthlySnapshotRetentionMonths > 0) parts.push(`monthly kept ${plural(a.monthlySnapshotRetentionMonths, 'month')}`);
  return parts.join(', ');
}

function uptime(c: EnvironmentConfig): string {
  const u = c.uptime;
  if (u.mode === 'always-on') return '24/7';
  const days = u.weekdays.length === 5 && u.weekdays[0] === 'MON' ? 'Mon–Fri' : u.weekdays.join(',');
  return `business hours (${days} ${String(u.startHour).padStart(2, '0')}–${String(u.stopHour).padStart(2, '0')} ${u.timezone})`;
}

function apiBounds(c: EnvironmentConfig): { min: number; max: number } {
  return { min: apiMinimumTasks(c.services), max: c.services.maxCapacity };
}

function environmentTable(inputs: FactInputs): string[] {
  const yesNo = (b: boolean): string => (b ? 'yes' : 'no');
  return table(
    ['', ...ENVIRONMENT_NAMES],
    [
      byEnv(inputs, 'MongoDB Atlas', atlasSummary),
      byEnv(inputs, 'Cache', (c) => `${c.cache.nodeType}, ${c.cache.engine} ${c.cache.engineVersion}, ${plural(1 + c.cache.replicas, 'node')}${c.cache.highAvailability ? ', automatic failover, Multi-AZ' : ''}`),
      byEnv(inputs, 'ECS task size (CPU / MiB)', (c) => `${c.services.taskCpu} / ${c.services.taskMemoryMiB}`),
      byEnv(inputs, 'api tasks (min–max, load-balanced)', (c) => `${apiBounds(c).min}–${apiBounds(c).max}`),
      byEnv(inputs, `workers (${WORKER_NAMES.join(', ')}): tasks each, min–max`, (c) => `${c.services.workerMinCapacity}–${c.services.maxCapacity}${c.services.workersOnSpot ? ', Fargate Spot' : ''}, backlog scaling`),
      byEnv(inputs, 'Log retention', (c) => plural(c.logRetentionDays, 'day')),
      byEnv(inputs, 'Uptime', uptime),
      byEnv(inputs, 'AZs / NAT gateways', (c) => `${c.availabilityZones.length} / ${c.network.natGateways}`),
      byEnv(inputs, 'Atlas connectivity / auth', (c) => `${c.atlas.connectivity === 'private-link' ? 'PrivateLink' : 'NAT-IP access list'} / ${c.atlas.databaseAuth === 'aws-iam' ? 'AWS IAM' : 'password'}`),
      byEnv(inputs, 'Vector search', (c) => (c.search.standbyReplicas ? 'standby replicas (2 OCU floor)' : '1 OCU floor, no standby')),
      byEnv(inputs, 'WAF / ALB deletion protection / HTTPS only', (c) => `${yesNo(c.services.waf.enabled)} / ${yesNo(c.services.loadBalancerDeletionProtection)} / ${yesNo(c.services.httpsOnly)}`),
      byEnv(inputs, 'Data on stack delete or replacement', (c) => (c.disposableData ? 'destroyed (disposable)' : 'retained / snapshotted (not kept when the first create rolls back)')),
      byEnv(inputs, 'Monthly budget (USD)', (c) => usd(c.budget.monthlyUsd)),
      byEnv(inputs, '**Estimate** (`npm run cost`, USD)', (_, name) => `**${usd(inputs.costs[name].total)}**`),
    ],
  );
}

function costTable(inputs: FactInputs): string[] {
  return table(
    ['environment', 'estimate (USD/month)', 'budget (USD/month)', 'headroom'],
    ENVIRONMENT_NAMES.map((name) => {
      const { total, budget } = inputs.costs[name];
      return [name, usd(total), usd(budget), `${usd(budget - total)} (${Math.round(((budget - total) / budget) * 100)}%)`];
    }),
  );
}

function atlasBackups(inputs: FactInputs): string[] {
  return table(
    ['environment', 'cluster', 'what Atlas keeps', 'termination protection'],
    ENVIRONMENT_NAMES.map((name) => {
      const c = inputs.configs[name];
      return [name, `\`${ResourceNames.of(c).name('mongodb')}\` (${c.atlas.instanceSize})`, backupSummary(c), c.atlas.terminationProtection ? 'yes' : 'no'];
    }),
  );
}

function scalingTable(inputs: FactInputs): string[] {
  const vcpus = (c: EnvironmentConfig): number =>
    (c.services.taskCpu / 1024) * c.services.maxCapacity * (1 + WORKER_NAMES.length);
  return table(
    ['', ...ENVIRONMENT_NAMES],
    [
      byEnv(inputs, 'api tasks (min / max)', (c) => `${apiBounds(c).min} / ${apiBounds(c).max}`),
      byEnv(inputs, 'tasks per worker (min / max)', (c) => `${c.services.workerMinCapacity} / ${c.services.maxCapacity}`),
      byEnv(inputs, 'task size', (c) => `${c.services.taskCpu / 1024} vCPU / ${c.services.taskMemoryMiB / 1024} GB`),
      byEnv(inputs, `Fargate vCPUs at max (${1 + WORKER_NAMES.length} services)`, (c) => String(vcpus(c))),
      byEnv(inputs, 'OpenSearch Serverless floor', (c) => (c.search.standbyReplicas ? '2 OCU (standby replicas)' : '1 OCU (no standby)')),
      byEnv(inputs, 'cache node type', (c) => `${c.cache.nodeType} × ${1 + c.cache.replicas}`),
      byEnv(inputs, 'Atlas tier', (c) => c.atlas.instanceSize + (c.atlas.autoScaling.computeMaxInstanceSize ? ` (auto-scales to ${c.atlas.autoScaling.computeMaxInstanceSize})` : '')),
    ],
  );
}

/** Every generated block, by name. */
export function renderFacts(inputs: FactInputs): Record<string, string[]> {
  return {
    'environment-table': environmentTable(inputs),
    'cost-table': costTable(inputs),
    'atlas-backups': atlasBackups(inputs),
    'scaling-table': scalingTable(inputs),
    'cost-curve': curveLines(inputs.curve),
    'cost-months': monthLines(inputs.curve),
  };
}

const BLOCK = /(<!-- facts:([a-z-]+) -->\n)([\s\S]*?)(<!-- \/facts:\2 -->)/g;

/** `text` with each generated block replaced by its fresh render; unknown block names are an error. */
export function applyFacts(text: string, facts: Record<string, string[]>, file: string): string {
  return text.replace(BLOCK, (_, open: string, name: string, _body: string, close: string) => {
    const lines = facts[name];
    if (!lines) throw new Error(`${file}: unknown generated block "facts:${name}" (known: ${Object.keys(facts).join(', ')})`);
    return `${open}${lines.join('\n')}\n${close}`;
  });
}

const USAGE = 'npm run docs:facts               rewrite the generated blocks of README.md and docs/*.md\n       npm run docs:facts -- --check    exit 1 if a block is stale';

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { check: false }, USAGE);
  const facts = renderFacts(await loadFactInputs());
  const stale: string[] = [];
  for (const file of FACT_FILES) {
    const path = join(ROOT, file);
    const current = readFileSync(path, 'utf8');
    const fresh = applyFacts(current, facts, file);
    if (fresh === current) continue;
    if (args.check) stale.push(file);
    else writeFileSync(path, fresh);
  }
  if (args.check && stale.length > 0) {
    console.error(`error: generated facts are stale in ${stale.join(', ')}: run \`npm run docs:facts\` and commit the result`);
    return 1;
  }
  console.log(args.check ? 'generated facts are up to date' : `generated facts written (${FACT_FILES.join(', ')})`);
  return 0;
}

if (require.main === module) void runMain(() => main(process.argv.slice(2)));
