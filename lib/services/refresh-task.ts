import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sm from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledge, acknowledgeLogGroupControls } from '../core/compliance';
import { ManagedPolicyRole } from '../core/managed-policy-role';
import type { ResourceNames } from '../naming';
import { REFRESH_TASKS, type RefreshSide } from '../refresh/names';
import { acknowledgeAuthorizationToken, allowSecretsDecrypt, hardenedTaskDefinition } from './task-definition';
import { ecsExecutionRolePrincipal } from '../core/ecs-principals';
import { imageRepository } from './cluster';
import { checkContainerUser, DEFAULT_CONTAINER_USER, FARGATE_STOP_TIMEOUT_SECONDS, PARKED_IMAGE_TAG } from './rules';

/** SIGTERM to SIGKILL, in seconds (the task should stop writing and exit non-zero): the Fargate maximum. */
const REFRESH_STOP_TIMEOUT_SECONDS = FARGATE_STOP_TIMEOUT_SECONDS.max;

export interface RefreshTaskProps {
  /** Naming scheme of the environment: repository, family and log group are named after the side's task. */
  readonly names: ResourceNames;
  /** Which side of the refresh path: `source` (the anonymiser, prod) or `target` (the loader, staging). */
  readonly side: RefreshSide;
  /**
   * Image tag of the task.
   * @default - `not-deployed`: the definition exists, a run fails to pull until an image is deployed
   */
  readonly imageTag?: string;
  /**
   * Task CPU units (a Fargate size, paired with `memoryLimitMiB`).
   * @default 256
   */
  readonly cpu?: number;
  /**
   * Task memory in MiB, also the container's hard limit.
   * @default 512
   */
  readonly memoryLimitMiB?: number;
  /**
   * CPU architecture the image is built for.
   * @default ecs.CpuArchitecture.X86_64
   */
  readonly cpuArchitecture?: ecs.CpuArchitecture;
  /**
   * Numeric non-root `UID:GID` the container runs as.
   * @default '1000:1000'
   */
  readonly containerUser?: string;
  /** From the data stack (its grants live there). */
  readonly taskRole: iam.IRole;
  /**
   * Plain environment variables of the container (run-specific ones are `run-task` overrides).
   * @default {}
   */
  readonly environment?: Record<string, string>;
  /** `MONGODB_URI`: the same secret the services read (IAM auth: the task role is the database user). */
  readonly mongodbUri: sm.ISecret;
  /**
   * Tagged images the task's repository keeps.
   * @default 10
   */
  readonly imagesRetained?: number;
  /**
   * Retention of the task's log group.
   * @default logs.RetentionDays.TWO_YEARS
   */
  readonly logRetention?: logs.RetentionDays;
  /** Key of the task's log group. */
  readonly logsKey: kms.IKey;
  /**
   * What happens to the repository (with its images, when `DESTROY`) and the log group when the stack deletes them.
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The staging-refresh task of one side (anonymiser in prod, loader in staging): its ECR repository (as the
 * services': scan on push, immutable tags, lifecycle-trimmed), log group, execution role and a Fargate task
 * definition with the services' hardening (non-root, read-only root filesystem, /tmp volume, memory limit).
 * No ECS service: `npm run refresh-staging` starts it with `aws ecs run-task` (docs/staging-refresh.md).
 */
export class RefreshTask extends Construct {
  readonly repository: ecr.Repository;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly executionRole: ManagedPolicyRole;
  readonly logGroup: logs.LogGroup;
  readonly family: string;

  constructor(scope: Construct, id: string, props: RefreshTaskProps) {
    super(scope, id);
    const { names } = props;
    const task = REFRESH_TASKS[props.side];
    this.family = names.name(task);
    const containerUser = props.containerUser ?? DEFAULT_CONTAINER_USER;
    checkContainerUser(this.family, containerUser);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;

    this.repository = imageRepository(this, 'Repository', {
      repositoryName: names.name(task),
      imagesRetained: props.imagesRetained,
      removalPolicy,
    });

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: names.logGroupName(`ecs/${task}`),
      retention: props.logRetention ?? logs.RetentionDays.TWO_YEARS,
      encryptionKey: props.logsKey,
      removalPolicy,
    });
    acknowledgeLogGroupControls(this.logGroup, props.logsKey);

    this.executionRole = new ManagedPolicyRole(this, 'ExecutionRole', {
      roleName: names.name(`${task}-exec`, 'role'),
      assumedBy: ecsExecutionRolePrincipal(this),
      description: `${names.prefix}: ECS agent for the ${task}: pulls its image, writes its log group, reads mongodb-uri`,
    });

    const secret = sm.Secret.fromSecretCompleteArn(this, 'MongodbUriSecret', props.mongodbUri.secretArn);
    ({ taskDefinition: this.taskDefinition } = hardenedTaskDefinition(this, {
      family: this.family,
      containerName: task,
      cpu: props.cpu,
      memoryLimitMiB: props.memoryLimitMiB,
      cpuArchitecture: props.cpuArchitecture,
      taskRole: props.taskRole,
      executionRole: this.executionRole,
      image: ecs.ContainerImage.fromEcrRepository(this.repository, props.imageTag ?? PARKED_IMAGE_TAG),
      logGroup: this.logGroup,
      environment: props.environment ?? {},
      secrets: { MONGODB_URI: ecs.Secret.fromSecretsManager(secret) },
      stopTimeout: Duration.seconds(REFRESH_STOP_TIMEOUT_SECONDS),
      user: containerUser,
    }));
    if (props.mongodbUri.encryptionKey) allowSecretsDecrypt(this.executionRole, props.mongodbUri.encryptionKey.keyArn);

    acknowledgeAuthorizationToken(this.executionRole, 'task');
    acknowledge(
      this.taskDefinition.node.defaultChild as ecs.CfnTaskDefinition,
      'AwsSolutions-ECS2',
      'The environment variables are bucket names, the environment and the role of the task, not secrets; the connection string comes from Secrets Manager as an ECS secret.',
    );
  }
}
