import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sm from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { servicesParked, type ServiceName } from '../contracts';
import { acknowledge, acknowledgeLogGroupControls } from '../core/compliance';
import { ManagedPolicyRole } from '../core/managed-policy-role';
import type { ResourceNames } from '../naming';
import { ecsExecutionRolePrincipal } from '../core/ecs-principals';
import { checkContainerUser, DEFAULT_CONTAINER_USER, FARGATE_STOP_TIMEOUT_SECONDS, PARKED_IMAGE_TAG } from './rules';
import { acknowledgeAuthorizationToken, allowSecretsDecrypt, hardenedTaskDefinition } from './task-definition';

export { SCRATCH_VOLUME } from './task-definition';

/** Capacity provider mix of a service. */
export type CapacityMode = 'on-demand' | 'spot';

export interface PipelineServiceProps {
  /** Naming scheme of the environment: service, family and log group are named after `service`. */
  readonly names: ResourceNames;
  /** Which pipeline service this is (its container, log stream prefix and names). */
  readonly service: ServiceName;
  /** Cluster the service runs in. */
  readonly cluster: ecs.ICluster;
  /** The cluster's capacity provider association: a strategy may only name associated providers. */
  readonly capacityProviders: ecs.CfnClusterCapacityProviderAssociations;
  /** Repository of the service's image. */
  readonly repository: ecr.IRepository;
  /**
   * Image tag to run.
   * @default - parked: desired count 0 and the tag `not-deployed`, never pulled
   */
  readonly imageTag?: string;
  /**
   * Task CPU units (a Fargate size, paired with `memoryLimitMiB`).
   * @default 256
   */
  readonly cpu?: number;
  /**
   * Task memory in MiB, also the container's hard limit (one container per task).
   * @default 512
   */
  readonly memoryLimitMiB?: number;
  /**
   * CPU architecture the image is built for.
   * @default ecs.CpuArchitecture.X86_64
   */
  readonly cpuArchitecture?: ecs.CpuArchitecture;
  /**
   * Numeric non-root `UID:GID` the container runs as; see the image contract in docs/services.md.
   * @default '1000:1000'
   */
  readonly containerUser?: string;
  /**
   * on-demand Fargate, or Fargate Spot with `onDemandBase` tasks kept on on-demand.
   * @default 'on-demand'
   */
  readonly capacity?: CapacityMode;
  /**
   * Spot only: tasks kept on on-demand Fargate as a floor.
   * @default 0
   */
  readonly onDemandBase?: number;
  /** Role the application code runs as (from the data stack; its grants live there). */
  readonly taskRole: iam.IRole;
  /** Subnets of the tasks (no public IP is ever assigned). */
  readonly subnets: ec2.SubnetSelection;
  /** Security groups of the tasks. */
  readonly securityGroups: ec2.ISecurityGroup[];
  /**
   * Plain environment variables of the container.
   * @default {}
   */
  readonly environment?: Record<string, string>;
  /**
   * ECS secrets: variable name -> Secrets Manager secret. The execution role can read exactly these.
   * @default {}
   */
  readonly secrets?: Record<string, sm.ISecret>;
  /**
   * How long ECS ignores load balancer health checks after a task starts (services behind a load balancer).
   * @default - none (ECS: 0 seconds). Only because ApiLoadBalancer.attach() sets the service's `loadBalancers`
   * directly: an L2 attachment (e.g. `attachToApplicationTargetGroup`) makes ecs.FargateService default it to 60 s.
   */
  readonly healthCheckGracePeriod?: Duration;
  /**
   * Container port, mapped over TCP (the api).
   * @default - no port mapping
   */
  readonly containerPort?: number;
  /**
   * Time between SIGTERM and SIGKILL: workers finish (or release) their message. Fargate allows 2 to 120 seconds.
   * @default Duration.seconds(120), the Fargate maximum (and the notice Fargate Spot gives)
   */
  readonly stopTimeout?: Duration;
  /**
   * Retention of the service's log group.
   * @default logs.RetentionDays.TWO_YEARS
   */
  readonly logRetention?: logs.RetentionDays;
  /** Key of the service's log group. */
  readonly logsKey: kms.IKey;
  /**
   * What happens to the log group when its stack deletes or replaces it.
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
   */
  readonly removalPolicy?: RemovalPolicy;
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
    const owner = `${names.prefix}-${service}`;
    const stopTimeout = props.stopTimeout ?? Duration.seconds(FARGATE_STOP_TIMEOUT_SECONDS.max);
    // Duration's own error names no prop; ECS takes whole seconds only.
    const stopSeconds = stopTimeout.toSeconds({ integral: false });
    if (!Number.isInteger(stopSeconds)) {
      throw new Error(`${owner}: stopTimeout must be a whole number of seconds, got ${stopSeconds} s`);
    }
    if (stopSeconds < FARGATE_STOP_TIMEOUT_SECONDS.min || stopSeconds > FARGATE_STOP_TIMEOUT_SECONDS.max) {
      throw new Error(`${owner}: stopTimeout must be between 2 and 120 seconds (Fargate limit), got ${stopSeconds}`);
    }
    const containerUser = props.containerUser ?? DEFAULT_CONTAINER_USER;
    checkContainerUser(owner, containerUser);
    const capacity = props.capacity ?? 'on-demand';
    const onDemandBase = props.onDemandBase ?? 0;
    if (onDemandBase < 0 || (capacity === 'on-demand' && onDemandBase > 0)) {
      throw new Error(`${owner}: onDemandBase applies to Spot capacity only and cannot be negative, got ${onDemandBase}`);
    }
    this.parked = servicesParked(props);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: names.logGroupName(`ecs/${service}`),
      retention: props.logRetention ?? logs.RetentionDays.TWO_YEARS,
      encryptionKey: props.logsKey,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    acknowledgeLogGroupControls(this.logGroup, props.logsKey);

    this.executionRole = new ManagedPolicyRole(this, 'ExecutionRole', {
      roleName: names.name(`${service}-exec`, 'role'),
      assumedBy: ecsExecutionRolePrincipal(this),
      description: `${names.prefix}: ECS agent for ${service}: pulls its image, writes its log group, reads its secrets`,
    });

    // Before the container: the decrypt statements come first in the execution role's policy.
    const secrets = this.containerSecrets(props.secrets ?? {});
    ({ taskDefinition: this.taskDefinition, container: this.container } = hardenedTaskDefinition(this, {
      family: names.name(service),
      containerName: service,
      cpu: props.cpu,
      memoryLimitMiB: props.memoryLimitMiB,
      cpuArchitecture: props.cpuArchitecture,
      taskRole: props.taskRole,
      executionRole: this.executionRole,
      image: ecs.ContainerImage.fromEcrRepository(props.repository, props.imageTag ?? PARKED_IMAGE_TAG),
      logGroup: this.logGroup,
      environment: props.environment ?? {},
      secrets,
      portMappings:
        props.containerPort !== undefined
          ? [{ containerPort: props.containerPort, protocol: ecs.Protocol.TCP }]
          : undefined,
      stopTimeout,
      user: containerUser,
    }));

    const strategies: ecs.CapacityProviderStrategy[] =
      capacity === 'spot'
        ? [
          ...(onDemandBase > 0 ? [{ capacityProvider: 'FARGATE', base: onDemandBase, weight: 0 }] : []),
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
      healthCheckGracePeriod: props.healthCheckGracePeriod,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      enableECSManagedTags: true,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });
    // The capacity providers must be associated with the cluster before a strategy can name them.
    this.service.node.addDependency(props.capacityProviders);

    acknowledgeAuthorizationToken(this.executionRole, 'service');
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
    for (const key of keys.values()) allowSecretsDecrypt(this.executionRole, key.keyArn);
    return result;
  }
}
