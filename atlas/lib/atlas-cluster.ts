import { AdvancedCluster, type AdvancedClusterReplicationSpecsRegionConfigs, type AdvancedClusterReplicationSpecsRegionConfigsAutoScaling } from '@cdktf/provider-mongodbatlas/lib/advanced-cluster';
import { CloudBackupSchedule } from '@cdktf/provider-mongodbatlas/lib/cloud-backup-schedule';
import { Project } from '@cdktf/provider-mongodbatlas/lib/project';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../environments';
import type { ResourceNames } from '../../lib/naming';

/** Shared (free) tier sizes: deployed as TENANT clusters on a backing cloud provider. */
export const SHARED_TIERS: ReadonlySet<string> = new Set(['M0']);

/** Highest election priority: the region of a single-region cluster. */
const PRIMARY_REGION_PRIORITY = 7;

/**
 * With compute auto-scaling on, Atlas changes the tier itself; Terraform must not scale it back to the
 * configured floor on the next apply. Provider 1.x block syntax (electable_specs is a one-item list).
 */
export const AUTO_SCALED_INSTANCE_SIZE = 'replication_specs[0].region_configs[0].electable_specs[0].instance_size';

/** Atlas weekly policy item day: 7 = Sunday (1 = Monday). */
const WEEKLY_SNAPSHOT_DAY = 7;
/** Atlas monthly policy item day: 40 = the last day of the month. */
const MONTHLY_SNAPSHOT_DAY = 40;

export interface AtlasClusterProps {
  readonly config: EnvironmentConfig;
  readonly names: ResourceNames;
  /** Atlas organization the project is created in (a Terraform variable: never committed). */
  readonly orgId: string;
  /** Tags on the project and cluster. */
  readonly tags: Record<string, string>;
}

/**
 * One Atlas project per environment and its replica set (`AdvancedCluster`):
 * - M0: TENANT on AWS (`backing_provider_name`), Atlas-managed MongoDB version, no backup;
 * - M10+: dedicated AWS nodes (`electableNodes` from config) with the pinned major version, and,
 *   when `continuousBackup` is on, cloud backup with point-in-time restore and a snapshot
 *   schedule (hourly snapshots kept for the PIT window, daily `backupRetentionDays`, weekly and monthly
 *   when configured, at `snapshotHourUtc`);
 * - auto-scaling from config: compute between the configured tier and its ceiling (Terraform then
 *   ignores the tier Atlas chose), disk growth.
 * Termination protection and Terraform `prevent_destroy` (project, cluster, backup schedule) follow config.
 */
export class AtlasCluster extends Construct {
  readonly project: Project;
  readonly cluster: AdvancedCluster;
  /** Present only when continuous backup is on. */
  readonly backupSchedule?: CloudBackupSchedule;

  constructor(scope: Construct, id: string, props: AtlasClusterProps) {
    super(scope, id);
    const { config, names } = props;
    const atlas = config.atlas;
    const shared = SHARED_TIERS.has(atlas.instanceSize);
    if (shared && (atlas.continuousBackup || atlas.terminationProtection)) {
      throw new Error(`atlas.instanceSize ${atlas.instanceSize} is a shared tier: set continuousBackup and terminationProtection to false, or choose M10 or larger`);
    }

    this.project = new Project(this, 'project', {
      name: names.name('audio-pipeline'),
      orgId: props.orgId,
      tags: props.tags,
      // Atlas' default alert settings stay on (replica set elections, disk, connections).
      withDefaultAlertsSettings: true,
      // Deleting the project deletes the cluster and its snapshots with it.
      lifecycle: { preventDestroy: !config.disposableData },
    });

    const regionConfig: AdvancedClusterReplicationSpecsRegionConfigs = shared
      ? {
        providerName: 'TENANT',
        backingProviderName: 'AWS',
        regionName: atlas.region,
        priority: PRIMARY_REGION_PRIORITY,
        electableSpecs: { instanceSize: atlas.instanceSize },
      }
      : {
        providerName: 'AWS',
        regionName: atlas.region,
        priority: PRIMARY_REGION_PRIORITY,
        electableSpecs: { instanceSize: atlas.instanceSize, nodeCount: atlas.electableNodes },
        autoScaling: autoScaling(atlas),
      };
    const computeAutoScaled = !shared && atlas.autoScaling.computeMaxInstanceSize !== undefined;

    this.cluster = new AdvancedCluster(this, 'cluster', {
      projectId: this.project.id,
      name: names.name('mongodb'),
      clusterType: 'REPLICASET',
      // M0 runs the version Atlas chooses and cannot be pinned; dedicated tiers pin the major version.
      ...(shared ? {} : { mongoDbMajorVersion: atlas.mongoDbMajorVersion }),
      // The shared tier has no backup or termination protection settings: nothing is sent for it.
      ...(shared
        ? {}
        : {
          backupEnabled: atlas.continuousBackup,
          pitEnabled: atlas.continuousBackup,
          terminationProtectionEnabled: atlas.terminationProtection,
          // Snapshots outlive an accidental cluster deletion wherever data is not disposable.
          ...(atlas.continuousBackup ? { retainBackupsEnabled: !config.disposableData } : {}),
        }),
      replicationSpecs: [{ regionConfigs: [regionConfig] }],
      tags: Object.entries(props.tags).map(([key, value]) => ({ key, value })),
      // Terraform refuses to plan the cluster's destruction outside disposable environments.
      lifecycle: {
        preventDestroy: !config.disposableData,
        ...(computeAutoScaled ? { ignoreChanges: [AUTO_SCALED_INSTANCE_SIZE] } : {}),
      },
    });

    if (atlas.continuousBackup) {
      this.backupSchedule = new CloudBackupSchedule(this, 'backup-schedule', {
        projectId: this.project.id,
        clusterName: this.cluster.name,
        // Point-in-time restore window; the hourly snapshots PIT restores start from are kept as long.
        restoreWindowDays: atlas.pointInTimeWindowDays,
        // Atlas reads the reference time in UTC (its default, 18:00 UTC, is New York business hours).
        referenceHourOfDay: atlas.snapshotHourUtc,
        referenceMinuteOfHour: 0,
        policyItemHourly: { frequencyInterval: atlas.snapshotIntervalHours, retentionUnit: 'days', retentionValue: atlas.pointInTimeWindowDays },
        policyItemDaily: { frequencyInterval: 1, retentionUnit: 'days', retentionValue: atlas.backupRetentionDays },
        ...(atlas.weeklySnapshotRetentionWeeks > 0
          ? { policyItemWeekly: [{ frequencyInterval: WEEKLY_SNAPSHOT_DAY, retentionUnit: 'weeks', retentionValue: atlas.weeklySnapshotRetentionWeeks }] }
          : {}),
        ...(atlas.monthlySnapshotRetentionMonths > 0
          ? { policyItemMonthly: [{ frequencyInterval: MONTHLY_SNAPSHOT_DAY, retentionUnit: 'months', retentionValue: atlas.monthlySnapshotRetentionMonths }] }
          : {}),
        // Removing the schedule from the code must not silently drop the backup policy outside dev.
        lifecycle: { preventDestroy: !config.disposableData },
      });
    }
  }
}

/** The region config's auto-scaling block: compute between the configured tier and its ceiling, disk growth. */
function autoScaling(atlas: EnvironmentConfig['atlas']): AdvancedClusterReplicationSpecsRegionConfigsAutoScaling {
  const max = atlas.autoScaling.computeMaxInstanceSize;
  return {
    diskGbEnabled: atlas.autoScaling.diskGbEnabled,
    computeEnabled: max !== undefined,
    ...(max !== undefined
      ? { computeScaleDownEnabled: true, computeMinInstanceSize: atlas.instanceSize, computeMaxInstanceSize: max }
      : {}),
  };
}
