import { Stack, type Duration } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { acknowledge } from '../core/compliance';
import type { ManagedPolicyRole } from '../core/managed-policy-role';

/** The container's only writable path: a task volume (Fargate has no tmpfs), the root filesystem is read-only. */
export const SCRATCH_VOLUME = { name: 'tmp', containerPath: '/tmp' } as const;

export interface HardenedTaskDefinitionProps {
  /** Task definition family. */
  readonly family: string;
  /** Name of the task's one container, and its log stream prefix. */
  readonly containerName: string;
  /** CPU units. @default 256 */
  readonly cpu?: number;
  /** Memory of the task, and the container's hard limit. @default 512 */
  readonly memoryLimitMiB?: number;
  /** @default ecs.CpuArchitecture.X86_64 */
  readonly cpuArchitecture?: ecs.CpuArchitecture;
  readonly taskRole: iam.IRole;
  readonly executionRole: iam.IRole;
  readonly image: ecs.ContainerImage;
  readonly logGroup: logs.ILogGroup;
  readonly environment: Record<string, string>;
  readonly secrets: Record<string, ecs.Secret>;
  /** @default - no port mappings */
  readonly portMappings?: ecs.PortMapping[];
  /** SIGTERM to SIGKILL. */
  readonly stopTimeout: Duration;
  /** A numeric non-root `UID:GID` (checked by the caller, `checkContainerUser`). */
  readonly user: string;
}

/**
 * The Fargate task definition (Linux) of PipelineService and RefreshTask, with its one container hardened the
 * same way for every task: a fixed non-root user, a read-only root filesystem, the whole task's memory as the
 * container's hard limit (one container per task: no sidecar shares it), logs to `logGroup`, and a writable
 * scratch bind mount on the task's ephemeral storage ({@link SCRATCH_VOLUME}, owned as the image's /tmp is).
 * Construct ids `TaskDefinition` and `App` are created in `scope`.
 */
export function hardenedTaskDefinition(
  scope: Construct,
  props: HardenedTaskDefinitionProps,
): { taskDefinition: ecs.FargateTaskDefinition; container: ecs.ContainerDefinition } {
  const memoryLimitMiB = props.memoryLimitMiB ?? 512;
  const taskDefinition = new ecs.FargateTaskDefinition(scope, 'TaskDefinition', {
    family: props.family,
    cpu: props.cpu ?? 256,
    memoryLimitMiB,
    runtimePlatform: {
      cpuArchitecture: props.cpuArchitecture ?? ecs.CpuArchitecture.X86_64,
      operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
    },
    taskRole: props.taskRole,
    executionRole: props.executionRole,
  });
  const container = taskDefinition.addContainer('App', {
    containerName: props.containerName,
    image: props.image,
    essential: true,
    logging: ecs.LogDrivers.awsLogs({ logGroup: props.logGroup, streamPrefix: props.containerName }),
    environment: props.environment,
    secrets: props.secrets,
    portMappings: props.portMappings,
    stopTimeout: props.stopTimeout,
    user: props.user,
    readonlyRootFilesystem: true,
    memoryLimitMiB,
  });
  taskDefinition.addVolume({ name: SCRATCH_VOLUME.name });
  container.addMountPoints({
    sourceVolume: SCRATCH_VOLUME.name,
    containerPath: SCRATCH_VOLUME.containerPath,
    readOnly: false,
  });
  return { taskDefinition, container };
}

/** Lets an execution role decrypt its ECS secrets with `keyArn`, only through Secrets Manager in this region. */
export function allowSecretsDecrypt(executionRole: ManagedPolicyRole, keyArn: string): void {
  executionRole.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'DecryptSecretsThroughSecretsManager',
      actions: ['kms:Decrypt'],
      resources: [keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(executionRole).region}.amazonaws.com` } },
    }),
  );
}

/**
 * AwsSolutions-IAM5 on an execution role's policy: ecr:GetAuthorizationToken has no resource-level
 * permissions, so AWS requires Resource "*". `owner` is what pulls the image ("service", "task").
 */
export function acknowledgeAuthorizationToken(executionRole: ManagedPolicyRole, owner: string): void {
  const policy = executionRole.node.tryFindChild('Permissions');
  if (!policy) return;
  acknowledge(
    policy,
    'AwsSolutions-IAM5[Resource::*]',
    `Only ecr:GetAuthorizationToken has Resource "*" (the action supports no resource-level permission); image pulls themselves are limited to this ${owner}'s repository ARN, and logs/secrets statements name their ARNs.`,
  );
}
