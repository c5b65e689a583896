import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { EncryptionKey } from '../core/encryption-key';
import type { ResourceNames } from '../naming';

export interface AlarmTopicProps {
  readonly names: ResourceNames;
  /** E-mail addresses subscribed to the topic (each confirms its subscription once). */
  readonly emails: readonly string[];
  /** dev: the topic's key is scheduled for deletion with the stack. */
  readonly disposable: boolean;
}

/** Services that publish to the topic: CloudWatch alarms and AWS Budgets notifications. */
const PUBLISHERS = ['cloudwatch.amazonaws.com', 'budgets.amazonaws.com'] as const;

/**
 * The environment's alarm topic: KMS-encrypted with its own key (which CloudWatch and Budgets may
 * use to publish), TLS-only, publishable by CloudWatch alarms and AWS Budgets of this account only.
 */
export class AlarmTopic extends Construct {
  readonly topic: sns.Topic;
  readonly key: EncryptionKey;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    const { names } = props;
    const account = Stack.of(this).account;

    this.key = new EncryptionKey(this, 'Key', {
      aliasName: names.name('alarms'),
      description: `${names.prefix}: alarm and budget notification topic encryption`,
      disposable: props.disposable,
    });
    for (const service of PUBLISHERS) {
      this.key.key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: `Allow${service.split('.')[0]}ToPublishEncrypted`,
          principals: [new iam.ServicePrincipal(service)],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': account } },
        }),
      );
    }

    this.topic = new sns.Topic(this, 'Topic', {
      topicName: names.name('alarms'),
      displayName: `${names.prefix} alarms`,
      masterKey: this.key.key,
      enforceSSL: true,
    });
    // Budgets: only this environment's budgets (their name carries the alert percentages, hence the wildcard).
    const sourceArn: Record<string, string | undefined> = {
      'budgets.amazonaws.com': Stack.of(this).formatArn({ service: 'budgets', region: '', resource: 'budget', resourceName: `${names.prefix}-*` }),
    };
    for (const service of PUBLISHERS) {
      const source = sourceArn[service];
      this.topic.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: `Allow${service.split('.')[0]}Publish`,
          principals: [new iam.ServicePrincipal(service)],
          actions: ['sns:Publish'],
          resources: [this.topic.topicArn],
          conditions: { StringEquals: { 'aws:SourceAccount': account }, ...(source ? { ArnLike: { 'aws:SourceArn': source } } : {}) },
        }),
      );
    }
    for (const email of props.emails) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    }
  }
}
