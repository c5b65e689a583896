/**
 * Pinned us-east-1 on-demand prices the cost report uses. Every price names its source page;
 * update the figure, the source and PRICES_AS_OF together, in one reviewed change.
 *
 * Free tiers are deliberately ignored (the estimate is an upper bound): the first 10 alarms,
 * 3 dashboards, 1M SQS requests, 1M SNS publishes and so on are priced as if already used.
 */

/** Date the figures below were read from their sources. */
export const PRICES_AS_OF = '2026-11-25';

export const PRICING_REGION = 'us-east-1';

export interface Price {
  /** USD per unit. */
  readonly usd: number;
  /** What one unit is, e.g. "hour", "GB-month". */
  readonly unit: string;
  /** Where the figure comes from. */
  readonly source: string;
  /** Caveat worth reading next to the figure. */
  readonly note?: string;
}

const FARGATE = 'https://aws.amazon.com/fargate/pricing/';
const VPC = 'https://aws.amazon.com/vpc/pricing/';
const PRIVATELINK = 'https://aws.amazon.com/privatelink/pricing/';
const ELB = 'https://aws.amazon.com/elasticloadbalancing/pricing/';
const WAF = 'https://aws.amazon.com/waf/pricing/';
const ELASTICACHE = 'https://aws.amazon.com/elasticache/pricing/';
const AOSS = 'https://aws.amazon.com/opensearch-service/pricing/';
const KMS = 'https://aws.amazon.com/kms/pricing/';
const SECRETS = 'https://aws.amazon.com/secrets-manager/pricing/';
const CLOUDWATCH = 'https://aws.amazon.com/cloudwatch/pricing/';
const S3 = 'https://aws.amazon.com/s3/pricing/';
const SQS = 'https://aws.amazon.com/sqs/pricing/';
const SNS = 'https://aws.amazon.com/sns/pricing/';
const ECR = 'https://aws.amazon.com/ecr/pricing/';
const SSM = 'https://aws.amazon.com/systems-manager/pricing/';
const BUDGETS = 'https://aws.amazon.com/aws-cost-management/aws-budgets/pricing/';
const ATLAS = 'https://www.mongodb.com/pricing';
const ATLAS_BILLING = 'https://www.mongodb.com/docs/atlas/billing/cluster-configuration-costs/';
const ATLAS_SERVICES = 'https://www.mongodb.com/docs/atlas/billing/additional-services/';

export const PRICES = {
  // Compute
  fargateArmVcpuHour: { usd: 0.03238, unit: 'vCPU-hour', source: FARGATE },
  fargateArmGbHour: { usd: 0.00356, unit: 'GB-hour', source: FARGATE },
  fargateX86VcpuHour: { usd: 0.04048, unit: 'vCPU-hour', source: FARGATE },
  fargateX86GbHour: { usd: 0.004445, unit: 'GB-hour', source: FARGATE },
  /** Fraction of the on-demand price a FARGATE_SPOT task pays. */
  fargateSpotFactor: {
    usd: 0.3,
    unit: 'x on-demand',
    source: FARGATE,
    note: 'Fargate Spot is "up to 70%" off and varies with spare capacity; ARM64 Spot needs platform 1.4.0+ (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CapacityProviderStrategyItem.html)',
  },

  // Networking
  natGatewayHour: { usd: 0.045, unit: 'hour', source: VPC },
  natGatewayGb: { usd: 0.045, unit: 'GB', source: VPC },
  publicIpv4Hour: { usd: 0.005, unit: 'IP-hour', source: VPC, note: 'every public IPv4 address (NAT EIPs, ALB nodes) since 2024-02-01' },
  interfaceEndpointAzHour: { usd: 0.01, unit: 'endpoint-AZ-hour', source: PRIVATELINK },
  interfaceEndpointGb: { usd: 0.01, unit: 'GB', source: PRIVATELINK },
  albHour: { usd: 0.0225, unit: 'hour', source: ELB },
  albLcuHour: { usd: 0.008, unit: 'LCU-hour', source: ELB },
  wafWebAclMonth: { usd: 5, unit: 'web ACL-month', source: WAF },
  wafRuleMonth: { usd: 1, unit: 'rule-month', source: WAF, note: 'a managed rule group counts as one rule' },
  wafRequestsMillion: { usd: 0.6, unit: 'million requests', source: WAF },

  // Data
  /** Redis OSS node-hours; Valkey is valkeyFactor x these. */
  elasticacheRedisNodeHour: {
    'cache.t4g.micro': { usd: 0.016, unit: 'node-hour', source: ELASTICACHE },
    'cache.t4g.small': { usd: 0.032, unit: 'node-hour', source: ELASTICACHE },
    'cache.t4g.medium': { usd: 0.065, unit: 'node-hour', source: ELASTICACHE },
    'cache.m7g.large': { usd: 0.158, unit: 'node-hour', source: ELASTICACHE },
  } as Record<string, Price>,
  valkeyFactor: { usd: 0.8, unit: 'x Redis OSS', source: ELASTICACHE, note: 'ElastiCache for Valkey node-based clusters are priced 20% below Redis OSS' },
  aossOcuHour: { usd: 0.24, unit: 'OCU-hour', source: AOSS },
  aossStorageGbMonth: { usd: 0.024, unit: 'GB-month', source: AOSS },
  s3StandardGbMonth: { usd: 0.023, unit: 'GB-month', source: S3, note: 'S3 Standard, first 50 TB' },
  s3StandardIaGbMonth: { usd: 0.0125, unit: 'GB-month', source: S3, note: 'S3 Standard-IA (30-day minimum, 128 KB minimum object size)' },
  s3GlacierInstantRetrievalGbMonth: { usd: 0.004, unit: 'GB-month', source: S3, note: 'S3 Glacier Instant Retrieval (90-day minimum)' },
  sqsRequestsMillion: { usd: 0.4, unit: 'million requests', source: SQS },
  kmsKeyMonth: { usd: 1, unit: 'key-month', source: KMS },
  secretMonth: { usd: 0.4, unit: 'secret-month', source: SECRETS },
  ssmAdvancedParameterMonth: { usd: 0.05, unit: 'parameter-month', source: SSM, note: 'Standard-tier parameters are free' },
  ecrStorageGbMonth: { usd: 0.1, unit: 'GB-month', source: ECR },

  // Observability
  logsIngestedGb: { usd: 0.5, unit: 'GB', source: CLOUDWATCH },
  logsStoredGbMonth: { usd: 0.03, unit: 'GB-month', source: CLOUDWATCH },
  alarmMetricMonth: { usd: 0.1, unit: 'standard-resolution alarm metric-month', source: CLOUDWATCH },
  alarmHighResolutionMetricMonth: { usd: 0.3, unit: 'high-resolution alarm metric-month', source: CLOUDWATCH },
  dashboardMonth: { usd: 3, unit: 'dashboard-month', source: CLOUDWATCH },
  customMetricMonth: { usd: 0.3, unit: 'metric-month', source: CLOUDWATCH },
  snsRequestsMillion: { usd: 0.5, unit: 'million publishes', source: SNS, note: 'e-mail deliveries: first 1,000/month free, then $2 per 100,000' },
  budgetDay: { usd: 0, unit: 'budget-day', source: BUDGETS, note: 'budgets with notifications only are free; action-enabled budgets beyond 62 budget-days cost $0.10/day' },

  // MongoDB Atlas (dedicated tiers on AWS us-east-1, 3-node replica set included in the hourly price)
  atlasClusterHour: {
    M0: { usd: 0, unit: 'cluster-hour', source: ATLAS, note: 'free shared tier' },
    M10: { usd: 0.08, unit: 'cluster-hour', source: ATLAS },
    M20: { usd: 0.2, unit: 'cluster-hour', source: ATLAS },
    M30: { usd: 0.54, unit: 'cluster-hour', source: ATLAS },
    M40: { usd: 1.04, unit: 'cluster-hour', source: ATLAS },
  } as Record<string, Price>,
  atlasBackupGbMonth: { usd: 0.14, unit: 'GB-month', source: ATLAS_BILLING, note: 'cloud backup snapshot storage on AWS; continuous backup adds oplog storage, priced at the same rate' },
  atlasPrivateEndpointHour: { usd: 0.01, unit: 'region-hour', source: ATLAS_SERVICES, note: 'Atlas private endpoint fee per region (approximate); AWS bills the interface endpoint separately' },
} as const;

const SAVINGS_PLANS = 'https://aws.amazon.com/savingsplans/compute-pricing/';
const ELASTICACHE_RESERVED = 'https://aws.amazon.com/elasticache/reserved-cache-nodes/';

/** Date the committed rates below were set (same review as PRICES_AS_OF). */
export const COMMITTED_PRICES_AS_OF = '2026-11-26';

/**
 * Committed-use rates for `npm run cost -- --pricing committed` (the seed's tip "Use Reserved Instances or
 * Savings Plans"), as factors of the on-demand prices above: 1-year term, no upfront, us-east-1.
 * Not read from the rate tables (not reachable offline when set): AWS publishes the exact per-hour rates on the
 * source pages; these factors are the discounts AWS quotes for those terms. Check them before a purchase.
 */
export const COMMITTED_PRICES = {
  /**
   * Compute Savings Plan, 1 year, no upfront, Fargate Linux (x86 and
   * ARM): ~20% below on-demand (3 years all upfront: up to 52%).
   */
  fargateComputeSavingsPlanFactor: {
    usd: 0.8,
    unit: 'x on-demand',
    source: SAVINGS_PLANS,
    note: 'applies to on-demand Fargate only; Fargate Spot is not covered (and already cheaper)',
  },
  /** Reserved cache nodes, 1 year, no upfront (size-flexible within the t4g family; Valkey keeps its 20% discount). */
  elasticacheReservedNodeHour: {
    'cache.t4g.micro': { usd: 0.011, unit: 'node-hour', source: ELASTICACHE_RESERVED, note: '~31% below on-demand' },
    'cache.t4g.small': { usd: 0.022, unit: 'node-hour', source: ELASTICACHE_RESERVED, note: '~31% below on-demand' },
    'cache.t4g.medium': { usd: 0.045, unit: 'node-hour', source: ELASTICACHE_RESERVED, note: '~31% below on-demand' },
    'cache.m7g.large': { usd: 0.109, unit: 'node-hour', source: ELASTICACHE_RESERVED, note: '~31% below on-demand' },
  } as Record<string, Price>,
} as const;

/** Hours in a month (365 x 24 / 12). */
export const HOURS_PER_MONTH = 730;
/** Weeks in a month (52.2 / 12). */
export const WEEKS_PER_MONTH = 4.35;

/**
 * Container Insights metric counts per cluster and per service. The service publishes them as
 * custom metrics; "enhanced" adds task- and container-level metrics (an estimate, see docs/cost.md).
 */
export const CONTAINER_INSIGHTS_METRICS = {
  perCluster: 8,
  perService: 11,
  /** Enhanced observability: extra task/container-level series per running task. */
  enhancedPerTask: 6,
} as const;
