import { common } from './common';
import type { EnvironmentInput } from './schema';

/** dev: cost-optimised, single instance, business hours only, disposable data. Budget ~$378/month. */
export const dev: EnvironmentInput = {
  ...common,
  name: 'dev',
  availabilityZones: ['us-east-1a', 'us-east-1b'],
  disposableData: true,
  terminationProtection: false,
  logRetentionDays: 7,
  tags: { CostCenter: 'audio-pipeline-dev', Owner: 'platform-team', DataClassification: 'internal' },
  uptime: { mode: 'business-hours', timezone: 'America/New_York', startHour: 8, stopHour: 20, weekdays: ['MON', 'TUE', 'WED', 'THU', 'FRI'] },
  network: {
    vpcCidr: '10.10.0.0/16',
    natGateways: 1,
    // No interface endpoints: at dev's traffic, NAT data ($0.045/GB) costs less than endpoints ($7.30/AZ/month each).
    interfaceEndpoints: [],
    // ALL everywhere (a requirement, test/fixtures/seed-requirements.ts): accepted traffic is the audit trail too.
    flowLogTrafficType: 'ALL',
    endpointAzCount: 2,
  },
  storage: {
    recordingsInfrequentAccessAfterDays: 30,
    recordingsGlacierAfterDays: 60,
    recordingsExpireAfterDays: 90,
    transcriptsExpireAfterDays: 90,
    noncurrentVersionsExpireAfterDays: 7,
    abortIncompleteMultipartUploadAfterDays: 1,
    accessLogsExpireAfterDays: 30,
    recordingsObjectLock: { enabled: false, retentionDays: 1 },
    transcriptsObjectLock: { enabled: false, retentionDays: 1 },
    corsAllowedOrigins: [],
  },
  cache: {
    engine: 'valkey',
    engineVersion: '8.0',
    nodeType: 'cache.t4g.micro',
    port: 6380,
    replicas: 0,
    highAvailability: false,
    // Seed tip "delete unused snapshots": dev's cache is disposable, so it keeps none.
    snapshotRetentionDays: 0,
    maintenanceWindow: 'sun:05:00-sun:06:00',
    snapshotWindow: '03:00-04:00',
  },
  // collectionCostCenter is creation-time (collection tags are create-only): leave it when tags.CostCenter changes.
  search: { standbyReplicas: false, collectionCostCenter: 'audio-pipeline-dev' },
  services: {
    taskCpu: 256,
    taskMemoryMiB: 512,
    minCapacity: 0,
    workerMinCapacity: 0,
    maxCapacity: 2,
    cpuArchitecture: 'ARM64',
    workersOnSpot: true,
    apiContainerPort: 8080,
    httpsOnly: false,
    // No certificate in dev: port 80 admits these CIDRs only (never 0.0.0.0/0: the api handles call data). A
    // documentation range as committed: set the team VPN's egress CIDR before the first deploy, or give dev a
    // certificate (-c certificateArn=...: HTTPS from anywhere, 80 redirects).
    plainHttpIngress: { cidrs: ['203.0.113.0/24'] },
    apiHealthCheckPath: '/health',
    imagesRetained: 10,
    workerOnDemandBase: 0,
    autoscaling: {
      apiCpuTargetPercent: 70,
      apiRequestsPerTarget: 500,
      workerBacklogPerTask: 20,
      scaleOutCooldownSeconds: 60,
      scaleInCooldownSeconds: 300,
    },
    containerInsights: 'enabled',
    loadBalancerDeletionProtection: false,
    waf: { enabled: false, rateLimitPer5Minutes: 2000 },
  },
  atlas: {
    ...common.atlas,
    // Free shared tier (TENANT on AWS): no PrivateLink, no backup, so the NAT addresses are the access list.
    instanceSize: 'M0',
    electableNodes: 3,
    continuousBackup: false,
    backupRetentionDays: 0,
    pointInTimeWindowDays: 0,
    weeklySnapshotRetentionWeeks: 0,
    monthlySnapshotRetentionMonths: 0,
    snapshotIntervalHours: 6,
    snapshotHourUtc: 7,
    autoScaling: { diskGbEnabled: false },
    terminationProtection: false,
    connectivity: 'nat-ip-access-list',
    // Atlas documents no tier restriction for AWS IAM authentication, so dev uses it too: no password exists anywhere.
    databaseAuth: 'aws-iam',
  },
  monitoring: {
    alarmEmails: [],
    // Dev may stay silent (its alarms keep their state; notifications are off).
    alarmDestinationRequired: false,
    notificationsEnabled: false,
    queueMaxAgeSeconds: 3600,
    queueMaxDepth: 1000,
    serviceCpuPercent: 90,
    serviceMemoryPercent: 90,
    alb5xxPer5Minutes: 50,
    albP95LatencySeconds: 2,
    cacheCpuPercent: 90,
    cacheMemoryPercent: 90,
    cacheEvictionsPer5Minutes: 100,
    cacheReplicationLagSeconds: 30,
    searchErrorsPer5Minutes: 10,
    searchLatencyMs: 2000,
  },
  budget: { monthlyUsd: 378, notificationEmails: [], forecastedAlertPercent: 80, actualAlertPercent: 100 },
  refresh: { role: 'none' },
  // 545 test calls a weekday (17 GB of audio a month), all in the 12 hours dev runs.
  workload: {
    ...common.workload,
    callsPerDay: 545,
    businessHoursShare: 1,
    businessHoursPerDay: 12,
    // 12 months: past the 90-day expiry, the stock is steady.
    historyMonths: 12,
  },
  usage: {
    // Fixed parts of the derived figures (they do not scale with the calls): image pulls and AWS API polling through
    // NAT, the log baseline (flow logs, health checks), long polling. Set so that 1x reproduces the former figures.
    natBaselineGbPerMonth: 48.3,
    logsBaselineGbPerMonth: 3.82,
    sqsBaselineRequestsMillionsPerMonth: 0.86,
    // Not driven by calls: api traffic (search and browsing; the audio goes to S3 by presigned PUT, one small api
    // request a call), the images kept, the Atlas backup (snapshots + PIT oplog, not sized from the data yet).
    albLcuAverage: 1,
    wafRequestsMillionsPerMonth: 0,
    containerImagesStoredGb: 2,
    atlasBackupStoredGb: 0,
  },
};
