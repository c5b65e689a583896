import { ENVIRONMENT_NAMES, loadEnvironment, type EnvironmentName } from '../../environments';
import { estimateEnvironment, serviceHoursPerMonth, splitByStrategy, UnknownResourceTypeError, type CfnResource, type CostReport, type StackTemplate } from '../../scripts/cost/estimate';
import { stacksOf } from '../support/templates';
import { main } from '../../scripts/cost/cli';
import { SYNTH_ROOT } from '../support/synth-cache';

/** The global setup's assemblies, in the shape the estimator reads. */
function templatesOf(envName: EnvironmentName): StackTemplate[] {
  return stacksOf(envName).map((s) => ({ stackName: s.stackName, template: s.json }));
}

function lineOf(report: CostReport, resource: string) {
  return report.lines.filter((l) => l.resource === resource);
}

describe.each(ENVIRONMENT_NAMES)('cost estimate of %s', (envName) => {
  const config = loadEnvironment(envName);
  let report: CostReport;
  beforeAll(() => {
    report = estimateEnvironment(config, templatesOf(envName));
  });

  test('total is the sum of the lines; delta is what the total leaves of the budget', () => {
    const sum = report.lines.reduce((acc, l) => acc + l.monthlyUsd, 0);
    expect(report.total).toBeCloseTo(sum, 2);
    expect(report.delta).toBeCloseTo(report.budget - report.total, 2);
    for (const l of report.lines) expect(l.source).toMatch(/^https:\/\//);
  });
});

/** A minimal environment of hand-written resources, to test the rules one by one. */
function estimateOf(resources: Record<string, CfnResource>, envName: EnvironmentName = 'prod'): CostReport {
  return estimateEnvironment(loadEnvironment(envName), [{ stackName: 'fake', template: { Resources: resources } }]);
}

describe('pricing rules', () => {
  test('an unknown billable type fails, naming it', () => {
    expect(() => estimateOf({ Db: { Type: 'AWS::RDS::DBInstance', Properties: {} } })).toThrow(UnknownResourceTypeError);
    expect(() => estimateOf({ Db: { Type: 'AWS::RDS::DBInstance', Properties: {} } })).toThrow(/no pricing rule for AWS::RDS::DBInstance/);
  });

  test('a Lambda function that is not a custom-resource handler fails', () => {
    expect(() => estimateOf({ Fn: { Type: 'AWS::Lambda::Function', Properties: {} } })).toThrow(/AWS::Lambda::Function Fn \(not a custom-resource handler\)/);
    const handler = estimateOf({ Fn: { Type: 'AWS::Lambda::Function', Properties: {} }, Cr: { Type: 'Custom::Thing', Properties: { ServiceToken: { 'Fn::GetAtt': ['Fn', 'Arn'] } } } });
    expect(handler.lines.some((l) => l.service === 'Lambda')).toBe(false);
  });

  test('interface endpoint: subnets (AZs) x $0.01 x 730 h; gateway endpoints are free', () => {
    const report = estimateOf({
      Ecr: { Type: 'AWS::EC2::VPCEndpoint', Properties: { VpcEndpointType: 'Interface', ServiceName: 'com.amazonaws.us-east-1.ecr.api', SubnetIds: ['a', 'b', 'c'] } },
      S3: { Type: 'AWS::EC2::VPCEndpoint', Properties: { VpcEndpointType: 'Gateway', ServiceName: 'com.amazonaws.us-east-1.s3' } },
    });
    const endpoints = report.lines.filter((l) => l.unit === 'endpoint-AZ-hour' && l.resource.startsWith('interface endpoint '));
    expect(endpoints.map((l) => [l.resource, l.quantity, l.monthlyUsd])).toEqual([['interface endpoint ecr.api', 3 * 730, 21.9]]);
  });

  test('an unpriced cache node type fails', () => {
    expect(() => estimateOf({ C: { Type: 'AWS::ElastiCache::ReplicationGroup', Properties: { CacheNodeType: 'cache.r7g.16xlarge', NumCacheClusters: 2 } } })).toThrow(/cache\.r7g\.16xlarge/);
  });

  test('ElastiCache: nodes x node-hour, Valkey 20% below Redis OSS', () => {
    const valkey = estimateOf({ C: { Type: 'AWS::ElastiCache::ReplicationGroup', Properties: { CacheNodeType: 'cache.t4g.small', NumCacheClusters: 2, Engine: 'valkey' } } });
    const redis = estimateOf({ C: { Type: 'AWS::ElastiCache::ReplicationGroup', Properties: { CacheNodeType: 'cache.t4g.small', NumCacheClusters: 2, Engine: 'redis' } } });
    const cost = (r: CostReport) => r.lines.find((l) => l.service === 'ElastiCache')!.monthlyUsd;
    expect(cost(redis)).toBeCloseTo(2 * 0.032 * 730, 2); // 46.72
    expect(cost(valkey)).toBeCloseTo(2 * 0.032 * 0.8 * 730, 2); // 37.38
  });

  describe('Fargate', () => {
    const taskDef = (arch: 'ARM64' | 'X86_64'): CfnResource => ({ Type: 'AWS::ECS::TaskDefinition', Properties: { Cpu: '256', Memory: '512', RuntimePlatform: { CpuArchitecture: arch } } });
    const service = (props: Record<string, unknown>): CfnResource => ({ Type: 'AWS::ECS::Service', Properties: { ServiceName: 'svc', TaskDefinition: { Ref: 'Td' }, LoadBalancers: [{}], ...props } });
    const fargateUsd = (r: CostReport) => r.lines.filter((l) => l.service === 'Fargate').reduce((s, l) => s + l.monthlyUsd, 0);

    test('x86 is priced higher than ARM', () => {
      const report = estimateOf({ Td: taskDef('X86_64'), S: service({ DesiredCount: 3, LaunchType: 'FARGATE' }) });
      expect(fargateUsd(report)).toBeCloseTo(3 * 730 * (0.25 * 0.04048 + 0.5 * 0.004445), 1);
    });

    test('a queue worker is priced at the average its stage needs (prod ingestion 4/3), whatever the template says; FARGATE_SPOT tasks pay the Spot factor, base tasks stay on-demand', () => {
      const report = estimateOf({
        Td: taskDef('ARM64'),
        S: service({ ServiceName: 'marin-prod-ingestion', DesiredCount: 3, LoadBalancers: undefined, CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE', Base: 1, Weight: 0 }, { CapacityProvider: 'FARGATE_SPOT', Weight: 1 }] }),
      });
      const perTask = 730 * (0.25 * 0.03238 + 0.5 * 0.00356);
      expect(fargateUsd(report)).toBeCloseTo(perTask * (1 + (1 / 3) * 0.3), 1);
      expect(report.lines.some((l) => l.resource === 'marin-prod-ingestion ARM64 Spot vCPU')).toBe(true);
    });

    test('--pricing committed: on-demand Fargate at the 1-year Compute Savings Plan rate (0.8x), Spot unchanged', () => {
      const resources = { Td: taskDef('ARM64'), S: service({ DesiredCount: 3, CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE', Base: 2, Weight: 0 }, { CapacityProvider: 'FARGATE_SPOT', Weight: 1 }] }) };
      const committed = estimateEnvironment(loadEnvironment('prod'), [{ stackName: 'fake', template: { Resources: resources } }], 'committed');
      const perTask = 730 * (0.25 * 0.03238 + 0.5 * 0.00356);
      expect(committed.pricing).toBe('committed');
      expect(fargateUsd(committed)).toBeCloseTo(perTask * (2 * 0.8 + 1 * 0.3), 1);
      expect(committed.lines.map((l) => l.resource).filter((r) => r.endsWith('vCPU')).sort()).toEqual(['svc ARM64 Savings Plan vCPU', 'svc ARM64 Spot vCPU']);
    });
  });

  test('capacity provider split: bases first, then weights', () => {
    expect(splitByStrategy(3, undefined)).toEqual({ onDemand: 3, spot: 0 });
    expect(splitByStrategy(3, [{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }])).toEqual({ onDemand: 0, spot: 3 });
    expect(splitByStrategy(4, [{ CapacityProvider: 'FARGATE', Base: 2, Weight: 1 }, { CapacityProvider: 'FARGATE_SPOT', Weight: 1 }])).toEqual({ onDemand: 3, spot: 1 });
    expect(() => splitByStrategy(1, [{ CapacityProvider: 'MyAsg', Weight: 1 }])).toThrow(/capacity provider MyAsg/);
  });
});

describe('npm run cost', () => {
  /** The CLI's main, in this process: exit code and what it printed. */
  const runCli = async (...argv: string[]) => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const status = await main(argv, { log: (text) => stdout.push(text), error: (text) => stderr.push(text) });
    return { status, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
  };

  test('--env all --json prints one report per environment, each within budget', async () => {
    const result = await runCli('--env', 'all', '--json', '--assembly', SYNTH_ROOT);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    type Report = { env: string; total: number; budget: number; lines: unknown[] };
    const reports = JSON.parse(result.stdout) as Report[];
    expect(reports.map((r) => r.env)).toEqual([...ENVIRONMENT_NAMES]);
    for (const r of reports) {
      expect(r.total).toBeLessThanOrEqual(r.budget);
      expect(r.lines.length).toBeGreaterThan(0);
    }
  });

  test('--env prod prints the table with total and delta to budget', async () => {
    const result = await runCli('--env', 'prod', '--assembly', SYNTH_ROOT);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/EC2: NAT gateway hours\s+2190 hour\s+\$0\.0450\s+\$98\.55/);
    expect(result.stdout).toMatch(/total \$[\d.]+ {2}budget \$970\.00 {2}delta \$[\d.]+ under budget/);
    const curve = await runCli('--env', 'prod', '--assembly', SYNTH_ROOT, '--volume', '1,10', '--json');
    expect(JSON.parse(curve.stdout)).toMatchObject({ env: 'prod', volumes: [{ volume: 1, overBudget: false }, { volume: 10, overBudget: true }] });
  });

  test('a usage error returns 2 naming the argument, --help returns 0 with the usage; nothing leaves the process', async () => {
    const bad = await runCli('--bogus');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^error: unknown option --bogus\n\nusage: npm run cost -- /);
    expect(await runCli('--pricing', 'spot')).toMatchObject({ status: 2, stderr: expect.stringContaining('--pricing must be one of on-demand, committed, got "spot"') });
    expect(await runCli('--volume', '1,0')).toMatchObject({ status: 2, stderr: expect.stringContaining('--volume must be positive multiples of the workload, e.g. 1,3,10, got "1,0"') });
    const help = await runCli('--help');
    expect({ status: help.status, stderr: help.stderr }).toEqual({ status: 0, stderr: '' });
    expect(help.stdout).toMatch(/^usage: npm run cost -- \[--env dev\|staging\|prod\|all\]/);
  });
});

/** Prod on committed pricing (hand-computed, 730 h/month); the on-demand lines are pinned in cost-golden.json. */
describe('prod: committed pricing', () => {
  const config = loadEnvironment('prod');
  const onDemand = estimateEnvironment(config, templatesOf('prod'));
  const committed = estimateEnvironment(config, templatesOf('prod'), 'committed');
  const usd = (report: CostReport, resource: string) => lineOf(report, resource).reduce((s, l) => s + l.monthlyUsd, 0);

  test('committed: the api on the Savings Plan rate, the cache on 1-year reserved nodes; the budget figure stays on demand', () => {
    expect(usd(committed, 'marin-prod-api ARM64 Savings Plan vCPU')).toBeCloseTo(3 * 730 * 0.03238 * 0.8, 1);
    expect(usd(committed, 'valkey cache.t4g.medium node hours (1-year reserved)')).toBeCloseTo(2 * 730 * 0.045 * 0.8, 1);
    expect(committed.total).toBeLessThan(onDemand.total - 35);
    expect(onDemand.pricing).toBe('on-demand');
  });
});

describe('weekend stop (staging option, off by default)', () => {
  test('services run 730 x 5/7 h when uptime.weekendStop is on', () => {
    const config = loadEnvironment('staging');
    expect(serviceHoursPerMonth(config)).toBe(730);
    expect(serviceHoursPerMonth({ ...config, uptime: { ...config.uptime, weekendStop: true } })).toBeCloseTo(521.43, 2);
  });
});
