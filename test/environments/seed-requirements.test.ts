/**
 * The seed's per-environment table, checked once against what each environment synthesizes. The
 * expectations come from test/fixtures/seed-requirements.ts (a literal restatement of the seed),
 * never from environments/ or lib/.
 */
import { ENVIRONMENT_NAMES, loadEnvironment } from '../../environments';
import { onlyResource, resourcesOf, synthStack } from '../atlas/support';
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

  test(`cache: ${seed.cacheNodes} x ${seed.cacheNodeType}, high availability ${seed.cacheHighAvailability}`, () => {
    const groups = ofType('AWS::ElastiCache::ReplicationGroup');
    expect(groups).toHaveLength(1);
    expect(groups[0].properties).toMatchObject({
      CacheNodeType: seed.cacheNodeType,
      NumCacheClusters: seed.cacheNodes,
      AutomaticFailoverEnabled: seed.cacheHighAvailability,
      MultiAZEnabled: seed.cacheHighAvailability,
    });
  });

  test(`every task is ${seed.taskCpu} CPU / ${seed.taskMemoryMiB} MiB`, () => {
    // The services' tasks; the staging-refresh task (run on demand, sized by `refresh`) is not one of them.
    const tasks = ofType('AWS::ECS::TaskDefinition').filter((task) => !/-(anonymiser|loader)$/.test(String(task.properties.Family)));
    expect(tasks).toHaveLength(4);
    for (const task of tasks) {
      expect([task.properties.Cpu, task.properties.Memory]).toEqual([String(seed.taskCpu), String(seed.taskMemoryMiB)]);
    }
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

  test(`Atlas ${seed.atlasTier}, continuous backup ${seed.atlasContinuousBackup}, daily backups kept ${seed.atlasBackupRetentionDays} days, deletion protection ${seed.deletionProtection}`, () => {
    const { json } = synthStack(loadEnvironment(envName));
    const cluster = onlyResource(json, 'mongodbatlas_advanced_cluster');
    const instanceSizes = cluster.replication_specs
      .map((spec: any) => spec.region_configs.map((region: any) => region.electable_specs.instance_size));
    expect(instanceSizes).toEqual([[seed.atlasTier]]);
    // The shared tier (M0) sends no backup or protection settings at all: absent means off.
    expect([cluster.backup_enabled ?? false, cluster.pit_enabled ?? false])
      .toEqual([seed.atlasContinuousBackup, seed.atlasContinuousBackup]);
    expect(cluster.termination_protection_enabled ?? false).toBe(seed.deletionProtection);
    const schedules = Object.values(resourcesOf(json, 'mongodbatlas_cloud_backup_schedule'));
    expect(schedules.map((s) => s.policy_item_daily.retention_value))
      .toEqual(seed.atlasBackupRetentionDays > 0 ? [seed.atlasBackupRetentionDays] : []);
  });
});
