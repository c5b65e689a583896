import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';
import { acknowledge, acknowledgeControl } from '../core/compliance';
import type { ResourceNames } from '../naming';

export interface DataBucketsProps {
  readonly names: ResourceNames;
  /** Encrypts recordings and transcripts (SSE-KMS with bucket keys). */
  readonly dataKey: kms.IKey;
  /** Age at which a recording expires: after `recordingsGlacierAfter` (S3 refuses an expiry before a transition). */
  readonly recordingsExpiration: Duration;
  /** Age at which a transcript expires. */
  readonly transcriptsExpiration: Duration;
  /**
   * Age at which a recording moves to S3 Standard-IA.
   * @default Duration.days(30) (the S3 minimum for Standard-IA)
   */
  readonly recordingsInfrequentAccessAfter?: Duration;
  /**
   * Age at which a recording moves to S3 Glacier Instant Retrieval.
   * @default Duration.days(90)
   */
  readonly recordingsGlacierAfter?: Duration;
  /**
   * How long a noncurrent (overwritten or deleted) object version is kept, in every bucket: the window to undo
   * a mistake.
   * @default Duration.days(30)
   */
  readonly noncurrentVersionExpiration?: Duration;
  /**
   * Age at which an incomplete multipart upload is aborted, in every bucket.
   * @default Duration.days(7)
   */
  readonly abortIncompleteMultipartUploadAfter?: Duration;
  /**
   * Age at which a server access log (or ALB access log) expires.
   * @default Duration.days(365)
   */
  readonly accessLogsExpiration?: Duration;
  /**
   * Object Lock (GOVERNANCE) on recordings with this default retention. Creation-time: `ObjectLockEnabled` is
   * create-only in CloudFormation.
   * @default - no Object Lock on recordings
   */
  readonly recordingsObjectLockRetention?: Duration;
  /**
   * Object Lock (GOVERNANCE) on transcripts with this default retention. Creation-time, like the recordings'.
   * @default - no Object Lock on transcripts
   */
  readonly transcriptsObjectLockRetention?: Duration;
  /**
   * Why recordings or transcripts without Object Lock (no retention above) have none: acknowledged on each such
   * bucket as AWS Control Tower's CT.S3.PR.9, so it must say what compensates.
   * @default - none: an unlocked data bucket is a Control Tower finding, which fails synth where the gates run
   */
  readonly objectLockWaiver?: string;
  /**
   * Browser origins allowed to PUT recordings with a presigned URL.
   * @default - no CORS configuration at all
   */
  readonly corsAllowedOrigins?: readonly string[];
  /**
   * What happens to the buckets when their stack deletes or replaces them. With `DESTROY` they must be emptied
   * first (no auto-delete Lambda).
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
   */
  readonly removalPolicy?: RemovalPolicy;
}

const S3_LOGS_USE_BUCKET_POLICY = '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy';

/**
 * Physical names of the buckets, known before the buckets exist (notifications and IAM use them without a
 * reference).
 */
export interface DataBucketNames {
  readonly recordings: string;
  readonly transcripts: string;
  readonly accessLogs: string;
}

export function dataBucketNames(names: ResourceNames): DataBucketNames {
  return {
    recordings: names.name('call-recordings', 'bucket'),
    transcripts: names.name('transcripts', 'bucket'),
    accessLogs: names.name('access-logs', 'bucket'),
  };
}

/**
 * Prefix of the api load balancer's access logs in the access-log bucket. The bucket policy (data stack)
 * admits ELB log delivery under this prefix only, and the ALB (services stack) writes under it: both read it here.
 */
export function albAccessLogsPrefix(names: ResourceNames): string {
  return `alb/${names.name('api')}`;
}

/**
 * `arn:<partition>:s3:::<name>` without a reference to the bucket resource (breaks bucket <-> queue policy <-> key
 * cycles).
 */
export function bucketArnOf(scope: Construct, bucketName: string): string {
  return Stack.of(scope).formatArn({ service: 's3', region: '', account: '', resource: bucketName });
}

/** Object Lock in GOVERNANCE mode with this default retention; none without one. */
function objectLock(retention: Duration | undefined): Pick<s3.BucketProps, 'objectLockEnabled' | 'objectLockDefaultRetention'> {
  if (retention === undefined) return {};
  return { objectLockEnabled: true, objectLockDefaultRetention: s3.ObjectLockRetention.governance(retention) };
}

/**
 * The three buckets of the pipeline:
 * - `call-recordings` and `transcripts`: SSE-KMS with the data key and bucket keys, versioned, TLS 1.2+ only,
 *   all public access blocked, server access logs to the log bucket, lifecycle from props;
 *   Object Lock (GOVERNANCE) where props give a retention; CORS only for the given origins.
 * - `access-logs`: SSE-S3 (server access logging and ALB access logs cannot write to SSE-KMS buckets),
 *   BucketOwnerEnforced with the logging service admitted by bucket policy, versioned, TLS-only, expiring.
 */
export class DataBuckets extends Construct {
  readonly accessLogs: s3.Bucket;
  readonly recordings: s3.Bucket;
  readonly transcripts: s3.Bucket;
  readonly bucketNames: DataBucketNames;

  constructor(scope: Construct, id: string, props: DataBucketsProps) {
    super(scope, id);
    // The log bucket is BucketOwnerEnforced (no ACLs): server access logging must be granted by bucket policy.
    // Set here, not only in cdk.json, because the design depends on it.
    this.node.setContext(S3_LOGS_USE_BUCKET_POLICY, true);
    for (const [prop, retention] of Object.entries({
      recordingsObjectLockRetention: props.recordingsObjectLockRetention,
      transcriptsObjectLockRetention: props.transcriptsObjectLockRetention,
    })) {
      const days = retention?.toDays({ integral: false });
      if (days !== undefined && !(Number.isInteger(days) && days >= 1)) {
        throw new Error(`${this.node.path}: ${prop} must be whole days, at least 1 (S3 Object Lock), got ${days}`);
      }
    }
    const recordingsGlacierAfter = props.recordingsGlacierAfter ?? Duration.days(90);
    if (props.recordingsExpiration.toDays({ integral: false }) <= recordingsGlacierAfter.toDays({ integral: false })) {
      const [expiry, glacier] = [props.recordingsExpiration, recordingsGlacierAfter].map((d) => d.toHumanString());
      throw new Error(`${this.node.path}: recordingsExpiration (${expiry}) must be after recordingsGlacierAfter (${glacier}) (S3)`);
    }
    const corsAllowedOrigins = props.corsAllowedOrigins ?? [];
    this.bucketNames = dataBucketNames(props.names);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;
    const secure = {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy,
      autoDeleteObjects: false,
    } as const;
    const housekeeping: s3.LifecycleRule = {
      id: 'housekeeping',
      noncurrentVersionExpiration: props.noncurrentVersionExpiration ?? Duration.days(30),
      abortIncompleteMultipartUploadAfter: props.abortIncompleteMultipartUploadAfter ?? Duration.days(7),
      expiredObjectDeleteMarker: true,
    };

    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      ...secure,
      bucketName: this.bucketNames.accessLogs,
      // Server access logging and ALB access logs only deliver to SSE-S3 buckets.
      encryption: s3.BucketEncryption.S3_MANAGED,
      lifecycleRules: [
        { id: 'expire-logs', expiration: props.accessLogsExpiration ?? Duration.days(365) },
        housekeeping,
      ],
    });
    const accessLogsResource = this.accessLogs.node.defaultChild as s3.CfnBucket;
    // Object events (created, deleted, restored, ...) to EventBridge, default bus: a deleted or overwritten log is a
    // rule away, with no Lambda (the L2's eventBridgeEnabled would add CDK's notification custom resource).
    accessLogsResource.notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
    acknowledge(accessLogsResource, 'AwsSolutions-S1', 'This is the server access log destination of the environment; logging its own access would write a log record for every log delivery, an endless loop. CloudTrail data events are the audit trail for reads of the logs.');
    this.allowLoadBalancerLogDelivery(albAccessLogsPrefix(props.names));
    for (const pack of ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321']) {
      acknowledge(accessLogsResource, `${pack}-S3BucketLoggingEnabled`, 'This is the server access log destination of the environment; logging its own access would loop. CloudTrail data events are the audit trail for reads of the logs.');
      acknowledge(accessLogsResource, `${pack}-S3DefaultEncryptionKMS`, 'S3 server access logging and ALB access logs deliver only to buckets with SSE-S3 (AES-256) default encryption; SSE-KMS would silently drop every log record. Access is TLS-only and public access is blocked.');
    }
    acknowledgeLogBucketControls(accessLogsResource, 'ALB access logs');

    this.recordings = new s3.Bucket(this, 'Recordings', {
      ...secure,
      bucketName: this.bucketNames.recordings,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.dataKey,
      bucketKeyEnabled: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: `${this.bucketNames.recordings}/`,
      ...objectLock(props.recordingsObjectLockRetention),
      cors: corsAllowedOrigins.length > 0
        ? [{
          // Browsers upload with the presigned PUT URL the api hands out; nothing else is cross-origin.
          allowedMethods: [s3.HttpMethods.PUT],
          allowedOrigins: [...corsAllowedOrigins],
          allowedHeaders: ['Content-Type', 'Content-MD5', 'x-amz-*'],
          exposedHeaders: ['ETag'],
          maxAge: 3000,
        }]
        : undefined,
      lifecycleRules: [
        {
          id: 'tiering-and-expiry',
          transitions: [
            {
              storageClass: s3.StorageClass.INFREQUENT_ACCESS,
              transitionAfter: props.recordingsInfrequentAccessAfter ?? Duration.days(30),
            },
            {
              storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
              transitionAfter: recordingsGlacierAfter,
            },
          ],
          expiration: props.recordingsExpiration,
        },
        housekeeping,
      ],
    });

    this.transcripts = new s3.Bucket(this, 'Transcripts', {
      ...secure,
      bucketName: this.bucketNames.transcripts,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.dataKey,
      bucketKeyEnabled: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: `${this.bucketNames.transcripts}/`,
      ...objectLock(props.transcriptsObjectLockRetention),
      lifecycleRules: [{ id: 'expiry', expiration: props.transcriptsExpiration }, housekeeping],
    });

    const lockable = [
      [this.recordings, props.recordingsObjectLockRetention],
      [this.transcripts, props.transcriptsObjectLockRetention],
    ] as const;
    for (const [bucket, retention] of lockable) {
      if (retention === undefined && props.objectLockWaiver !== undefined) {
        acknowledgeControl(bucket.node.defaultChild!, 'CT.S3.PR.9', props.objectLockWaiver);
      }
    }

    // The replication waiver names only the safeguards these props give.
    const safeguards = ['S3 multi-AZ storage', 'versioning with noncurrent-version retention'];
    if (removalPolicy !== RemovalPolicy.DESTROY) safeguards.push('buckets kept on stack deletion (removalPolicy)');
    for (const bucket of [this.accessLogs, this.recordings, this.transcripts]) {
      const resource = bucket.node.defaultChild as s3.CfnBucket;
      const locked = bucket === this.recordings ? props.recordingsObjectLockRetention
        : bucket === this.transcripts ? props.transcriptsObjectLockRetention : undefined;
      const guards = [...safeguards, ...(locked ? ['Object Lock (GOVERNANCE) on this bucket'] : [])];
      for (const pack of ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321']) {
        acknowledge(
          resource,
          `${pack}-S3BucketReplicationEnabled`,
          `The pipeline is single-region by design; durability comes from ${guards.join(', ')}. Cross-region disaster recovery is out of scope and documented in docs/data-plane.md.`,
        );
      }
    }
  }

  /**
   * ELB access-log delivery into `<prefix>/AWSLogs/<account>/`, in the policy of the bucket it governs (the ALB
   * only names the bucket). Regions that predate August 2022, us-east-1 among them, deliver as the regional ELB
   * account; newer ones as the `logdelivery.elasticloadbalancing.amazonaws.com` service principal.
   */
  private allowLoadBalancerLogDelivery(prefix: string): void {
    const stack = Stack.of(this);
    if (Token.isUnresolved(stack.region)) {
      throw new Error(`${this.node.path}: ALB access-log delivery needs a concrete region (the ELB account differs per region)`);
    }
    const elbAccount = RegionInfo.get(stack.region).elbv2Account;
    this.accessLogs.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowLoadBalancerAccessLogDelivery',
        principals: [elbAccount ? new iam.AccountPrincipal(elbAccount) : new iam.ServicePrincipal('logdelivery.elasticloadbalancing.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.accessLogs.arnForObjects(`${prefix}/AWSLogs/${stack.account}/*`)],
      }),
    );
  }
}

/**
 * The AWS Control Tower controls a server access log destination cannot meet, acknowledged on its bucket: Object Lock
 * (CT.S3.PR.9), its own access logging (CT.S3.PR.2) and SSE-KMS (CT.S3.PR.10). `alsoReceives` names what else it
 * takes besides S3 server access logs (e.g. ALB access logs), which has the same delivery limits.
 */
export function acknowledgeLogBucketControls(bucket: s3.CfnBucket, alsoReceives?: string): void {
  const deliveries = alsoReceives ? `S3 server access logging and ${alsoReceives}` : 'S3 server access logging';
  acknowledgeControl(bucket, 'CT.S3.PR.9', `This is a server access log destination: ${deliveries} cannot deliver to a bucket with Object Lock. Versioned (an overwritten or deleted log stays recoverable as a noncurrent version), public access blocked, TLS-only, the log delivery services admitted by bucket policy only.`);
  acknowledgeControl(bucket, 'CT.S3.PR.2', 'This is the server access log destination; logging its own access would write a log record for every log delivery, an endless loop (or need a second log bucket, with the same problem). CloudTrail data events are the audit trail for reads of the logs.');
  acknowledgeControl(bucket, 'CT.S3.PR.10', `${deliveries} deliver only to buckets with SSE-S3 (AES-256) default encryption; SSE-KMS would silently drop every log record. Access is TLS-only, public access is blocked, ownership is BucketOwnerEnforced.`);
}
