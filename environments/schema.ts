import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';
import {
  CERTIFICATE_ARN_PATTERN,
  DEFAULT_CONTAINER_USER,
  FARGATE_STOP_TIMEOUT_SECONDS,
  NON_ROOT_CONTAINER_USER,
} from '../lib/services/rules';
import { WORKER_NAMES } from '../lib/contracts';
import { round, workerTasks } from '../scripts/cost/estimate';
import { ENVIRONMENT_NAMES } from './names';

/**
 * The schema every environment file must satisfy. It is the single source of truth for the
 * CDK app (bin/, lib/), the Atlas CDKTF app (atlas/) and the cost report (scripts/cost).
 *
 * Rules of thumb:
 * - every number of the seed's environment table is a field here, never a literal in lib/;
 * - cross-field rules (HA needs a replica, business hours need a schedule, ...) are
 *   `superRefine` checks at the bottom, so a bad combination fails at synth with the field named.
 */

/**
 * Retention values CloudWatch Logs accepts (anything else fails at deploy time): the values of CDK's
 * `logs.RetentionDays`, without `INFINITE` (every log group here expires).
 */
export const LOG_RETENTION_DAYS: readonly RetentionDays[] = Object.values(RetentionDays).filter(
  (value): value is RetentionDays => typeof value === 'number' && value !== RetentionDays.INFINITE,
);

/** A number of days, checked against LOG_RETENTION_DAYS and given as the CDK enum constructs take. */
const logRetentionDays = z.number().transform((days, ctx) => {
  const retention = LOG_RETENTION_DAYS.find((value) => value === days);
  if (retention === undefined) {
    ctx.addIssue({ code: 'custom', message: `must be one of ${LOG_RETENTION_DAYS.join(', ')} (days CloudWatch Logs accepts)` });
    return z.NEVER;
  }
  return retention;
});

/**
 * ElastiCache engine versions of node-based clusters (replication groups), per engine, as the ElastiCache
 * User Guide lists them ("Supported engines and versions", read 2026-12): Valkey 7.2 and later, Redis OSS
 * 4.0.10 and later. Anything else (`9.9`, `8`) synthesizes and fails only when CloudFormation creates the group.
 * A new release: add it here after checking the guide.
 */
export const CACHE_ENGINE_VERSIONS = {
  valkey: ['7.2', '8.0', '8.1', '8.2', '9.0'],
  redis: ['4.0.10', '5.0.6', '6.0', '6.2', '7.0', '7.1'],
} as const;

/** Valid Fargate CPU/memory pairs (MiB) for the sizes this project uses or may use. */
export const FARGATE_SIZES: Record<number, readonly number[]> = {
  256: [512, 1024, 2048],
  512: [1024, 2048, 3072, 4096],
  1024: [2048, 3072, 4096, 5120, 6144, 7168, 8192],
  2048: [4096, 5120, 6144, 7168, 8192, 9216, 10240, 11264, 12288, 13312, 14336, 15360, 16384],
  4096: [
    8192, 9216, 10240, 11264, 12288, 13312, 14336, 15360, 16384, 17408, 18432, 19456,
    20480, 21504, 22528, 23552, 24576, 25600, 26624, 27648, 28672, 29696, 30720,
  ],
};

/** Interface endpoints the network construct knows how to create (keys of ec2.InterfaceVpcEndpointAwsService). */
export const INTERFACE_ENDPOINT_SERVICES = [
  'ECR',
  'ECR_DOCKER',
  'CLOUDWATCH_LOGS',
  'CLOUDWATCH_MONITORING',
  'SECRETS_MANAGER',
  'SQS',
  'KMS',
  'STS',
  'SSM',
] as const;
export type InterfaceEndpointService = (typeof INTERFACE_ENDPOINT_SERVICES)[number];

/**
 * ElastiCache node types this project may use: current-generation Graviton types, the ones Valkey and
 * Redis OSS 7 run on. A typo (`cache.t4g.mcro`) fails at synth with this list instead of at deploy.
 * To use another type, add it here and its price to scripts/cost/prices.ts.
 */
export const CACHE_NODE_TYPES = [
  'cache.t4g.micro',
  'cache.t4g.small',
  'cache.t4g.medium',
  'cache.m7g.large',
  'cache.m7g.xlarge',
  'cache.m7g.2xlarge',
  'cache.r7g.large',
  'cache.r7g.xlarge',
  'cache.r7g.2xlarge',
] as const;

/** A number from a fixed list; its error names the allowed values (a union of literals: zod's bare "Invalid input"). */
function oneOf(values: readonly number[], what: string) {
  return z.number().refine((value) => values.includes(value), { message: `must be one of ${values.join(', ')} (${what})` });
}

const awsAccount = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');
const awsRegion = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region such as us-east-1');
/** A client CIDR the plain-HTTP api admits: IPv4 (the load balancer is IPv4) or `::/0`, refused by the rules below. */
const clientCidr = z
  .string()
  .regex(/^((\d{1,3}\.){3}\d{1,3}\/(\d|[12]\d|3[0-2])|::\/0)$/, 'must be an IPv4 CIDR such as 203.0.113.0/24 (the load balancer is IPv4-only)');
const cidr = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/(1[6-9]|2[0-4])$/, 'must be an IPv4 CIDR between /16 and /24');
const hour = z.number().int().min(0).max(23);
const weekday = z.enum(['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN']);
const positiveInt = z.number().int().positive();
/** ddd:hh24:mi-ddd:hh24:mi, the format ElastiCache and Atlas windows use. */
const maintenanceWindow = z
  .string()
  .regex(/^(sun|mon|tue|wed|thu|fri|sat):\d{2}:\d{2}-(sun|mon|tue|wed|thu|fri|sat):\d{2}:\d{2}$/, 'must look like sun:05:00-sun:06:00');
const dailyWindow = z.string().regex(/^\d{2}:\d{2}-\d{2}:\d{2}$/, 'must look like 03:00-04:00');
const email = z.string().regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'must be an e-mail address');

/**
 * Whether `name` is an IANA timezone the ICU data of this Node.js
 * knows, spelled exactly (Application Auto Scaling takes IANA names).
 */
export function isIanaTimezone(name: string): boolean {
  try {
    // Intl matches names case-insensitively; AWS does not: every segment is spelled as in the tz database.
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return /^[A-Z][A-Za-z0-9_+-]*(\/[A-Z0-9][A-Za-z0-9_+-]*)*$/.test(name);
  } catch {
    return false;
  }
}

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const WEEK_MINUTES = 7 * 24 * 60;

/** A window as [start, end) minutes of the week (end > start; end may pass the end of the week), or a problem. */
function weeklyWindow(window: string): [number, number] | string {
  const [from, to] = window.split('-').map((part) => part.split(':'));
  const minute = ([day, hh, mm]: string[]): number | undefined =>
    Number(hh) < 24 && Number(mm) < 60
      ? DAYS.indexOf(day as (typeof DAYS)[number]) * 1440 + Number(hh) * 60 + Number(mm)
      : undefined;
  const start = minute(from);
  const end = minute(to);
  if (start === undefined || end === undefined) return 'has an hour above 23 or a minute above 59';
  return [start, end > start ? end : end + WEEK_MINUTES];
}

/** A daily window as [start, end) minutes of the day (end may pass midnight), or a problem. */
function dailyWindowMinutes(window: string): [number, number] | string {
  const [start, end] = window.split('-').map((part) => part.split(':').map(Number)).map(([hh, mm]) => (hh < 24 && mm < 60 ? hh * 60 + mm : NaN));
  if (Number.isNaN(start) || Number.isNaN(end)) return 'has an hour above 23 or a minute above 59';
  return [start, end > start ? end : end + 1440];
}

/**
 * Whether a daily window (it recurs every day of the week) overlaps a weekly one, on the circle of the week.
 * ElastiCache refuses a replication group whose snapshot window overlaps its maintenance window.
 */
export function windowsOverlap(daily: readonly [number, number], weekly: readonly [number, number]): boolean {
  for (let day = -1; day <= 7; day++) {
    const start = day * 1440 + daily[0];
    const end = day * 1440 + daily[1];
    for (const shift of [-WEEK_MINUTES, 0, WEEK_MINUTES]) {
      if (start < weekly[1] + shift && weekly[0] + shift < end) return true;
    }
  }
  return false;
}

export const networkSchema = z.strictObject({
  /** VPC CIDR. Distinct per environment so the VPCs can be peered later without renumbering. */
  vpcCidr: cidr,
  /** NAT gateways: 1 is a single point of failure for egress, one per AZ is HA. */
  natGateways: positiveInt,
  /**
   * Interface endpoints to create; each costs ~$7.30/AZ/month, so
   * only where they beat NAT data charges or are needed for HA.
   */
  interfaceEndpoints: z.array(z.enum(INTERFACE_ENDPOINT_SERVICES)),
  /** Flow log traffic type. */
  flowLogTrafficType: z.enum(['ALL', 'REJECT']),
  /**
   * AZs the per-AZ-billed private endpoints span (interface endpoints, the OpenSearch Serverless VPC endpoint,
   * the Atlas PrivateLink endpoint; ~$7.30 per endpoint per AZ a month). 2 survives the loss of one AZ: tasks in
   * the other AZs reach an endpoint's ENI across AZs. Never more than the environment's AZs.
   */
  endpointAzCount: z.number().int().min(1).max(6),
});

export const storageSchema = z.strictObject({
  /** Days after which recordings move to S3 Standard-IA (min 30, an S3 rule). */
  recordingsInfrequentAccessAfterDays: z.number().int().min(30),
  /** Days after which recordings move to Glacier Instant Retrieval. */
  recordingsGlacierAfterDays: z.number().int().min(30),
  /** Days after which recordings expire. */
  recordingsExpireAfterDays: positiveInt,
  /** Days after which transcripts expire. */
  transcriptsExpireAfterDays: positiveInt,
  /** Days a noncurrent (overwritten or deleted) object version is kept: the window to undo a mistake. */
  noncurrentVersionsExpireAfterDays: positiveInt,
  /** Days after which incomplete multipart uploads are aborted. */
  abortIncompleteMultipartUploadAfterDays: positiveInt,
  /** Days server access logs are kept. */
  accessLogsExpireAfterDays: positiveInt,
  /** S3 Object Lock on recordings (GOVERNANCE mode). Must be chosen at bucket creation. */
  recordingsObjectLock: z.strictObject({ enabled: z.boolean(), retentionDays: positiveInt }),
  /**
   * S3 Object Lock on transcripts (GOVERNANCE mode): derived from the same calls, so as protected as recordings.
   * Chosen at bucket creation (`ObjectLockEnabled` is create-only in CloudFormation: runbook, creation-time settings).
   * Required wherever real data is held.
   */
  transcriptsObjectLock: z.strictObject({ enabled: z.boolean(), retentionDays: positiveInt }),
  /** Browser origins allowed to PUT with a presigned URL. Empty: no CORS configuration at all. */
  corsAllowedOrigins: z.array(z.string().regex(/^https:\/\/[^*\s]+$/, 'must be an https origin without wildcards')),
});

export const queuesSchema = z.strictObject({
  /** Receives before a message moves to its dead-letter queue. */
  maxReceiveCount: z.number().int().min(1).max(1000),
  /** Retention of the work queues, in days (SQS allows 1 minute to 14 days). */
  retentionDays: z.number().int().min(1).max(14),
  /** Retention of the dead-letter queues, in days: always the SQS maximum, so a failure can be inspected. */
  deadLetterRetentionDays: z.literal(14),
  /** Longest a worker may take on one message (its processing timeout: it gives the message back after this). */
  workerProcessingTimeoutSeconds: z.number().int().min(1).max(43_200 / 2),
  /**
   * Visibility timeout of every work queue (SQS maximum 12 hours). Must exceed the longest processing time plus the
   * container stop timeout (FARGATE_MAX_STOP_TIMEOUT_SECONDS): a worker told to stop (scale-in, Spot interruption,
   * deploy) at the end of a message's processing can still finish and delete it before a second worker sees it.
   */
  visibilityTimeoutSeconds: z.number().int().min(1).max(43_200),
});

/**
 * Seconds between SIGTERM and SIGKILL of every container: the Fargate maximum (stopTimeout 2..120), which is also
 * the warning Fargate Spot gives before it reclaims a task. The queues' visibility timeouts are sized against it.
 */
export const FARGATE_MAX_STOP_TIMEOUT_SECONDS = FARGATE_STOP_TIMEOUT_SECONDS.max;

export const cacheSchema = z.strictObject({
  /** valkey is protocol-compatible with Redis OSS and ~20% cheaper per node-hour. */
  engine: z.enum(['valkey', 'redis']),
  /** One of CACHE_ENGINE_VERSIONS[engine] (checked below, with the engine). */
  engineVersion: z.string(),
  nodeType: z.enum(CACHE_NODE_TYPES, { error: (issue) => `${JSON.stringify(issue.input)} is not a known node type: must be one of ${CACHE_NODE_TYPES.join(', ')}` }),
  /**
   * TCP port of the cache. Not the engine default 6379, so a scan for default Redis ports finds nothing (cdk-nag AEC5).
   */
  // Creation-time: changing the port replaces the replication group, and its fixed id then fails the
  // deploy ("already exists"). Choose once.
  port: z.number().int().min(1024).max(65535).refine((port) => port !== 6379, 'must not be the default Redis port 6379'),
  /** Replicas per shard: 0 in dev; at least 1 where HA is required. */
  // Changing this on a live group is a replacement-type change of its AZ list: scale with
  // `aws elasticache increase-replica-count` first, then align the config (docs/data-plane.md).
  replicas: z.number().int().min(0).max(5),
  /** Automatic failover + Multi-AZ. Requires at least one replica. */
  highAvailability: z.boolean(),
  /** Days of automatic snapshots (0 disables them). */
  snapshotRetentionDays: z.number().int().min(0).max(35),
  /** UTC, ddd:hh:mm-ddd:hh:mm. */
  maintenanceWindow,
  /** UTC, hh:mm-hh:mm; must not overlap the maintenance window. */
  snapshotWindow: dailyWindow,
});

export const searchSchema = z.strictObject({
  /** OCU redundancy: doubles the OCU floor. Cannot be changed after the collection exists. */
  standbyReplicas: z.boolean(),
  /**
   * CostCenter tag of the collection, fixed at its creation: a collection's tags are create-only (a change
   * replaces it, and its fixed name fails the update), so it stays out of the tag aspect and never follows
   * `tags.CostCenter`. The budget counts both values, so the search cost stays in the budget after a rename.
   */
  collectionCostCenter: z.string().min(1).max(256),
});

export const servicesSchema = z.strictObject({
  /** Fargate task CPU units and memory (MiB), from the seed's table. */
  taskCpu: oneOf(Object.keys(FARGATE_SIZES).map(Number), 'Fargate CPU units'),
  taskMemoryMiB: positiveInt,
  /**
   * Autoscaling bounds of the api (and the workers' ceiling). The api runs at least max(minCapacity, 1)
   * tasks ("instances" in the seed's table); the template declares no desired count (autoscaling owns it).
   */
  minCapacity: z.number().int().min(0),
  maxCapacity: positiveInt,
  /**
   * Floor of each queue worker: workers scale with their backlog (messages per task) between this and
   * maxCapacity, so a quiet queue costs the floor, not the api's count. 0 starts a worker only when work arrives.
   */
  workerMinCapacity: z.number().int().min(0),
  /** ARM64 (Graviton) is ~20% cheaper per vCPU-hour; X86_64 for images not yet built for ARM. */
  cpuArchitecture: z.enum(['ARM64', 'X86_64']),
  /** Queue workers may run on Fargate Spot: an interrupted task's message returns to its queue. */
  workersOnSpot: z.boolean(),
  /**
   * Image tag to deploy. Absent: services are created at desired count 0 so a first deploy does not wait for an image.
   */
  imageTag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'must be a valid image tag').optional(),
  /** Port the api container listens on (>= 1024: a non-root process cannot bind lower ports). */
  apiContainerPort: z.number().int().min(1024).max(65535),
  /** Numeric non-root UID:GID every container runs as; the image contract is in docs/services.md. */
  containerUser: z
    .string()
    .regex(NON_ROOT_CONTAINER_USER, 'must be a numeric non-root UID:GID such as 1000:1000 (UID and GID >= 1; root, names and a UID alone are refused)')
    .default(DEFAULT_CONTAINER_USER),
  /** ACM certificate for the HTTPS listener. Required in prod at deploy time. */
  certificateArn: z.string().regex(new RegExp(CERTIFICATE_ARN_PATTERN), 'must be an ACM certificate ARN').optional(),
  /**
   * true: the ALB listens on 443 only (no port 80 at all, not even a redirect) and needs a certificate.
   * false: with a certificate, 443 serves and 80 redirects to it; without one, 80 serves plain HTTP.
   */
  httpsOnly: z.boolean(),
  /**
   * Who may reach the api when it is plain HTTP (no certificate, httpsOnly false): port 80 admits these CIDRs only.
   * Required then. 0.0.0.0/0 or ::/0 only with `publicPlainHttp: true` and a `reason`, and never in an environment
   * that holds real data (not disposable, or DataClassification confidential/restricted). With a certificate the api
   * is HTTPS (443 from anywhere, 80 only redirects) and these CIDRs are not used.
   */
  plainHttpIngress: z
    .strictObject({
      cidrs: z.array(clientCidr).min(1),
      publicPlainHttp: z.boolean().default(false),
      /** Why the world may reach a plain-HTTP api (required with publicPlainHttp). */
      reason: z.string().min(20, 'must say why (at least 20 characters)').optional(),
    })
    .optional(),
  /** Path the ALB health check requests on the api container. */
  apiHealthCheckPath: z.string().regex(/^\/[A-Za-z0-9/_.-]*$/, 'must be an absolute path such as /health'),
  /** Images each ECR repository keeps (newest first); untagged images expire after a day. */
  imagesRetained: z.number().int().min(1).max(1000),
  /** Workers on Spot: tasks kept on on-demand Fargate as a floor (0 = all Spot). */
  workerOnDemandBase: z.number().int().min(0),
  /** Autoscaling targets. */
  autoscaling: z.strictObject({
    /** api: average CPU (%) target tracking keeps. */
    apiCpuTargetPercent: z.number().int().min(10).max(90),
    /** api: ALB requests per target per minute target tracking keeps. */
    apiRequestsPerTarget: positiveInt,
    /** Workers: visible queue messages per running task that target tracking keeps. */
    workerBacklogPerTask: positiveInt,
    /** Seconds after a scale-out before another one. */
    scaleOutCooldownSeconds: z.number().int().min(0).max(3600),
    /** Seconds after a scale-in before another one (longer: removing tasks is the riskier move). */
    scaleInCooldownSeconds: z.number().int().min(0).max(3600),
  }),
  /** Container Insights with enhanced observability (prod) or the standard level. */
  containerInsights: z.enum(['enabled', 'enhanced']),
  /** ALB deletion protection. */
  loadBalancerDeletionProtection: z.boolean(),
  /** AWS WAFv2 web ACL on the ALB, with a per-IP rate limit per 5 minutes. */
  waf: z.strictObject({ enabled: z.boolean(), rateLimitPer5Minutes: z.number().int().min(10) }),
});

export const uptimeSchema = z.strictObject({
  /** always-on: 24/7. business-hours: every service scales to zero outside the schedule. */
  mode: z.enum(['always-on', 'business-hours']),
  /** IANA timezone of the schedule, e.g. America/New_York. */
  timezone: z
    .string()
    .regex(/^[A-Za-z]+(\/[A-Za-z0-9_+-]+)+$|^UTC$/, 'must be an IANA timezone such as America/New_York')
    .refine(isIanaTimezone, { error: (issue) => `"${String(issue.input)}" is not an IANA timezone name (this Node.js's ICU knows none by that exact name): use one such as America/New_York, Europe/Berlin or UTC` }),
  startHour: hour,
  stopHour: hour,
  weekdays: z.array(weekday).min(1),
  /**
   * always-on only (the seed: staging "can be stopped on weekends if not needed"): every service goes to 0 tasks
   * from Saturday 00:00 to Monday 00:00 in `timezone`, with the business-hours schedule mechanism. Off by default.
   */
  weekendStop: z.boolean().default(false),
});

/** Hours between Atlas hourly snapshots (the values Atlas accepts for an hourly policy item). */
export const ATLAS_SNAPSHOT_INTERVAL_HOURS = [1, 2, 4, 6, 8, 12] as const;

/** Atlas tiers this project prices and may run, smallest first (auto-scaling bounds are compared in this order). */
export const ATLAS_INSTANCE_SIZES = ['M0', 'M10', 'M20', 'M30', 'M40'] as const;

export const atlasSchema = z.strictObject({
  /**
   * M0 is the free shared tier (TENANT: no PrivateLink, no cloud
   * backup, no termination protection); M10+ are dedicated.
   */
  instanceSize: z.enum(ATLAS_INSTANCE_SIZES),
  /** Atlas region name for the cluster, matching the AWS region. */
  region: z.string().regex(/^[A-Z]{2}_[A-Z]+_\d$/, 'must be an Atlas region such as US_EAST_1'),
  /**
   * MongoDB major version, pinned so an upgrade is a reviewed change.
   * M0 runs the version Atlas chooses (documented, not sent).
   */
  mongoDbMajorVersion: z.string().regex(/^\d+\.0$/, 'must be a major version such as 8.0'),
  /** Electable nodes (replica set members). M0 is always 3; dedicated tiers use 3, 5 or 7. */
  electableNodes: oneOf([3, 5, 7], 'replica set sizes Atlas offers'),
  /** Cloud backup with continuous (point-in-time) restore and a snapshot schedule. Off: no backup at all. */
  continuousBackup: z.boolean(),
  /** Days daily snapshots are kept (0 exactly when there is no backup). Atlas: at least the hourly retention. */
  backupRetentionDays: z.number().int().min(0).max(3650),
  /**
   * Point-in-time restore window, in days (0 exactly when there is no backup). Hourly snapshots are kept this long.
   * The provider documents `restore_window_days` only as "a positive, non-zero integer" and requires less frequent
   * policy items to be kept at least as long as more frequent ones
   * (https://registry.terraform.io/providers/mongodb/mongodbatlas/1.41.1/docs/resources/cloud_backup_schedule):
   * there is no 7-day cap; the hourly snapshots PIT restores start from are kept as long as the window.
   */
  pointInTimeWindowDays: z.number().int().min(0).max(3650),
  /** Weeks the weekly (Sunday) snapshot is kept; 0 = no weekly snapshots. Atlas: at least the daily retention. */
  weeklySnapshotRetentionWeeks: z.number().int().min(0).max(520),
  /** Months the monthly (last day of the month) snapshot is kept; 0 = no monthly snapshots. */
  monthlySnapshotRetentionMonths: z.number().int().min(0).max(120),
  /**
   * UTC hour of the daily snapshot (Atlas `reference_hour_of_day`, UTC; its default is 18:00 UTC, New York
   * business hours). Choose off-peak for the users' timezone.
   */
  snapshotHourUtc: hour,
  /**
   * Atlas auto-scaling. Compute: between `instanceSize` (the floor, from the seed) and `computeMaxInstanceSize`
   * (absent = compute auto-scaling off); it scales back down to the floor. Disk: storage grows before it fills.
   * Not on M0 (shared tier).
   */
  autoScaling: z.strictObject({
    computeMaxInstanceSize: z.enum(ATLAS_INSTANCE_SIZES).optional(),
    diskGbEnabled: z.boolean(),
  }),
  /** Hours between the hourly-policy snapshots that anchor point-in-time restores. */
  snapshotIntervalHours: oneOf(ATLAS_SNAPSHOT_INTERVAL_HOURS, 'hours Atlas accepts for an hourly snapshot policy'),
  /** Atlas termination protection on the cluster (deleting it needs this turned off first). */
  terminationProtection: z.boolean(),
  /** How services reach the cluster: PrivateLink (dedicated tiers) or an IP access list of the NAT addresses. */
  connectivity: z.enum(['private-link', 'nat-ip-access-list']),
  /**
   * Database user authentication: AWS IAM (MONGODB-AWS, one user per task role ARN, no password) or a generated
   * password user (random_password, kept only in Secrets Manager and the encrypted state).
   */
  databaseAuth: z.enum(['aws-iam', 'password']),
  /** Application database the users are scoped to. */
  databaseName: z.string().regex(/^[a-zA-Z0-9_-]{1,38}$/, 'must be 1-38 letters, digits, _ or -'),
});

export const terraformStateSchema = z.strictObject({
  /**
   * State bucket name without the account id: the bucket is `{bucketPrefix}-{account}` (lib/terraform-state.ts),
   * created by the account's `{project}-terraform-state` stack; environments of one account share it, one key each,
   * so every `terraformState` setting is common to the environments (environments/common.ts).
   */
  bucketPrefix: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,48}$/, 'must be 2-49 of a-z 0-9 . - (the account id is appended: 63 characters at most)'),
  /** S3-native locking (Terraform >= 1.10). */
  useLockfile: z.boolean(),
  /** Optional DynamoDB lock table for teams on older Terraform. */
  dynamodbTable: z.string().regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'must be a DynamoDB table name (3-255 of a-z A-Z 0-9 _ . -)').optional(),
  region: awsRegion,
});

/**
 * Where deploys run (the reference pipeline: GitHub Actions with OIDC). The deploy role of each
 * environment trusts exactly `repo:{owner}/{repository}:environment:{env}` (lib/deploy/identity.ts), so
 * both names are checked here: no wildcard, no slash, nothing GitHub would not accept as a name.
 */
export const ciSchema = z.strictObject({
  github: z.strictObject({
    /**
     * GitHub user or organisation that owns the repository (1-39 of a-z A-Z 0-9 -, no leading/trailing/double hyphen).
     */
    owner: z
      .string()
      .regex(/^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/, 'must be a GitHub owner name (1-39 letters, digits or single hyphens; no wildcard): the deploy roles trust exactly this owner'),
    /** Repository name (1-100 of a-z A-Z 0-9 . _ -, not "." or ".."). */
    repository: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,100}$/, 'must be a GitHub repository name (1-100 of letters, digits, . _ -; no wildcard or slash): the deploy roles trust exactly this repository')
      .refine((name) => name !== '.' && name !== '..', { message: 'must be a GitHub repository name, not "." or ".."' }),
  }),
  /**
   * The account's GitHub OIDC identity provider (token.actions.githubusercontent.com): `create` it in the
   * deploy-identity stack, or reuse the one the account already has (`existing`; IAM allows one per URL).
   */
  oidcProvider: z.enum(['create', 'existing']),
});

export const monitoringSchema = z.strictObject({
  /**
   * Addresses subscribed to the alarm topic. Deploy-time addresses (`-c alarmEmails=a@x,b@y`) are added to these,
   * so none has to be committed.
   */
  alarmEmails: z.array(email),
  /**
   * A deploy must name at least one alarm destination (staging and prod by schema rule): without one the
   * monitoring template takes an `AlarmEmail` parameter a rule refuses to leave empty. Offline synth still works.
   */
  alarmDestinationRequired: z.boolean(),
  /** When false the alarms still exist and change state, but do not notify (dev at night, say). */
  notificationsEnabled: z.boolean(),
  /** Oldest-message age (seconds) above which a queue alarms. */
  queueMaxAgeSeconds: positiveInt,
  /** Visible messages above which a queue alarms. */
  queueMaxDepth: positiveInt,
  /** CPU and memory utilisation (%) above which a service alarms. */
  serviceCpuPercent: z.number().min(1).max(100),
  serviceMemoryPercent: z.number().min(1).max(100),
  /** ALB 5xx responses per 5 minutes above which the api alarms. */
  alb5xxPer5Minutes: positiveInt,
  /** ALB target p95 latency (seconds) above which the api alarms. */
  albP95LatencySeconds: z.number().positive(),
  /** Cache CPU/memory (%) thresholds. */
  cacheCpuPercent: z.number().min(1).max(100),
  cacheMemoryPercent: z.number().min(1).max(100),
  /** Keys evicted per 5 minutes (per node) above which the cache alarms: it is too small for its working set. */
  cacheEvictionsPer5Minutes: z.number().int().min(0),
  /** Replica lag (seconds) above which the cache alarms (environments with replicas). */
  cacheReplicationLagSeconds: z.number().positive(),
  /** OpenSearch Serverless search + ingestion request errors per 5 minutes above which search alarms. */
  searchErrorsPer5Minutes: z.number().int().min(0),
  /** OpenSearch Serverless average search latency (ms) above which search alarms. */
  searchLatencyMs: z.number().positive(),
});

export const budgetSchema = z.strictObject({
  /** Monthly budget in USD, from the seed's table. */
  monthlyUsd: positiveInt,
  /** Recipients of budget notifications (80% forecast, 100% actual). */
  notificationEmails: z.array(email).max(10, 'AWS Budgets allows at most 10 e-mail subscribers per notification'),
  /** Forecasted spend (% of the budget) that notifies. */
  forecastedAlertPercent: z.number().int().min(1).max(1000),
  /** Actual spend (% of the budget) that notifies. */
  actualAlertPercent: z.number().int().min(1).max(1000),
});

/**
 * The calls an environment takes, from which the cost report derives every call-driven figure (scripts/cost/estimate.ts
 * deriveUsage): recordings and transcripts stored and ingested, NAT GB, SQS requests, log GB, the index and Atlas data
 * size, and each worker's average and peak tasks. Each derived figure is a fixed part (in `usage`) plus a per-call
  * part.
 * GB are 10^9 bytes.
 */
const seconds = z.number().min(0);
export const workloadSchema = z.strictObject({
  callsPerDay: z.number().min(0),
  /** Share of a day's calls that arrive in the business hours (the peak); the rest spread over the other hours. */
  businessHoursShare: z.number().min(0).max(1),
  businessHoursPerDay: z.number().min(1).max(24),
  averageCallMinutes: z.number().positive(),
  audioBitrateKbps: z.number().positive(),
  /** Seconds of one worker task's time each call needs, per stage. */
  workerSecondsPerCall: z.strictObject({ ingestion: seconds, transcription: seconds, indexing: seconds }),
  /** Calls one worker task handles at a time. */
  callsPerTaskConcurrently: positiveInt,
  transcriptBytesPerCall: z.number().min(0),
  indexBytesPerCall: z.number().min(0),
  databaseBytesPerCall: z.number().min(0),
  /**
   * Bytes each call sends through the NAT gateways (its log lines and queue messages: AWS APIs without an endpoint).
   */
  natBytesPerCall: z.number().min(0),
  logBytesPerCall: z.number().min(0),
  /** SQS requests each call makes over the three queues (send, receive, delete, visibility changes). */
  sqsRequestsPerCall: z.number().min(0),
  /**
   * Months of calls already held when the estimate starts (not driven by the call volume): the stock of recordings,
   * transcripts, index and database is this many months of calls, less what the lifecycle rules expired.
   */
  historyMonths: z.number().min(0),
});

/** Usage the call volume does not drive (the fixed parts of the derived figures, and figures of their own). */
export const usageSchema = z.strictObject({
  /** NAT GB a month whatever the calls: image pulls, AWS API polling, the log baseline (no interface endpoints). */
  natBaselineGbPerMonth: z.number().min(0),
  /** Log GB a month whatever the calls: flow logs, health checks, idle services. */
  logsBaselineGbPerMonth: z.number().min(0),
  /** SQS requests a month whatever the calls: long polling of the queues by every consumer. */
  sqsBaselineRequestsMillionsPerMonth: z.number().min(0),
  albLcuAverage: z.number().min(0),
  wafRequestsMillionsPerMonth: z.number().min(0),
  /** Container images kept across the ECR repositories. */
  containerImagesStoredGb: z.number().min(0),
  /** Atlas cloud backup storage (snapshots + oplog), where the tier has backup. */
  atlasBackupStoredGb: z.number().min(0),
  /** Staging refresh runs a month (each runs the refresh task of this environment once). 0 where there is none. */
  refreshRunsPerMonth: z.number().min(0).default(0),
  /** Hours one refresh task runs (anonymiser in prod, loader in staging). */
  refreshTaskHoursPerRun: z.number().min(0).default(0),
  /** Average data in the export bucket (prod), after its expiry rule. */
  refreshExportStoredGb: z.number().min(0).default(0),
});

/**
 * The staging refresh path (prod -> staging, anonymised): which side of it an environment is.
 * - `source` (prod): the anonymiser task reads the application database (a read-only Atlas user) and the
 *   transcripts and writes only the export bucket `{project}-{env}-staging-export`, encrypted with its own key.
 * - `target` (staging): the loader task reads only that export bucket and writes this environment's data.
 * - `none` (dev): neither.
 * `peerAccount` is the other side's account (prod: the staging account whose loader role the bucket and key
 * policies name; staging: the prod account holding the export bucket). Absent: the same account as this
 * environment. Not committed: `-c refreshPeerAccount=`.
 */
const refreshTaskSize = {
  /** Fargate CPU units and memory (MiB) of the refresh task (a valid Fargate pair). */
  taskCpu: oneOf(Object.keys(FARGATE_SIZES).map(Number), 'Fargate CPU units'),
  taskMemoryMiB: positiveInt,
  /**
   * Image tag of the refresh task; absent: `not-deployed` (the task definition
   * exists, but nothing can run until an image is pushed and deployed).
   */
  imageTag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'must be a valid image tag').optional(),
  /** The other side's AWS account (see above); absent: this environment's own account. */
  peerAccount: awsAccount.optional(),
};
export const refreshSchema = z.discriminatedUnion('role', [
  z.strictObject({ role: z.literal('none') }),
  z.strictObject({
    role: z.literal('source'),
    ...refreshTaskSize,
    /** Days an export object (and a noncurrent version) lives: the export is a hand-over, not a copy to keep. */
    exportExpireAfterDays: z.number().int().min(1).max(14),
  }),
  z.strictObject({ role: z.literal('target'), ...refreshTaskSize }),
]);

export const environmentSchema = z
  .strictObject({
    /** Project prefix of every physical name: {project}-{env}-{resource}. Short, so names fit AWS limits. */
    project: z.string().regex(/^[a-z][a-z0-9]{1,9}$/, 'must be 2-10 lowercase letters/digits starting with a letter'),
    name: z.enum(ENVIRONMENT_NAMES),
    /** Account the environment deploys to. Not committed: supplied at deploy time (-c account=...). */
    account: awsAccount.optional(),
    region: awsRegion,
    /** Explicit AZs: synth never looks them up. */
    availabilityZones: z.array(z.string().regex(/^[a-z]{2}-[a-z]+-\d[a-z]$/, 'must be an AZ name such as us-east-1a')).min(2).max(6),
    /** dev only: stateful resources are destroyed with the stack. Never true in staging or prod. */
    disposableData: z.boolean(),
    /** Termination protection on every stack of the environment. */
    terminationProtection: z.boolean(),
    /** Retention of every log group (CDK's `logs.RetentionDays`). */
    logRetentionDays,
    /** Tags on every taggable resource, in addition to Project, Environment and ManagedBy. */
    tags: z.strictObject({
      CostCenter: z.string().min(1).max(256),
      Owner: z.string().min(1).max(256),
      DataClassification: z.enum(['public', 'internal', 'confidential', 'restricted']),
    }),
    uptime: uptimeSchema,
    network: networkSchema,
    storage: storageSchema,
    queues: queuesSchema,
    cache: cacheSchema,
    search: searchSchema,
    services: servicesSchema,
    atlas: atlasSchema,
    terraformState: terraformStateSchema,
    ci: ciSchema,
    monitoring: monitoringSchema,
    budget: budgetSchema,
    workload: workloadSchema,
    usage: usageSchema,
    refresh: refreshSchema,
  })
  .superRefine((env, ctx) => {
    const fail = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });

    if (new Set(env.availabilityZones).size !== env.availabilityZones.length) {
      fail(['availabilityZones'], 'must not repeat an AZ');
    }
    env.availabilityZones.forEach((az, i) => {
      if (!az.startsWith(env.region)) fail(['availabilityZones', i], `${az} is not in region ${env.region}`);
    });
    if (env.network.endpointAzCount > env.availabilityZones.length) {
      fail(['network', 'endpointAzCount'], `cannot exceed the ${env.availabilityZones.length} availability zones`);
    }
    if (env.name !== 'dev' && env.network.endpointAzCount < 2) {
      fail(['network', 'endpointAzCount'], 'staging and prod need endpoints in at least 2 AZs (an AZ loss must not cut the services off)');
    }
    if (env.name !== 'dev' && !env.monitoring.alarmDestinationRequired) {
      fail(['monitoring', 'alarmDestinationRequired'], 'staging and prod alarms must reach someone: set it to true');
    }
    if (env.uptime.weekendStop && env.uptime.mode !== 'always-on') {
      fail(['uptime', 'weekendStop'], 'only applies to always-on environments (business hours already list their weekdays)');
    }
    if (env.uptime.weekendStop && env.name === 'prod') {
      fail(['uptime', 'weekendStop'], 'prod runs 24/7 (seed)');
    }
    if (env.network.natGateways > env.availabilityZones.length) {
      fail(['network', 'natGateways'], `cannot exceed the ${env.availabilityZones.length} availability zones`);
    }
    if (env.name !== 'dev' && env.disposableData) {
      fail(['disposableData'], 'only dev may have disposable data: staging and prod retain every stateful resource');
    }
    if (env.name === 'prod') {
      if (env.availabilityZones.length < 3) fail(['availabilityZones'], 'prod needs at least 3 AZs');
      if (env.network.natGateways !== env.availabilityZones.length) fail(['network', 'natGateways'], 'prod needs one NAT gateway per AZ');
      if (!env.terminationProtection) fail(['terminationProtection'], 'prod stacks must have termination protection');
      if (!env.services.httpsOnly) fail(['services', 'httpsOnly'], 'prod must be HTTPS-only');
      if (!env.services.waf.enabled) fail(['services', 'waf', 'enabled'], 'prod must have the WAF web ACL on its load balancer');
      if (!env.search.standbyReplicas) fail(['search', 'standbyReplicas'], 'prod search must survive an AZ loss (seed: 24/7 HA): standby replicas on');
    }

    const plain = env.services.plainHttpIngress;
    const holdsRealData = !env.disposableData || ['confidential', 'restricted'].includes(env.tags.DataClassification);
    if (!env.services.httpsOnly && env.services.certificateArn === undefined && plain === undefined) {
      fail(['services', 'plainHttpIngress'], 'is required while the api is plain HTTP (httpsOnly false, no certificate): list the CIDRs that may reach it (e.g. the team VPN), or give a certificate (-c certificateArn=...)');
    }
    if (plain !== undefined) {
      plain.cidrs.forEach((block, i) => {
        if (/\/0$/.test(block) && !plain.publicPlainHttp) {
          fail(['services', 'plainHttpIngress', 'cidrs', i], `${block} opens the plain-HTTP api to the whole internet: list the CIDRs that need it, or set publicPlainHttp: true with a reason (refused where real data is held)`);
        }
      });
      if (plain.publicPlainHttp && plain.reason === undefined) {
        fail(['services', 'plainHttpIngress', 'reason'], 'is required with publicPlainHttp: true (why may anyone reach a plain-HTTP api?)');
      }
      if (plain.publicPlainHttp && holdsRealData) {
        fail(['services', 'plainHttpIngress', 'publicPlainHttp'], `is refused: ${env.name} holds real data (${env.disposableData ? '' : 'retained data, '}DataClassification ${env.tags.DataClassification}); give the api a certificate instead`);
      }
    }

    // An invalid taskCpu is reported by its own field; memory is checked only against a real CPU size.
    const validMemory = FARGATE_SIZES[env.services.taskCpu];
    if (validMemory !== undefined && !validMemory.includes(env.services.taskMemoryMiB)) {
      fail(['services', 'taskMemoryMiB'], `${env.services.taskMemoryMiB} MiB is not a Fargate size for ${env.services.taskCpu} CPU (valid: ${validMemory.join(', ')})`);
    }
    if (env.services.minCapacity > env.services.maxCapacity) {
      fail(['services', 'minCapacity'], `${env.services.minCapacity} is above maxCapacity (${env.services.maxCapacity}): lower it or raise maxCapacity`);
    }
    if (env.services.workerOnDemandBase > 0 && !env.services.workersOnSpot) {
      fail(['services', 'workerOnDemandBase'], 'only applies when workersOnSpot is true (without Spot every worker task is on-demand); set it to 0');
    }
    if (env.services.workerMinCapacity > env.services.maxCapacity) {
      fail(['services', 'workerMinCapacity'], `cannot exceed maxCapacity (${env.services.maxCapacity})`);
    }
    for (const worker of WORKER_NAMES) {
      const { average } = workerTasks(env, worker, 1);
      if (average > env.services.maxCapacity) {
        fail(['workload', 'workerSecondsPerCall', worker], `the 1x workload needs ${round(average, 2)} ${worker} tasks on average, above services.maxCapacity (${env.services.maxCapacity}): raise maxCapacity or callsPerTaskConcurrently`);
      }
    }
    if (env.services.workerOnDemandBase > env.services.maxCapacity) {
      fail(['services', 'workerOnDemandBase'], `cannot exceed maxCapacity (${env.services.maxCapacity})`);
    }

    const versions: readonly string[] = CACHE_ENGINE_VERSIONS[env.cache.engine];
    if (!versions.includes(env.cache.engineVersion)) {
      fail(['cache', 'engineVersion'], `${JSON.stringify(env.cache.engineVersion)} is not a ${env.cache.engine} version ElastiCache supports for replication groups: use one of ${versions.join(', ')}`);
    }
    const maintenance = weeklyWindow(env.cache.maintenanceWindow);
    const snapshot = dailyWindowMinutes(env.cache.snapshotWindow);
    if (typeof maintenance === 'string') fail(['cache', 'maintenanceWindow'], `${env.cache.maintenanceWindow} ${maintenance}`);
    else if (maintenance[1] - maintenance[0] < 60 || maintenance[1] - maintenance[0] > 24 * 60) {
      fail(['cache', 'maintenanceWindow'], `${env.cache.maintenanceWindow} lasts ${maintenance[1] - maintenance[0]} minutes: ElastiCache needs 60 minutes to 24 hours`);
    }
    if (typeof snapshot === 'string') fail(['cache', 'snapshotWindow'], `${env.cache.snapshotWindow} ${snapshot}`);
    else if (snapshot[1] - snapshot[0] < 60) fail(['cache', 'snapshotWindow'], `${env.cache.snapshotWindow} lasts ${snapshot[1] - snapshot[0]} minutes: ElastiCache needs at least 60`);
    else if (env.cache.snapshotRetentionDays > 0 && typeof maintenance !== 'string' && windowsOverlap(snapshot, maintenance)) {
      fail(['cache', 'snapshotWindow'], `${env.cache.snapshotWindow} (daily, UTC) overlaps the maintenance window ${env.cache.maintenanceWindow}: ElastiCache refuses the replication group; move one of them`);
    }

    if (env.cache.highAvailability && env.cache.replicas < 1) {
      fail(['cache', 'replicas'], 'highAvailability (automatic failover, Multi-AZ) needs at least one replica');
    }
    if (env.cache.highAvailability && env.availabilityZones.length < 2) {
      fail(['cache', 'highAvailability'], 'Multi-AZ needs at least two availability zones');
    }
    if (env.name === 'prod') {
      if (!env.cache.highAvailability) fail(['cache', 'highAvailability'], 'prod needs a highly available cache (replica, automatic failover, Multi-AZ)');
      if (env.cache.snapshotRetentionDays < 7) fail(['cache', 'snapshotRetentionDays'], 'prod keeps cache snapshots at least 7 days');
    }
    const { recordingsObjectLock, transcriptsObjectLock } = env.storage;
    if (recordingsObjectLock.enabled && recordingsObjectLock.retentionDays > env.storage.recordingsExpireAfterDays) {
      fail(['storage', 'recordingsObjectLock', 'retentionDays'], 'must not exceed recordingsExpireAfterDays: locked versions could never expire');
    }

    const minimumVisibility = env.queues.workerProcessingTimeoutSeconds + FARGATE_MAX_STOP_TIMEOUT_SECONDS;
    if (env.queues.visibilityTimeoutSeconds <= minimumVisibility) {
      fail(
        ['queues', 'visibilityTimeoutSeconds'],
        `${env.queues.visibilityTimeoutSeconds} s must be greater than workerProcessingTimeoutSeconds (${env.queues.workerProcessingTimeoutSeconds}) + the container stop timeout (${FARGATE_MAX_STOP_TIMEOUT_SECONDS}) = ${minimumVisibility} s: a worker stopped at the end of a message's processing must still finish it before the message is visible again`,
      );
    }
    if (transcriptsObjectLock.enabled && transcriptsObjectLock.retentionDays > env.storage.transcriptsExpireAfterDays) {
      fail(['storage', 'transcriptsObjectLock', 'retentionDays'], 'must not exceed transcriptsExpireAfterDays: locked versions could never expire');
    }
    if (holdsRealData && !env.storage.transcriptsObjectLock.enabled) {
      fail(['storage', 'transcriptsObjectLock', 'enabled'], `${env.name} holds real data: transcripts need Object Lock (set it before the bucket is created; runbook, creation-time settings)`);
    }

    if (env.storage.recordingsGlacierAfterDays <= env.storage.recordingsInfrequentAccessAfterDays) {
      fail(['storage', 'recordingsGlacierAfterDays'], 'must be later than recordingsInfrequentAccessAfterDays');
    }
    if (env.storage.recordingsExpireAfterDays <= env.storage.recordingsGlacierAfterDays) {
      fail(['storage', 'recordingsExpireAfterDays'], 'must be later than recordingsGlacierAfterDays');
    }

    if (env.uptime.mode === 'business-hours' && env.uptime.startHour >= env.uptime.stopHour) {
      fail(['uptime', 'stopHour'], 'must be after startHour');
    }

    const atlas = env.atlas;
    if (atlas.instanceSize === 'M0') {
      if (atlas.connectivity === 'private-link') fail(['atlas', 'connectivity'], 'M0 does not support PrivateLink; use nat-ip-access-list');
      if (atlas.continuousBackup) fail(['atlas', 'continuousBackup'], 'M0 has no cloud backup');
      if (atlas.terminationProtection) fail(['atlas', 'terminationProtection'], 'M0 (shared tier) has no termination protection');
      if (atlas.electableNodes !== 3) fail(['atlas', 'electableNodes'], 'M0 is always a 3-node replica set');
      if (atlas.autoScaling.computeMaxInstanceSize !== undefined || atlas.autoScaling.diskGbEnabled) {
        fail(['atlas', 'autoScaling'], 'M0 (shared tier) has no auto-scaling: omit computeMaxInstanceSize and set diskGbEnabled to false');
      }
    }
    const max = atlas.autoScaling.computeMaxInstanceSize;
    if (max !== undefined && ATLAS_INSTANCE_SIZES.indexOf(max) <= ATLAS_INSTANCE_SIZES.indexOf(atlas.instanceSize)) {
      fail(['atlas', 'autoScaling', 'computeMaxInstanceSize'], `must be a larger tier than instanceSize ${atlas.instanceSize} (the floor): one of ${ATLAS_INSTANCE_SIZES.slice(ATLAS_INSTANCE_SIZES.indexOf(atlas.instanceSize) + 1).join(', ')}`);
    }
    if (atlas.instanceSize !== 'M0' && atlas.connectivity === 'nat-ip-access-list' && env.name !== 'dev') {
      fail(['atlas', 'connectivity'], 'dedicated tiers outside dev must use private-link (no public access list)');
    }
    if (atlas.continuousBackup) {
      if (atlas.backupRetentionDays < 1) fail(['atlas', 'backupRetentionDays'], 'must be at least 1 when continuousBackup is on');
      if (atlas.pointInTimeWindowDays < 1) fail(['atlas', 'pointInTimeWindowDays'], 'must be at least 1 when continuousBackup is on');
      if (atlas.pointInTimeWindowDays > atlas.backupRetentionDays) {
        fail(['atlas', 'pointInTimeWindowDays'], `${atlas.pointInTimeWindowDays} days exceeds backupRetentionDays (${atlas.backupRetentionDays})`);
      }
      const weeklyDays = atlas.weeklySnapshotRetentionWeeks * 7;
      if (atlas.weeklySnapshotRetentionWeeks > 0 && weeklyDays < atlas.backupRetentionDays) {
        fail(['atlas', 'weeklySnapshotRetentionWeeks'], `${atlas.weeklySnapshotRetentionWeeks} weeks is shorter than backupRetentionDays (${atlas.backupRetentionDays}); Atlas keeps weekly snapshots at least as long as daily ones`);
      }
      const monthlyDays = atlas.monthlySnapshotRetentionMonths * 31;
      if (atlas.monthlySnapshotRetentionMonths > 0 && monthlyDays < Math.max(atlas.backupRetentionDays, weeklyDays)) {
        fail(['atlas', 'monthlySnapshotRetentionMonths'], 'is shorter than the daily or weekly retention; Atlas keeps monthly snapshots at least as long');
      }
    } else {
      if (atlas.backupRetentionDays !== 0) fail(['atlas', 'backupRetentionDays'], 'must be 0 when continuousBackup is off (there are no snapshots to retain)');
      if (atlas.pointInTimeWindowDays !== 0) fail(['atlas', 'pointInTimeWindowDays'], 'must be 0 when continuousBackup is off');
      if (atlas.weeklySnapshotRetentionWeeks !== 0) fail(['atlas', 'weeklySnapshotRetentionWeeks'], 'must be 0 when continuousBackup is off');
      if (atlas.monthlySnapshotRetentionMonths !== 0) fail(['atlas', 'monthlySnapshotRetentionMonths'], 'must be 0 when continuousBackup is off');
    }
    if (env.name === 'prod') {
      if (!atlas.continuousBackup) fail(['atlas', 'continuousBackup'], 'prod needs continuous cloud backup');
      // Seed: "Backups: Continuous with 30-day retention" - point-in-time restore to any minute of the last 30 days.
      if (atlas.pointInTimeWindowDays < 30) fail(['atlas', 'pointInTimeWindowDays'], 'prod restores to any minute of the last 30 days (seed: continuous backup, 30-day retention): at least 30');
      if (atlas.weeklySnapshotRetentionWeeks === 0) fail(['atlas', 'weeklySnapshotRetentionWeeks'], 'prod keeps weekly snapshots');
      if (atlas.monthlySnapshotRetentionMonths === 0) fail(['atlas', 'monthlySnapshotRetentionMonths'], 'prod keeps monthly snapshots');
      if (!atlas.autoScaling.diskGbEnabled) fail(['atlas', 'autoScaling', 'diskGbEnabled'], 'prod storage must grow before it fills');
      if (!atlas.terminationProtection) fail(['atlas', 'terminationProtection'], 'prod needs Atlas termination protection');
    }
    const expectedRefresh = ({ dev: 'none', staging: 'target', prod: 'source' } as const)[env.name];
    if (env.refresh.role !== expectedRefresh) {
      fail(['refresh', 'role'], `${env.name} is the ${expectedRefresh} side of the staging refresh (prod exports anonymised data, staging loads it, dev has none): set it to '${expectedRefresh}'`);
    }
    if (env.refresh.role !== 'none') {
      const refreshMemory = FARGATE_SIZES[env.refresh.taskCpu] ?? [];
      if (!refreshMemory.includes(env.refresh.taskMemoryMiB)) {
        fail(['refresh', 'taskMemoryMiB'], `${env.refresh.taskMemoryMiB} MiB is not a Fargate size for ${env.refresh.taskCpu} CPU (valid: ${refreshMemory.join(', ')})`);
      }
      if (env.atlas.databaseAuth !== 'aws-iam') {
        fail(['atlas', 'databaseAuth'], 'the refresh task authenticates to Atlas as its task role (MONGODB-AWS): the refresh path needs aws-iam');
      }
    } else if (env.usage.refreshRunsPerMonth > 0 || env.usage.refreshExportStoredGb > 0) {
      fail(['usage', 'refreshRunsPerMonth'], `${env.name} has no refresh task: refreshRunsPerMonth and refreshExportStoredGb must be 0`);
    }
    if (!env.terraformState.useLockfile && !env.terraformState.dynamodbTable) {
      fail(['terraformState'], 'needs a lock: useLockfile or dynamodbTable');
    }
  });

/** A validated environment. */
export type EnvironmentConfig = z.infer<typeof environmentSchema>;
/** What an environment file declares before validation. */
export type EnvironmentInput = z.input<typeof environmentSchema>;
