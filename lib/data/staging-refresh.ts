import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from '../core/compliance';
import { EncryptionKey } from '../core/encryption-key';
import { ManagedPolicyRole } from '../core/managed-policy-role';
import type { ResourceNames } from '../naming';
import { refreshNames, REFRESH_TASKS } from '../refresh/names';
import { bucketArnOf, type DataBucketNames } from './data-buckets';
import { ecsTaskRolePrincipal } from '../core/ecs-principals';

/** The exact IAM actions of the refresh grants, kept as data so tests and docs can state them. */
export const REFRESH_ACTIONS = {
  /** Anonymiser: write the export (multipart uploads of SSE-KMS objects need Decrypt as well). */
  exportWrite: ['s3:PutObject'],
  exportKeyWrite: ['kms:GenerateDataKey', 'kms:Decrypt'],
  /** Loader: read the export. */
  exportRead: ['s3:GetObject'],
  exportList: ['s3:ListBucket'],
  exportKeyRead: ['kms:Decrypt'],
} as const;

function taskRole(scope: Construct, id: string, roleName: string, description: string): ManagedPolicyRole {
  return new ManagedPolicyRole(scope, id, {
    roleName,
    description,
    assumedBy: ecsTaskRolePrincipal(scope),
  });
}

function allow(
  role: iam.IRole,
  actions: readonly string[],
  resources: string[],
  conditions?: Record<string, unknown>,
): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...actions], resources, conditions }));
}

function viaS3(scope: Construct): Record<string, unknown> {
  return { StringEquals: { 'kms:ViaService': `s3.${Stack.of(scope).region}.amazonaws.com` } };
}

/** `arn:<partition>:iam::<account>:role/<name>` of a role that may live in another account. */
function roleArn(scope: Construct, account: string, roleName: string): string {
  return Stack.of(scope).formatArn({ service: 'iam', region: '', account, resource: 'role', resourceName: roleName });
}

function partitionLiteral(scope: Construct): string {
  const partition = Stack.of(scope).partition;
  return Token.isUnresolved(partition) ? '<AWS::Partition>' : partition;
}

export interface RefreshExportProps {
  readonly names: ResourceNames;
  readonly bucketNames: DataBucketNames;
  /** Prod's data key: the transcripts the anonymiser reads are encrypted with it. */
  readonly dataKey: kms.IKey;
  /** Receives the export bucket's server access logs. */
  readonly accessLogs: s3.IBucket;
  /**
   * Staging's account (the loader role's).
   * @default - this stack's account
   */
  readonly loaderAccount?: string;
  /**
   * Age at which an export object (current or noncurrent version) expires.
   * @default Duration.days(7)
   */
  readonly expiration?: Duration;
  /**
   * Object Lock (GOVERNANCE) default retention of every export object version: whole days, shorter than
   * `expiration` so that the lock has lapsed before the lifecycle removes a version. Creation-time, like the data
   * buckets' (`ObjectLockEnabled` is create-only).
   * @default Duration.days(1) (a refresh's anonymiser and loader run within it)
   */
  readonly objectLockRetention?: Duration;
  /**
   * What happens to the export bucket and its key when their stack deletes or replaces them.
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Prod side of the staging refresh (data stack): the export bucket and its key, and the anonymiser's task role.
 *
 * - The anonymiser may read the transcripts (and, through its read-only Atlas user, the application database)
 *   and write only the export bucket.
 * - The export bucket: SSE-KMS with its own key, TLS 1.2+ only, versioned, public access blocked, access
 *   logged, Object Lock (GOVERNANCE) for `objectLockRetention`, object events to EventBridge; every object and
 *   noncurrent version expires after `expiration`. Its policy lets exactly the
 *   loader role (in the staging account) read and list, denies object reads to every other principal and
 *   object writes to every principal but the anonymiser.
 * - The key lets exactly the loader role decrypt through S3; the anonymiser's use comes from its IAM policy.
 */
export class RefreshExport extends Construct {
  readonly bucket: s3.Bucket;
  readonly key: kms.Key;
  readonly anonymiserRole: ManagedPolicyRole;
  /** ARN of the loader role the policies name. */
  readonly loaderRoleArn: string;

  constructor(scope: Construct, id: string, props: RefreshExportProps) {
    super(scope, id);
    const { names } = props;
    const refresh = refreshNames(names.project);
    const stack = Stack.of(this);
    const loaderAccount = props.loaderAccount ?? stack.account;
    this.loaderRoleArn = roleArn(this, loaderAccount, refresh.loaderRole);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;

    this.key = new EncryptionKey(this, 'Key', {
      aliasName: refresh.exportKeyAlias,
      description: `${names.prefix}: anonymised staging export bucket (decryptable by ${refresh.loaderRole} only)`,
      removalPolicy,
    }).key;
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowStagingLoaderToDecryptThroughS3',
        principals: [new iam.AccountPrincipal(loaderAccount)],
        actions: [...REFRESH_ACTIONS.exportKeyRead],
        resources: ['*'],
        conditions: { ArnEquals: { 'aws:PrincipalArn': this.loaderRoleArn }, ...viaS3(this) },
      }),
    );

    const expiry = props.expiration ?? Duration.days(7);
    const lock = props.objectLockRetention ?? Duration.days(1);
    const [lockDays, expiryDays] = [lock.toDays({ integral: false }), expiry.toDays({ integral: false })];
    // The current version's expiry (a delete marker) is allowed on a locked version; removing the noncurrent version
    // `expiry` later is not, until the lock lapses: a retention shorter than the expiry keeps the lifecycle on time.
    if (!Number.isInteger(lockDays) || lockDays < 1 || lockDays >= expiryDays) {
      throw new Error(`${this.node.path}: objectLockRetention must be whole days, at least 1 and less than expiration (${expiryDays} days), got ${lockDays}`);
    }
    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: refresh.exportBucket,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: `${refresh.exportBucket}/`,
      // Every export version stays as written while a refresh reads it: a deletion only adds a delete marker, and
      // removing a version needs s3:BypassGovernanceRetention. Writes then need a checksum (docs/staging-refresh.md).
      objectLockEnabled: true,
      objectLockDefaultRetention: s3.ObjectLockRetention.governance(lock),
      lifecycleRules: [
        {
          id: 'expire-exports',
          expiration: expiry,
          noncurrentVersionExpiration: expiry,
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        // A rule of its own: S3 rejects ExpiredObjectDeleteMarker (even false) next to an expiration in days.
        { id: 'expired-delete-markers', expiredObjectDeleteMarker: true },
      ],
      removalPolicy,
      autoDeleteObjects: false,
    });
    // Object events (created, deleted, ...) to EventBridge, default bus, like the access-log bucket's: an export
    // written, overwritten or deleted is a rule away, with no Lambda (the L2's eventBridgeEnabled would add CDK's
    // notification custom resource).
    const bucketResource = this.bucket.node.defaultChild as s3.CfnBucket;
    bucketResource.notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
    const objects = this.bucket.arnForObjects('*');
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowStagingLoaderToRead',
        principals: [new iam.AccountPrincipal(loaderAccount)],
        actions: [...REFRESH_ACTIONS.exportRead, ...REFRESH_ACTIONS.exportList],
        resources: [this.bucket.bucketArn, objects],
        conditions: { ArnEquals: { 'aws:PrincipalArn': this.loaderRoleArn } },
      }),
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyObjectReadsButTheLoader',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [objects],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': this.loaderRoleArn } },
      }),
    );

    this.anonymiserRole = taskRole(this, 'AnonymiserTaskRole', refresh.anonymiserRole, `${names.prefix}: task role of the ${REFRESH_TASKS.source} (reads prod, writes only the staging export)`);
    const anonymiserArn = roleArn(this, stack.account, refresh.anonymiserRole);
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyObjectWritesButTheAnonymiser',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [objects],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': anonymiserArn } },
      }),
    );

    // Read prod: the transcripts (the database through its read-only Atlas user, atlas/lib/database-access.ts).
    allow(this.anonymiserRole, ['s3:GetObject'], [bucketArnOf(this, `${props.bucketNames.transcripts}/*`)]);
    allow(this.anonymiserRole, ['kms:Decrypt'], [props.dataKey.keyArn], viaS3(this));
    // Write only the export.
    allow(this.anonymiserRole, REFRESH_ACTIONS.exportWrite, [bucketArnOf(this, `${refresh.exportBucket}/*`)]);
    allow(this.anonymiserRole, REFRESH_ACTIONS.exportKeyWrite, [this.key.keyArn], viaS3(this));
    const partition = partitionLiteral(this);
    for (const [bucket, purpose] of [
      [props.bucketNames.transcripts, 'reading the transcripts it anonymises'],
      [refresh.exportBucket, 'writing the export objects of one run (run-id prefix chosen at run time)'],
    ] as const) {
      acknowledge(
        this.anonymiserRole.node.findChild('Permissions'),
        `AwsSolutions-IAM5[Resource::arn:${partition}:s3:::${bucket}/*]`,
        `Object keys are chosen at run time, so the single object-level action (${purpose}) needs the object wildcard of this one bucket; the bucket is TLS-only and KMS-encrypted.`,
      );
    }

    const resource = this.bucket.node.defaultChild as s3.CfnBucket;
    for (const pack of ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321']) {
      acknowledge(
        resource,
        `${pack}-S3BucketReplicationEnabled`,
        'The export bucket is a short-lived hand-over (objects expire after a few days) of data re-creatable from prod at any time; replicating it would only keep another copy of anonymised data longer. Versioned, Object Lock (GOVERNANCE) while a refresh reads it, retained outside dev.',
      );
    }
  }
}

export interface RefreshLoaderIdentityProps {
  readonly names: ResourceNames;
  readonly bucketNames: DataBucketNames;
  /** Staging's data key: the loader writes staging's buckets with it. */
  readonly dataKey: kms.IKey;
  /**
   * Account of the export bucket and its key (prod's).
   * @default - this stack's account
   */
  readonly sourceAccount?: string;
}

/**
 * Staging side of the staging refresh (data stack): the loader's task role. It may read only the export
 * bucket (its objects, and list it) and decrypt only with the export key (pinned by alias, through S3, in
 * the source account), and write staging's recordings and transcripts (the database through its Atlas user).
 * Nothing else of prod appears in any staging policy.
 */
export class RefreshLoaderIdentity extends Construct {
  readonly loaderRole: ManagedPolicyRole;

  constructor(scope: Construct, id: string, props: RefreshLoaderIdentityProps) {
    super(scope, id);
    const { names } = props;
    const refresh = refreshNames(names.project);
    const stack = Stack.of(this);
    const sourceAccount = props.sourceAccount ?? stack.account;
    this.loaderRole = taskRole(this, 'LoaderTaskRole', refresh.loaderRole, `${names.prefix}: task role of the ${REFRESH_TASKS.target} (reads only the prod export, writes staging)`);

    const inSourceAccount = { StringEquals: { 's3:ResourceAccount': sourceAccount } };
    allow(this.loaderRole, REFRESH_ACTIONS.exportRead, [bucketArnOf(this, `${refresh.exportBucket}/*`)], inSourceAccount);
    allow(this.loaderRole, REFRESH_ACTIONS.exportList, [bucketArnOf(this, refresh.exportBucket)], inSourceAccount);
    // A key's ARN holds its random id; the key is pinned by its alias instead (kms:ResourceAliases), in the source
    // account only.
    const sourceKeys = stack.formatArn({ service: 'kms', account: sourceAccount, resource: 'key', resourceName: '*' });
    allow(this.loaderRole, REFRESH_ACTIONS.exportKeyRead, [sourceKeys], {
      'ForAnyValue:StringEquals': { 'kms:ResourceAliases': `alias/${refresh.exportKeyAlias}` },
      ...viaS3(this),
    });

    const writes = [bucketArnOf(this, `${props.bucketNames.recordings}/*`), bucketArnOf(this, `${props.bucketNames.transcripts}/*`)];
    allow(this.loaderRole, ['s3:PutObject'], writes);
    allow(this.loaderRole, ['kms:GenerateDataKey', 'kms:Decrypt'], [props.dataKey.keyArn], viaS3(this));

    const policy = this.loaderRole.node.findChild('Permissions');
    const partition = partitionLiteral(this);
    for (const [bucket, purpose] of [
      [refresh.exportBucket, 'reading the export objects of one run'],
      [props.bucketNames.recordings, 'writing the anonymised recordings'],
      [props.bucketNames.transcripts, 'writing the anonymised transcripts'],
    ] as const) {
      acknowledge(
        policy,
        `AwsSolutions-IAM5[Resource::arn:${partition}:s3:::${bucket}/*]`,
        `Object keys are chosen at run time, so the single object-level action (${purpose}) needs the object wildcard of this one bucket; the bucket is TLS-only and KMS-encrypted.`,
      );
    }
    const keyPattern = Token.isUnresolved(sourceAccount) ? `arn:${partition}:kms:${stack.region}:<AWS::AccountId>:key/*` : `arn:${partition}:kms:${stack.region}:${sourceAccount}:key/*`;
    acknowledge(
      policy,
      `AwsSolutions-IAM5[Resource::${keyPattern}]`,
      `A KMS key ARN holds the key's random id, unknown to staging; kms:Decrypt is pinned to the one key whose alias is alias/${refresh.exportKeyAlias} (kms:ResourceAliases) and to calls made through S3 (kms:ViaService); the key policy on prod's side admits this role by exact ARN.`,
    );
  }
}
