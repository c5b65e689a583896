import { loadEnvironment } from '../../environments';
import { WORKER_NAMES } from '../../lib/contracts';
import { deriveUsage, estimateEnvironment, round, type CfnResource } from '../../scripts/cost/estimate';
import { volumeReport } from '../../scripts/cost/volume';

/** Every call-driven usage figure is derived from the workload: a fixed part (config.usage) plus a per-call part. */
describe('usage derived from the workload', () => {
  const prod = loadEnvironment('prod');
  const withCalls = (callsPerDay: number) => ({ ...prod, workload: { ...prod.workload, callsPerDay } });
  const figures = (callsPerDay: number) => {
    const { workerTasks, ...rest } = deriveUsage(withCalls(callsPerDay));
    return { ...rest, ...Object.fromEntries(WORKER_NAMES.map((w) => [`${w}.peakRequired`, workerTasks[w].peakRequired])) } as Record<string, number>;
  };

  test('doubling callsPerDay doubles the per-call part of every derived figure; the fixed parts stay', () => {
    const fixed = figures(0);
    const once = figures(1150);
    const twice = figures(2300);
    expect(fixed).toMatchObject({ natProcessedGbPerMonth: 95, logsIngestedGbPerMonth: 16.51 });
    expect(fixed).toMatchObject({ sqsRequestsMillionsPerMonth: 19.6 });
    expect(fixed).toMatchObject({ recordingsStoredGb: 0, searchIndexStoredGb: 0, atlasDataGb: 0 });
    for (const key of Object.keys(once)) {
      expect([key, once[key] - fixed[key]]).toEqual([key, expect.any(Number)]);
      expect(once[key] - fixed[key]).toBeGreaterThan(0);
      expect(twice[key] - fixed[key]).toBeCloseTo(2 * (once[key] - fixed[key]), 6);
    }
    // Whole tasks: at no calls each worker runs its floor.
    expect(deriveUsage(withCalls(0)).workerTasks.ingestion).toEqual({ peakRequired: 0, peak: 1, average: 1 });
  });

  test('prod ingestion end to end, by hand: calls -> tasks -> Fargate Spot dollars', () => {
    // 1150 calls/day x 0.75 in 8 h = 107.8125 calls/h; x 125 s / 2 at a time / 3600 = 1.8717 tasks -> 2 at the peak.
    // The other 16 h: 1150 x 0.25 / 16 = 17.97 calls/h -> 0.312 tasks -> the floor, 1.
    // Average (2 x 8 + 1 x 16) / 24 = 4/3.
    const tasks = deriveUsage(prod).workerTasks.ingestion;
    expect(tasks.peakRequired).toBeCloseTo(1.8717, 4);
    expect(tasks.peak).toBe(2);
    expect(tasks.average).toBeCloseTo(1.3333, 4);
    const resources: Record<string, CfnResource> = {
      Td: { Type: 'AWS::ECS::TaskDefinition', Properties: { Cpu: '1024', Memory: '2048', RuntimePlatform: { CpuArchitecture: 'ARM64' } } },
      S: {
        Type: 'AWS::ECS::Service',
        Properties: { ServiceName: 'marin-prod-ingestion', TaskDefinition: { Ref: 'Td' }, CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }] },
      },
    };
    const report = estimateEnvironment(prod, [{ stackName: 'fake', template: { Resources: resources } }]);
    const lines = report.lines.filter((l) => l.service === 'Fargate');
    // 4/3 x 730 h = 973.3333 vCPU-h x $0.03238 x 0.3 (Spot) = $9.45; 1946.6667 GB-h x $0.00356 x 0.3 = $2.08.
    expect(lines.map((l) => [l.resource, l.quantity, l.monthlyUsd])).toEqual([
      ['marin-prod-ingestion ARM64 Spot vCPU', 973.3333, 9.45],
      ['marin-prod-ingestion ARM64 Spot memory', 1946.6667, 2.08],
    ]);
  });

  test('month 12 under the lifecycle rules: prod accumulates (2555-day expiry), staging is capped at expiry + noncurrent days', () => {
    // prod: 1150 x 30.4167 days x 1.44 MB = 50.37 GB a month; 20 months held at the start, 32 after 12 months.
    expect(deriveUsage(prod).recordingsStoredGb).toBeCloseTo(1007.4, 1);
    expect(deriveUsage(prod, { volume: 1, month: 12 }).recordingsStoredGb).toBeCloseTo(1611.84, 1);
    // staging: 760 x 30.4167 x 1.44 MB = 33.288 GB a month, kept 180 days + 30 noncurrent = 6.904 months: 229.83 GB
    // at the start and at month 12 alike.
    const staging = loadEnvironment('staging');
    expect(deriveUsage(staging).recordingsStoredGb).toBeCloseTo(229.83, 1);
    expect(deriveUsage(staging, { volume: 1, month: 12 }).recordingsStoredGb).toBeCloseTo(229.83, 1);
  });

  test('10x prod: each worker is priced at the tasks it needs (9 on average) and marked over services.maxCapacity', () => {
    const resources: Record<string, CfnResource> = {
      Td: { Type: 'AWS::ECS::TaskDefinition', Properties: { Cpu: '1024', Memory: '2048', RuntimePlatform: { CpuArchitecture: 'ARM64' } } },
      S: { Type: 'AWS::ECS::Service', Properties: { ServiceName: 'marin-prod-ingestion', TaskDefinition: { Ref: 'Td' } } },
    };
    const stacks = [{ stackName: 'fake', template: { Resources: resources } }];
    const report = volumeReport(prod, stacks, [1, 10]);
    // 10x: 19 tasks in the 8 busy hours, 4 in the other 16: 9 on average, on-demand (no strategy) 730 h.
    const fargate = estimateEnvironment(prod, stacks, 'on-demand', { volume: 10, month: 0 }).lines.filter((l) => l.service === 'Fargate');
    expect(fargate.map((l) => l.monthlyUsd)).toEqual([round(9 * 730 * 0.03238, 2), round(9 * 2 * 730 * 0.00356, 2)]);
    expect(report.volumes[1].capacity[0]).toMatchObject({ need: 19, capacity: 6, over: true, setting: 'services.maxCapacity' });
    expect(report.volumes[0].capacity[0]).toMatchObject({ need: 2, over: false });
    expect(report.months).toHaveLength(12);
    expect(report.months[11].recordingsStoredGb).toBeCloseTo(1611.8, 1);
  });
});
