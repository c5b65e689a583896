import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface EncryptionKeyProps {
  /** Alias without the `alias/` prefix, e.g. `marin-dev-logs`. */
  readonly aliasName: string;
  /** What the key is for, shown in the KMS console. */
  readonly description: string;
  /**
   * What happens to the key when its stack deletes or replaces it. `DESTROY` schedules the key's deletion
   * (only for a disposable environment: everything encrypted with it becomes unreadable).
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * How long KMS waits before deleting a key whose deletion is scheduled.
   * @default Duration.days(7) when `removalPolicy` is `DESTROY`, otherwise Duration.days(30) (the KMS maximum)
   */
  readonly pendingWindow?: Duration;
}

/** Sid of the key-policy statement that limits grants to AWS services acting for the account's resources. */
export const DENY_GRANTS_NOT_FOR_AWS_RESOURCES_SID = 'DenyGrantsNotForAwsResources';

/**
 * A customer-managed KMS key with yearly rotation. Retained on stack deletion outside dev:
 * deleting a key makes everything encrypted with it unreadable.
 *
 * Grants are limited: `kms:CreateGrant` is denied (`BoolIfExists`: also when the request carries no
 * `kms:GrantIsForAWSResource`) unless an AWS service integrated with KMS creates
 * the grant for one of the account's resources (`kms:GrantIsForAWSResource`) or the caller is an AWS
 * service principal. ElastiCache and OpenSearch Serverless (the only grant users here) create their
 * grants that way; Secrets Manager, SQS, S3, SNS and CloudWatch Logs use no grants. A person or role
 * with `kms:*` can therefore no longer hand out standing access to the key with a grant, which would
 * bypass the key policy. Evidence per service: docs/data-plane.md, "Key grants".
 */
export class EncryptionKey extends Construct {
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: EncryptionKeyProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;
    this.key = new kms.Key(this, 'Key', {
      alias: `alias/${props.aliasName}`,
      description: props.description,
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      pendingWindow: props.pendingWindow ?? Duration.days(removalPolicy === RemovalPolicy.DESTROY ? 7 : 30),
      removalPolicy,
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: DENY_GRANTS_NOT_FOR_AWS_RESOURCES_SID,
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        // Both must be false (or absent) to deny (condition keys AND): a service creating a grant for a resource
        // passes. IfExists: a request without kms:GrantIsForAWSResource (a caller's own CreateGrant may carry none)
        // is denied too; with plain Bool an absent key makes the condition false and the deny would not apply.
        // aws:PrincipalIsAWSService is in every request, so IfExists changes nothing for it.
        conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
      }),
    );
  }

  /** Lets CloudWatch Logs of this account and region encrypt log groups with the key. */
  allowCloudWatchLogs(region: string, account: string, partition: string): void {
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogsOfThisAccount',
        principals: [new iam.ServicePrincipal(`logs.${region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${partition}:logs:${region}:${account}:log-group:*` },
        },
      }),
    );
  }
}
