import { common, prodLikeAutoscaling } from './common';
import type { EnvironmentInput } from './schema';

/** prod: HA across 3 AZs, 24/7, WAF, deletion protection, continuous Atlas backup. Budget ~$970/month. */
export const prod: EnvironmentInput = {
  ...common,
  name: 'prod',
  availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
  disposableData: false,
  terminationProtection: true,
  logRetentionDays: 30,
  tags: { CostCenter: 'audio-pipeline-prod', Owner: 'platform-team', DataClassification: 'restricted' },
  uptime: { mode: 'always-on', timezone: 'America/New_York', startHour: 0, stopHour: 23, weekdays: ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] },
  network: {
    vpcCidr: '10.30.0.0/16',
    natGateways: 3,
    // No interface endpoints: four of them cost $87.60/month over 3 AZs; at ~100 GB/month of AWS API
    // traffic NAT data processing costs $4.50. The S3 gateway endpoint (free) carries the recordings.
    interfaceEndpoints: [],
    flowLogTrafficType: 'ALL',
    // The OpenSearch Serverless and Atlas PrivateLink endpoints span 2 of the 3 AZs: an AZ loss leaves one,
    // reached across AZs; a third ENI per endpoint would cost $7.30/month each and add no availability.
    endpointAzCount: 2,
  },
  storage: {
    recordingsInfrequentAccessAfterDays: 30,
    recordingsGlacierAfterDays: 90,
    recordingsExpireAfterDays: 2555,
    transcriptsExpireAfterDays: 2555,
    noncurrentVersionsExpireAfterDays: 90,
    abortIncompleteMultipartUploadAfterDays: 7,
    accessLogsExpireAfterDays: 365,
    recordingsObjectLock: { enabled: true, retentionDays: 30 },
    // Creation-time (ObjectLockEnabled is create-only): set before the bucket exists.
    transcriptsObjectLock: { enabled: true, retentionDays: 30 },
    corsAllowedOrigins: [],
  },
  cache: {
    engine: 'valkey',
    engineVersion: '8.0',
    nodeType: 'cache.t4g.medium',
    port: 6380,
    replicas: 1,
    highAvailability: true,
    snapshotRetentionDays: 7,
    maintenanceWindow: 'sun:05:00-sun:06:00',
    snapshotWindow: '03:00-04:00',
  },
  // 24/7 HA (seed): standby replicas keep vector search up through an AZ loss. They double the OCU floor
  // ($175.20 -> $350.40/month); docs/cost.md shows where that money comes from. Creation-time only.
  // collectionCostCenter is creation-time (collection tags are create-only): leave it when tags.CostCenter changes.
  search: { standbyReplicas: true, collectionCostCenter: 'audio-pipeline-prod' },
  services: {
    taskCpu: 1024,
    taskMemoryMiB: 2048,
    minCapacity: 3,
    maxCapacity: 6,
    // Workers scale with their backlog from one task each (the api keeps 3): docs/cost.md.
    workerMinCapacity: 1,
    cpuArchitecture: 'ARM64',
    workersOnSpot: true,
    apiContainerPort: 8080,
    httpsOnly: true,
    apiHealthCheckPath: '/health',
    imagesRetained: 50,
    // Every worker task on Spot, the floor too: an interrupted task's message returns to its queue and ECS
    // replaces the task; the queue-age alarms catch a stall. On-demand floors would cost $60.60/month more.
    workerOnDemandBase: 0,
    autoscaling: prodLikeAutoscaling,
    // Standard Container Insights (cluster, service and task-count metrics, which the backlog scaling reads);
    // enhanced observability adds per-task/container series for ~$12/month more: docs/cost.md.
    containerInsights: 'enabled',
    loadBalancerDeletionProtection: true,
    waf: { enabled: true, rateLimitPer5Minutes: 2000 },
  },
  atlas: {
    ...common.atlas,
    instanceSize: 'M20',
    electableNodes: 3,
    // Continuous cloud backup, 30-day retention (seed): point-in-time restore to any minute of the last 30 days
    // (hourly snapshots kept 30 days), daily snapshots 30 days, weekly 8 weeks, monthly 12 months.
    continuousBackup: true,
    backupRetentionDays: 30,
    pointInTimeWindowDays: 30,
    weeklySnapshotRetentionWeeks: 8,
    monthlySnapshotRetentionMonths: 12,
    snapshotIntervalHours: 6,
    // 07:00 UTC = 02:00/03:00 in New York: the quietest hour of the users' day.
    snapshotHourUtc: 7,
    // Compute M20 (seed floor) to M30; disk grows before it fills.
    autoScaling: { computeMaxInstanceSize: 'M30', diskGbEnabled: true },
    terminationProtection: true,
    connectivity: 'private-link',
    databaseAuth: 'aws-iam',
  },
  monitoring: {
    // Deploy with -c alarmEmails=oncall@example.com (or commit addresses here): a prod deploy without one fails.
    alarmEmails: [],
    alarmDestinationRequired: true,
    notificationsEnabled: true,
    queueMaxAgeSeconds: 900,
    queueMaxDepth: 500,
    serviceCpuPercent: 80,
    serviceMemoryPercent: 80,
    alb5xxPer5Minutes: 10,
    albP95LatencySeconds: 1,
    cacheCpuPercent: 75,
    cacheMemoryPercent: 80,
    cacheEvictionsPer5Minutes: 10,
    cacheReplicationLagSeconds: 5,
    searchErrorsPer5Minutes: 1,
    searchLatencyMs: 500,
  },
  budget: { monthlyUsd: 970, notificationEmails: [], forecastedAlertPercent: 80, actualAlertPercent: 100 },
  // Source of the staging refresh (docs/staging-refresh.md): the anonymiser reads this environment read-only and
  // writes only marin-prod-staging-export, whose objects expire after 3 days. Started by `npm run refresh-staging`.
  refresh: { role: 'source', exportExpireAfterDays: 3, taskCpu: 1024, taskMemoryMiB: 2048 },
  // 1,150 calls a day (50 GB of audio a month), three quarters in the 8 business hours.
  workload: {
    ...common.workload,
    callsPerDay: 1150,
    businessHoursShare: 0.75,
    businessHoursPerDay: 8,
    // 20 months already held (1,000 GB of recordings), growing until the 2555-day expiry.
    historyMonths: 20,
  },
  usage: {
    // Fixed parts of the derived figures (they do not scale with the calls): image pulls and AWS API polling through
    // NAT, the log baseline (flow logs, health checks), long polling. Set so that 1x reproduces the former figures.
    // The former 20 M SQS requests a month cannot come from the calls (~0.4 M) or 20-s long polling (~0.5 M); kept
    // (never lowered) as the fixed part until measured.
    natBaselineGbPerMonth: 95,
    logsBaselineGbPerMonth: 16.51,
    sqsBaselineRequestsMillionsPerMonth: 19.6,
    // Not driven by calls: api traffic (search and browsing; the audio goes to S3 by presigned PUT, one small api
    // request a call), the images kept, the Atlas backup (snapshots + PIT oplog, not sized from the data yet).
    albLcuAverage: 2,
    wafRequestsMillionsPerMonth: 5,
    containerImagesStoredGb: 5,
    // Staging refresh: weekly, ~2 h of anonymiser per run; one export is ~60 GB (anonymised transcripts + database
    // dump) and lives 3 of every 7 days (exportExpireAfterDays): ~26 GB on average.
    refreshRunsPerMonth: 4,
    refreshTaskHoursPerRun: 2,
    refreshExportStoredGb: 26,
    atlasBackupStoredGb: 60,
  },
};
