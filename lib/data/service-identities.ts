import { Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { SERVICE_NAMES, WORKER_NAMES, type ServiceName, type WorkerName, type WorkQueue } from '../contracts';
import { acknowledge } from '../core/compliance';
import { ManagedPolicyRole } from '../core/managed-policy-role';
import { ATLAS_PRIVATE_ENDPOINT_PORTS, ATLAS_PUBLIC_PORT } from '../handoff';
import { pascalCase, type ResourceNames } from '../naming';
import { bucketArnOf, type DataBucketNames } from './data-buckets';
import { ecsTaskRolePrincipal } from '../core/ecs-principals';

export interface ServiceIdentitiesProps {
  readonly names: ResourceNames;
  readonly vpc: ec2.IVpc;
}

/** The peers of the services' egress (`ServiceIdentities.restrictEgress`). */
export interface ServicesEgressProps {
  /** The cache's security group: the only peer on `cachePort`. */
  readonly cacheSecurityGroup: ec2.ISecurityGroup;
  /** The cache's port, e.g. `ec2.Port.tcp(6380)`. */
  readonly cachePort: ec2.Port;
  /** How the tasks reach MongoDB Atlas. */
  readonly atlas: {
    /** `private-link`: the endpoint ports to `endpointSubnetCidrs`; `nat-ip-access-list`: 27017 anywhere. */
    readonly connectivity: 'private-link' | 'nat-ip-access-list';
    /** CIDRs of the subnets the Atlas PrivateLink endpoint is placed in (used with `private-link`). */
    readonly endpointSubnetCidrs: readonly string[];
  };
}

/** What the task roles are granted on: the data plane's resources. */
export interface DataPlaneResources {
  readonly bucketNames: DataBucketNames;
  readonly dataKey: kms.IKey;
  readonly queues: Record<WorkerName, WorkQueue>;
  /** ARN of the OpenSearch Serverless collection. */
  readonly collectionArn: string;
}

/** The exact IAM actions of one grant, kept as data so tests and docs can state them. */
const SQS_CONSUME = ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'];
/** ECS task scale-in protection of the worker's own task (the ECS agent endpoint calls these with the task role). */
export const TASK_PROTECTION = ['ecs:GetTaskProtection', 'ecs:UpdateTaskProtection'] as const;
const SQS_SEND = ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'];

/**
 * The ECS task roles of the four services and the security group every task wears. They live with the data
 * because the Atlas stack (deployed between the stateful and the service stacks) makes the roles MONGODB-AWS
 * database users, and because the cache and the AOSS endpoint admit the security group.
 *
 * Role names are deterministic (`{project}-{env}-{service}-task`) so the Atlas side can name them too.
 */
export class ServiceIdentities extends Construct {
  readonly taskRoles: Record<ServiceName, ManagedPolicyRole>;
  /**
   * Attached to every task. Nothing is admitted by default; egress only to what the design uses (`restrictEgress`):
   * HTTPS, the cache port to the cache's group, and MongoDB to Atlas.
   */
  readonly servicesSecurityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: ServiceIdentitiesProps) {
    super(scope, id);
    const { names } = props;

    this.servicesSecurityGroup = new ec2.SecurityGroup(this, 'ServicesSecurityGroup', {
      vpc: props.vpc,
      description: `${names.prefix} ECS tasks: admitted by the cache, the search endpoint and the Atlas endpoint`,
      // No allow-all: an inline rule (below) keeps CloudFormation from adding its default allow-all egress.
      allowAllOutbound: false,
    });
    // AWS APIs (ECR, CloudWatch Logs, SQS, Secrets Manager, STS, KMS) over NAT, S3 through the gateway endpoint
    // (its policy limits the buckets), the OpenSearch Serverless VPC endpoint. Inline (a CIDR peer).
    this.servicesSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS: AWS APIs over NAT, S3 via the gateway endpoint, the search endpoint');

    const entries = SERVICE_NAMES.map((service) => {
      const role = new ManagedPolicyRole(this, `${pascalCase(service)}TaskRole`, {
        roleName: names.name(`${service}-task`, 'role'),
        description: `${names.prefix}: task role of the ${service} service`,
        assumedBy: ecsTaskRolePrincipal(this),
      });
      return [service, role] as const;
    });
    this.taskRoles = Object.fromEntries(entries) as Record<ServiceName, ManagedPolicyRole>;
  }

  /**
   * The rest of the services' egress, once the peers exist: the cache port to the cache's security group only, and
   * MongoDB: with PrivateLink the Atlas endpoint ports (1024-65535, Atlas maps each node to its own port) to the
   * endpoint subnets' CIDRs (the endpoint and its group are created later by the Atlas stack, so no reference is
   * possible); over the NAT access list (M0) port 27017 anywhere, since Atlas shared-tier hosts have no fixed
   * addresses. DNS (the VPC resolver), NTP (Amazon Time Sync) and the task metadata endpoint are link-local or
   * resolver traffic, which security groups do not filter.
   */
  restrictEgress(props: ServicesEgressProps): void {
    const sg = this.servicesSecurityGroup;
    sg.addEgressRule(props.cacheSecurityGroup, props.cachePort, 'The cache, TLS, its port only');
    if (props.atlas.connectivity === 'private-link') {
      for (const cidr of props.atlas.endpointSubnetCidrs) {
        sg.addEgressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcpRange(ATLAS_PRIVATE_ENDPOINT_PORTS.from, ATLAS_PRIVATE_ENDPOINT_PORTS.to), 'MongoDB Atlas PrivateLink endpoint (its ports) in the endpoint subnets');
      }
    } else {
      sg.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(ATLAS_PUBLIC_PORT), 'MongoDB Atlas shared tier over NAT (access list: the NAT addresses)');
    }
  }

  /**
   * Least privilege on the data plane, per service:
   * - api: presigned PUT into recordings, read transcripts, query the vector collection;
   * - ingestion: read recordings, consume `ingestion`, send to `transcription`;
   * - transcription: read recordings, write transcripts, consume `transcription`;
   * - indexing: read transcripts, consume `indexing`, write the vector collection.
   * KMS use is limited to calls made through S3 and SQS (kms:ViaService).
   */
  grantDataPlaneAccess(resources: DataPlaneResources): void {
    const recordings = bucketArnOf(this, `${resources.bucketNames.recordings}/*`);
    const transcripts = bucketArnOf(this, `${resources.bucketNames.transcripts}/*`);
    const { queues } = resources;
    const roles = this.taskRoles;

    this.allow(roles.api, ['s3:PutObject'], [recordings]);
    this.allow(roles.api, ['s3:GetObject'], [transcripts]);
    this.allow(roles.api, ['aoss:APIAccessAll'], [resources.collectionArn]);
    this.allowKey(roles.api, resources.dataKey, ['kms:Decrypt', 'kms:GenerateDataKey'], ['s3']);

    this.allow(roles.ingestion, ['s3:GetObject'], [recordings]);
    this.allow(roles.ingestion, SQS_CONSUME, [queues.ingestion.queue.queueArn]);
    this.allow(roles.ingestion, SQS_SEND, [queues.transcription.queue.queueArn]);
    this.allowKey(roles.ingestion, resources.dataKey, ['kms:Decrypt', 'kms:GenerateDataKey'], ['s3', 'sqs']);

    this.allow(roles.transcription, ['s3:GetObject'], [recordings]);
    this.allow(roles.transcription, ['s3:PutObject'], [transcripts]);
    this.allow(roles.transcription, SQS_CONSUME, [queues.transcription.queue.queueArn]);
    this.allowKey(roles.transcription, resources.dataKey, ['kms:Decrypt', 'kms:GenerateDataKey'], ['s3', 'sqs']);

    this.allow(roles.indexing, ['s3:GetObject'], [transcripts]);
    this.allow(roles.indexing, SQS_CONSUME, [queues.indexing.queue.queueArn]);
    this.allow(roles.indexing, ['aoss:APIAccessAll'], [resources.collectionArn]);
    this.allowKey(roles.indexing, resources.dataKey, ['kms:Decrypt'], ['s3', 'sqs']);

    const { recordings: recordingsBucket, transcripts: transcriptsBucket } = resources.bucketNames;
    const objectReaders: Array<[ServiceName, string, string]> = [
      ['api', recordingsBucket, 'presigned PUT of new recordings'],
      ['api', transcriptsBucket, 'reading transcripts'],
      ['ingestion', recordingsBucket, 'reading the recording an ingestion message names'],
      ['transcription', recordingsBucket, 'reading the recording to transcribe'],
      ['transcription', transcriptsBucket, 'writing the transcript'],
      ['indexing', transcriptsBucket, 'reading the transcript to index'],
    ];
    for (const [service, objects, purpose] of objectReaders) {
      acknowledge(
        roles[service].node.findChild('Permissions'),
        `AwsSolutions-IAM5[Resource::${objectPattern(this, objects)}]`,
        `Object keys are chosen at upload time, so object-level actions (${purpose}) need the object wildcard of this one bucket; the actions are single and explicit (no s3:* or Get*), and the bucket is TLS-only and KMS-encrypted.`,
      );
    }
  }

  /**
   * The worker shutdown contract (docs/services.md): a worker protects its own task from scale-in while it holds a
   * message (`ecs:UpdateTaskProtection` through the ECS agent endpoint) and reads the protection back. Scoped to the
   * tasks of this environment's cluster (the cluster name is fixed; IAM cannot name "the caller's own task").
   */
  allowTaskProtection(clusterName: string): void {
    const { account } = Stack.of(this);
    const tasks = Stack.of(this).formatArn({ service: 'ecs', resource: 'task', resourceName: `${clusterName}/*` });
    // How cdk-nag names the resource in its finding: the account literal when given (-c account=), else its Ref
    // rendering.
    const findingResource = Token.isUnresolved(account) ? tasks.replace(account, '<AWS::AccountId>') : tasks;
    for (const worker of WORKER_NAMES) {
      const role = this.taskRoles[worker];
      this.allow(role, [...TASK_PROTECTION], [tasks]);
      acknowledge(
        role.node.findChild('Permissions'),
        `AwsSolutions-IAM5[Resource::${findingResource}]`,
        `Task ids are assigned at run time, so task scale-in protection (${TASK_PROTECTION.join(', ')}, nothing else) names the task wildcard of this environment's one cluster; a worker protects itself while it holds a message.`,
      );
    }
  }

  private allow(role: iam.IRole, actions: string[], resourceArns: string[]): void {
    iam.Grant.addToPrincipal({ grantee: role, actions, resourceArns });
  }

  private allowKey(role: iam.IRole, key: kms.IKey, actions: string[], viaServices: Array<'s3' | 'sqs'>): void {
    const region = Stack.of(this).region;
    iam.Grant.addToPrincipal({
      grantee: role,
      actions,
      resourceArns: [key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': viaServices.map((service) => `${service}.${region}.amazonaws.com`) } },
    });
  }
}

/** How cdk-nag names the object wildcard of a bucket in an IAM5 finding (partition literal, or its Ref rendering). */
function objectPattern(scope: Construct, bucketName: string): string {
  const partition = Stack.of(scope).partition;
  return `arn:${Token.isUnresolved(partition) ? '<AWS::Partition>' : partition}:s3:::${bucketName}/*`;
}
