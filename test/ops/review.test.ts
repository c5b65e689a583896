import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { GUARDED_TYPES, PROTECTED_TERRAFORM_TYPES } from '../../lib/core/resource-kinds';
import { reviewChangeSet, reviewTerraformPlan } from '../../scripts/ops/review';
import { assemblyDir } from '../support/templates';

const fixture = (name: string): string => readFileSync(join(__dirname, 'fixtures', name), 'utf8');

describe('change set review (aws cloudformation describe-change-set --output json)', () => {
  test('in-place modifications and additions pass, one line per change', () => {
    expect(reviewChangeSet(fixture('change-set-data-update.json'), [])).toEqual({
      lines: [
        'marin-prod-data: modify QueuesIngestionQueue5C1B8F2E (AWS::SQS::Queue)',
        'marin-prod-data: add AlarmsIngestionAgeAlarm0D4E1A9B (AWS::CloudWatch::Alarm)',
        'marin-prod-data: modify IdentitiesIngestionTaskRoleDefaultPolicy8A3C2B1D (AWS::IAM::Policy)',
      ],
      problem: undefined,
      empty: false,
    });
  });

  test('replacing a bucket, conditionally replacing the cache and removing a queue are refused, naming each; replacing a nameless function is not', () => {
    const review = reviewChangeSet(fixture('change-set-data-replace.json'), []);
    expect(review.lines).toEqual([
      'marin-prod-data: replace (certain) StorageRecordingsBucket6E1A2B3C (AWS::S3::Bucket)  [REFUSED]',
      'marin-prod-data: replace (conditional) CacheReplicationGroup7F8E9D0C (AWS::ElastiCache::ReplicationGroup)  [REFUSED]',
      'marin-prod-data: remove QueuesLegacyQueue9A8B7C6D (AWS::SQS::Queue)  [REFUSED]',
      'marin-prod-data: modify HandoffKmsKeyArnParameter1F2E3D4C (AWS::SSM::Parameter)',
      'marin-prod-data: replace (certain) IngestLambdaServiceRole0A1B2C3D (AWS::Lambda::Function)',
    ]);
    expect(review.problem).toBe(
      'change set of marin-prod-data would replace or remove StorageRecordingsBucket6E1A2B3C (AWS::S3::Bucket), CacheReplicationGroup7F8E9D0C (AWS::ElastiCache::ReplicationGroup), QueuesLegacyQueue9A8B7C6D (AWS::SQS::Queue), which hold data or a fixed name. Check the diff; if that is intended (data copied or disposable), re-run with --allow-replace StorageRecordingsBucket6E1A2B3C,CacheReplicationGroup7F8E9D0C,QueuesLegacyQueue9A8B7C6D',
    );
  });

  test('--allow-replace lifts exactly the named refusals', () => {
    const partly = reviewChangeSet(fixture('change-set-data-replace.json'), ['StorageRecordingsBucket6E1A2B3C', 'QueuesLegacyQueue9A8B7C6D']);
    expect(partly.lines[0]).toBe('marin-prod-data: replace (certain) StorageRecordingsBucket6E1A2B3C (AWS::S3::Bucket)  [allowed by --allow-replace]');
    expect(partly.problem).toMatch(/would replace or remove CacheReplicationGroup7F8E9D0C \(AWS::ElastiCache::ReplicationGroup\), which/);
    const all = reviewChangeSet(fixture('change-set-data-replace.json'), ['StorageRecordingsBucket6E1A2B3C', 'QueuesLegacyQueue9A8B7C6D', 'CacheReplicationGroup7F8E9D0C']);
    expect(all.problem).toBeUndefined();
  });

  test('--allow-replace matches whole logical ids only: a prefix (S, Storage) lifts nothing and is named in the refusal', () => {
    for (const prefix of ['S', 'Storage', 'StorageRecordingsBucket6E1A2B3', 'storagerecordingsbucket6e1a2b3c']) {
      const review = reviewChangeSet(fixture('change-set-data-replace.json'), [prefix]);
      expect(review.lines[0]).toBe('marin-prod-data: replace (certain) StorageRecordingsBucket6E1A2B3C (AWS::S3::Bucket)  [REFUSED]');
      expect(review.problem).toContain(`would replace or remove StorageRecordingsBucket6E1A2B3C (AWS::S3::Bucket), CacheReplicationGroup7F8E9D0C`);
      expect(review.problem).toContain(`(--allow-replace matches whole logical ids only: ${prefix} names no change here)`);
      expect(review.allowed).toBeUndefined();
    }
  });

  test('the review reports exactly the ids it let through (the stack policy is lifted for these)', () => {
    const review = reviewChangeSet(fixture('change-set-data-replace.json'), ['QueuesLegacyQueue9A8B7C6D', 'CacheReplicationGroup7F8E9D0C', 'StorageRecordingsBucket6E1A2B3C']);
    expect(review.allowed).toEqual(['StorageRecordingsBucket6E1A2B3C', 'CacheReplicationGroup7F8E9D0C', 'QueuesLegacyQueue9A8B7C6D']);
    // A nameless function's replacement is not guarded: naming it lifts nothing.
    expect(reviewChangeSet(fixture('change-set-data-replace.json'), ['IngestLambdaServiceRole0A1B2C3D']).allowed).toBeUndefined();
  });

  test('an empty change set (CloudFormation: "didn\'t contain changes") is no change, not a failure', () => {
    expect(reviewChangeSet(fixture('change-set-network-empty.json'), [])).toEqual({ lines: ['marin-prod-network: no changes'], empty: true });
  });

  test('a failed change set, unreadable output or a second page stop the deploy', () => {
    expect(reviewChangeSet(fixture('change-set-data-failed.json'), []).problem).toBe(
      'change set of marin-prod-data is FAILED/UNAVAILABLE: Template error: instance of Fn::GetAtt references undefined resource Missing',
    );
    expect(reviewChangeSet('An error occurred (ChangeSetNotFound)', []).problem).toBe('could not read the change set: An error occurred (ChangeSetNotFound)');
    const paged = { ...JSON.parse(fixture('change-set-data-update.json')), NextToken: 'abc' };
    expect(reviewChangeSet(JSON.stringify(paged), []).problem).toMatch(/has more changes than one page/);
  });
});

describe('saved Terraform plan review (terraform show -json <planfile>)', () => {
  test('in-place updates pass; reads and no-ops are not listed; a replaced database user is allowed', () => {
    expect(reviewTerraformPlan(fixture('terraform-plan-update.json'), [])).toEqual({
      lines: ['atlas: update mongodbatlas_advanced_cluster.atlas-cluster_cluster_4A1B2C3D', 'atlas: replace mongodbatlas_database_user.database-access_user_1A2B3C4D'],
      problem: undefined,
      empty: false,
    });
  });

  test('replacing the cluster or deleting the backup schedule is refused unless allowed by address', () => {
    const review = reviewTerraformPlan(fixture('terraform-plan-replace-cluster.json'), []);
    expect(review.lines).toContain('atlas: replace mongodbatlas_advanced_cluster.atlas-cluster_cluster_4A1B2C3D  [REFUSED]');
    expect(review.lines).toContain('atlas: delete mongodbatlas_cloud_backup_schedule.atlas-cluster_backup_0A1B2C3D  [REFUSED]');
    expect(review.problem).toBe(
      'the Atlas plan would destroy or replace mongodbatlas_advanced_cluster.atlas-cluster_cluster_4A1B2C3D, mongodbatlas_cloud_backup_schedule.atlas-cluster_backup_0A1B2C3D (project, cluster, backups or private endpoint). Check the plan; if that is intended, re-run with --allow-replace mongodbatlas_advanced_cluster.atlas-cluster_cluster_4A1B2C3D,mongodbatlas_cloud_backup_schedule.atlas-cluster_backup_0A1B2C3D',
    );
    expect(reviewTerraformPlan(fixture('terraform-plan-replace-cluster.json'), ['mongodbatlas_advanced_cluster.atlas-cluster_cluster_4A1B2C3D', 'mongodbatlas_cloud_backup_schedule.atlas-cluster_backup_0A1B2C3D']).problem).toBeUndefined();
  });

  test('--allow-replace matches whole Terraform addresses only: `cluster` or the type alone lifts nothing', () => {
    for (const partial of ['cluster', 'mongodbatlas_advanced_cluster', 'mongodbatlas_advanced_cluster.atlas-cluster']) {
      const review = reviewTerraformPlan(fixture('terraform-plan-replace-cluster.json'), [partial]);
      expect(review.lines).toContain('atlas: replace mongodbatlas_advanced_cluster.atlas-cluster_cluster_4A1B2C3D  [REFUSED]');
      expect(review.lines).toContain('atlas: delete mongodbatlas_cloud_backup_schedule.atlas-cluster_backup_0A1B2C3D  [REFUSED]');
      expect(review.problem).toContain(`(--allow-replace matches whole Terraform addresses only: ${partial} names no change here)`);
    }
    const one = reviewTerraformPlan(fixture('terraform-plan-replace-cluster.json'), ['mongodbatlas_advanced_cluster.atlas-cluster_cluster_4A1B2C3D']);
    expect(one.allowed).toEqual(['mongodbatlas_advanced_cluster.atlas-cluster_cluster_4A1B2C3D']);
    expect(one.problem).toMatch(/^the Atlas plan would destroy or replace mongodbatlas_cloud_backup_schedule\.atlas-cluster_backup_0A1B2C3D \(/);
  });

  test('a plan with nothing to do is empty (the apply is skipped); unreadable output stops', () => {
    expect(reviewTerraformPlan(fixture('terraform-plan-no-changes.json'), [])).toEqual({ lines: ['atlas: no changes'], empty: true });
    expect(reviewTerraformPlan('', []).problem).toBe('could not read the Terraform plan: (no output)');
  });

  test('every protected Terraform type is one the Atlas stack really uses', () => {
    const used = new Set(readdirSync(join(__dirname, '..', '..', 'atlas', 'lib')).flatMap((file) => [...readFileSync(join(__dirname, '..', '..', 'atlas', 'lib', file), 'utf8').matchAll(/provider-mongodbatlas\/lib\/([a-z-]+)'/g)].map((m) => `mongodbatlas_${m[1].replace(/-/g, '_')}`)));
    expect(PROTECTED_TERRAFORM_TYPES.filter((type) => !used.has(type))).toEqual([]);
  });
});

describe('the guarded types cover what the synthesized templates name', () => {
  // Properties ending in "Name" that name something else (the endpoint's
  // service, the subnet group used, the log group written to).
  const NOT_PHYSICAL_NAMES = new Set(['AWS::EC2::VPCEndpoint.ServiceName', 'AWS::ElastiCache::ReplicationGroup.CacheSubnetGroupName', 'AWS::EC2::FlowLog.LogGroupName', 'AWS::SNS::Topic.DisplayName']);
  test.each(['staging', 'prod'] as const)('%s: every resource type with a fixed name is stateful or fixed-name guarded', (env) => {
    const dir = assemblyDir(env);
    const unguarded = new Set<string>();
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.template.json'))) {
      const template = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };
      for (const resource of Object.values(template.Resources)) {
        const props = resource.Properties ?? {};
        const named = Object.keys(props).some(
          (key) => (key.endsWith('Name') && !NOT_PHYSICAL_NAMES.has(`${resource.Type}.${key}`)) || key === 'ReplicationGroupId' || (key === 'Budget' && 'BudgetName' in (props.Budget as object)),
        );
        if (named && !GUARDED_TYPES.includes(resource.Type)) unguarded.add(resource.Type);
      }
    }
    expect([...unguarded]).toEqual([]);
  });
});
