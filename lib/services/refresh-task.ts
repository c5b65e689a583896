import { Duration, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sm from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledge } from '../core/compliance';
import { ManagedPolicyRole } from '../core/managed-policy-role';
import { retainedUnlessDisposable } from '../core/removal';
import type { ResourceNames } from '../naming';
import { REFRESH_TASKS, type RefreshSide } from '../refresh/names';
import { PARKED_IMAGE_TAG, SCRATCH_VOLUME } from './pipeline-service';
import { ecsExecutionRolePrincipal } from '../core/ecs-principals';
import { imageRepository } from './cluster';

/** Seconds the refresh task gets between SIGTERM and SIGKILL (it should stop writing and exit non-zero). */
const REFRESH_STOP_TIMEOUT_SECONDS = 120;

export interface RefreshTaskProps {
  readonly names: ResourceNames;
  readonly side: RefreshSide;
  /** Image tag; undefined: `not-deployed` (the definition exists, a run fails to pull until an image is deployed). */
  readonly imageTag?: string;
  readonly taskCpu: number;
  readonly taskMemoryMiB: number;
  readonly cpuArchitecture: 'ARM64' | 'X86_64';
  readonly containerUser: string;
  /** From the data stack (its grants live there). */
  readonly taskRole: iam.IRole;
  readonly environment: Record<string, string>;
  /** `MONGODB_URI`: the same secret the services read (IAM auth: the task role is the database user). */
  readonly mongodbUri: sm.ISecret;
  readonly imagesRetained: number;
  readonly logRetentionDays: logs.RetentionDays;
  readonly logsKey: kms.IKey;
  readonly disposable: boolean;
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

    this.repository = imageRepository(this, 'Repository', { repositoryName: names.name(task), imagesRetained: props.imagesRetained, disposable: props.disposable });

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: names.logGroupName(`ecs/${task}`),
      retention: props.logRetentionDays,
      encryptionKey: props.logsKey,
      removalPolicy: retainedUnlessDisposable(props.disposable),
    });

    this.executionRole = new ManagedPolicyRole(this, 'ExecutionRole', {
      roleName: names.name(`${task}-exec`, 'role'),
      assumedBy: ecsExecutionRolePrincipal(this),
      description: `${names.prefix}: ECS agent for the ${task}: pulls its image, writes its log group, reads mongodb-uri`,
    });

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      family: this.family,
      cpu: props.taskCpu,
      memoryLimitMiB: props.taskMemoryMiB,
      runtimePlatform: {
        cpuArchitecture: props.cpuArchitecture === 'ARM64' ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
      taskRole: props.taskRole,
      executionRole: this.executionRole,
    });
    const secret = sm.Secret.fromSecretCompleteArn(this, 'MongodbUriSecret', props.mongodbUri.secretArn);
    const container = this.taskDefinition.addContainer('App', {
      containerName: task,
      image: ecs.ContainerImage.fromEcrRepository(this.repository, props.imageTag ?? PARKED_IMAGE_TAG),
      essential: true,
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: task }),
      environment: props.environment,
      secrets: { MONGODB_URI: ecs.Secret.fromSecretsManager(secret) },
      stopTimeout: Duration.seconds(REFRESH_STOP_TIMEOUT_SECONDS),
      user: props.containerUser,
      readonlyRootFilesystem: true,
      memoryLimitMiB: props.taskMemoryMiB,
    });
    this.taskDefinition.addVolume({ name: SCRATCH_VOLUME.name });
    container.addMountPoints({ sourceVolume: SCRATCH_VOLUME.name, containerPath: SCRATCH_VOLUME.containerPath, readOnly: false });
    if (props.mongodbUri.encryptionKey) {
      this.executionRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'DecryptSecretsThroughSecretsManager',
          actions: ['kms:Decrypt'],
          resources: [props.mongodbUri.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` } },
        }),
      );
    }

    acknowledge(
      this.executionRole.node.findChild('Permissions'),
      'AwsSolutions-IAM5[Resource::*]',
      'Only ecr:GetAuthorizationToken has Resource "*" (the action supports no resource-level permission); image pulls are limited to this task\'s repository ARN, and the logs/secret statements name their ARNs.',
    );
    acknowledge(
      this.taskDefinition.node.defaultChild as ecs.CfnTaskDefinition,
      'AwsSolutions-ECS2',
      'The environment variables are bucket names, the environment and the role of the task, not secrets; the connection string comes from Secrets Manager as an ECS secret.',
    );
  }
}
