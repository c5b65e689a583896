import { Duration, Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sm from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../environments';
import { servicesParked, type ServiceName } from '../contracts';
import { acknowledge } from '../core/compliance';
import { ManagedPolicyRole } from '../core/managed-policy-role';
import type { ResourceNames } from '../naming';
import { retainedUnlessDisposable } from '../core/removal';
import { ecsExecutionRolePrincipal } from '../core/ecs-principals';

/** Tag of the task definitions while no image has been deployed: never pulled (the service is parked at 0 tasks). */
export const PARKED_IMAGE_TAG = 'not-deployed';

/** The container's only writable path: a task volume (Fargate has no tmpfs), the root filesystem is read-only. */
export const SCRATCH_VOLUME = { name: 'tmp', containerPath: '/tmp' } as const;

/** Capacity provider mix of a service. */
export type CapacityMode = 'on-demand' | 'spot';

export interface PipelineServiceProps {
  readonly names: ResourceNames;
  readonly service: ServiceName;
  readonly cluster: ecs.ICluster;
  /** The cluster's capacity provider association: a strategy may only name associated providers. */
  readonly capacityProviders: ecs.CfnClusterCapacityProviderAssociations;
  readonly repository: ecr.IRepository;
  /** Image tag; undefined parks the service (desired count 0, image never pulled). */
  readonly imageTag?: string;
  readonly sizing: Pick<EnvironmentConfig['services'], 'taskCpu' | 'taskMemoryMiB' | 'cpuArchitecture'>;
  /** Numeric `UID:GID` the container runs as (never root); see the image contract in docs/services.md. */
  readonly containerUser: string;
  /** on-demand Fargate, or Fargate Spot with `onDemandBase` tasks kept on on-demand. */
  readonly capacity: CapacityMode;
  readonly onDemandBase: number;
  /** Role the application code runs as (from the data stack; its grants live there). */
  readonly taskRole: iam.IRole;
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroups: ec2.ISecurityGroup[];
  readonly environment: Record<string, string>;
  /** ECS secrets: variable name -> Secrets Manager secret. The execution role can read exactly these. */
  readonly secrets: Record<string, sm.ISecret>;
  /** Seconds ECS ignores load balancer health checks after a task starts (services behind a load balancer). */
  readonly healthCheckGracePeriodSeconds?: number;
  /** Container port (api only). */
  readonly containerPort?: number;
  /** Seconds between SIGTERM and SIGKILL: workers finish (or release) their message. Fargate allows at most 120. */
  readonly stopTimeoutSeconds: number;
  /** Retention of the service's log group. */
  readonly logRetentionDays: logs.RetentionDays;
  readonly logsKey: kms.IKey;
  readonly disposable: boolean;
}

/**
 * One ECS service on Fargate: its log group, execution role, task definition and service, with the
 * settings every service shares (private subnets, no public IP, circuit breaker with rollback).
 */
export class PipelineService extends Construct {
  readonly service: ecs.FargateService;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  readonly executionRole: ManagedPolicyRole;
  readonly logGroup: logs.LogGroup;
  /** True while no image tag is configured: the service exists at 0 tasks and must not scale. */
  readonly parked: boolean;

  constructor(scope: Construct, id: string, props: PipelineServiceProps) {
    super(scope, id);
    const { names, service } = props;
    if (props.stopTimeoutSeconds < 2 || props.stopTimeoutSeconds > 120) {
      throw new Error(`${names.prefix}-${service}: stopTimeoutSeconds must be between 2 and 120 (Fargate limit), got ${props.stopTimeoutSeconds}`);
    }
    if (!/^[1-9]\d*:[1-9]\d*$/.test(props.containerUser)) {
      throw new Error(`${names.prefix}-${service}: containerUser must be a numeric non-root UID:GID such as 1000:1000, got "${props.containerUser}"`);
    }
    if (props.onDemandBase < 0 || (props.capacity === 'on-demand' && props.onDemandBase > 0)) {
      throw new Error(`${names.prefix}-${service}: onDemandBase applies to Spot capacity only and cannot be negative, got ${props.onDemandBase}`);
    }
    this.parked = servicesParked(props);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: names.logGroupName(`ecs/${service}`),
      retention: props.logRetentionDays,
      encryptionKey: props.logsKey,
      removalPolicy: retainedUnlessDisposable(props.disposable),
    });

    this.executionRole = new ManagedPolicyRole(this, 'ExecutionRole', {
      roleName: names.name(`${service}-exec`, 'role'),
      assumedBy: ecsExecutionRolePrincipal(this),
      description: `${names.prefix}: ECS agent for ${service}: pulls its image, writes its log group, reads its secrets`,
    });

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      family: names.name(service),
      cpu: props.sizing.taskCpu,
      memoryLimitMiB: props.sizing.taskMemoryMiB,
      runtimePlatform: {
        cpuArchitecture: props.sizing.cpuArchitecture === 'ARM64' ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
      taskRole: props.taskRole,
      executionRole: this.executionRole,
    });

    this.container = this.taskDefinition.addContainer('App', {
      containerName: service,
      image: ecs.ContainerImage.fromEcrRepository(props.repository, props.imageTag ?? PARKED_IMAGE_TAG),
      essential: true,
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: service }),
      environment: props.environment,
      secrets: this.containerSecrets(props.secrets),
      portMappings: props.containerPort !== undefined ? [{ containerPort: props.containerPort, protocol: ecs.Protocol.TCP }] : undefined,
      stopTimeout: Duration.seconds(props.stopTimeoutSeconds),
      // Hardening: a fixed non-root user, a read-only root filesystem, and the whole task's memory as the
      // container's hard limit (one container per task: no sidecar shares it).
      user: props.containerUser,
      readonlyRootFilesystem: true,
      memoryLimitMiB: props.sizing.taskMemoryMiB,
    });
    // Writable scratch: a bind mount on the task's ephemeral storage, owned as the image's /tmp is (docs/services.md).
    this.taskDefinition.addVolume({ name: SCRATCH_VOLUME.name });
    this.container.addMountPoints({ sourceVolume: SCRATCH_VOLUME.name, containerPath: SCRATCH_VOLUME.containerPath, readOnly: false });

    const strategies: ecs.CapacityProviderStrategy[] =
      props.capacity === 'spot'
        ? [
            ...(props.onDemandBase > 0 ? [{ capacityProvider: 'FARGATE', base: props.onDemandBase, weight: 0 }] : []),
            { capacityProvider: 'FARGATE_SPOT', weight: 1 },
          ]
        : [{ capacityProvider: 'FARGATE', weight: 1 }];

    this.service = new ecs.FargateService(this, 'Service', {
      serviceName: names.name(service),
      cluster: props.cluster,
      taskDefinition: this.taskDefinition,
      // Parked (no image yet): created at 0 tasks so the first deploy does not wait for an image that does not exist.
      // Running: no DesiredCount, so autoscaling owns the count and a deploy never resets a scaled-out service
      // (ECS creates the service with 1 task; registering the scalable target raises it to minCapacity).
      desiredCount: this.parked ? 0 : undefined,
      capacityProviderStrategies: strategies,
      platformVersion: ecs.FargatePlatformVersion.LATEST,
      vpcSubnets: props.subnets,
      securityGroups: props.securityGroups,
      assignPublicIp: false,
      circuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriod: props.healthCheckGracePeriodSeconds !== undefined ? Duration.seconds(props.healthCheckGracePeriodSeconds) : undefined,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      enableECSManagedTags: true,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });
    // The capacity providers must be associated with the cluster before a strategy can name them.
    this.service.node.addDependency(props.capacityProviders);

    this.acknowledgeAuthorizationToken();
    acknowledge(
      this.taskDefinition.node.defaultChild as ecs.CfnTaskDefinition,
      'AwsSolutions-ECS2',
      'The environment variables are resource names and endpoints (bucket and queue names, search endpoint, cache port), not secrets; credentials and connection strings come from Secrets Manager as ECS secrets.',
    );
  }

  /**
   * ECS secrets, read by the execution role: `secretsmanager:GetSecretValue`/`DescribeSecret` on
   * exactly these secrets, and `kms:Decrypt` on their key only through Secrets Manager. The secret
   * is referenced by ARN here so the grant lands on this role's policy; granting through the data
   * stack's secret object would write this role's ARN into the data key's policy (a stack cycle).
   */
  private containerSecrets(secrets: Record<string, sm.ISecret>): Record<string, ecs.Secret> {
    const keys = new Map<string, kms.IKey>();
    const result: Record<string, ecs.Secret> = {};
    for (const [name, secret] of Object.entries(secrets)) {
      const byArn = sm.Secret.fromSecretCompleteArn(this, `${name}Secret`, secret.secretArn);
      result[name] = ecs.Secret.fromSecretsManager(byArn);
      if (secret.encryptionKey) keys.set(secret.encryptionKey.node.path, secret.encryptionKey);
    }
    for (const key of keys.values()) {
      this.executionRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'DecryptSecretsThroughSecretsManager',
          actions: ['kms:Decrypt'],
          resources: [key.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` } },
        }),
      );
    }
    return result;
  }

  /** ecr:GetAuthorizationToken has no resource-level permissions: AWS requires Resource "*". */
  private acknowledgeAuthorizationToken(): void {
    const policy = this.executionRole.node.tryFindChild('Permissions');
    if (!policy) return;
    for (const id of ['AwsSolutions-IAM5[Resource::*]']) {
      acknowledge(
        policy,
        id,
        'Only ecr:GetAuthorizationToken has Resource "*" (the action supports no resource-level permission); image pulls themselves are limited to this service\'s repository ARN, and logs/secrets statements name their ARNs.',
      );
    }
  }
}
