import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { bucketArnOf } from './data-buckets';

export interface ObjectCreatedRoute {
  readonly bucket: s3.Bucket;
  /** The bucket's explicit physical name: the policies name it by ARN string, not by reference. */
  readonly bucketName: string;
  /** KMS-encrypted queue that receives the bucket's s3:ObjectCreated:* events. */
  readonly queue: sqs.Queue;
}

export interface ObjectCreatedNotificationsProps {
  readonly routes: readonly ObjectCreatedRoute[];
  /** The key of the queues: S3 must be allowed to use it, or the notification configuration fails to deploy. */
  readonly queueKey: kms.Key;
}

/**
 * S3 → SQS event notifications declared natively on the bucket (`NotificationConfiguration.QueueConfigurations`),
 * with no custom-resource Lambda and no EventBridge hop.
 *
 * S3 validates a destination when the configuration is written, so three things must exist before the bucket:
 * the queue, a queue policy letting s3.amazonaws.com send from this bucket and account, and a statement in the
 * queue key's policy letting S3 generate data keys. The queue policy and the key policy name the bucket by its
 * ARN string (the bucket name is explicit), not by reference; referencing the bucket would close the cycle
 * bucket → queue policy → bucket that the CloudFormation validator reports.
 */
export class ObjectCreatedNotifications extends Construct {
  constructor(scope: Construct, id: string, props: ObjectCreatedNotificationsProps) {
    super(scope, id);
    if (props.routes.length === 0) throw new Error(`${this.node.path}: routes must name at least one bucket and queue`);
    const stack = Stack.of(this);

    // The key statement of the SQS guide ("Configure KMS permissions for AWS services"), with its confused-deputy
    // conditions: S3 may use the key only for these buckets of this account. The same pair already scopes the queue
    // policies below. Proven only by a deploy: S3 validates the destination when the notification configuration is
    // written ("Unable to validate the following destination configurations" if the key refused it).
    const sourceBuckets = props.routes.map((route) => bucketArnOf(this, route.bucketName));
    props.queueKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowS3EventNotificationsToEncryptedQueues',
        principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': sourceBuckets },
        },
      }),
    );

    for (const route of props.routes) {
      const sourceArn = bucketArnOf(this, route.bucketName);
      const added = route.queue.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowObjectCreatedEventsFromTheBucket',
          principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
          actions: ['sqs:SendMessage'],
          resources: [route.queue.queueArn],
          conditions: {
            StringEquals: { 'aws:SourceAccount': stack.account },
            ArnEquals: { 'aws:SourceArn': sourceArn },
          },
        }),
      );
      const bucket = route.bucket.node.defaultChild as s3.CfnBucket;
      if (bucket.notificationConfiguration !== undefined) {
        throw new Error(`${route.bucket.node.path}: already has a notification configuration; add the route here instead`);
      }
      bucket.notificationConfiguration = {
        queueConfigurations: [{ event: 's3:ObjectCreated:*', queue: route.queue.queueArn }],
      };
      // The queue policy (and, through the queue, the key and its policy) must exist when S3 validates the destination.
      if (!added.policyDependable) throw new Error(`${route.queue.node.path}: its resource policy could not be extended`);
      bucket.node.addDependency(added.policyDependable);
    }
  }
}
