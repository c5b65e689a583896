import { RemovalPolicy, SecretValue } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { handoffSecretName, mongodbUriPlaceholder } from '../handoff';
import type { ResourceNames } from '../naming';
import { acknowledgeRotation } from './cache';

export interface DatabaseSecretProps {
  readonly names: ResourceNames;
  /** Encrypts the secret. */
  readonly dataKey: kms.IKey;
  /**
   * What happens to the secret when its stack deletes or replaces it.
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * `{env}/audio-pipeline/mongodb-uri`. CDK owns the resource (name, key, removal policy, ARN handed to Atlas);
 * the Atlas stack owns the value and writes it as a new secret version. The placeholder is fixed: changing it
 * in this template would make CloudFormation write a new version over the Atlas one, so it must never change.
 */
export class DatabaseSecret extends Construct {
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: DatabaseSecretProps) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'MongodbUri', {
      secretName: handoffSecretName(props.names, 'mongodbUri'),
      description: `${props.names.prefix}: MongoDB Atlas connection string (value written by the Atlas stack)`,
      encryptionKey: props.dataKey,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      secretStringValue: SecretValue.unsafePlainText(mongodbUriPlaceholder(props.names.environment)),
    });
    acknowledgeRotation(
      this.secret,
      'The connection string carries no password where databaseAuth is aws-iam (staging, prod: MONGODB-AWS with the task roles, short-lived STS credentials). Where a password is used (dev M0), the Atlas stack owns the database user and writes a new secret version whenever it changes the password; rotation is a re-apply of that stack.',
    );
  }
}
