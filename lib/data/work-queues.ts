import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { WORKER_NAMES, type WorkerName, type WorkQueue } from '../contracts';
import { pascalCase, type ResourceNames } from '../naming';

export interface WorkQueuesProps {
  readonly names: ResourceNames;
  /** SSE-KMS key of every queue and dead-letter queue. */
  readonly dataKey: kms.IKey;
  /**
   * Visibility timeout of every work queue: longer than a worker's longest processing of one message plus its
   * container stop timeout, so a stopped worker can still finish a message before another one sees it.
   */
  readonly visibilityTimeout: Duration;
  /**
   * How long a work queue keeps a message.
   * @default Duration.days(4) (the SQS default)
   */
  readonly retentionPeriod?: Duration;
  /**
   * How long a dead-letter queue keeps a message.
   * @default Duration.days(14) (the SQS maximum, so a failure can be inspected and redriven)
   */
  readonly deadLetterRetentionPeriod?: Duration;
  /**
   * Receives of a message before it moves to its dead-letter queue.
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * What happens to the queues when their stack deletes or replaces them.
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * One work queue per worker (`ingestion`, `transcription`, `indexing`), each with its own dead-letter queue.
 * All KMS-encrypted with the data key and TLS-only, long polling (20 s); retention, visibility and maxReceiveCount
 * from props. Each DLQ accepts redrive from its one source queue only (`RedriveAllowPolicy` byQueue), named by ARN
 * string: a reference to the source queue would form a cycle, since the source queue already references its DLQ.
 */
export class WorkQueues extends Construct {
  readonly queues: Record<WorkerName, WorkQueue & { queue: sqs.Queue; deadLetterQueue: sqs.Queue }>;

  constructor(scope: Construct, id: string, props: WorkQueuesProps) {
    super(scope, id);
    const { names } = props;
    // sqs.Queue itself refuses a visibility timeout or retention outside the SQS limits.
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;
    const common = {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.dataKey,
      enforceSSL: true,
      removalPolicy,
    } as const;

    const entries = WORKER_NAMES.map((worker) => {
      const queueName = names.name(worker, 'queue');
      // The source queue by its deterministic ARN, not by reference (the source queue references this DLQ).
      const sourceQueue = sqs.Queue.fromQueueArn(this, `${pascalCase(worker)}SourceQueueArn`, Stack.of(this).formatArn({ service: 'sqs', resource: queueName }));
      const deadLetterQueue = new sqs.Queue(this, `${pascalCase(worker)}DeadLetterQueue`, {
        ...common,
        queueName: names.name(`${worker}-dlq`, 'queue'),
        retentionPeriod: props.deadLetterRetentionPeriod ?? Duration.days(14),
        redriveAllowPolicy: { redrivePermission: sqs.RedrivePermission.BY_QUEUE, sourceQueues: [sourceQueue] },
      });
      const queue = new sqs.Queue(this, `${pascalCase(worker)}Queue`, {
        ...common,
        queueName,
        retentionPeriod: props.retentionPeriod ?? Duration.days(4),
        visibilityTimeout: props.visibilityTimeout,
        // Long polling: fewer empty receives (cheaper) for workers that poll continuously.
        receiveMessageWaitTime: Duration.seconds(20),
        deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount },
      });
      return [worker, { queue, deadLetterQueue }] as const;
    });
    this.queues = Object.fromEntries(entries) as WorkQueues['queues'];
  }
}
