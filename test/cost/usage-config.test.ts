import { ENVIRONMENTS, parseEnvironment } from '../../environments';

/** The usage assumptions the cost report prices are validated like every other config value. */
describe('usage config errors', () => {
  const broken: Array<[string, (input: any) => void, RegExp]> = [
    ['negative stored GB', (c) => (c.usage.searchIndexStoredGb = -1), /usage\.searchIndexStoredGb/],
    ['worker average below the worker floor', (c) => (c.usage.workerAverageTasks = 0.5), /usage\.workerAverageTasks: must be between services\.workerMinCapacity \(1\) and services\.maxCapacity \(6\)/],
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
