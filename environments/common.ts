import type { EnvironmentInput } from './schema';

/**
 * Values every environment shares. An environment file spreads these and then states what
 * differs, so the differences between dev, staging and prod are what the files show.
 */
export const common = {
  project: 'marin',
  region: 'us-east-1',
  terraformState: {
    // From the seed's backend.tf, plus the account id (lib/terraform-state.ts): one bucket per
    // account, one key per environment. S3-native locking only (Terraform >= 1.10).
    bucketPrefix: 'marin-terraform-state',
    useLockfile: true,
    region: 'us-east-1',
  },
  // The repository whose workflows deploy (.github/workflows). Change both names for a fork: the deploy
  // roles trust exactly this repository and its GitHub environments.
  ci: {
    github: { owner: 'marin-platform', repository: 'audio-pipeline-infra' },
    oidcProvider: 'create',
  },
  queues: {
    maxReceiveCount: 5,
    retentionDays: 4,
    deadLetterRetentionDays: 14,
    workerProcessingTimeoutSeconds: 300,
    // > 300 + 120 (stop timeout): a worker stopped at the end of a message's processing finishes and deletes it
    // first; the 60 s above that covers the delete call and clock skew.
    visibilityTimeoutSeconds: 480,
  },
  atlas: {
    region: 'US_EAST_1',
    mongoDbMajorVersion: '8.0',
    databaseName: 'audio_pipeline',
  },
  // What one call is and costs in work and bytes, the same pipeline everywhere; each environment adds how many calls
  // it takes and when (the cost report derives every call-driven figure from it: scripts/cost/estimate.ts).
  workload: {
    // 6 minutes of 32 kbit/s mono audio: 1.44 MB a call.
    averageCallMinutes: 6,
    audioBitrateKbps: 32,
    // No per-stage measurement yet: each stage keeps the one figure the former hand-set average (1.25 tasks per
    // worker in prod and staging) implied. Measure and set.
    workerSecondsPerCall: { ingestion: 125, transcription: 125, indexing: 125 },
    callsPerTaskConcurrently: 2,
    // Transcript JSON with word timings; the call's vectors + text in the index; its documents in Atlas.
    transcriptBytesPerCall: 72000,
    indexBytesPerCall: 28600,
    databaseBytesPerCall: 4000,
    // Its log lines and queue messages leave by NAT (no interface endpoints); S3 uses the gateway endpoint.
    natBytesPerCall: 150000,
    logBytesPerCall: 100000,
    // 3 queues x (send, receive, delete) plus visibility extensions.
    sqsRequestsPerCall: 12,
  },
} satisfies Pick<EnvironmentInput, 'project' | 'region' | 'terraformState' | 'ci' | 'queues'> & {
  atlas: Pick<EnvironmentInput['atlas'], 'region' | 'mongoDbMajorVersion' | 'databaseName'>;
  workload: Omit<EnvironmentInput['workload'], 'callsPerDay' | 'businessHoursShare' | 'businessHoursPerDay' | 'historyMonths'>;
};

/**
 * How staging and prod scale: the same targets and cooldowns, so a load test in staging predicts prod's
 * behaviour (only their floors and ceilings differ). dev scales later and in larger steps (its own file).
 */
export const prodLikeAutoscaling = {
  apiCpuTargetPercent: 60,
  apiRequestsPerTarget: 500,
  workerBacklogPerTask: 10,
  scaleOutCooldownSeconds: 60,
  scaleInCooldownSeconds: 300,
} satisfies EnvironmentInput['services']['autoscaling'];
