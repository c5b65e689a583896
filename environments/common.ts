import type { EnvironmentInput } from './schema';

/**
 * Values every environment shares. An environment file spreads these and then states what
 * differs, so the differences between dev, staging and prod are what the files show.
 */
export const common = {
  project: 'marin',
  region: 'us-east-1',
  terraformState: {
    // From the seed's backend.tf. One bucket for all environments; one key per environment.
    bucket: 'marin-terraform-state',
    useLockfile: true,
    dynamodbTable: 'terraform-state-lock',
    region: 'us-east-1',
  },
  queues: {
    maxReceiveCount: 5,
    retentionDays: 4,
    deadLetterRetentionDays: 14,
    workerProcessingTimeoutSeconds: 300,
  },
  atlas: {
    region: 'US_EAST_1',
    mongoDbMajorVersion: '8.0',
    databaseName: 'audio_pipeline',
  },
} satisfies Pick<EnvironmentInput, 'project' | 'region' | 'terraformState' | 'queues'> & {
  atlas: Pick<EnvironmentInput['atlas'], 'region' | 'mongoDbMajorVersion' | 'databaseName'>;
};
