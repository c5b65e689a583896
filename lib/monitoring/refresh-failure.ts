import { Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface RefreshFailureAlarmProps {
  /** Task definition family of the refresh task (`marin-prod-anonymiser`, `marin-staging-loader`). */
  readonly family: string;
  /** The alarm topic the failure is published to (its policy admits EventBridge for this rule only). */
  readonly topic: sns.ITopic;
  /** The topic's key: EventBridge must be able to publish encrypted messages. */
  readonly topicKey: kms.IKey;
}

/**
 * Alarms on a failed staging-refresh run: an EventBridge rule on the ECS "Task State Change" event of the
 * refresh family with `lastStatus` STOPPED and a container exit code other than 0 (the image's contract), or
 * a task that never started (`TaskFailedToStart`: no image, no capacity, a missing secret), published to the
 * environment's alarm topic. The topic and its key admit EventBridge for exactly this rule.
 */
export class RefreshFailureAlarm extends Construct {
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: RefreshFailureAlarmProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.rule = new events.Rule(this, 'Rule', {
      // No fixed name: a replacement never collides with itself (the description names what it watches).
      description: `${props.family}: a staging-refresh task stopped with a non-zero exit code or failed to start`,
      eventPattern: {
        source: ['aws.ecs'],
        detailType: ['ECS Task State Change'],
        detail: {
          lastStatus: ['STOPPED'],
          group: [`family:${props.family}`],
          $or: [{ containers: { exitCode: [{ 'anything-but': 0 }] } }, { stopCode: ['TaskFailedToStart'] }],
        },
      },
    });
    // The topic as a plain target: targets.SnsTopic would also add topic- and key-policy grants to EventBridge without
    // aws:SourceArn/aws:SourceAccount; the two scoped statements below are the only ones.
    const message = events.RuleTargetInput.fromText(
      `Staging refresh FAILED: ${props.family} task ${events.EventField.fromPath('$.detail.taskArn')} stopped (${events.EventField.fromPath('$.detail.stoppedReason')}). Runbook: docs/runbook.md#refreshing-staging-from-prod`,
    );
    this.rule.addTarget({ bind: () => ({ arn: props.topic.topicArn, input: message }) });
    props.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowEventBridgeRefreshFailurePublish',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [props.topic.topicArn],
        conditions: { ArnEquals: { 'aws:SourceArn': this.rule.ruleArn }, StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    props.topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowEventBridgeToPublishEncrypted',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        // A rule ARN pattern, not this rule's ARN: the key cannot reference the rule
        // (rule -> topic -> key would be a cycle).
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'events', resource: 'rule', resourceName: '*' }) },
        },
      }),
    );
  }
}
