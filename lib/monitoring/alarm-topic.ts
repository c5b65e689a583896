import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { EncryptionKey } from '../core/encryption-key';
import { requiredParameter } from '../core/required-parameter';
import type { ResourceNames } from '../naming';

export interface AlarmTopicProps {
  /** Naming scheme: the topic and its key's alias are `{project}-{env}-alarms`. */
  readonly names: ResourceNames;
  /**
   * E-mail addresses subscribed to the topic (each confirms its subscription once).
   * @default - none
   */
  readonly emails?: readonly string[];
  /**
   * What happens to the topic's key when the stack deletes or replaces it (`DESTROY`: scheduled for deletion, dev).
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * The address is supplied at deploy time: the template takes the `AlarmEmail` parameter, a rule refuses it
   * empty, and the address is subscribed. Offline synth works; `cdk deploy` fails before any change, naming
   * `-c alarmEmails=`. Pass `false` explicitly for a topic with no e-mail subscriber.
   * @default - true when `emails` is empty (a topic nobody is subscribed to alarms no one), else false
   */
  readonly requireDeployTimeEmail?: boolean;
}

/** Logical id of the parameter a deploy without a configured alarm destination must supply. */
export const ALARM_EMAIL_PARAMETER = 'AlarmEmail';

/** Services that publish to the topic: CloudWatch alarms and AWS Budgets notifications. */
const PUBLISHERS = ['cloudwatch.amazonaws.com', 'budgets.amazonaws.com'] as const;

/**
 * The environment's alarm topic: KMS-encrypted with its own key (which CloudWatch and Budgets may
 * use to publish), TLS-only, publishable by this environment's CloudWatch alarms and AWS Budgets budgets only
 * (`aws:SourceAccount` and `aws:SourceArn` on the key and topic policies).
 */
export class AlarmTopic extends Construct {
  readonly topic: sns.Topic;
  readonly key: EncryptionKey;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    const { names } = props;
    const stack = Stack.of(this);
    const account = stack.account;
    // Confused deputy: each publisher acts for this account and for this environment's sources only. The alarms and
    // budgets are all named `{project}-{env}-...` (hence the wildcards); the account is the stack's (a literal when
    // the synth names it, `AWS::AccountId` otherwise).
    const sourceArn: Record<(typeof PUBLISHERS)[number], string> = {
      'cloudwatch.amazonaws.com': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: `${names.prefix}-*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      'budgets.amazonaws.com': stack.formatArn({ service: 'budgets', region: '', resource: 'budget', resourceName: `${names.prefix}-*` }),
    };
    const fromThisEnvironment = (service: (typeof PUBLISHERS)[number]) => ({
      StringEquals: { 'aws:SourceAccount': account },
      ArnLike: { 'aws:SourceArn': sourceArn[service] },
    });

    this.key = new EncryptionKey(this, 'Key', {
      aliasName: names.name('alarms'),
      description: `${names.prefix}: alarm and budget notification topic encryption`,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    for (const service of PUBLISHERS) {
      this.key.key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: `Allow${service.split('.')[0]}ToPublishEncrypted`,
          principals: [new iam.ServicePrincipal(service)],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: fromThisEnvironment(service),
        }),
      );
    }

    this.topic = new sns.Topic(this, 'Topic', {
      topicName: names.name('alarms'),
      displayName: `${names.prefix} alarms`,
      masterKey: this.key.key,
      enforceSSL: true,
    });
    for (const service of PUBLISHERS) {
      this.topic.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: `Allow${service.split('.')[0]}Publish`,
          principals: [new iam.ServicePrincipal(service)],
          actions: ['sns:Publish'],
          resources: [this.topic.topicArn],
          conditions: fromThisEnvironment(service),
        }),
      );
    }
    const emails = props.emails ?? [];
    for (const email of emails) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    }
    if (props.requireDeployTimeEmail ?? emails.length === 0) this.requireEmailParameter();
  }

  private requireEmailParameter(): void {
    const email = requiredParameter(this, {
      id: 'AlarmEmailParameter',
      logicalId: ALARM_EMAIL_PARAMETER,
      description: 'Alarm destination (e-mail) of this environment. Supply it with -c alarmEmails=oncall@example.com (or --parameters AlarmEmail=...).',
      allowedPattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$',
      constraintDescription: 'must be an e-mail address: alarms of this environment must reach someone (monitoring.alarmEmails / -c alarmEmails=).',
      ruleId: 'AlarmDestinationRequired',
      ruleMessage: 'This environment has no alarm destination: deploy with -c alarmEmails=oncall@example.com (or set monitoring.alarmEmails).',
    });
    new sns.Subscription(this, 'DeployTimeEmail', { topic: this.topic, protocol: sns.SubscriptionProtocol.EMAIL, endpoint: email });
  }
}
