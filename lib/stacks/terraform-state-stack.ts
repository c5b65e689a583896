import { Aws, BootstraplessSynthesizer, Duration, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { acknowledge, acknowledgeControl, acknowledgeEach } from '../core/compliance';
import { acknowledgeLogBucketControls } from '../data/data-buckets';
import { immutableTags } from '../core/tagging';
import { terraformStateBucket, terraformStateLogsBucket, terraformStateStackName, type TerraformStateSettings } from '../terraform-state';

export interface TerraformStateStackProps {
  /** Only what every environment shares: the stack is one per account, whichever environment deploys it. */
  readonly settings: TerraformStateSettings;
  /**
   * The account (`-c account=<id>`). With it the bucket names are literals, which is what lets
   * `cdk deploy --import-existing-resources` adopt a bucket that already exists; without it (offline synth) they
   * are `{prefix}-${AWS::AccountId}`.
   */
  readonly account?: string;
}

const S3_LOGS_USE_BUCKET_POLICY = '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy';
/** The packs that report S3 encryption and replication findings (AwsSolutions has neither rule). */
const CONFORMANCE_PACKS = ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321'] as const;

/**
 * The Terraform state of one account (`{project}-terraform-state`): the bucket the Atlas stacks keep their state in
 * (`{bucketPrefix}-{account}`, one key per environment), its server access log bucket and, only when
 * `terraformState.dynamodbTable` is configured, the DynamoDB lock table of Terraform < 1.10.
 *
 * The environments of an account share it, so nothing here depends on the environment: every environment
 * synthesizes the same template, and deploying it from any of them is a no-op once it exists. It is deployed with
 * the deploy-identity stack, with the operator's credentials and before `cdk bootstrap` (BootstraplessSynthesizer:
 * no assets, no bootstrap roles). Every resource is retained: deleting the stack never deletes state.
 */
export class TerraformStateStack extends Stack {
  readonly bucket: s3.Bucket;
  readonly accessLogs: s3.Bucket;
  readonly lockTable?: dynamodb.Table;

  constructor(scope: Construct, props: TerraformStateStackProps) {
    const { settings } = props;
    const state = settings.terraformState;
    const stackName = terraformStateStackName(settings);
    super(scope, stackName, {
      stackName,
      env: { account: props.account, region: state.region },
      synthesizer: new BootstraplessSynthesizer(),
      terminationProtection: true,
      description: `${settings.project} Terraform state of this account, shared by the environments deployed here: state bucket, its access logs${state.dynamodbTable ? ', lock table' : ''}`,
    });
    // The log bucket is BucketOwnerEnforced (no ACLs): S3 log delivery must be admitted by bucket policy.
    this.node.setContext(S3_LOGS_USE_BUCKET_POLICY, true);
    // Project and tool only: an Environment or CostCenter tag would make the environments' templates differ.
    const { Project, ManagedBy } = immutableTags(settings.project, 'shared');
    Tags.of(this).add('Project', Project);
    Tags.of(this).add('ManagedBy', ManagedBy);

    const account = props.account;
    const secure = {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      // Retain, not RetainExceptOnCreate: a first create that rolls back must never delete a bucket this stack
      // adopted (--import-existing-resources); a retry then adopts what the failed create left.
      removalPolicy: RemovalPolicy.RETAIN,
    } as const;

    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      ...secure,
      bucketName: account ? terraformStateLogsBucket(settings, account) : `${settings.project}-terraform-state-logs-${Aws.ACCOUNT_ID}`,
      // S3 server access logging delivers only to buckets with SSE-S3 default encryption.
      encryption: s3.BucketEncryption.S3_MANAGED,
      lifecycleRules: [{
        id: 'expire-logs',
        expiration: Duration.days(365),
        noncurrentVersionExpiration: Duration.days(30),
        abortIncompleteMultipartUploadAfter: Duration.days(7),
      }],
    });

    const bucketName = account ? terraformStateBucket(state, account) : `${state.bucketPrefix}-${Aws.ACCOUNT_ID}`;
    this.bucket = new s3.Bucket(this, 'StateBucket', {
      ...secure,
      bucketName,
      // As the bootstrap created it: SSE-KMS with the account's aws/s3 key and a bucket key. The deploy roles decrypt
      // through S3 only, for this bucket's encryption context (lib/deploy/identity.ts); a customer key would add a key
      // policy to keep in step with every environment's role for no control IAM does not already give.
      encryption: s3.BucketEncryption.KMS_MANAGED,
      bucketKeyEnabled: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: `${bucketName}/`,
      // No expiry of any version: every state revision stays recoverable (the files are kilobytes). Only multipart
      // uploads a crashed client left incomplete are cleaned up.
      lifecycleRules: [{ id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) }],
    });
    // Object events (created, deleted, ...) of both buckets to EventBridge, default bus, like the environments'
    // access-log buckets: a state written or deleted outside Terraform is a rule away, with no Lambda.
    for (const bucket of [this.accessLogs, this.bucket]) {
      const resource = bucket.node.defaultChild as s3.CfnBucket;
      resource.notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
    }

    if (state.dynamodbTable !== undefined) {
      this.lockTable = new dynamodb.Table(this, 'LockTable', {
        tableName: state.dynamodbTable,
        // The key Terraform's S3 backend writes its locks under.
        partitionKey: { name: 'LockID', type: dynamodb.AttributeType.STRING },
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption: dynamodb.TableEncryption.AWS_MANAGED,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      acknowledgeEach(
        this.lockTable.node.defaultChild!,
        ['HIPAA.Security-DynamoDBInBackupPlan', 'NIST.800.53.R5-DynamoDBInBackupPlan'],
        'The table holds only Terraform\'s transient lock entries (LockID and a state digest), never state: the state is in the versioned, retained bucket. A lost lock entry is recreated by the next plan; point-in-time recovery covers the table anyway.',
      );
    }

    this.acknowledgeFindings();
  }

  private acknowledgeFindings(): void {
    acknowledgeLogBucketControls(this.accessLogs.node.defaultChild as s3.CfnBucket);
    acknowledgeControl(
      this.bucket.node.defaultChild!,
      'CT.S3.PR.9',
      'The state bucket is adopted as it is where it already exists (--import-existing-resources, docs/runbook.md), and ObjectLockEnabled is create-only: a template with Object Lock could not adopt it. Every state revision is kept (versioned, no version expires), DeletionPolicy Retain on a termination-protected stack; the deploy roles may write and delete their own state key (a delete marker) but never delete a version.',
    );
    // No finding for server access logging on the log bucket: cdk-nag accepts the destination of another bucket's logs.
    for (const pack of CONFORMANCE_PACKS) {
      acknowledge(this.accessLogs.node.defaultChild!, `${pack}-S3DefaultEncryptionKMS`, 'S3 server access logging delivers only to buckets with SSE-S3 (AES-256) default encryption; SSE-KMS would silently drop every log record. Access is TLS-only and public access is blocked.');
    }
    const kept: Array<[s3.Bucket, string]> = [[this.bucket, 'every revision kept'], [this.accessLogs, 'overwritten logs kept 30 days']];
    for (const [bucket, versions] of kept) {
      for (const pack of CONFORMANCE_PACKS) {
        acknowledge(
          bucket.node.defaultChild!,
          `${pack}-S3BucketReplicationEnabled`,
          `The pipeline is single-region by design and this bucket lives in the region of the state; durability comes from S3 multi-AZ storage, versioning (${versions}) and DeletionPolicy Retain. Cross-region disaster recovery is out of scope (docs/data-plane.md).`,
        );
      }
    }
  }
}
