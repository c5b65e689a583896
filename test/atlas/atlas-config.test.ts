import { ENVIRONMENTS, parseEnvironment, type EnvironmentName } from '../../environments';

type Breaker = [string, EnvironmentName, (input: any) => void, RegExp];
const broken: Breaker[] = [
  ['M0 with termination protection', 'dev', (c) => (c.atlas.terminationProtection = true), /atlas\.terminationProtection: M0 \(shared tier\) has no termination protection/],
  ['M0 with 5 nodes', 'dev', (c) => (c.atlas.electableNodes = 5), /atlas\.electableNodes: M0 is always a 3-node replica set/],
  ['M0 with backup', 'dev', (c) => Object.assign(c.atlas, { continuousBackup: true, backupRetentionDays: 7, pointInTimeWindowDays: 1 }), /atlas\.continuousBackup: M0 has no cloud backup/],
  ['retention without backup', 'staging', (c) => Object.assign(c.atlas, { continuousBackup: false, pointInTimeWindowDays: 0 }), /atlas\.backupRetentionDays: must be 0 when continuousBackup is off/],
  ['PIT window without backup', 'staging', (c) => Object.assign(c.atlas, { continuousBackup: false, backupRetentionDays: 0 }), /atlas\.pointInTimeWindowDays: must be 0 when continuousBackup is off/],
  ['weekly snapshots without backup', 'dev', (c) => (c.atlas.weeklySnapshotRetentionWeeks = 4), /atlas\.weeklySnapshotRetentionWeeks: must be 0 when continuousBackup is off/],
  ['backup without retention', 'staging', (c) => (c.atlas.backupRetentionDays = 0), /atlas\.backupRetentionDays: must be at least 1 when continuousBackup is on/],
  ['backup without a PIT window', 'staging', (c) => (c.atlas.pointInTimeWindowDays = 0), /atlas\.pointInTimeWindowDays: must be at least 1 when continuousBackup is on/],
  ['PIT window longer than the daily retention', 'prod', (c) => (c.atlas.backupRetentionDays = 5), /atlas\.pointInTimeWindowDays: 30 days exceeds backupRetentionDays \(5\)/],
  ['prod PIT window under 30 days (seed: 30-day retention)', 'prod', (c) => (c.atlas.pointInTimeWindowDays = 7), /atlas\.pointInTimeWindowDays: prod restores to any minute of the last 30 days/],
  ['prod without weekly snapshots', 'prod', (c) => (c.atlas.weeklySnapshotRetentionWeeks = 0), /atlas\.weeklySnapshotRetentionWeeks: prod keeps weekly snapshots/],
  ['prod without monthly snapshots', 'prod', (c) => (c.atlas.monthlySnapshotRetentionMonths = 0), /atlas\.monthlySnapshotRetentionMonths: prod keeps monthly snapshots/],
  ['weekly snapshots kept less long than daily ones', 'prod', (c) => (c.atlas.weeklySnapshotRetentionWeeks = 2), /atlas\.weeklySnapshotRetentionWeeks: 2 weeks is shorter than backupRetentionDays \(30\)/],
  ['monthly snapshots kept less long than weekly ones', 'prod', (c) => (c.atlas.monthlySnapshotRetentionMonths = 1), /atlas\.monthlySnapshotRetentionMonths: is shorter than the daily or weekly retention/],
  ['a snapshot hour that is not an hour', 'prod', (c) => (c.atlas.snapshotHourUtc = 24), /atlas\.snapshotHourUtc/],
  ['prod without disk auto-scaling', 'prod', (c) => (c.atlas.autoScaling.diskGbEnabled = false), /atlas\.autoScaling\.diskGbEnabled: prod storage must grow before it fills/],
  ['an auto-scaling ceiling below the floor', 'prod', (c) => (c.atlas.autoScaling.computeMaxInstanceSize = 'M10'), /atlas\.autoScaling\.computeMaxInstanceSize: must be a larger tier than instanceSize M20 \(the floor\): one of M30, M40/],
  ['auto-scaling on M0', 'dev', (c) => (c.atlas.autoScaling.computeMaxInstanceSize = 'M10'), /atlas\.autoScaling: M0 \(shared tier\) has no auto-scaling/],
  ['snapshot interval Atlas does not offer', 'prod', (c) => (c.atlas.snapshotIntervalHours = 5), /atlas\.snapshotIntervalHours/],
  ['prod without backup', 'prod', (c) => Object.assign(c.atlas, { continuousBackup: false, backupRetentionDays: 0, pointInTimeWindowDays: 0, weeklySnapshotRetentionWeeks: 0, monthlySnapshotRetentionMonths: 0 }), /atlas\.continuousBackup: prod needs continuous cloud backup/],
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
