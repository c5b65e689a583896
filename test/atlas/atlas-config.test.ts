import { ENVIRONMENTS, ENVIRONMENT_NAMES, loadEnvironment, parseEnvironment, type EnvironmentName } from '../../environments';

/** Tier, connectivity and auth per environment (docs/atlas.md documents the same table). */
const TABLE = {
  dev: { tier: 'M0', connectivity: 'nat-ip-access-list', auth: 'aws-iam', backup: false, retention: 0, pit: 0, protection: false },
  staging: { tier: 'M10', connectivity: 'private-link', auth: 'aws-iam', backup: false, retention: 0, pit: 0, protection: false },
  prod: { tier: 'M20', connectivity: 'private-link', auth: 'aws-iam', backup: true, retention: 30, pit: 7, protection: true },
} as const;

test.each(ENVIRONMENT_NAMES)('%s: Atlas settings', (envName) => {
  const { atlas, terraformState } = loadEnvironment(envName);
  const row = TABLE[envName];
  expect(atlas).toMatchObject({
    instanceSize: row.tier,
    connectivity: row.connectivity,
    databaseAuth: row.auth,
    continuousBackup: row.backup,
    backupRetentionDays: row.retention,
    pointInTimeWindowDays: row.pit,
    terminationProtection: row.protection,
    region: 'US_EAST_1',
    mongoDbMajorVersion: '8.0',
    electableNodes: 3,
    databaseName: 'audio_pipeline',
  });
  expect(terraformState).toEqual({ bucketPrefix: 'marin-terraform-state', useLockfile: true, region: 'us-east-1' });
});

type Breaker = [string, EnvironmentName, (input: any) => void, RegExp];
const broken: Breaker[] = [
  ['M0 with termination protection', 'dev', (c) => (c.atlas.terminationProtection = true), /atlas\.terminationProtection: M0 \(shared tier\) has no termination protection/],
  ['M0 with 5 nodes', 'dev', (c) => (c.atlas.electableNodes = 5), /atlas\.electableNodes: M0 is always a 3-node replica set/],
  ['M0 with backup', 'dev', (c) => Object.assign(c.atlas, { continuousBackup: true, backupRetentionDays: 7, pointInTimeWindowDays: 1 }), /atlas\.continuousBackup: M0 has no cloud backup/],
  ['retention without backup', 'staging', (c) => (c.atlas.backupRetentionDays = 7), /atlas\.backupRetentionDays: must be 0 when continuousBackup is off/],
  ['PIT window without backup', 'staging', (c) => (c.atlas.pointInTimeWindowDays = 2), /atlas\.pointInTimeWindowDays: must be 0 when continuousBackup is off/],
  ['backup without retention', 'staging', (c) => Object.assign(c.atlas, { continuousBackup: true, pointInTimeWindowDays: 1 }), /atlas\.backupRetentionDays: must be at least 1 when continuousBackup is on/],
  ['backup without a PIT window', 'staging', (c) => Object.assign(c.atlas, { continuousBackup: true, backupRetentionDays: 7 }), /atlas\.pointInTimeWindowDays: must be at least 1 when continuousBackup is on/],
  ['PIT window longer than retention', 'prod', (c) => (c.atlas.backupRetentionDays = 5), /atlas\.pointInTimeWindowDays: 7 days exceeds backupRetentionDays \(5\)/],
  ['PIT window over 7 days', 'prod', (c) => (c.atlas.pointInTimeWindowDays = 8), /atlas\.pointInTimeWindowDays/],
  ['snapshot interval Atlas does not offer', 'prod', (c) => (c.atlas.snapshotIntervalHours = 5), /atlas\.snapshotIntervalHours/],
  ['prod without backup', 'prod', (c) => Object.assign(c.atlas, { continuousBackup: false, backupRetentionDays: 0, pointInTimeWindowDays: 0 }), /atlas\.continuousBackup: prod needs continuous cloud backup/],
  ['prod without termination protection', 'prod', (c) => (c.atlas.terminationProtection = false), /atlas\.terminationProtection: prod needs Atlas termination protection/],
  ['a dedicated tier on the public access list outside dev', 'staging', (c) => (c.atlas.connectivity = 'nat-ip-access-list'), /atlas\.connectivity: dedicated tiers outside dev must use private-link/],
  ['an unknown auth mode', 'prod', (c) => (c.atlas.databaseAuth = 'x509'), /atlas\.databaseAuth/],
  ['a database name with a dot', 'dev', (c) => (c.atlas.databaseName = 'audio.pipeline'), /atlas\.databaseName: must be 1-38 letters, digits, _ or -/],
  ['an Atlas region in AWS spelling', 'dev', (c) => (c.atlas.region = 'us-east-1'), /atlas\.region: must be an Atlas region such as US_EAST_1/],
  ['an invalid state bucket prefix', 'dev', (c) => (c.terraformState.bucketPrefix = 'Marin_State'), /terraformState\.bucketPrefix: must be 2-49 of a-z 0-9 \. -/],
  ['an invalid lock table name', 'dev', (c) => (c.terraformState.dynamodbTable = 'lock table'), /terraformState\.dynamodbTable: must be a DynamoDB table name/],
  ['no state lock at all', 'dev', (c) => { c.terraformState.useLockfile = false; }, /terraformState: needs a lock: useLockfile or dynamodbTable/],
];

test.each(broken)('%s fails naming the environment and field', (_label, envName, breakIt, message) => {
  const input = structuredClone(ENVIRONMENTS[envName]);
  breakIt(input);
  expect(() => parseEnvironment(input, envName)).toThrow(new RegExp(`^environment "${envName}" is invalid:`));
  expect(() => parseEnvironment(input, envName)).toThrow(message);
});

test('the DynamoDB lock table is optional when S3-native locking is on', () => {
  const input = structuredClone(ENVIRONMENTS.dev) as any;
  delete input.terraformState.dynamodbTable;
  expect(parseEnvironment(input, 'dev').terraformState.dynamodbTable).toBeUndefined();
});
