import { Duration, RemovalPolicy, SecretValue, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledge, acknowledgeLogGroupControls } from '../core/compliance';
import { handoffSecretName } from '../handoff';
import type { ResourceNames } from '../naming';

/** Engines of an ElastiCache replication group this construct builds. */
export type CacheEngine = 'valkey' | 'redis';

/** The engine version used when `engineVersion` is not given. */
export const DEFAULT_CACHE_ENGINE_VERSIONS: Record<CacheEngine, string> = { valkey: '8.0', redis: '7.1' };

export interface CacheProps {
  readonly names: ResourceNames;
  /** AZs of the environment; nodes are spread over them in order. */
  readonly availabilityZones: readonly string[];
  readonly vpc: ec2.IVpc;
  /** Subnets with no route out of the VPC. */
  readonly subnets: ec2.SubnetSelection;
  /** The only security group admitted on the cache port. */
  readonly clientSecurityGroup: ec2.ISecurityGroup;
  /** At-rest encryption of the cache and encryption of its secrets. */
  readonly dataKey: kms.IKey;
  /** Encrypts the cache's log groups. */
  readonly logsKey: kms.IKey;
  /**
   * Cache engine (valkey is protocol-compatible with Redis OSS and cheaper per node-hour).
   * @default 'valkey'
   */
  readonly engine?: CacheEngine;
  /**
   * Engine version, one ElastiCache supports for replication groups of `engine`.
   * @default DEFAULT_CACHE_ENGINE_VERSIONS[engine] ('8.0' for valkey, '7.1' for redis)
   */
  readonly engineVersion?: string;
  /**
   * ElastiCache node type of every node (no CDK type exists for it).
   * @default 'cache.t4g.micro'
   */
  readonly nodeType?: string;
  /**
   * TCP port of the cache. Creation-time: a change replaces the replication group.
   * @default 6380 (not the engine default 6379: cdk-nag AwsSolutions-AEC5)
   */
  readonly port?: number;
  /**
   * Read replicas besides the primary; each in the next AZ of `availabilityZones` (at most one node per AZ).
   * @default 0
   */
  readonly replicas?: number;
  /**
   * Automatic failover and Multi-AZ. Needs `replicas` >= 1.
   * @default false
   */
  readonly highAvailability?: boolean;
  /**
   * How long automatic snapshots are kept (whole days; ElastiCache allows 0-35). Zero: no automatic snapshots.
   * @default Duration.days(7)
   */
  readonly snapshotRetention?: Duration;
  /**
   * Daily snapshot window, UTC `hh:mm-hh:mm`; ignored when `snapshotRetention` is zero.
   * @default - ElastiCache picks a window
   */
  readonly snapshotWindow?: string;
  /**
   * Weekly maintenance window, UTC `ddd:hh:mm-ddd:hh:mm`.
   * @default - ElastiCache picks a window
   */
  readonly maintenanceWindow?: string;
  /**
   * Retention of the cache's slow-log and engine-log groups.
   * @default logs.RetentionDays.TWO_YEARS (the LogGroup default)
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the replication group when its stack deletes or replaces it. The secrets and log groups are
   * deleted with `DESTROY` and otherwise kept (`RETAIN_ON_UPDATE_OR_DELETE`).
   * @default RemovalPolicy.SNAPSHOT (a final snapshot is taken)
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * ElastiCache (Valkey or Redis OSS) as a cluster-mode-disabled replication group:
 * TLS required in transit, AUTH token from Secrets Manager, at-rest encryption with the data key,
 * isolated subnets, reachable only from the services' security group, snapshots and windows from props,
 * Multi-AZ with automatic failover where `highAvailability` asks for it, slow and engine logs to encrypted log groups.
 * Publishes `{env}/audio-pipeline/redis-endpoint` ({"host","port","tls"}) and `{env}/audio-pipeline/redis-auth`.
 */
export class Cache extends Construct {
  readonly replicationGroup: elasticache.CfnReplicationGroup;
  readonly securityGroup: ec2.SecurityGroup;
  readonly authSecret: secretsmanager.Secret;
  readonly endpointSecret: secretsmanager.Secret;
  readonly port: number;
  readonly replicationGroupId: string;
  /**
   * Ids of the group's member clusters, primary first (`<group>-001`, `-002`, ...): the `CacheClusterId`
   * dimension of per-node CloudWatch metrics. ElastiCache names the members of a cluster-mode-disabled
   * group this way; this is the one place that knows it.
   */
  readonly memberIds: readonly string[];

  constructor(scope: Construct, id: string, props: CacheProps) {
    super(scope, id);
    const { names } = props;
    const engine = props.engine ?? 'valkey';
    const port = props.port ?? 6380;
    const replicas = props.replicas ?? 0;
    const highAvailability = props.highAvailability ?? false;
    const snapshotDays = (props.snapshotRetention ?? Duration.days(7)).toDays({ integral: false });
    if (!(Number.isInteger(snapshotDays) && snapshotDays >= 0 && snapshotDays <= 35)) {
      throw new Error(`${this.node.path}: snapshotRetention must be whole days from 0 to 35 (ElastiCache), got ${snapshotDays}`);
    }
    if (highAvailability && replicas < 1) {
      throw new Error(`${names.prefix}: Cache highAvailability needs replicas >= 1 (automatic failover promotes a replica)`);
    }
    if (1 + replicas > props.availabilityZones.length) {
      const got = props.availabilityZones.length;
      throw new Error(`${this.node.path}: replicas ${replicas} needs ${1 + replicas} availabilityZones (one node per AZ), got ${got}`);
    }
    this.port = port;
    this.replicationGroupId = names.name('cache', 'cacheReplicationGroup');
    const nodes = 1 + replicas;
    const azs = props.availabilityZones;
    this.memberIds = Array.from({ length: nodes }, (_, i) => `${this.replicationGroupId}-${String(i + 1).padStart(3, '0')}`);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.SNAPSHOT;
    // The secrets and log groups cannot be snapshotted: they go with DESTROY and are kept otherwise.
    const retained = removalPolicy === RemovalPolicy.DESTROY
      ? RemovalPolicy.DESTROY
      : RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `${names.prefix} cache: ${engine} port ${port} from the services only`,
      allowAllOutbound: false,
    });
    this.securityGroup.addIngressRule(props.clientSecurityGroup, ec2.Port.tcp(port), 'ECS tasks of the pipeline');

    const subnetGroup = new elasticache.CfnSubnetGroup(this, 'SubnetGroup', {
      cacheSubnetGroupName: names.name('cache'),
      description: `${names.prefix} cache: isolated subnets`,
      subnetIds: props.vpc.selectSubnets(props.subnets).subnetIds,
    });

    this.authSecret = new secretsmanager.Secret(this, 'AuthToken', {
      secretName: handoffSecretName(names, 'redisAuth'),
      description: `${names.prefix}: AUTH token of the ${engine} cache`,
      encryptionKey: props.dataKey,
      removalPolicy: retained,
      generateSecretString: {
        // AUTH tokens are 16-128 printable characters without space, " / @; alphanumerics only also keep
        // the token safe in URLs and shell snippets. 64 characters: ~380 bits.
        passwordLength: 64,
        excludePunctuation: true,
        includeSpace: false,
      },
    });
    acknowledgeRotation(
      this.authSecret,
      'The AUTH token is rotated by the documented runbook (docs/data-plane.md): put a new secret version, then update the replication group with AuthTokenUpdateStrategy ROTATE so old and new tokens are both accepted while tasks restart, then SET. A rotation Lambda would need VPC access to the cache and ElastiCache modify rights for an event that is rare and operator-driven.',
    );

    const logGroups = (['slow-log', 'engine-log'] as const).map((logType) => {
      const group = new logs.LogGroup(this, logType === 'slow-log' ? 'SlowLog' : 'EngineLog', {
        logGroupName: names.logGroupName(`cache/${logType}`),
        retention: props.logRetention ?? logs.RetentionDays.TWO_YEARS,
        encryptionKey: props.logsKey,
        removalPolicy: retained,
      });
      acknowledgeLogGroupControls(group, props.logsKey);
      return { logType, group };
    });

    this.replicationGroup = new elasticache.CfnReplicationGroup(this, 'ReplicationGroup', {
      replicationGroupId: this.replicationGroupId,
      replicationGroupDescription: `${names.prefix} cache of hot lookups`,
      engine,
      engineVersion: props.engineVersion ?? DEFAULT_CACHE_ENGINE_VERSIONS[engine],
      cacheNodeType: props.nodeType ?? 'cache.t4g.micro',
      numCacheClusters: nodes,
      // Primary in the first AZ, each replica in the next one: a replica is always in another AZ.
      preferredCacheClusterAZs: Array.from({ length: nodes }, (_, i) => azs[i % azs.length]),
      automaticFailoverEnabled: highAvailability,
      multiAzEnabled: highAvailability,
      port,
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      authToken: this.authSecret.secretValue.unsafeUnwrap(),
      atRestEncryptionEnabled: true,
      kmsKeyId: props.dataKey.keyArn,
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds: [this.securityGroup.securityGroupId],
      snapshotRetentionLimit: snapshotDays,
      // Retention 0: no automatic snapshots, so no window either.
      snapshotWindow: snapshotDays > 0 ? props.snapshotWindow : undefined,
      preferredMaintenanceWindow: props.maintenanceWindow,
      autoMinorVersionUpgrade: true,
      logDeliveryConfigurations: logGroups.map(({ logType, group }) => ({
        logType,
        logFormat: 'json',
        destinationType: 'cloudwatch-logs',
        destinationDetails: { cloudWatchLogsDetails: { logGroup: group.logGroupName } },
      })),
    });
    // No explicit DependsOn: the Refs above (cacheSubnetGroupName, each log delivery's logGroup) already create the
    // group after the subnet group and both log groups, and delete it before them.
    this.replicationGroup.applyRemovalPolicy(removalPolicy);

    if (!highAvailability) {
      acknowledge(
        this.replicationGroup,
        'AwsSolutions-AEC4',
        'highAvailability is off: no automatic failover or Multi-AZ (cost). The cache holds only rebuildable hot lookups, so losing the primary means cold reads from the systems of record until it is replaced, not data loss.',
      );
    }
    if (snapshotDays < 15) {
      for (const id of ['HIPAA.Security-ElastiCacheRedisClusterAutomaticBackup', 'NIST.800.53.R5-ElastiCacheRedisClusterAutomaticBackup', 'PCI.DSS.321-ElastiCacheRedisClusterAutomaticBackup']) {
        acknowledge(
          this.replicationGroup,
          id,
          `${snapshotDays > 0 ? `Automatic snapshots are on and kept ${snapshotDays} day(s) (snapshotRetention)` : 'No automatic snapshots (snapshotRetention zero)'}. The cache is not a system of record: it holds derived hot lookups rebuilt from the systems of record, so longer snapshot retention would only add storage cost.`,
        );
      }
    }

    this.endpointSecret = new secretsmanager.Secret(this, 'Endpoint', {
      secretName: handoffSecretName(names, 'redisEndpoint'),
      description: `${names.prefix}: cache endpoint {"host","port","tls"} (written by CDK from the replication group)`,
      encryptionKey: props.dataKey,
      removalPolicy: retained,
      secretStringValue: SecretValue.unsafePlainText(
        Stack.of(this).toJsonString({ host: this.replicationGroup.attrPrimaryEndPointAddress, port, tls: true }),
      ),
    });
    acknowledgeRotation(
      this.endpointSecret,
      'Holds the cache host name, port and TLS flag, not a credential; CloudFormation rewrites it whenever the replication group endpoint changes, so there is nothing to rotate.',
    );
  }
}

/** Rotation findings of the four packs on one secret, with one reason. */
export function acknowledgeRotation(secret: secretsmanager.Secret, reason: string): void {
  const resource = secret.node.defaultChild as secretsmanager.CfnSecret;
  for (const id of ['AwsSolutions-SMG4', 'HIPAA.Security-SecretsManagerRotationEnabled', 'NIST.800.53.R5-SecretsManagerRotationEnabled', 'PCI.DSS.321-SecretsManagerRotationEnabled']) {
    acknowledge(resource, id, reason);
  }
}
