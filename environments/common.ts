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
} satisfies Pick<EnvironmentInput, 'project' | 'region' | 'terraformState' | 'ci' | 'queues'> & {
  atlas: Pick<EnvironmentInput['atlas'], 'region' | 'mongoDbMajorVersion' | 'databaseName'>;
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
