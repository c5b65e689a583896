/**
 * Day-2 drill: the changes an operator makes in a month, applied to staging's and prod's config in
 * memory, must update the deployed stacks in place. Any replacement other than a task definition
 * fails, naming the resource and the property: on a fixed-name resource a replacement fails the
 * update ("already exists"), on a stateful one it swaps the data for an empty resource.
 *
 * "Before" is the global synth of the environment as deployed (image tag, certificate, alarm address:
 * test/support/variants.ts); "after" is one extra synth per environment with every routine change at once
 * (test/support/synthesize-input.ts).
 */
import { ENVIRONMENTS, LOG_RETENTION_DAYS, type EnvironmentInput, type EnvironmentName } from '../../environments';
import { destructiveChanges, formatChange, isDangerous, type CfnTemplate, type ResourceChange } from '../../scripts/diff/replacements';
import { synthesizeInput } from '../support/synthesize-input';
import { stacksOf } from '../support/templates';
import { SYNTH_VARIANTS } from '../support/variants';

/**
 * Replacements that are harmless, each with its reason. A stateful or fixed-name resource can never
 * be here (a test below enforces it). Keys: `<component>/<resource type>`.
 */
const ALLOWED_REPLACEMENTS: Record<string, string> = {
  'monitoring/AWS::Budgets::Budget':
    'Its notifications are create-only, so a new alert percentage replaces it; the percentages are in its name, so the replacement is created under the new name before the old one is deleted (no clash), and the spend it tracks comes from billing data, not from the budget.',
};

const NEW_CERTIFICATE = 'arn:aws:acm:us-east-1:123456789012:certificate/4f6a2c1e-9b0d-4c8e-a1f2-3b4c5d6e7f80';

/** Next value CloudWatch Logs accepts above `days`. */
function longerRetention(days: number): EnvironmentInput['logRetentionDays'] {
  const next = LOG_RETENTION_DAYS.find((d) => d > days);
  if (next === undefined) throw new Error(`no retention above ${days}`);
  return next as EnvironmentInput['logRetentionDays'];
}

/** The committed config with the deploy-time values of the "deployed" synth, as a release deploy passes them. */
function deployedInput(envName: EnvironmentName): EnvironmentInput {
  const input = ENVIRONMENTS[envName];
  const deployed = SYNTH_VARIANTS.deployed.overrides[envName];
  return {
    ...input,
    account: deployed.account,
    services: { ...input.services, imageTag: deployed.imageTag, certificateArn: deployed.certificateArn },
    monitoring: {
      ...input.monitoring,
      alarmEmails: [...input.monitoring.alarmEmails, ...(deployed.alarmEmails ?? [])],
    },
  };
}

/** A month of routine operator edits, all at once. */
function routineChanges(input: EnvironmentInput): EnvironmentInput {
  const bump = <T extends object>(values: T): T =>
    Object.fromEntries(Object.entries(values).map(([key, value]) => [key, typeof value === 'number' ? value + 1 : value])) as T;
  return {
    ...input,
    tags: { ...input.tags, Owner: 'data-platform-team', CostCenter: `${input.tags.CostCenter}-fy27` },
    logRetentionDays: longerRetention(input.logRetentionDays),
    cache: { ...input.cache, maintenanceWindow: 'mon:06:00-mon:07:00', snapshotWindow: '04:00-05:00' },
    services: {
      ...input.services,
      imageTag: '1.4.3',
      certificateArn: NEW_CERTIFICATE,
      minCapacity: input.services.minCapacity + 1,
      maxCapacity: input.services.maxCapacity + 2,
      autoscaling: bump(input.services.autoscaling),
    },
    // Every alarm threshold (every number of the section) moves.
    monitoring: { ...bump(input.monitoring), alarmEmails: [...input.monitoring.alarmEmails, 'second-oncall@example.com'] },
    budget: {
      monthlyUsd: input.budget.monthlyUsd + 50,
      notificationEmails: [...input.budget.notificationEmails, 'finance@example.com'],
      forecastedAlertPercent: input.budget.forecastedAlertPercent + 10,
      actualAlertPercent: input.budget.actualAlertPercent + 10,
    },
  };
}

const component = (stack: string): string => stack.split('-').slice(2).join('-');
const allowKey = (change: ResourceChange): string => `${component(change.stack)}/${change.type}`;

describe.each<EnvironmentName>(['staging', 'prod'])('a month of routine changes in %s', (envName) => {
  const before = stacksOf(envName, 'deployed');
  let after: Map<string, CfnTemplate>;
  let changes: ResourceChange[];

  beforeAll(() => {
    after = synthesizeInput(routineChanges(deployedInput(envName)), envName);
    changes = before.flatMap((stack) => {
      const next = after.get(stack.stackName);
      if (!next) throw new Error(`${stack.stackName} disappeared after the routine changes`);
      return destructiveChanges(stack.stackName, stack.json, next);
    });
  });

  test('the changes reach the templates (the drill is not vacuous)', () => {
    const resourcesOf = (type: string) =>
      [...after.values()].flatMap((t) => Object.values(t.Resources ?? {}).filter((r) => r.Type === type));
    const budget = resourcesOf('AWS::Budgets::Budget')[0]?.Properties as { Budget: { BudgetLimit: { Amount: number } } };
    expect(budget.Budget.BudgetLimit.Amount).toBe(ENVIRONMENTS[envName].budget.monthlyUsd + 50);
    // A CostCenter rename keeps the collection (frozen tag) inside the budget: both values are counted.
    expect((budget.Budget as unknown as { CostFilters: { TagKeyValue: string[] } }).CostFilters.TagKeyValue).toEqual([
      `user:CostCenter$audio-pipeline-${envName}-fy27`,
      `user:CostCenter$audio-pipeline-${envName}`,
    ]);
    const retention = resourcesOf('AWS::Logs::LogGroup').map((r) => r.Properties?.RetentionInDays);
    expect(retention).toContain(longerRetention(ENVIRONMENTS[envName].logRetentionDays));
    const emails = resourcesOf('AWS::SNS::Subscription').map((r) => r.Properties?.Endpoint);
    expect(emails).toEqual(expect.arrayContaining(['oncall@example.com', 'second-oncall@example.com', 'finance@example.com']));
    const cache = resourcesOf('AWS::ElastiCache::ReplicationGroup')[0]?.Properties;
    expect(cache).toMatchObject({ PreferredMaintenanceWindow: 'mon:06:00-mon:07:00', SnapshotWindow: '04:00-05:00' });
  });

  test('replace no resource but task definitions (or an allow-listed harmless one)', () => {
    const unexpected = changes.filter((change) => change.kind !== 'delete' && change.type !== 'AWS::ECS::TaskDefinition' && !(allowKey(change) in ALLOWED_REPLACEMENTS));
    expect(unexpected.map(formatChange)).toEqual([]);
  });

  test('delete no resource', () => {
    expect(changes.filter((change) => change.kind === 'delete').map(formatChange)).toEqual([]);
  });

  test('the allow-list holds no stateful or fixed-name resource', () => {
    const dangerous = changes.filter((change) => allowKey(change) in ALLOWED_REPLACEMENTS && isDangerous(change));
    expect(dangerous.map(formatChange)).toEqual([]);
  });
});
