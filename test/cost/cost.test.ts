import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
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

/** Hand-computed fixed costs per environment (730 h/month). */
const EXPECTED = {
  // NAT: gateways x $0.045 x 730 h; interface endpoints: endpoints x AZs x $0.01 x 730 h.
  dev: {
    budget: 378, natGateways: 1, natUsd: 32.85, interfaceEndpoints: 0, endpointUsd: 0, atlasUsd: 0,
    serviceHours: 261,
  },
  staging: {
    budget: 617, natGateways: 1, natUsd: 32.85, interfaceEndpoints: 0, endpointUsd: 0, atlasUsd: 58.4,
    serviceHours: 730,
  },
  prod: {
    budget: 970, natGateways: 3, natUsd: 98.55, interfaceEndpoints: 0, endpointUsd: 0, atlasUsd: 146,
    serviceHours: 730,
  },
} as const;

describe.each(ENVIRONMENT_NAMES)('cost estimate of %s', (envName) => {
  const config = loadEnvironment(envName);
  const expected = EXPECTED[envName];
  let report: CostReport;
  beforeAll(() => {
    report = estimateEnvironment(config, templatesOf(envName));
  });

  test('prices every resource type of the templates and stays within the budget', () => {
    expect(report.budget).toBe(expected.budget);
    expect(report.total).toBeGreaterThan(0);
    expect(report.total).toBeLessThanOrEqual(report.budget);
    expect(report.withinBudget).toBe(true);
    expect(report.delta).toBeCloseTo(report.budget - report.total, 2);
  });

  test('total is the sum of the lines', () => {
    const sum = report.lines.reduce((acc, l) => acc + l.monthlyUsd, 0);
    expect(report.total).toBeCloseTo(sum, 2);
    for (const l of report.lines) expect(l.source).toMatch(/^https:\/\//);
  });

  test('NAT gateway hours: gateways x $0.045 x 730 h', () => {
    const [nat] = lineOf(report, 'NAT gateway hours');
    expect(nat.quantity).toBe(expected.natGateways * 730);
    expect(nat.unitPriceUsd).toBe(0.045);
    expect(nat.monthlyUsd).toBeCloseTo(expected.natUsd, 2);
  });

  test('interface endpoints: one line per endpoint, AZs x $0.01 x 730 h', () => {
    const endpoints = report.lines.filter((l) => l.resource.startsWith('interface endpoint ') && l.unit === 'endpoint-AZ-hour');
    expect(endpoints).toHaveLength(expected.interfaceEndpoints);
    for (const e of endpoints) expect(e.monthlyUsd).toBeCloseTo(expected.endpointUsd, 2);
  });

  test('Atlas tier from config', () => {
    const [atlas] = report.lines.filter((l) => l.service === 'MongoDB Atlas' && l.resource.includes('cluster'));
    expect(atlas.resource).toContain(config.atlas.instanceSize);
    expect(atlas.monthlyUsd).toBeCloseTo(expected.atlasUsd, 2);
  });

  test('service hours: business hours in dev (12 h x 5 days x 4.35 weeks), 730 otherwise', () => {
    expect(serviceHoursPerMonth(config)).toBeCloseTo(expected.serviceHours, 6);
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

  test('free types produce no line', () => {
    const report = estimateOf({ V: { Type: 'AWS::EC2::VPC', Properties: {} }, R: { Type: 'AWS::IAM::Role', Properties: {} } });
    expect(report.lines.filter((l) => l.service !== 'MongoDB Atlas' && l.service !== 'PrivateLink')).toEqual([]);
  });

  test('OpenSearch Serverless OCU floor: 2 OCU with standby replicas, 1 without', () => {
    const withStandby = estimateOf({ S: { Type: 'AWS::OpenSearchServerless::Collection', Properties: { StandbyReplicas: 'ENABLED' } } });
    const without = estimateOf({ S: { Type: 'AWS::OpenSearchServerless::Collection', Properties: { StandbyReplicas: 'DISABLED' } } });
    expect(withStandby.lines.find((l) => l.resource.startsWith('OCU floor'))!.monthlyUsd).toBeCloseTo(2 * 0.24 * 730, 2); // 350.40
    expect(without.lines.find((l) => l.resource.startsWith('OCU floor'))!.monthlyUsd).toBeCloseTo(1 * 0.24 * 730, 2); // 175.20
  });

  test('ElastiCache: nodes x node-hour, Valkey 20% below Redis OSS', () => {
    const valkey = estimateOf({ C: { Type: 'AWS::ElastiCache::ReplicationGroup', Properties: { CacheNodeType: 'cache.t4g.small', NumCacheClusters: 2, Engine: 'valkey' } } });
    const redis = estimateOf({ C: { Type: 'AWS::ElastiCache::ReplicationGroup', Properties: { CacheNodeType: 'cache.t4g.small', NumCacheClusters: 2, Engine: 'redis' } } });
    const cost = (r: CostReport) => r.lines.find((l) => l.service === 'ElastiCache')!.monthlyUsd;
    expect(cost(redis)).toBeCloseTo(2 * 0.032 * 730, 2); // 46.72
    expect(cost(valkey)).toBeCloseTo(2 * 0.032 * 0.8 * 730, 2); // 37.38
  });

  test('WAF: $5 per ACL + $1 per rule + $0.60 per million requests', () => {
    const report = estimateOf({ W: { Type: 'AWS::WAFv2::WebACL', Properties: { Rules: [{}, {}, {}] } } });
    const waf = report.lines.filter((l) => l.service === 'WAF');
    expect(waf.reduce((s, l) => s + l.monthlyUsd, 0)).toBeCloseTo(5 + 3 + 5 * 0.6, 2); // prod: 5M requests
  });

  test('alarms and dashboards', () => {
    const report = estimateOf({
      A1: { Type: 'AWS::CloudWatch::Alarm', Properties: { MetricName: 'x', Period: 60 } },
      A2: { Type: 'AWS::CloudWatch::Alarm', Properties: { Metrics: [{ Id: 'a', MetricStat: {} }, { Id: 'b', MetricStat: {} }, { Id: 'e', Expression: 'a+b' }] } },
      D: { Type: 'AWS::CloudWatch::Dashboard', Properties: {} },
    });
    expect(report.lines.filter((l) => l.resource === 'alarm metrics').reduce((s, l) => s + l.quantity, 0)).toBe(3);
    expect(report.lines.find((l) => l.resource === 'dashboard')!.monthlyUsd).toBe(3);
  });

  describe('Fargate', () => {
    const taskDef = (arch: 'ARM64' | 'X86_64'): CfnResource => ({ Type: 'AWS::ECS::TaskDefinition', Properties: { Cpu: '256', Memory: '512', RuntimePlatform: { CpuArchitecture: arch } } });
    const service = (props: Record<string, unknown>): CfnResource => ({ Type: 'AWS::ECS::Service', Properties: { ServiceName: 'svc', TaskDefinition: { Ref: 'Td' }, LoadBalancers: [{}], ...props } });
    const fargateUsd = (r: CostReport) => r.lines.filter((l) => l.service === 'Fargate').reduce((s, l) => s + l.monthlyUsd, 0);

    test('dev api: 1 ARM task x 0.25 vCPU / 0.5 GB x 261 business hours', () => {
      const report = estimateOf({ Td: taskDef('ARM64'), S: service({ DesiredCount: 1, LaunchType: 'FARGATE' }) }, 'dev');
      expect(fargateUsd(report)).toBeCloseTo(0.25 * 261 * 0.03238 + 0.5 * 261 * 0.00356, 1); // 2.11 + 0.46
    });

    test('x86 is priced higher than ARM', () => {
      const report = estimateOf({ Td: taskDef('X86_64'), S: service({ DesiredCount: 3, LaunchType: 'FARGATE' }) });
      expect(fargateUsd(report)).toBeCloseTo(3 * 730 * (0.25 * 0.04048 + 0.5 * 0.004445), 1);
    });

    test('a queue worker is priced at usage.workerAverageTasks (prod 1.25), whatever the template says; FARGATE_SPOT tasks pay the Spot factor, base tasks stay on-demand', () => {
      const report = estimateOf({
        Td: taskDef('ARM64'),
        S: service({ DesiredCount: 3, LoadBalancers: undefined, CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE', Base: 1, Weight: 0 }, { CapacityProvider: 'FARGATE_SPOT', Weight: 1 }] }),
      });
      const perTask = 730 * (0.25 * 0.03238 + 0.5 * 0.00356);
      expect(fargateUsd(report)).toBeCloseTo(perTask * (1 + 0.25 * 0.3), 1);
      expect(report.lines.some((l) => l.resource === 'svc ARM64 Spot vCPU')).toBe(true);
    });

    test('--pricing committed: on-demand Fargate at the 1-year Compute Savings Plan rate (0.8x), Spot unchanged', () => {
      const resources = { Td: taskDef('ARM64'), S: service({ DesiredCount: 3, CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE', Base: 2, Weight: 0 }, { CapacityProvider: 'FARGATE_SPOT', Weight: 1 }] }) };
      const committed = estimateEnvironment(loadEnvironment('prod'), [{ stackName: 'fake', template: { Resources: resources } }], 'committed');
      const perTask = 730 * (0.25 * 0.03238 + 0.5 * 0.00356);
      expect(committed.pricing).toBe('committed');
      expect(fargateUsd(committed)).toBeCloseTo(perTask * (2 * 0.8 + 1 * 0.3), 1);
      expect(committed.lines.map((l) => l.resource).filter((r) => r.endsWith('vCPU')).sort()).toEqual(['svc ARM64 Savings Plan vCPU', 'svc ARM64 Spot vCPU']);
    });

    test('a template desired count of 0 (no image tag yet) is priced at the api floor, max(minCapacity, 1)', () => {
      const report = estimateOf({ Td: taskDef('ARM64'), S: service({ DesiredCount: 0, LaunchType: 'FARGATE' }) });
      expect(fargateUsd(report)).toBeCloseTo(3 * 730 * (0.25 * 0.03238 + 0.5 * 0.00356), 1);
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
  });

  test('a usage error returns 2 naming the argument, --help returns 0 with the usage; nothing leaves the process', async () => {
    const bad = await runCli('--bogus');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^error: unknown option --bogus\n\nusage: npm run cost -- /);
    expect(await runCli('--pricing', 'spot')).toMatchObject({ status: 2, stderr: expect.stringContaining('--pricing must be one of on-demand, committed, got "spot"') });
    const help = await runCli('--help');
    expect({ status: help.status, stderr: help.stderr }).toEqual({ status: 0, stderr: '' });
    expect(help.stdout).toMatch(/^usage: npm run cost -- \[--env dev\|staging\|prod\|all\]/);
  });

  test('as a process: an unknown environment exits 2 (a usage error) with the valid names', () => {
    const tsx = join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx');
    const cli = join(__dirname, '..', '..', 'scripts', 'cost', 'cli.ts');
    const result = spawnSync(tsx, [cli, '--env', 'qa', '--assembly', SYNTH_ROOT], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('unknown environment "qa"');
  });
});

/** What issue 12 changed in prod, line by line (hand-computed, 730 h/month). */
describe('prod: HA search within budget', () => {
  const config = loadEnvironment('prod');
  const onDemand = estimateEnvironment(config, templatesOf('prod'));
  const committed = estimateEnvironment(config, templatesOf('prod'), 'committed');
  const usd = (report: CostReport, resource: string) => lineOf(report, resource).reduce((s, l) => s + l.monthlyUsd, 0);

  test('standby replicas: 2 OCU x $0.24 x 730 h = $350.40, and still within $970 on demand', () => {
    expect(usd(onDemand, 'OCU floor (standby replicas)')).toBeCloseTo(350.4, 2);
    expect(onDemand.total).toBeLessThanOrEqual(970);
  });

  test('the search and Atlas PrivateLink endpoints span 2 AZs: $14.60 each', () => {
    expect(usd(onDemand, 'OpenSearch Serverless VPC endpoint')).toBeCloseTo(14.6, 2);
    expect(usd(onDemand, 'Atlas PrivateLink interface endpoint (created by the Atlas stack)')).toBeCloseTo(14.6, 2);
  });

  test('workers: 1.25 Spot tasks each (floor 1 + backlog) at 1 vCPU / 2 GB = $10.81 per worker', () => {
    for (const worker of ['ingestion', 'transcription', 'indexing']) {
      const lines = onDemand.lines.filter((l) => l.resource.startsWith(`marin-prod-${worker} `));
      expect(lines.map((l) => l.resource).sort()).toEqual([`marin-prod-${worker} ARM64 Spot memory`, `marin-prod-${worker} ARM64 Spot vCPU`]);
      expect(lines.reduce((s, l) => s + l.monthlyUsd, 0)).toBeCloseTo(1.25 * 730 * (0.03238 + 2 * 0.00356) * 0.3, 1);
    }
  });

  test('Atlas priced at the auto-scaling floor M20 ($146.00), the ceiling M30 shown ($394.20)', () => {
    const [cluster] = lineOf(onDemand, 'M20 cluster (3 nodes)');
    expect(cluster.monthlyUsd).toBeCloseTo(146, 2);
    expect(cluster.detail).toContain('ceiling M30: $394.20/month');
  });

  test('recordings by lifecycle class: 50 GB Standard, 100 GB Standard-IA, 850 GB Glacier IR', () => {
    expect(lineOf(onDemand, 'recordings storage (Standard)')[0].quantity).toBe(50);
    expect(lineOf(onDemand, 'recordings storage (Standard-IA)')[0].quantity).toBe(100);
    expect(lineOf(onDemand, 'recordings storage (Glacier Instant Retrieval)')[0].quantity).toBe(850);
  });

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
