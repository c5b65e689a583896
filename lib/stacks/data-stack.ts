import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../environments';
import { SERVICE_NAMES, type PipelineData, type ServiceName, type WorkerName, type WorkQueue } from '../contracts';
import { EncryptionKey } from '../core/encryption-key';
import { retainedUnlessDisposable, snapshottedUnlessDisposable } from '../core/removal';
import { PipelineStack } from '../core/pipeline-stack';
import { Cache } from '../data/cache';
import { DataBuckets } from '../data/data-buckets';
import { DatabaseSecret } from '../data/database-secret';
import { ObjectCreatedNotifications } from '../data/object-created-notifications';
import { ServiceIdentities } from '../data/service-identities';
import { RefreshExport, RefreshLoaderIdentity } from '../data/staging-refresh';
import { VectorSearch } from '../data/vector-search';
import { WorkQueues } from '../data/work-queues';
import { handoffParameterName } from '../handoff';
import type { NetworkStack } from './network-stack';

export interface DataStackProps {
  readonly config: EnvironmentConfig;
  /** VPC, subnet selections and the logs key. */
  readonly network: NetworkStack;
}

/**
 * `{project}-{env}-data`: everything that holds data (key, buckets, queues, secrets, cache, vector search)
 * plus the identities that use it (task roles, services security group), which the Atlas stack and the
 * service stacks consume. Stateful: retained or snapshotted on deletion outside dev.
 */
export class DataStack extends PipelineStack implements PipelineData {
  readonly dataKey: PipelineData['dataKey'];
  readonly recordingsBucket: PipelineData['recordingsBucket'];
  readonly transcriptsBucket: PipelineData['transcriptsBucket'];
  readonly queues: Record<WorkerName, WorkQueue>;
  readonly taskRoles: Record<ServiceName, PipelineData['taskRoles'][ServiceName]>;
  readonly servicesSecurityGroup: PipelineData['servicesSecurityGroup'];
  readonly secrets: PipelineData['secrets'];
  readonly cache: PipelineData['cache'];
  readonly search: PipelineData['search'];
  readonly refreshTaskRole?: PipelineData['refreshTaskRole'];
  /** prod only: the staging export bucket, its key and the anonymiser's role. */
  readonly refreshExport?: RefreshExport;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, { config: props.config, component: 'data' });
    const { config, network } = props;
    if (network.config.name !== config.name) {
      throw new Error(`DataStack of ${config.name} was given the network stack of ${network.config.name}; pass the same environment's NetworkStack`);
    }
    this.addStackDependency(network, "the data plane lives in the network stack's VPC");
    const { vpc } = network.network;
    const disposable = config.disposableData;
    // What every retained resource of this stack does on delete or replacement (the cache: snapshotted).
    const removalPolicy = retainedUnlessDisposable(disposable);

    const key = new EncryptionKey(this, 'DataKey', {
      aliasName: this.names.name('data'),
      description: `${this.names.prefix}: buckets, queues, secrets, cache and vector search`,
      removalPolicy,
    });
    this.dataKey = key.key;

    const identities = new ServiceIdentities(this, 'Identities', { names: this.names, vpc });
    this.taskRoles = identities.taskRoles;
    this.servicesSecurityGroup = identities.servicesSecurityGroup;

    const workQueues = new WorkQueues(this, 'Queues', {
      names: this.names,
      dataKey: key.key,
      visibilityTimeout: Duration.seconds(config.queues.visibilityTimeoutSeconds),
      retentionPeriod: Duration.days(config.queues.retentionDays),
      deadLetterRetentionPeriod: Duration.days(config.queues.deadLetterRetentionDays),
      maxReceiveCount: config.queues.maxReceiveCount,
      removalPolicy,
    });
    this.queues = workQueues.queues;

    const { storage } = config;
    const lockRetention = (lock: { enabled: boolean; retentionDays: number }) =>
      lock.enabled ? Duration.days(lock.retentionDays) : undefined;
    const locked = ([['recordings', storage.recordingsObjectLock], ['transcripts', storage.transcriptsObjectLock]] as const)
      .filter(([, lock]) => lock.enabled).map(([bucket]) => bucket);
    const versions = `Versioned with noncurrent versions kept ${storage.noncurrentVersionsExpireAfterDays} days`;
    // Control Tower's CT.S3.PR.9 on each data bucket the config leaves unlocked (docs/deviations.md). Only a disposable
    // environment, or the staging refresh's target (its data is rewritten by the next refresh), may leave one unlocked:
    // anywhere else an unlocked data bucket stays a finding and fails synth.
    const objectLockWaiver = disposable
      ? `${config.name} is disposable (disposableData): its buckets are emptied and deleted with the environment, which Object Lock would refuse for the retention period, and nothing in it is a system of record. ${versions}.`
      : config.refresh.role === 'target'
        ? `Unlocked by config (storage.*ObjectLock): ${config.name} holds test uploads and the anonymised copies the staging refresh writes again on its next run (docs/staging-refresh.md), not a system of record. ${versions}, retained on stack deletion${locked.length > 0 ? `; ${locked.join(' and ')} locked` : ''}.`
        : undefined;
    const buckets = new DataBuckets(this, 'Buckets', {
      names: this.names,
      dataKey: key.key,
      recordingsExpiration: Duration.days(storage.recordingsExpireAfterDays),
      transcriptsExpiration: Duration.days(storage.transcriptsExpireAfterDays),
      recordingsInfrequentAccessAfter: Duration.days(storage.recordingsInfrequentAccessAfterDays),
      recordingsGlacierAfter: Duration.days(storage.recordingsGlacierAfterDays),
      noncurrentVersionExpiration: Duration.days(storage.noncurrentVersionsExpireAfterDays),
      abortIncompleteMultipartUploadAfter: Duration.days(storage.abortIncompleteMultipartUploadAfterDays),
      accessLogsExpiration: Duration.days(storage.accessLogsExpireAfterDays),
      recordingsObjectLockRetention: lockRetention(storage.recordingsObjectLock),
      transcriptsObjectLockRetention: lockRetention(storage.transcriptsObjectLock),
      objectLockWaiver,
      corsAllowedOrigins: storage.corsAllowedOrigins,
      removalPolicy,
    });
    this.recordingsBucket = buckets.recordings;
    this.transcriptsBucket = buckets.transcripts;

    new ObjectCreatedNotifications(this, 'ObjectCreated', {
      queueKey: key.key,
      routes: [
        {
          bucket: buckets.recordings,
          bucketName: buckets.bucketNames.recordings,
          queue: workQueues.queues.ingestion.queue,
        },
        {
          bucket: buckets.transcripts,
          bucketName: buckets.bucketNames.transcripts,
          queue: workQueues.queues.indexing.queue,
        },
      ],
    });

    const database = new DatabaseSecret(this, 'Database', {
      names: this.names,
      dataKey: key.key,
      removalPolicy,
    });

    const cache = new Cache(this, 'Cache', {
      names: this.names,
      availabilityZones: config.availabilityZones,
      vpc,
      subnets: network.network.isolatedSubnets,
      clientSecurityGroup: identities.servicesSecurityGroup,
      dataKey: key.key,
      logsKey: network.logsKey.key,
      engine: config.cache.engine,
      engineVersion: config.cache.engineVersion,
      nodeType: config.cache.nodeType,
      port: config.cache.port,
      replicas: config.cache.replicas,
      highAvailability: config.cache.highAvailability,
      snapshotRetention: Duration.days(config.cache.snapshotRetentionDays),
      snapshotWindow: config.cache.snapshotWindow,
      maintenanceWindow: config.cache.maintenanceWindow,
      logRetention: config.logRetentionDays,
      removalPolicy: snapshottedUnlessDisposable(disposable),
    });
    identities.restrictEgress({
      cacheSecurityGroup: cache.securityGroup,
      cachePort: ec2.Port.tcp(cache.port),
      atlas: {
        connectivity: config.atlas.connectivity,
        // The subnets the Atlas stack places its endpoint in: the first network.endpointAzCount private subnets.
        endpointSubnetCidrs: vpc.selectSubnets(network.network.endpointSubnets).subnets
          .map((subnet) => subnet.ipv4CidrBlock),
      },
    });
    this.secrets = { mongodbUri: database.secret, redisEndpoint: cache.endpointSecret, redisAuth: cache.authSecret };
    this.cache = { port: cache.port, replicationGroupId: cache.replicationGroupId, memberIds: cache.memberIds };

    const search = new VectorSearch(this, 'Search', {
      names: this.names,
      vpc,
      subnets: network.network.endpointSubnets,
      clientSecurityGroup: identities.servicesSecurityGroup,
      dataKey: key.key,
      writers: [identities.taskRoles.indexing],
      readers: [identities.taskRoles.api],
      collectionCostCenter: config.search.collectionCostCenter,
      standbyReplicas: config.search.standbyReplicas,
      removalPolicy,
    });
    this.search = {
      collection: search.collection,
      collectionName: search.collectionName,
      collectionArn: search.collectionArn,
      collectionEndpoint: search.collectionEndpoint,
    };

    // The services stack names its cluster the same way (lib/services/cluster.ts).
    identities.allowTaskProtection(this.names.name('cluster'));
    identities.grantDataPlaneAccess({
      bucketNames: buckets.bucketNames,
      dataKey: key.key,
      queues: workQueues.queues,
      collectionArn: search.collectionArn,
    });

    // The staging refresh path (docs/staging-refresh.md): prod exports, staging loads.
    const { refresh } = config;
    if (refresh.role === 'source') {
      this.refreshExport = new RefreshExport(this, 'StagingExport', {
        names: this.names,
        bucketNames: buckets.bucketNames,
        dataKey: key.key,
        accessLogs: buckets.accessLogs,
        loaderAccount: refresh.peerAccount,
        expiration: Duration.days(refresh.exportExpireAfterDays),
        removalPolicy,
      });
      this.refreshTaskRole = this.refreshExport.anonymiserRole;
    } else if (refresh.role === 'target') {
      this.refreshTaskRole = new RefreshLoaderIdentity(this, 'StagingRefreshLoader', {
        names: this.names,
        bucketNames: buckets.bucketNames,
        dataKey: key.key,
        sourceAccount: refresh.peerAccount,
      }).loaderRole;
    }
    if (this.refreshTaskRole) {
      new ssm.StringParameter(this, 'RefreshTaskRoleArnParameter', {
        parameterName: handoffParameterName(this.names, 'refreshTaskRoleArn'),
        stringValue: this.refreshTaskRole.roleArn,
        description: `Task role of the staging-refresh ${refresh.role} task (MONGODB-AWS database user: read in prod, readWrite in staging)`,
      });
    }

    // Handoff to the Atlas stack (deployed next) and to operators.
    new ssm.StringParameter(this, 'KmsKeyArnParameter', {
      parameterName: handoffParameterName(this.names, 'kmsKeyArn'),
      stringValue: key.key.keyArn,
      description: 'Data key of the environment (read by the Atlas stack)',
    });
    new ssm.StringParameter(this, 'MongodbUriSecretArnParameter', {
      parameterName: handoffParameterName(this.names, 'mongodbUriSecretArn'),
      stringValue: database.secret.secretArn,
      description: 'Secret the Atlas stack writes the connection string into',
    });
    new ssm.StringListParameter(this, 'TaskRoleArnsParameter', {
      parameterName: handoffParameterName(this.names, 'taskRoleArns'),
      stringListValue: SERVICE_NAMES.map((service) => identities.taskRoles[service].roleArn),
      description: `Task role ARNs in the order ${SERVICE_NAMES.join(', ')} (MONGODB-AWS database users)`,
    });
    new ssm.StringParameter(this, 'ServicesSecurityGroupIdParameter', {
      parameterName: handoffParameterName(this.names, 'servicesSecurityGroupId'),
      stringValue: identities.servicesSecurityGroup.securityGroupId,
      description: 'Security group of the ECS tasks (admitted by the Atlas PrivateLink endpoint)',
    });
  }
}
