import { Duration, Stack } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../environments';
import { WORKER_NAMES, type WorkerName, type WorkQueue } from '../contracts';
import type { ResourceNames } from '../naming';
import { retainedUnlessDisposable } from '../core/removal';

export interface WorkQueuesProps {
  readonly names: ResourceNames;
  readonly queues: EnvironmentConfig['queues'];
  /** SSE-KMS key of every queue and dead-letter queue. */
  readonly dataKey: kms.IKey;
  /** dev: queues are deleted with the stack. */
  readonly disposable: boolean;
}

/**
 * One work queue per worker (`ingestion`, `transcription`, `indexing`), each with its own dead-letter queue.
 * All KMS-encrypted with the data key and TLS-only; retention and maxReceiveCount from config, DLQs keep
 * messages the SQS maximum of 14 days so a failure can be inspected and redriven. Each DLQ accepts redrive from
 * its one source queue only (`RedriveAllowPolicy` byQueue), named by ARN string: a reference to the source queue
 * would form a cycle, since the source queue already references its DLQ.
 */
export class WorkQueues extends Construct {
  readonly queues: Record<WorkerName, WorkQueue & { queue: sqs.Queue; deadLetterQueue: sqs.Queue }>;

  constructor(scope: Construct, id: string, props: WorkQueuesProps) {
    super(scope, id);
    const { names, queues } = props;
    // From config; the schema keeps it above the longest processing time plus the container stop timeout.
    const visibility = queues.visibilityTimeoutSeconds;
    if (visibility > 43_200) {
      throw new Error(`${names.prefix}: queues.visibilityTimeoutSeconds (${visibility}) is above the SQS maximum of 12 hours; lower it`);
    }
    const removalPolicy = retainedUnlessDisposable(props.disposable);
    const common = {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.dataKey,
      enforceSSL: true,
      removalPolicy,
    } as const;

    const entries = WORKER_NAMES.map((worker) => {
      const queueName = names.name(worker, 'queue');
      // The source queue by its deterministic ARN, not by reference (the source queue references this DLQ).
      const sourceQueue = sqs.Queue.fromQueueArn(this, `${pascal(worker)}SourceQueueArn`, Stack.of(this).formatArn({ service: 'sqs', resource: queueName }));
      const deadLetterQueue = new sqs.Queue(this, `${pascal(worker)}DeadLetterQueue`, {
        ...common,
        queueName: names.name(`${worker}-dlq`, 'queue'),
        retentionPeriod: Duration.days(queues.deadLetterRetentionDays),
        redriveAllowPolicy: { redrivePermission: sqs.RedrivePermission.BY_QUEUE, sourceQueues: [sourceQueue] },
      });
      const queue = new sqs.Queue(this, `${pascal(worker)}Queue`, {
        ...common,
        queueName,
        retentionPeriod: Duration.days(queues.retentionDays),
        visibilityTimeout: Duration.seconds(visibility),
        // Long polling: fewer empty receives (cheaper) for workers that poll continuously.
        receiveMessageWaitTime: Duration.seconds(20),
        deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: queues.maxReceiveCount },
      });
      return [worker, { queue, deadLetterQueue }] as const;
    });
    this.queues = Object.fromEntries(entries) as WorkQueues['queues'];
  }
}

function pascal(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1);
}
