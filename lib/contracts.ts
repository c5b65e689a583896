import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as aoss from 'aws-cdk-lib/aws-opensearchserverless';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

/**
 * What the stateful stacks hand to the stateless ones. The services and monitoring stacks depend
 * on these interfaces only, so the data stack can change its internals without touching them.
 */

/** Queue workers, by the queue each one consumes. */
export const WORKER_NAMES = ['ingestion', 'transcription', 'indexing'] as const;
export type WorkerName = (typeof WORKER_NAMES)[number];

/** Every ECS service. */
export const SERVICE_NAMES = ['api', ...WORKER_NAMES] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/**
 * Whether the services are parked: no image tag is configured yet, so every service exists at 0 tasks,
 * never scales and never pulls an image (a first deploy must not wait for an image that does not exist).
 * The one definition the services, their scaling and the alarms share.
 */
export function servicesParked(services: { readonly imageTag?: string }): boolean {
  return services.imageTag === undefined;
}

/**
 * The api's task floor once it runs an image: `minCapacity`, and at least one task (a service at 0 tasks
 * answers 503). The scaling of the services stack and the cost report's steady state share it.
 */
export function apiMinimumTasks(services: { readonly minCapacity: number }): number {
  return Math.max(services.minCapacity, 1);
}

/** Stack components in deploy order; `stateful` ones hold data and are never destroyed outside dev. */
export const STACK_COMPONENTS = [
  { component: 'network', stateful: true },
  { component: 'data', stateful: true },
  { component: 'services', stateful: false },
  { component: 'monitoring', stateful: false },
] as const;

export interface WorkQueue {
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
}

export interface PipelineData {
  /** Encrypts buckets, queues, secrets, cache and search. */
  readonly dataKey: kms.IKey;
  readonly recordingsBucket: s3.IBucket;
  readonly transcriptsBucket: s3.IBucket;
  /** The queue each worker consumes. */
  readonly queues: Record<WorkerName, WorkQueue>;
  /** Task roles, with deterministic names (the Atlas stack makes them database users). */
  readonly taskRoles: Record<ServiceName, iam.IRole>;
  /** Attached to every task; the cache, AOSS endpoint and Atlas endpoint admit it. */
  readonly servicesSecurityGroup: ec2.ISecurityGroup;
  readonly secrets: {
    /** `{env}/audio-pipeline/mongodb-uri`, value written by the Atlas stack. */
    readonly mongodbUri: secretsmanager.ISecret;
    /** `{env}/audio-pipeline/redis-endpoint`: {"host","port","tls"}. */
    readonly redisEndpoint: secretsmanager.ISecret;
    /** Cache auth token. */
    readonly redisAuth: secretsmanager.ISecret;
  };
  readonly cache: {
    readonly port: number;
    /** CloudWatch dimension of the cache (replication group id). */
    readonly replicationGroupId: string;
    /** Member cluster ids, primary first: the `CacheClusterId` dimension of per-node metrics. */
    readonly memberIds: readonly string[];
  };
  /**
   * Task role of the environment's staging-refresh task (prod: the anonymiser; staging: the loader), where the
   * environment has one (`refresh.role`). Lives with the data like the service task roles (an Atlas database user).
   */
  readonly refreshTaskRole?: iam.IRole;
  readonly search: {
    /**
     * The collection itself: cdk-monitoring-constructs' OpenSearch Serverless monitor takes the L1 and reads its id
     * (`attrId`: the `CollectionId` metric dimension) as its own data-stack output, never split out of the ARN
     * (a weak reference `Fn::GetStackOutput` stays a direct value or inside `Fn::Join`).
     */
    readonly collection: aoss.CfnCollection;
    readonly collectionName: string;
    readonly collectionArn: string;
    /** https://<id>.us-east-1.aoss.amazonaws.com */
    readonly collectionEndpoint: string;
  };
}
