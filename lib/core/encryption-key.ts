import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { retainedUnlessDisposable } from './removal';

export interface EncryptionKeyProps {
  /** Alias without the `alias/` prefix, e.g. `marin-dev-logs`. */
  readonly aliasName: string;
  readonly description: string;
  /** dev: key deletion scheduled (7-day window) with the stack; otherwise the key is retained. */
  readonly disposable: boolean;
}

/**
 * A customer-managed KMS key with yearly rotation. Retained on stack deletion outside dev:
 * deleting a key makes everything encrypted with it unreadable.
 */
export class EncryptionKey extends Construct {
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: EncryptionKeyProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      alias: `alias/${props.aliasName}`,
      description: props.description,
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      pendingWindow: Duration.days(props.disposable ? 7 : 30),
      removalPolicy: retainedUnlessDisposable(props.disposable),
    });
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
