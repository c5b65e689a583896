import { ENVIRONMENTS, parseEnvironment } from '../../environments';

/** The usage assumptions the cost report prices are validated like every other config value. */
describe('usage config errors', () => {
  const broken: Array<[string, (input: any) => void, RegExp]> = [
    ['negative stored GB', (c) => (c.usage.natBaselineGbPerMonth = -1), /usage\.natBaselineGbPerMonth/],
    // 10x prod's calls: 19 tasks in the 8 busy hours, 4 in the other 16, 9 on average, above maxCapacity 6.
    ['workload whose 1x average tasks exceed the maximum', (c) => (c.workload.callsPerDay = 11500), /workload\.workerSecondsPerCall\.ingestion: the 1x workload needs 9 ingestion tasks on average, above services\.maxCapacity \(6\): raise maxCapacity or callsPerTaskConcurrently/],
    ['negative calls', (c) => (c.workload.callsPerDay = -1), /workload\.callsPerDay/],
    ['missing assumption', (c) => delete c.usage.atlasBackupStoredGb, /usage\.atlasBackupStoredGb/],
    ['unknown assumption', (c) => (c.usage.lambdaInvocations = 1), /usage: Unrecognized key: "lambdaInvocations"/],
    ['budget that is not a whole number of dollars', (c) => (c.budget.monthlyUsd = 0), /budget\.monthlyUsd/],
  ];
  test.each(broken)('prod with %s fails naming the field', (_label, breakIt, message) => {
    const input = structuredClone(ENVIRONMENTS.prod);
    breakIt(input);
    expect(() => parseEnvironment(input, 'prod')).toThrow(message);
  });
});
