/**
 * Prices the synthesized CloudFormation templates of one environment (plus its Atlas cluster from
 * config) with the pinned table in ./prices.ts. Every resource type found must either have a
 * pricing rule or be on the explicit FREE_RESOURCE_TYPES list; anything else is an error, so a new
 * billable resource can never hide from the estimate.
 */
import type { EnvironmentConfig } from '../../environments';
import { apiMinimumTasks, WORKER_NAMES, type WorkerName } from '../../lib/contracts';
import { COMMITTED_PRICES, CONTAINER_INSIGHTS_METRICS, HOURS_PER_MONTH, PRICES, PRICES_AS_OF, WEEKS_PER_MONTH, type Price } from './prices';
import { refreshNames } from '../../lib/refresh/names';

/**
 * on-demand: list prices (the default, and what the budget check uses).
 * committed: the seed's tip "Use Reserved Instances or Savings Plans": 1-year Compute Savings Plan rates for
 * on-demand Fargate tasks (Spot is already cheaper and not covered) and 1-year reserved ElastiCache nodes.
 */
export const PRICING_MODES = ['on-demand', 'committed'] as const;
export type PricingMode = (typeof PRICING_MODES)[number];

/** A CloudFormation resource as synthesized. */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, any>;
}

/** One synthesized stack. */
export interface StackTemplate {
  readonly stackName: string;
  readonly template: { readonly Resources?: Record<string, CfnResource> };
}

export interface CostLine {
  /** AWS service or vendor, e.g. "EC2", "Fargate", "MongoDB Atlas". */
  readonly service: string;
  /** What is priced, e.g. "NAT gateway hours". */
  readonly resource: string;
  readonly quantity: number;
  readonly unit: string;
  readonly unitPriceUsd: number;
  readonly monthlyUsd: number;
  /** How the quantity was derived. */
  readonly detail: string;
  readonly source: string;
}

export interface CostReport {
  readonly env: string;
  readonly total: number;
  readonly budget: number;
  /** budget - total: positive means headroom, negative means over budget. */
  readonly delta: number;
  readonly withinBudget: boolean;
  readonly pricesAsOf: string;
  /** Which prices the lines use; the budget check is meaningful for on-demand. */
  readonly pricing: PricingMode;
  readonly lines: CostLine[];
}

/** A resource type that is neither priced nor known to be free. */
export class UnknownResourceTypeError extends Error {
  constructor(readonly types: string[]) {
    super(
      `no pricing rule for ${types.join(', ')}: add a rule to scripts/cost/estimate.ts (PRICING_RULES) or, if it is free, to FREE_RESOURCE_TYPES with the reason`,
    );
    this.name = 'UnknownResourceTypeError';
  }
}

/** Resource types that cost nothing by themselves (what they carry is priced elsewhere, if at all). */
export const FREE_RESOURCE_TYPES: Readonly<Record<string, string>> = {
  'AWS::CDK::Metadata': 'CDK version metadata',
  'AWS::EC2::VPC': 'no charge for the VPC itself',
  'AWS::EC2::Subnet': 'no charge',
  'AWS::EC2::RouteTable': 'no charge',
  'AWS::EC2::Route': 'no charge',
  'AWS::EC2::SubnetRouteTableAssociation': 'no charge',
  'AWS::EC2::InternetGateway': 'no charge (data transfer out is not modelled; see docs/cost.md)',
  'AWS::EC2::VPCGatewayAttachment': 'no charge',
  'AWS::EC2::SecurityGroup': 'no charge',
  'AWS::EC2::SecurityGroupIngress': 'no charge',
  'AWS::EC2::SecurityGroupEgress': 'no charge',
  'AWS::EC2::FlowLog': 'billed as log ingestion (the log baseline)',
  'AWS::IAM::Role': 'no charge',
  'AWS::IAM::Policy': 'no charge',
  'AWS::IAM::ManagedPolicy': 'no charge',
  'AWS::IAM::InstanceProfile': 'no charge',
  'AWS::KMS::Alias': 'no charge',
  'AWS::Logs::LogGroup': 'ingestion and storage priced from the derived log GB',
  'AWS::Logs::ResourcePolicy': 'no charge',
  'AWS::S3::BucketPolicy': 'no charge',
  'AWS::SQS::QueuePolicy': 'no charge',
  'AWS::SNS::TopicPolicy': 'no charge',
  'AWS::SNS::Subscription': 'deliveries priced with the topic',
  'AWS::SecretsManager::SecretTargetAttachment': 'no charge',
  'AWS::SecretsManager::ResourcePolicy': 'no charge',
  'AWS::ECS::Cluster': 'no charge; Container Insights metrics priced separately',
  'AWS::ECS::ClusterCapacityProviderAssociations': 'no charge',
  'AWS::ECR::RepositoryCreationTemplate': 'no charge',
  'AWS::ElasticLoadBalancingV2::Listener': 'no charge (LCUs priced with the load balancer)',
  'AWS::ElasticLoadBalancingV2::ListenerRule': 'no charge',
  'AWS::ElasticLoadBalancingV2::ListenerCertificate': 'no charge',
  'AWS::ElasticLoadBalancingV2::TargetGroup': 'no charge',
  'AWS::WAFv2::WebACLAssociation': 'no charge',
  'AWS::WAFv2::LoggingConfiguration': 'logs priced as ingestion',
  'AWS::ApplicationAutoScaling::ScalableTarget': 'no charge',
  'AWS::ApplicationAutoScaling::ScalingPolicy': 'no charge (its CloudWatch alarms are created by the service and are free)',
  'AWS::ElastiCache::SubnetGroup': 'no charge',
  'AWS::ElastiCache::ParameterGroup': 'no charge',
  'AWS::ElastiCache::User': 'no charge',
  'AWS::ElastiCache::UserGroup': 'no charge',
  'AWS::OpenSearchServerless::SecurityPolicy': 'no charge',
  'AWS::OpenSearchServerless::AccessPolicy': 'no charge',
  'AWS::OpenSearchServerless::LifecyclePolicy': 'no charge',
  'AWS::Events::Rule': 'AWS service events are free',
  'AWS::Lambda::Permission': 'no charge',
  'AWS::ServiceDiscovery::PrivateDnsNamespace': 'no charge for the namespace (hosted zone not used by tasks)',
};

/** What every rule gets: the resource, its template, and the environment (with its usage derived). */
interface RuleContext {
  readonly config: PricedConfig;
  readonly logicalId: string;
  readonly resource: CfnResource;
  readonly stack: StackTemplate;
  /** Every stack of the environment (for cross-references such as cluster default strategies). */
  readonly stacks: readonly StackTemplate[];
  readonly pricing: PricingMode;
}

type PricingRule = (ctx: RuleContext) => CostLine[];

function line(
  service: string,
  resource: string,
  quantity: number,
  price: Price,
  detail: string,
  unitPriceUsd = price.usd,
): CostLine {
  return {
    service,
    resource,
    quantity: round(quantity, 4),
    unit: price.unit,
    unitPriceUsd,
    monthlyUsd: round(quantity * unitPriceUsd, 2),
    detail,
    source: price.source,
  };
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * Hours a month the services run: business hours (hours/day x
 * weekdays x 4.35 weeks), 730 less weekends when they stop, or 730.
 */
export function serviceHoursPerMonth(config: EnvironmentConfig): number {
  const { uptime } = config;
  if (uptime.mode === 'business-hours') return serviceHoursPerDay(uptime) * uptime.weekdays.length * WEEKS_PER_MONTH;
  if (uptime.weekendStop) return round((HOURS_PER_MONTH * 5) / 7, 2);
  return HOURS_PER_MONTH;
}

/** Hours a day the services run: the business hours' span, or the whole day. */
function serviceHoursPerDay(uptime: EnvironmentConfig['uptime']): number {
  return uptime.mode === 'business-hours' ? uptime.stopHour - uptime.startHour : 24;
}

/**
 * Average running tasks of every ECS service together: the api at its floor (apiMinimumTasks), each worker at its
 * average.
 */
function averageRunningTasks(config: PricedConfig): number {
  const workers = WORKER_NAMES.reduce((sum, w) => sum + config.usage.workerTasks[w].average, 0);
  return apiMinimumTasks(config.services) + workers;
}

/** A multiple of the workload's calls, and the month after the estimate's start (0: the month the budget checks). */
export interface Scenario {
  readonly volume: number;
  readonly month: number;
}
export const ONE_X: Scenario = { volume: 1, month: 0 };
const GB = 1e9;
const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;

/**
 * Tasks one worker needs: `peakRequired` in the business hours, `peak` (whole tasks, at least the floor), `average`.
 */
export interface WorkerTasks {
  readonly peakRequired: number;
  readonly peak: number;
  readonly average: number;
}

/**
 * A worker's tasks at `volume` x the workload: in the business hours `businessHoursShare` of the calls arrive, the rest
 * over the other hours the services run; each hour runs max(workerMinCapacity, ceil(calls/hour x task-hours/call))
 * tasks. The average is over the hours the services run.
 */
export function workerTasks(config: Pick<EnvironmentConfig, 'workload' | 'services' | 'uptime'>, worker: WorkerName, volume: number): WorkerTasks {
  const w = config.workload;
  const taskHoursPerCall = w.workerSecondsPerCall[worker] / w.callsPerTaskConcurrently / 3600;
  const day = serviceHoursPerDay(config.uptime);
  const peakHours = Math.min(w.businessHoursPerDay, day);
  const offHours = day - peakHours;
  const calls = w.callsPerDay * volume;
  const running = (required: number) => Math.max(config.services.workerMinCapacity, Math.ceil(round(required, 9)));
  const peakRequired = ((calls * w.businessHoursShare) / peakHours) * taskHoursPerCall;
  const offRequired = offHours > 0 ? ((calls * (1 - w.businessHoursShare)) / offHours) * taskHoursPerCall : 0;
  const peak = running(peakRequired);
  const offPeak = offHours > 0 ? running(offRequired) * offHours : 0;
  return { peakRequired, peak, average: (peak * peakHours + offPeak) / day };
}

/** The usage figures the calls drive, at a scenario: each a fixed part (config.usage) plus a per-call part. */
export interface DerivedUsage {
  readonly callsPerMonth: number;
  readonly recordingsIngestedGbPerMonth: number;
  readonly recordingsStoredGb: number;
  readonly transcriptsStoredGb: number;
  readonly searchIndexStoredGb: number;
  readonly atlasDataGb: number;
  readonly natProcessedGbPerMonth: number;
  readonly sqsRequestsMillionsPerMonth: number;
  readonly logsIngestedGbPerMonth: number;
  readonly workerTasks: Readonly<Record<WorkerName, WorkerTasks>>;
}
export type PricedConfig = EnvironmentConfig & { readonly usage: EnvironmentConfig['usage'] & DerivedUsage };

/**
 * Months of calls held `month` months after the start: workload.historyMonths + month, up to the expiry plus, in the
 * versioned buckets, the days an expired (now noncurrent) version is kept.
 */
function heldMonths(config: EnvironmentConfig, expireAfterDays: number, month: number): number {
  const keptDays = expireAfterDays + config.storage.noncurrentVersionsExpireAfterDays;
  return Math.min(config.workload.historyMonths + month, keptDays / DAYS_PER_MONTH);
}

export function deriveUsage(config: EnvironmentConfig, { volume, month }: Scenario = ONE_X): DerivedUsage {
  const { workload: w, usage, storage, uptime } = config;
  // Calls arrive on the days the services run.
  const days = uptime.mode === 'business-hours' ? uptime.weekdays.length * WEEKS_PER_MONTH : serviceHoursPerMonth(config) / 24;
  const calls = w.callsPerDay * volume * days;
  const ingested = (calls * w.audioBitrateKbps * 125 * w.averageCallMinutes * 60) / GB;
  const transcriptMonths = heldMonths(config, storage.transcriptsExpireAfterDays, month);
  // No rule expires the index (no OpenSearch Serverless lifecycle policy) or the database: they keep every call.
  const dataMonths = w.historyMonths + month;
  return {
    callsPerMonth: calls,
    recordingsIngestedGbPerMonth: ingested,
    recordingsStoredGb: ingested * heldMonths(config, storage.recordingsExpireAfterDays, month),
    transcriptsStoredGb: (calls * w.transcriptBytesPerCall * transcriptMonths) / GB,
    searchIndexStoredGb: (calls * w.indexBytesPerCall * dataMonths) / GB,
    atlasDataGb: (calls * w.databaseBytesPerCall * dataMonths) / GB,
    natProcessedGbPerMonth: usage.natBaselineGbPerMonth + (calls * w.natBytesPerCall) / GB,
    sqsRequestsMillionsPerMonth: usage.sqsBaselineRequestsMillionsPerMonth + (calls * w.sqsRequestsPerCall) / 1e6,
    logsIngestedGbPerMonth: usage.logsBaselineGbPerMonth + (calls * w.logBytesPerCall) / GB,
    workerTasks: Object.fromEntries(WORKER_NAMES.map((name) => [name, workerTasks(config, name, volume)])) as DerivedUsage['workerTasks'],
  };
}

/** Count of a list property, or the environment's AZ count when it is a token (e.g. an import). */
function listLength(value: unknown, fallback: number): number {
  return Array.isArray(value) ? value.length : fallback;
}

function refTarget(value: unknown): string | undefined {
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if (typeof obj.Ref === 'string') return obj.Ref;
    const getAtt = obj['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  }
  return undefined;
}

interface StrategyItem {
  readonly CapacityProvider: string;
  readonly Weight?: number;
  readonly Base?: number;
}

/** Splits `tasks` between FARGATE and FARGATE_SPOT as ECS does: bases first, then by weight. */
export function splitByStrategy(
  tasks: number,
  strategy: readonly StrategyItem[] | undefined,
): { onDemand: number; spot: number } {
  if (!strategy || strategy.length === 0) return { onDemand: tasks, spot: 0 };
  const alloc = new Map<string, number>();
  let remaining = tasks;
  for (const item of strategy) {
    const base = Math.min(item.Base ?? 0, remaining);
    alloc.set(item.CapacityProvider, (alloc.get(item.CapacityProvider) ?? 0) + base);
    remaining -= base;
  }
  const totalWeight = strategy.reduce((sum, item) => sum + (item.Weight ?? 0), 0);
  if (remaining > 0 && totalWeight > 0) {
    for (const item of strategy) {
      const share = (remaining * (item.Weight ?? 0)) / totalWeight;
      alloc.set(item.CapacityProvider, (alloc.get(item.CapacityProvider) ?? 0) + share);
    }
  }
  for (const provider of alloc.keys()) {
    if (provider !== 'FARGATE' && provider !== 'FARGATE_SPOT') {
      throw new UnknownResourceTypeError([`ECS capacity provider ${provider}`]);
    }
  }
  return { onDemand: alloc.get('FARGATE') ?? 0, spot: alloc.get('FARGATE_SPOT') ?? 0 };
}

function clusterDefaultStrategy(stacks: readonly StackTemplate[]): StrategyItem[] | undefined {
  for (const stack of stacks) {
    for (const resource of Object.values(stack.template.Resources ?? {})) {
      if (resource.Type === 'AWS::ECS::ClusterCapacityProviderAssociations') {
        return resource.Properties?.DefaultCapacityProviderStrategy as StrategyItem[] | undefined;
      }
    }
  }
  return undefined;
}

const ecsService: PricingRule = ({ config, logicalId, resource, stack, stacks, pricing }) => {
  const props = resource.Properties ?? {};
  const serviceName = typeof props.ServiceName === 'string' ? props.ServiceName : logicalId;
  const taskDefId = refTarget(props.TaskDefinition);
  const taskDef = taskDefId ? stack.template.Resources?.[taskDefId] : undefined;
  if (!taskDef || taskDef.Type !== 'AWS::ECS::TaskDefinition') {
    throw new Error(`ECS service ${serviceName} (${stack.stackName}): its task definition must be in the same template to be priced`);
  }
  const vcpu = Number(taskDef.Properties?.Cpu) / 1024;
  const memoryGb = Number(taskDef.Properties?.Memory) / 1024;
  const arch = taskDef.Properties?.RuntimePlatform?.CpuArchitecture === 'ARM64' ? 'ARM64' : 'X86_64';
  // Parked (no image tag) services declare 0; running ones declare none (autoscaling owns the count):
  // price the steady state from config.
  const declared = typeof props.DesiredCount === 'number' ? props.DesiredCount : 0;
  // Queue workers (no load balancer) scale with their backlog: priced at the average their stage needs (workerTasks),
  // above services.maxCapacity too (the capacity report marks it).
  const isWorker = !Array.isArray(props.LoadBalancers) || props.LoadBalancers.length === 0;
  const stage = WORKER_NAMES.find((w) => serviceName.endsWith(`-${w}`));
  if (isWorker && !stage) throw new Error(`ECS service ${serviceName}: a queue worker must be one of ${WORKER_NAMES.join(', ')} to be priced`);
  const apiTasks = declared > 0 ? declared : apiMinimumTasks(config.services);
  const tasks = stage ? config.usage.workerTasks[stage].average : apiTasks;
  const strategy = (props.CapacityProviderStrategy as StrategyItem[] | undefined)
    ?? (props.LaunchType ? undefined : clusterDefaultStrategy(stacks));
  const { onDemand, spot } = splitByStrategy(tasks, strategy);
  const hours = serviceHoursPerMonth(config);
  const committed = pricing === 'committed';
  const cpuPrice = arch === 'ARM64' ? PRICES.fargateArmVcpuHour : PRICES.fargateX86VcpuHour;
  const memPrice = arch === 'ARM64' ? PRICES.fargateArmGbHour : PRICES.fargateX86GbHour;
  // Savings Plans cover on-demand Fargate; Spot is priced off the on-demand rate as before.
  const onDemandFactor = committed ? COMMITTED_PRICES.fargateComputeSavingsPlanFactor.usd : 1;
  const hoursNote = config.uptime.mode === 'business-hours' ? `${round(hours, 2)} business h` : `${hours} h`;
  const lines: CostLine[] = [];
  for (const [count, kind, factor] of [
    [onDemand, committed ? 'Savings Plan' : 'on-demand', onDemandFactor],
    [spot, 'Spot', PRICES.fargateSpotFactor.usd],
  ] as const) {
    if (count <= 0) continue;
    const what = `${serviceName} ${arch} ${kind}`;
    const how = isWorker ? ` (workload: floor + backlog scale-out, peak ${stage && config.usage.workerTasks[stage].peak})` : declared === 0 ? ' (parked at 0 until an image tag is set: priced at the api floor, max(minCapacity, 1))' : '';
    const detail = `${round(count, 2)} task(s) x ${vcpu} vCPU/${memoryGb} GB x ${hoursNote}${how}`;
    lines.push(line('Fargate', `${what} vCPU`, count * vcpu * hours, cpuPrice, detail, round(cpuPrice.usd * factor, 6)));
    lines.push(line('Fargate', `${what} memory`, count * memoryGb * hours, memPrice, detail, round(memPrice.usd * factor, 6)));
  }
  return lines;
};

/**
 * A task definition is priced through the service that runs it; one no service runs is the staging-refresh
 * task (started by `npm run refresh-staging`): usage.refreshRunsPerMonth x usage.refreshTaskHoursPerRun task-hours,
 * on-demand Fargate (run-task uses the cluster's default strategy, FARGATE).
 */
const taskDefinition: PricingRule = ({ config, logicalId, resource, stack }) => {
  const runBy = Object.values(stack.template.Resources ?? {}).some((r) => r.Type === 'AWS::ECS::Service' && refTarget(r.Properties?.TaskDefinition) === logicalId);
  if (runBy) return [];
  const props = resource.Properties ?? {};
  const family = typeof props.Family === 'string' ? props.Family : logicalId;
  const vcpu = Number(props.Cpu) / 1024;
  const memoryGb = Number(props.Memory) / 1024;
  const arm = props.RuntimePlatform?.CpuArchitecture === 'ARM64';
  const { refreshRunsPerMonth: runs, refreshTaskHoursPerRun: hoursPerRun } = config.usage;
  const hours = runs * hoursPerRun;
  const detail = `${family}: usage.refreshRunsPerMonth ${runs} x usage.refreshTaskHoursPerRun ${hoursPerRun} h x ${vcpu} vCPU/${memoryGb} GB, on-demand`;
  return [
    line('Fargate', `${family} ${arm ? 'ARM64' : 'X86_64'} run-task vCPU`, hours * vcpu, arm ? PRICES.fargateArmVcpuHour : PRICES.fargateX86VcpuHour, detail),
    line('Fargate', `${family} ${arm ? 'ARM64' : 'X86_64'} run-task memory`, hours * memoryGb, arm ? PRICES.fargateArmGbHour : PRICES.fargateX86GbHour, detail),
  ];
};

const PRICING_RULES: Readonly<Record<string, PricingRule>> = {
  'AWS::ECS::TaskDefinition': taskDefinition,
  'AWS::EC2::NatGateway': () => [line('EC2', 'NAT gateway hours', HOURS_PER_MONTH, PRICES.natGatewayHour, `1 gateway x ${HOURS_PER_MONTH} h`)],
  'AWS::EC2::EIP': () => [line('EC2', 'Elastic IP (public IPv4) hours', HOURS_PER_MONTH, PRICES.publicIpv4Hour, `1 address x ${HOURS_PER_MONTH} h`)],
  'AWS::EC2::VPCEndpoint': ({ config, resource }) => {
    const props = resource.Properties ?? {};
    if ((props.VpcEndpointType ?? 'Gateway') === 'Gateway') return [];
    const azs = listLength(props.SubnetIds, config.availabilityZones.length);
    const service = String(props.ServiceName ?? 'interface endpoint').replace(/^com\.amazonaws\.[a-z0-9-]+\./, '');
    return [line('PrivateLink', `interface endpoint ${service}`, azs * HOURS_PER_MONTH, PRICES.interfaceEndpointAzHour, `${azs} AZ x ${HOURS_PER_MONTH} h`)];
  },
  'AWS::ElasticLoadBalancingV2::LoadBalancer': ({ config, resource }) => {
    const props = resource.Properties ?? {};
    if ((props.Type ?? 'application') !== 'application') throw new UnknownResourceTypeError([`load balancer type ${props.Type}`]);
    const lines = [
      line('ELB', 'Application Load Balancer hours', HOURS_PER_MONTH, PRICES.albHour, `1 ALB x ${HOURS_PER_MONTH} h`),
      line('ELB', 'ALB LCU hours', config.usage.albLcuAverage * HOURS_PER_MONTH, PRICES.albLcuHour, `usage.albLcuAverage ${config.usage.albLcuAverage} x ${HOURS_PER_MONTH} h`),
    ];
    if ((props.Scheme ?? 'internet-facing') === 'internet-facing') {
      const azs = listLength(props.Subnets ?? props.SubnetMappings, config.availabilityZones.length);
      lines.push(line('EC2', 'ALB public IPv4 hours', azs * HOURS_PER_MONTH, PRICES.publicIpv4Hour, `${azs} AZ x ${HOURS_PER_MONTH} h`));
    }
    return lines;
  },
  'AWS::WAFv2::WebACL': ({ config, resource }) => {
    const rules = listLength(resource.Properties?.Rules, 0);
    return [
      line('WAF', 'web ACL', 1, PRICES.wafWebAclMonth, '1 web ACL'),
      line('WAF', 'web ACL rules', rules, PRICES.wafRuleMonth, `${rules} rule(s)`),
      line('WAF', 'requests', config.usage.wafRequestsMillionsPerMonth, PRICES.wafRequestsMillion, 'usage.wafRequestsMillionsPerMonth'),
    ];
  },
  'AWS::ECS::Service': ecsService,
  'AWS::ECR::Repository': () => [],
  'AWS::ElastiCache::ReplicationGroup': ({ resource, pricing }) => {
    const props = resource.Properties ?? {};
    const nodeType = String(props.CacheNodeType);
    const redisPrice = PRICES.elasticacheRedisNodeHour[nodeType];
    if (!redisPrice) throw new UnknownResourceTypeError([`ElastiCache node type ${nodeType}`]);
    const shards = typeof props.NumNodeGroups === 'number' ? props.NumNodeGroups : 1;
    const nodes =
      typeof props.NumCacheClusters === 'number' ? props.NumCacheClusters : shards * (1 + (typeof props.ReplicasPerNodeGroup === 'number' ? props.ReplicasPerNodeGroup : 0));
    const engine = String(props.Engine ?? 'redis').toLowerCase();
    const factor = engine === 'valkey' ? PRICES.valkeyFactor.usd : 1;
    const reserved = pricing === 'committed' ? COMMITTED_PRICES.elasticacheReservedNodeHour[nodeType] : undefined;
    if (pricing === 'committed' && !reserved) throw new UnknownResourceTypeError([`ElastiCache reserved node type ${nodeType}`]);
    const price = reserved ?? redisPrice;
    return [
      line(
        'ElastiCache',
        `${engine} ${nodeType} node hours${reserved ? ' (1-year reserved)' : ''}`,
        nodes * HOURS_PER_MONTH,
        price,
        `${nodes} node(s) x ${HOURS_PER_MONTH} h${engine === 'valkey' ? ' (Valkey: 0.8 x Redis OSS)' : ''}`,
        round(price.usd * factor, 6),
      ),
    ];
  },
  'AWS::OpenSearchServerless::Collection': ({ config, resource }) => {
    // Floor per collection group: with standby replicas 1 OCU
    // indexing + 1 OCU search (0.5 x 2 each); without, 0.5 + 0.5.
    const standby = (resource.Properties?.StandbyReplicas ?? 'ENABLED') === 'ENABLED';
    const ocus = standby ? 2 : 1;
    return [
      line('OpenSearch Serverless', `OCU floor (${standby ? 'standby replicas' : 'no standby'})`, ocus * HOURS_PER_MONTH, PRICES.aossOcuHour, `${ocus} OCU x ${HOURS_PER_MONTH} h`),
      line('OpenSearch Serverless', 'index storage', config.usage.searchIndexStoredGb, PRICES.aossStorageGbMonth, 'workload.indexBytesPerCall x calls held'),
    ];
  },
  'AWS::OpenSearchServerless::VpcEndpoint': ({ config, resource }) => {
    const azs = listLength(resource.Properties?.SubnetIds, config.availabilityZones.length);
    return [line('PrivateLink', 'OpenSearch Serverless VPC endpoint', azs * HOURS_PER_MONTH, PRICES.interfaceEndpointAzHour, `${azs} AZ x ${HOURS_PER_MONTH} h`)];
  },
  'AWS::KMS::Key': () => [line('KMS', 'customer-managed keys', 1, PRICES.kmsKeyMonth, 'key')],
  'AWS::SecretsManager::Secret': ({ resource, logicalId }) => [
    line('Secrets Manager', `secret ${typeof resource.Properties?.Name === 'string' ? resource.Properties.Name : logicalId}`, 1, PRICES.secretMonth, '1 secret'),
  ],
  'AWS::SSM::Parameter': ({ resource }) => (resource.Properties?.Tier === 'Advanced' ? [line('SSM', 'advanced parameter', 1, PRICES.ssmAdvancedParameterMonth, '1 parameter')] : []),
  // Storage and requests are usage, priced once per environment below; the bucket/queue itself is free.
  'AWS::S3::Bucket': () => [],
  'AWS::SQS::Queue': () => [],
  'AWS::SNS::Topic': ({ logicalId }) => [line('SNS', `topic ${logicalId} (alarm/budget notifications)`, 0, PRICES.snsRequestsMillion, 'a few hundred publishes a month: within the free tier')],
  'AWS::CloudWatch::Alarm': ({ resource }) => {
    const props = resource.Properties ?? {};
    const metrics = Array.isArray(props.Metrics) ? props.Metrics.filter((m: any) => m.MetricStat).length : 1;
    const highRes = typeof props.Period === 'number' && props.Period < 60;
    return [line('CloudWatch', 'alarm metrics', metrics, highRes ? PRICES.alarmHighResolutionMetricMonth : PRICES.alarmMetricMonth, `${metrics} metric(s)`)];
  },
  'AWS::CloudWatch::CompositeAlarm': () => [line('CloudWatch', 'composite alarm', 1, PRICES.alarmMetricMonth, '1 alarm', 0.5)],
  'AWS::CloudWatch::Dashboard': () => [line('CloudWatch', 'dashboard', 1, PRICES.dashboardMonth, '1 dashboard')],
  'AWS::Budgets::Budget': () => [line('Budgets', 'cost budget', 30.4, PRICES.budgetDay, 'notifications only, no actions')],
  // CDK custom-resource providers (today one: the network stack's restriction of the VPC's default security group):
  // $0. The function runs only when CloudFormation creates, updates or deletes its custom resource, a few seconds
  // at 128 MB per deploy, far inside Lambda's monthly free tier; its log group is counted with the log groups below.
  // Any other function is refused, so a Lambda that serves traffic cannot slip in unpriced.
  'AWS::Lambda::Function': ({ logicalId, stack }) => {
    const isHandler = Object.values(stack.template.Resources ?? {}).some(
      (r) => r.Type.startsWith('Custom::') || r.Type === 'AWS::CloudFormation::CustomResource' ? refTarget(r.Properties?.ServiceToken) === logicalId : false,
    );
    if (!isHandler) throw new UnknownResourceTypeError([`AWS::Lambda::Function ${logicalId} (not a custom-resource handler)`]);
    return [];
  },
};

function isCustomResource(type: string): boolean {
  return type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';
}

/**
 * Recordings by storage class under the lifecycle rules, at a steady monthly intake: the newest
 * `recordingsInfrequentAccessAfterDays` in Standard, up to `recordingsGlacierAfterDays` in Standard-IA,
 * the rest in Glacier Instant Retrieval. Transition requests and retrievals are not modelled (docs/cost.md).
 */
function recordingsStorageLines(config: PricedConfig): CostLine[] {
  const { usage, storage } = config;
  const total = usage.recordingsStoredGb;
  const intake = usage.recordingsIngestedGbPerMonth;
  const standard = Math.min(total, (intake * storage.recordingsInfrequentAccessAfterDays) / 30);
  const infrequentAccessDays = storage.recordingsGlacierAfterDays - storage.recordingsInfrequentAccessAfterDays;
  const ia = Math.min(total - standard, (intake * infrequentAccessDays) / 30);
  const glacier = total - standard - ia;
  const of = `of ${round(total, 1)} GB stored at ${round(intake, 2)} GB/month (workload)`;
  return [
    line('S3', 'recordings storage (Standard)', standard, PRICES.s3StandardGbMonth, `first ${storage.recordingsInfrequentAccessAfterDays} days ${of}`),
    line('S3', 'recordings storage (Standard-IA)', ia, PRICES.s3StandardIaGbMonth, `days ${storage.recordingsInfrequentAccessAfterDays}-${storage.recordingsGlacierAfterDays} ${of}`),
    line('S3', 'recordings storage (Glacier Instant Retrieval)', glacier, PRICES.s3GlacierInstantRetrievalGbMonth, `after day ${storage.recordingsGlacierAfterDays} ${of}`),
  ].filter((l) => l.quantity > 0);
}

/** Lines that depend on the environment rather than on one resource (usage, Atlas, Container Insights). */
function environmentLines(
  config: PricedConfig,
  resources: Array<{ type: string; resource: CfnResource }>,
): CostLine[] {
  const { usage } = config;
  const has = (type: string) => resources.some((r) => r.type === type);
  const count = (type: string) => resources.filter((r) => r.type === type).length;
  const lines: CostLine[] = [];

  if (has('AWS::EC2::NatGateway')) {
    lines.push(line('EC2', 'NAT data processed', usage.natProcessedGbPerMonth, PRICES.natGatewayGb, `usage.natBaselineGbPerMonth ${usage.natBaselineGbPerMonth} + workload.natBytesPerCall x calls`));
  }
  const interfaceEndpoints = resources.filter((r) => r.type === 'AWS::EC2::VPCEndpoint' && r.resource.Properties?.VpcEndpointType === 'Interface').length;
  if (interfaceEndpoints > 0) {
    // The AWS API traffic the NAT line carries without endpoints (an upper bound: part of it still leaves by NAT).
    lines.push(line('PrivateLink', 'interface endpoint data processed', usage.natProcessedGbPerMonth, PRICES.interfaceEndpointGb, 'the NAT traffic (workload)'));
  }
  if (has('AWS::S3::Bucket')) {
    lines.push(...recordingsStorageLines(config));
    lines.push(line('S3', 'transcripts storage', usage.transcriptsStoredGb, PRICES.s3StandardGbMonth, 'workload.transcriptBytesPerCall x calls held'));
  }
  const exportBucket = refreshNames(config.project).exportBucket;
  if (resources.some((r) => r.type === 'AWS::S3::Bucket' && r.resource.Properties?.BucketName === exportBucket)) {
    lines.push(line('S3', `${exportBucket} storage`, usage.refreshExportStoredGb, PRICES.s3StandardGbMonth, 'usage.refreshExportStoredGb (objects expire after refresh.exportExpireAfterDays)'));
  }
  if (has('AWS::SQS::Queue')) {
    lines.push(line('SQS', 'requests', usage.sqsRequestsMillionsPerMonth, PRICES.sqsRequestsMillion, `usage.sqsBaselineRequestsMillionsPerMonth ${usage.sqsBaselineRequestsMillionsPerMonth} + workload.sqsRequestsPerCall x calls, ${count('AWS::SQS::Queue')} queue(s)`));
  }
  if (has('AWS::ECR::Repository')) {
    lines.push(line('ECR', 'image storage', usage.containerImagesStoredGb, PRICES.ecrStorageGbMonth, `usage.containerImagesStoredGb over ${count('AWS::ECR::Repository')} repositories`));
  }
  if (has('AWS::Logs::LogGroup')) {
    const storedGb = usage.logsIngestedGbPerMonth * Math.min(config.logRetentionDays / 30, 12);
    lines.push(line('CloudWatch', 'log ingestion', usage.logsIngestedGbPerMonth, PRICES.logsIngestedGb, `usage.logsBaselineGbPerMonth ${usage.logsBaselineGbPerMonth} + workload.logBytesPerCall x calls, ${count('AWS::Logs::LogGroup')} log group(s)`));
    lines.push(line('CloudWatch', 'log storage', storedGb, PRICES.logsStoredGbMonth, `ingested x ${config.logRetentionDays}-day retention / 30 (uncompressed: upper bound)`));
  }
  const clusters = resources.filter((r) => r.type === 'AWS::ECS::Cluster');
  for (const cluster of clusters) {
    const insights = ((cluster.resource.Properties?.ClusterSettings as Array<{ Name: string; Value: string }> | undefined) ?? []).find((s) => s.Name === 'containerInsights')?.Value;
    if (!insights || insights === 'disabled') continue;
    const services = count('AWS::ECS::Service');
    // Enhanced observability adds series per running task: the api's tasks plus each worker's average.
    const tasks = round(averageRunningTasks(config), 2);
    let metrics = CONTAINER_INSIGHTS_METRICS.perCluster + services * CONTAINER_INSIGHTS_METRICS.perService;
    if (insights === 'enhanced') metrics += tasks * CONTAINER_INSIGHTS_METRICS.enhancedPerTask;
    lines.push(line('CloudWatch', `Container Insights (${insights}) metrics`, metrics, PRICES.customMetricMonth, `${services} service(s)${insights === 'enhanced' ? `, ${tasks} running task(s) on average` : ''}`));
  }

  // MongoDB Atlas, from config (the CDKTF stack builds exactly this cluster).
  const { atlas } = config;
  const tier = PRICES.atlasClusterHour[atlas.instanceSize];
  if (!tier) throw new UnknownResourceTypeError([`Atlas tier ${atlas.instanceSize}`]);
  // Auto-scaling: priced at the floor (the configured tier); the ceiling is what a month at the top would cost.
  const ceiling = atlas.autoScaling.computeMaxInstanceSize;
  const ceilingPrice = ceiling ? PRICES.atlasClusterHour[ceiling] : undefined;
  if (ceiling && !ceilingPrice) throw new UnknownResourceTypeError([`Atlas tier ${ceiling}`]);
  const scaling = ceilingPrice ? ` at the auto-scaling floor (ceiling ${ceiling}: $${(ceilingPrice.usd * HOURS_PER_MONTH).toFixed(2)}/month)` : '';
  lines.push(line('MongoDB Atlas', `${atlas.instanceSize} cluster (${atlas.electableNodes} nodes)`, HOURS_PER_MONTH, tier, `${HOURS_PER_MONTH} h${atlas.instanceSize === 'M0' ? ' (free tier)' : scaling}`));
  if (atlas.instanceSize !== 'M0' && (atlas.continuousBackup || atlas.backupRetentionDays > 0)) {
    lines.push(
      line(
        'MongoDB Atlas',
        `cloud backup${atlas.continuousBackup ? ' + continuous (PIT)' : ''}`,
        usage.atlasBackupStoredGb,
        PRICES.atlasBackupGbMonth,
        `usage.atlasBackupStoredGb (PIT ${atlas.pointInTimeWindowDays} d, daily ${atlas.backupRetentionDays} d, weekly ${atlas.weeklySnapshotRetentionWeeks} w, monthly ${atlas.monthlySnapshotRetentionMonths} mo)`,
      ),
    );
  }
  if (atlas.connectivity === 'private-link') {
    const azs = config.network.endpointAzCount;
    lines.push(line('PrivateLink', 'Atlas PrivateLink interface endpoint (created by the Atlas stack)', azs * HOURS_PER_MONTH, PRICES.interfaceEndpointAzHour, `${azs} AZ x ${HOURS_PER_MONTH} h`));
    lines.push(line('MongoDB Atlas', 'private endpoint fee', HOURS_PER_MONTH, PRICES.atlasPrivateEndpointHour, `1 region x ${HOURS_PER_MONTH} h`));
  }
  return lines;
}

/** Prices one environment. Throws UnknownResourceTypeError listing every type without a rule. */
export function estimateEnvironment(
  environment: EnvironmentConfig,
  stacks: readonly StackTemplate[],
  pricing: PricingMode = 'on-demand',
  scenario: Scenario = ONE_X,
): CostReport {
  const usage = { ...environment.usage, ...deriveUsage(environment, scenario) };
  const config: PricedConfig = { ...environment, usage };
  const resources = stacks.flatMap((stack) =>
    Object.entries(stack.template.Resources ?? {})
      .map(([logicalId, resource]) => ({ stack, logicalId, resource, type: resource.Type })),
  );
  const unknown = [...new Set(resources.map((r) => r.type))]
    .filter((type) => !(type in PRICING_RULES) && !(type in FREE_RESOURCE_TYPES) && !isCustomResource(type));
  if (unknown.length > 0) throw new UnknownResourceTypeError(unknown.sort());

  const lines: CostLine[] = [];
  for (const r of resources) {
    const rule = PRICING_RULES[r.type];
    if (rule) {
      lines.push(...rule({ config, logicalId: r.logicalId, resource: r.resource, stack: r.stack, stacks, pricing }));
    }
  }
  lines.push(...environmentLines(config, resources));
  const merged = mergeLines(lines);
  const total = round(merged.reduce((sum, l) => sum + l.monthlyUsd, 0), 2);
  const budget = config.budget.monthlyUsd;
  return {
    env: config.name,
    total,
    budget,
    delta: round(budget - total, 2),
    withinBudget: total <= budget,
    pricesAsOf: PRICES_AS_OF,
    pricing,
    lines: merged,
  };
}

/** Identical lines (three NAT gateways, ten alarms) become one line with the summed quantity. */
function mergeLines(lines: CostLine[]): CostLine[] {
  const byKey = new Map<string, CostLine & { count: number }>();
  for (const l of lines) {
    const key = `${l.service}|${l.resource}|${l.unitPriceUsd}|${l.detail}`;
    const existing = byKey.get(key);
    if (existing) {
      byKey.set(key, {
        ...existing,
        quantity: round(existing.quantity + l.quantity, 4),
        monthlyUsd: round(existing.monthlyUsd + l.monthlyUsd, 2),
        count: existing.count + 1,
      });
    } else {
      byKey.set(key, { ...l, count: 1 });
    }
  }
  return [...byKey.values()].map(({ count, ...l }) => (count > 1 ? { ...l, detail: `${count} x (${l.detail})` } : l));
}
