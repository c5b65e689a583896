import { App } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ENVIRONMENTS, loadEnvironment, OFFLINE_ACCOUNT, parseEnvironment } from '../../environments';
import { WORKER_NAMES } from '../../lib/contracts';
import { createPipelineApp } from '../../lib/pipeline-app';
import { DataStack } from '../../lib/stacks/data-stack';
import { NetworkStack } from '../../lib/stacks/network-stack';

describe('data-plane configuration errors name the environment and the field', () => {
  const devRules: Array<[string, (c: any) => void, RegExp]> = [
    ['the default Redis port', (c) => (c.cache.port = 6379), /cache\.port: must not be the default Redis port 6379/],
    ['a privileged cache port', (c) => (c.cache.port = 80), /cache\.port/],
    ['a missing cache port', (c) => delete c.cache.port, /cache\.port/],
    ['Object Lock longer than the recordings live', (c) => (c.storage.recordingsObjectLock = { enabled: true, retentionDays: 365 }), /storage\.recordingsObjectLock\.retentionDays: must not exceed recordingsExpireAfterDays/],
    ['transcripts Object Lock longer than transcripts live', (c) => (c.storage.transcriptsObjectLock = { enabled: true, retentionDays: 365 }), /storage\.transcriptsObjectLock\.retentionDays: must not exceed transcriptsExpireAfterDays/],
    ['a DLQ retention other than 14 days', (c) => (c.queues.deadLetterRetentionDays = 7), /queues\.deadLetterRetentionDays/],
  ];
  test.each(devRules)('dev with %s fails', (_label, breakIt, message) => {
    const input = structuredClone(ENVIRONMENTS.dev);
    breakIt(input);
    expect(() => parseEnvironment(input, 'dev')).toThrow(/^environment "dev" is invalid:/);
    expect(() => parseEnvironment(input, 'dev')).toThrow(message);
  });

  test.each(['staging', 'prod'] as const)('%s without Object Lock on transcripts fails (it holds real data)', (envName) => {
    const input = structuredClone(ENVIRONMENTS[envName]) as any;
    input.storage.transcriptsObjectLock.enabled = false;
    expect(() => parseEnvironment(input, envName)).toThrow(new RegExp(`storage\\.transcriptsObjectLock\\.enabled: ${envName} holds real data: transcripts need Object Lock`));
  });

  const prodRules: Array<[string, (c: any) => void, RegExp]> = [
    ['a single-node cache', (c) => { c.cache.highAvailability = false; c.cache.replicas = 0; }, /cache\.highAvailability: prod needs a highly available cache/],
    ['cache snapshots kept under 7 days', (c) => (c.cache.snapshotRetentionDays = 3), /cache\.snapshotRetentionDays: prod keeps cache snapshots at least 7 days/],
  ];
  test.each(prodRules)('prod with %s fails', (_label, breakIt, message) => {
    const input = structuredClone(ENVIRONMENTS.prod);
    breakIt(input);
    expect(() => parseEnvironment(input, 'prod')).toThrow(message);
  });
});

describe('the data stack refuses a mismatched network', () => {
  test('a data stack given another environment\'s network', () => {
    const app = new App();
    const network = new NetworkStack(app, 'marin-staging-network', { config: loadEnvironment('staging') });
    expect(() => new DataStack(app, 'marin-dev-data', { config: loadEnvironment('dev'), network })).toThrow('DataStack of dev was given the network stack of staging');
  });
});

test('the data stack fulfils PipelineData for the service and monitoring stacks', () => {
  const { stacks } = createPipelineApp(loadEnvironment('staging', { account: OFFLINE_ACCOUNT }), { noRelease: true });
  const data = stacks.data;
  expect(data.cache).toEqual({ port: 6380, replicationGroupId: 'marin-staging-cache', memberIds: ['marin-staging-cache-001', 'marin-staging-cache-002'] });
  expect(data.search.collectionName).toBe('marin-staging-vectors');
  expect(Object.keys(data.queues)).toEqual([...WORKER_NAMES]);
  expect(Object.keys(data.taskRoles)).toEqual(['api', 'ingestion', 'transcription', 'indexing']);
  for (const role of Object.values(data.taskRoles)) expect(role).toBeInstanceOf(iam.Role);
  expect(Object.keys(data.secrets)).toEqual(['mongodbUri', 'redisEndpoint', 'redisAuth']);
  expect(data.dependencies).toContain(stacks.network);
});
