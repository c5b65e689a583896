import { common, prodLikeAutoscaling } from './common';
import type { EnvironmentInput } from './schema';

/** staging: production-like, HA (2 instances, cache replica), 24/7, anonymised production data. Budget ~$617/month. */
export const staging: EnvironmentInput = {
  ...common,
  name: 'staging',
  availabilityZones: ['us-east-1a', 'us-east-1b'],
  disposableData: false,
  terminationProtection: true,
  logRetentionDays: 14,
  tags: { CostCenter: 'audio-pipeline-staging', Owner: 'platform-team', DataClassification: 'confidential' },
  uptime: { mode: 'always-on', timezone: 'America/New_York', startHour: 0, stopHour: 23, weekdays: ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] },
  network: {
    vpcCidr: '10.20.0.0/16',
    // One NAT: egress is a single point of failure in staging, accepted against the budget.
    natGateways: 1,
    interfaceEndpoints: [],
    flowLogTrafficType: 'ALL',
    endpointAzCount: 2,
  },
  storage: {
    recordingsInfrequentAccessAfterDays: 30,
    recordingsGlacierAfterDays: 90,
    recordingsExpireAfterDays: 180,
    transcriptsExpireAfterDays: 180,
    noncurrentVersionsExpireAfterDays: 30,
    abortIncompleteMultipartUploadAfterDays: 3,
    accessLogsExpireAfterDays: 90,
    recordingsObjectLock: { enabled: false, retentionDays: 1 },
    // Creation-time (ObjectLockEnabled is create-only): set before the bucket exists.
    transcriptsObjectLock: { enabled: true, retentionDays: 30 },
    corsAllowedOrigins: [],
  },
  cache: {
    engine: 'valkey',
    engineVersion: '8.0',
    nodeType: 'cache.t4g.small',
    port: 6380,
    replicas: 1,
    highAvailability: true,
    snapshotRetentionDays: 3,
    maintenanceWindow: 'sun:05:00-sun:06:00',
    snapshotWindow: '03:00-04:00',
  },
  // Standby replicas would double the OCU floor (~$175 -> ~$350/month) and break staging's budget.
  // collectionCostCenter is creation-time (collection tags are create-only): leave it when tags.CostCenter changes.
  search: { standbyReplicas: false, collectionCostCenter: 'audio-pipeline-staging' },
  services: {
    taskCpu: 512,
    taskMemoryMiB: 1024,
    minCapacity: 2,
    maxCapacity: 4,
    workerMinCapacity: 1,
    cpuArchitecture: 'ARM64',
    workersOnSpot: true,
    apiContainerPort: 8080,
    // Staging holds anonymised production data (confidential): HTTPS only, like prod, so a deploy needs
    // -c certificateArn (or fails early at deploy with a message saying so).
    httpsOnly: true,
    apiHealthCheckPath: '/health',
    imagesRetained: 20,
    workerOnDemandBase: 0,
    autoscaling: prodLikeAutoscaling,
    containerInsights: 'enabled',
    loadBalancerDeletionProtection: true,
    waf: { enabled: false, rateLimitPer5Minutes: 2000 },
  },
  atlas: {
    ...common.atlas,
    instanceSize: 'M10',
    electableNodes: 3,
    // Anonymised copies of production data, reloadable from prod: daily snapshots for a week and a short
    // point-in-time window (2 days) to undo a bad test run; no weekly/monthly snapshots, no termination protection.
    continuousBackup: true,
    backupRetentionDays: 7,
    pointInTimeWindowDays: 2,
    weeklySnapshotRetentionWeeks: 0,
    monthlySnapshotRetentionMonths: 0,
    snapshotIntervalHours: 6,
    snapshotHourUtc: 7,
    autoScaling: { computeMaxInstanceSize: 'M20', diskGbEnabled: true },
    terminationProtection: false,
    connectivity: 'private-link',
    databaseAuth: 'aws-iam',
  },
  monitoring: {
    alarmEmails: [],
    alarmDestinationRequired: true,
    notificationsEnabled: true,
    queueMaxAgeSeconds: 1800,
    queueMaxDepth: 1000,
    serviceCpuPercent: 85,
    serviceMemoryPercent: 85,
    alb5xxPer5Minutes: 20,
    albP95LatencySeconds: 1.5,
    cacheCpuPercent: 80,
    cacheMemoryPercent: 85,
    cacheEvictionsPer5Minutes: 50,
    cacheReplicationLagSeconds: 10,
    searchErrorsPer5Minutes: 5,
    searchLatencyMs: 1000,
  },
  budget: { monthlyUsd: 617, notificationEmails: [], forecastedAlertPercent: 80, actualAlertPercent: 100 },
  // Target of the staging refresh (docs/staging-refresh.md): the loader reads only marin-prod-staging-export.
  refresh: { role: 'target', taskCpu: 1024, taskMemoryMiB: 2048 },
  // 760 calls a day (33 GB of audio a month), three quarters in the 8 business hours.
  workload: {
    ...common.workload,
    callsPerDay: 760,
    businessHoursShare: 0.75,
    businessHoursPerDay: 8,
    // 12 months: past the 180-day expiry, the stock is steady.
    historyMonths: 12,
  },
  usage: {
    // Fixed parts of the derived figures (they do not scale with the calls): image pulls and AWS API polling through
    // NAT, the log baseline (flow logs, health checks), long polling. Set so that 1x reproduces the former figures.
    natBaselineGbPerMonth: 96.6,
    logsBaselineGbPerMonth: 7.7,
    sqsBaselineRequestsMillionsPerMonth: 4.73,
    // Not driven by calls: api traffic (search and browsing; the audio goes to S3 by presigned PUT, one small api
    // request a call), the images kept, the Atlas backup (snapshots + PIT oplog, not sized from the data yet).
    albLcuAverage: 1,
    wafRequestsMillionsPerMonth: 0,
    containerImagesStoredGb: 3,
    refreshRunsPerMonth: 4,
    refreshTaskHoursPerRun: 2,
    atlasBackupStoredGb: 10,
  },
};
