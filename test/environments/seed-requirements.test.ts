/**
 * The seed's per-environment table, checked once against what each environment synthesizes. The
 * expectations come from test/fixtures/seed-requirements.ts (a literal restatement of the seed),
 * never from environments/ or lib/.
 */
import { ENVIRONMENT_NAMES } from '../../environments';
import { SEED } from '../fixtures/seed-requirements';
import { allResources } from '../support/templates';

describe.each(ENVIRONMENT_NAMES)('seed requirements in %s', (envName) => {
  const seed = SEED[envName];
  const resources = allResources(envName);
  const ofType = (type: string) => resources.filter((r) => r.type === type);

  test(`every log group keeps its logs ${seed.logRetentionDays} days`, () => {
    const groups = ofType('AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThanOrEqual(6);
    expect(groups.map((g) => [g.logicalId, g.properties.RetentionInDays]))
      .toEqual(groups.map((g) => [g.logicalId, seed.logRetentionDays]));
  });

  test(seed.waf ? 'a WAF web ACL in front of the ALB' : 'no WAF', () => {
    expect(ofType('AWS::WAFv2::WebACL')).toHaveLength(seed.waf ? 1 : 0);
    expect(ofType('AWS::WAFv2::WebACLAssociation')).toHaveLength(seed.waf ? 1 : 0);
  });

  test(`monthly budget $${seed.monthlyBudgetUsd}`, () => {
    const budgets = ofType('AWS::Budgets::Budget');
    expect(budgets).toHaveLength(1);
    expect((budgets[0].properties.Budget as { BudgetLimit: unknown }).BudgetLimit).toEqual({ Amount: seed.monthlyBudgetUsd, Unit: 'USD' });
  });
});
