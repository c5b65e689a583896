import { costDelta, type CostJson } from '../../scripts/cost/delta';

const env = (name: string, total: number, budget: number, lines: Array<[string, string, number]>): CostJson => ({
  env: name,
  total,
  budget,
  withinBudget: total <= budget,
  lines: lines.map(([service, resource, monthlyUsd]) => ({ service, resource, monthlyUsd })),
});

describe('cost delta of a pull request', () => {
  const base = [env('dev', 300, 378, [['EC2', 'NAT gateway hours', 32.85], ['Fargate', 'api vCPU', 10]]), env('prod', 950, 970, [['EC2', 'NAT gateway hours', 98.55]])];

  test('per environment and per changed line, with signs; unchanged environments say so', () => {
    const current = [env('dev', 300, 378, [['EC2', 'NAT gateway hours', 32.85], ['Fargate', 'api vCPU', 10]]), env('prod', 965.5, 970, [['EC2', 'NAT gateway hours', 98.55], ['ElastiCache', 'cache.t4g.medium node hours', 15.5]])];
    const { markdown, overBudget } = costDelta(base, current);
    expect(overBudget).toEqual([]);
    expect(markdown).toContain('| prod | $950.00 | $965.50 | +$15.50 | $970.00 | yes |');
    expect(markdown).toContain('| dev | $300.00 | $300.00 | $0.00 | $378.00 | yes |');
    expect(markdown).toContain('### dev: no line changed');
    expect(markdown).toContain('### prod: 1 line(s) changed');
    expect(markdown).toContain('| ElastiCache — cache.t4g.medium node hours | (new) | $15.50 | +$15.50 |');
  });

  test('an environment over budget is named and fails', () => {
    const current = [env('prod', 1001.2, 970, [['EC2', 'NAT gateway hours', 149.75]])];
    const { markdown, overBudget } = costDelta(base, current);
    expect(overBudget).toEqual(['prod']);
    expect(markdown).toContain('| prod | $950.00 | $1001.20 | +$51.20 | $970.00 | **NO** |');
    expect(markdown).toContain('| EC2 — NAT gateway hours | $98.55 | $149.75 | +$51.20 |');
    expect(markdown).toContain('**Over budget: prod.**');
  });

  test('a removed line shows as removed, a lower estimate with a minus sign', () => {
    const current = [env('dev', 290, 378, [['EC2', 'NAT gateway hours', 32.85]])];
    const { markdown } = costDelta(base, current);
    expect(markdown).toContain('| dev | $300.00 | $290.00 | -$10.00 | $378.00 | yes |');
    expect(markdown).toContain('| Fargate — api vCPU | $10.00 | (removed) | -$10.00 |');
  });
});
