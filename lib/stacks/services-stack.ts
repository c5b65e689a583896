import { Duration, TimeZone } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type { Construct } from 'constructs';
import { FARGATE_MAX_STOP_TIMEOUT_SECONDS, type EnvironmentConfig } from '../../environments';
import { apiMinimumTasks, SERVICE_NAMES, servicesParked, WORKER_NAMES, type PipelineData, type ServiceName, type WorkerName } from '../contracts';
import { PipelineStack } from '../core/pipeline-stack';
import { retainedUnlessDisposable } from '../core/removal';
import { albAccessLogsPrefix, dataBucketNames } from '../data/data-buckets';
import { SUBNET_GROUPS } from '../network/network';
import { pascalCase } from '../naming';
import { ApiLoadBalancer } from '../services/api-service';
import { requireAtlasHandoff } from '../services/atlas-handoff';
import { ServiceCluster } from '../services/cluster';
import { PipelineService } from '../services/pipeline-service';
import { RefreshTask } from '../services/refresh-task';
import { refreshNames, REFRESH_TASKS } from '../refresh/names';
import { ServiceScaling } from '../services/scaling';
import { ApiWebAcl } from '../services/web-acl';
import type { NetworkStack } from './network-stack';

export interface ServicesStackProps {
  readonly config: EnvironmentConfig;
  /** VPC, subnets and the logs key. */
  readonly network: NetworkStack;
  /** What the data stack hands over (buckets, queues, task roles, secrets, security group). */
  readonly data: PipelineData;
}

/** How long ECS ignores failing ALB health checks after an api task starts. */
const API_HEALTH_CHECK_GRACE = Duration.seconds(60);

/**
 * `{project}-{env}-services`: the stateless half. The ECS cluster and image repositories, the api
 * behind its ALB (and WAF where configured), the three queue workers, their autoscaling and, in a
 * business-hours environment, the schedules that stop everything overnight. Replaceable without
 * touching data: every data grant lives on the task roles in the data stack.
 */
export class ServicesStack extends PipelineStack {
  readonly cluster: ServiceCluster;
  readonly apiLoadBalancer: ApiLoadBalancer;
  readonly services: Record<ServiceName, PipelineService>;
  readonly scaling: Record<ServiceName, ServiceScaling>;
  readonly webAcl?: ApiWebAcl;
  /** The staging-refresh task of this environment (prod: anonymiser, staging: loader), where config has one. */
  readonly refreshTask?: RefreshTask;

  constructor(scope: Construct, id: string, props: ServicesStackProps) {
    super(scope, id, { config: props.config, component: 'services' });
    const { config, network, data } = props;
    const services = config.services;
    for (const name of SERVICE_NAMES) {
      if (!data.taskRoles[name]) throw new Error(`ServicesStack: data.taskRoles.${name} is missing; the data stack must create a task role for every service (${SERVICE_NAMES.join(', ')})`);
    }
    for (const name of WORKER_NAMES) {
      if (!data.queues[name]) throw new Error(`ServicesStack: data.queues.${name} is missing; every worker (${WORKER_NAMES.join(', ')}) needs its queue`);
    }
    // CloudFormation refuses any change of this stack until the Atlas stack has written the connection string.
    requireAtlasHandoff(this, this.names);
    const vpc = network.network.vpc;
    const parked = servicesParked(services);
    // Config -> construct props: these, and each construct's props below, are the only place config reaches them.
    const removalPolicy = retainedUnlessDisposable(config.disposableData);
    const cpuArchitecture =
      services.cpuArchitecture === 'ARM64' ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64;
    const logsAndRemoval = { logRetention: config.logRetentionDays, logsKey: network.logsKey.key, removalPolicy };

    this.cluster = new ServiceCluster(this, 'Cluster', {
      names: this.names,
      vpc,
      services: SERVICE_NAMES,
      containerInsights:
        services.containerInsights === 'enhanced' ? ecs.ContainerInsights.ENHANCED : ecs.ContainerInsights.ENABLED,
      imagesRetained: services.imagesRetained,
      removalPolicy,
    });

    const environment: Record<string, string> = {
      APP_ENV: config.name,
      RECORDINGS_BUCKET: data.recordingsBucket.bucketName,
      TRANSCRIPTS_BUCKET: data.transcriptsBucket.bucketName,
      INGESTION_QUEUE_URL: data.queues.ingestion.queue.queueUrl,
      TRANSCRIPTION_QUEUE_URL: data.queues.transcription.queue.queueUrl,
      INDEXING_QUEUE_URL: data.queues.indexing.queue.queueUrl,
      SEARCH_ENDPOINT: data.search.collectionEndpoint,
      SEARCH_COLLECTION: data.search.collectionName,
      CACHE_PORT: String(data.cache.port),
    };
    // Every service reads its connection settings from these secrets (ARCHITECTURE: "Every service reads ...").
    const secrets = {
      MONGODB_URI: data.secrets.mongodbUri,
      REDIS_ENDPOINT: data.secrets.redisEndpoint,
      REDIS_AUTH_TOKEN: data.secrets.redisAuth,
    };
    const common = {
      names: this.names,
      cluster: this.cluster.cluster,
      capacityProviders: this.cluster.capacityProviders,
      imageTag: services.imageTag,
      cpu: services.taskCpu,
      memoryLimitMiB: services.taskMemoryMiB,
      cpuArchitecture,
      containerUser: services.containerUser,
      subnets: network.network.privateSubnets,
      securityGroups: [data.servicesSecurityGroup],
      secrets,
      // The Fargate maximum, also the Spot interruption notice; the queues' visibility timeouts are sized against it.
      stopTimeout: Duration.seconds(FARGATE_MAX_STOP_TIMEOUT_SECONDS),
      ...logsAndRemoval,
    };

    // api tasks: the shared services group (cache, AOSS, HTTPS egress) plus this one, which admits the ALB only.
    const apiTaskSecurityGroup = new ec2.SecurityGroup(this, 'ApiTaskSecurityGroup', {
      vpc,
      description: `${this.names.prefix} api tasks: the api port from the load balancer only (egress via the shared services group)`,
      allowAllOutbound: false,
    });
    const api = new PipelineService(this, 'Api', {
      ...common,
      securityGroups: [data.servicesSecurityGroup, apiTaskSecurityGroup],
      healthCheckGracePeriod: API_HEALTH_CHECK_GRACE,
      service: 'api',
      repository: this.cluster.repositories.api,
      capacity: 'on-demand',
      onDemandBase: 0,
      taskRole: data.taskRoles.api,
      environment: { ...environment, PORT: String(services.apiContainerPort) },
      containerPort: services.apiContainerPort,
    });

    const workers = {} as Record<WorkerName, PipelineService>;
    for (const worker of WORKER_NAMES) {
      workers[worker] = new PipelineService(this, pascalCase(worker), {
        ...common,
        service: worker,
        repository: this.cluster.repositories[worker],
        capacity: services.workersOnSpot ? 'spot' : 'on-demand',
        onDemandBase: services.workersOnSpot ? services.workerOnDemandBase : 0,
        taskRole: data.taskRoles[worker],
        environment: { ...environment, QUEUE_URL: data.queues[worker].queue.queueUrl },
      });
    }
    this.services = { api, ...workers };

    this.apiLoadBalancer = new ApiLoadBalancer(this, 'ApiLoadBalancer', {
      names: this.names,
      vpc,
      publicSubnets: { subnetGroupName: SUBNET_GROUPS.public },
      containerPort: services.apiContainerPort,
      healthCheckPath: services.apiHealthCheckPath,
      certificate:
        services.certificateArn !== undefined ? elbv2.ListenerCertificate.fromArn(services.certificateArn) : undefined,
      httpsOnly: services.httpsOnly,
      plainHttpCidrs: services.plainHttpIngress?.cidrs,
      deletionProtection: services.loadBalancerDeletionProtection,
      accessLogsBucketName: dataBucketNames(this.names).accessLogs,
      accessLogsPrefix: albAccessLogsPrefix(this.names),
    });
    this.apiLoadBalancer.acknowledgeConfigDecisions({ webAcl: services.waf.enabled });
    this.apiLoadBalancer.attach(api.service, 'api', apiTaskSecurityGroup, services.apiContainerPort);

    if (services.waf.enabled) {
      this.webAcl = new ApiWebAcl(this, 'ApiWebAcl', {
        names: this.names,
        loadBalancer: this.apiLoadBalancer.loadBalancer,
        rateLimitPer5Minutes: services.waf.rateLimitPer5Minutes,
        ...logsAndRemoval,
      });
    }

    const { refresh } = config;
    if (refresh.role !== 'none') {
      if (!data.refreshTaskRole) throw new Error(`ServicesStack: data.refreshTaskRole is missing; refresh.role ${refresh.role} needs the data stack's refresh task role`);
      const side = refresh.role;
      const exportBucket = refreshNames(config.project).exportBucket;
      this.refreshTask = new RefreshTask(this, 'StagingRefreshTask', {
        names: this.names,
        side,
        imageTag: refresh.imageTag,
        cpu: refresh.taskCpu,
        memoryLimitMiB: refresh.taskMemoryMiB,
        cpuArchitecture,
        containerUser: services.containerUser,
        taskRole: data.refreshTaskRole,
        // The contract of both images: docs/staging-refresh.md. Run-specific values (REFRESH_RUN_ID,
        // EXPORT_PREFIX) are container overrides of `aws ecs run-task`.
        environment: {
          APP_ENV: config.name,
          REFRESH_TASK: REFRESH_TASKS[side],
          EXPORT_BUCKET: exportBucket,
          ...(side === 'source'
            ? { TRANSCRIPTS_BUCKET: data.transcriptsBucket.bucketName }
            : {
              RECORDINGS_BUCKET: data.recordingsBucket.bucketName,
              TRANSCRIPTS_BUCKET: data.transcriptsBucket.bucketName,
            }),
        },
        mongodbUri: data.secrets.mongodbUri,
        imagesRetained: services.imagesRetained,
        ...logsAndRemoval,
      });
    }

    // Parked services (no image tag yet) are pinned to 0 tasks: nothing may start a task whose image does not exist.
    const { autoscaling } = services;
    const cooldowns = {
      scaleOutCooldown: Duration.seconds(autoscaling.scaleOutCooldownSeconds),
      scaleInCooldown: Duration.seconds(autoscaling.scaleInCooldownSeconds),
    };
    const apiMin = parked ? 0 : apiMinimumTasks(services);
    const workerMin = parked ? 0 : services.workerMinCapacity;
    const max = parked ? 0 : services.maxCapacity;

    const scaling = {} as Record<ServiceName, ServiceScaling>;
    scaling.api = new ServiceScaling(this, 'ApiScaling', { cluster: this.cluster.cluster, service: api.service, minCapacity: apiMin, maxCapacity: max });
    scaling.api.trackCpuAndRequests(
      this.apiLoadBalancer.requestCountResourceLabel,
      { cpuPercent: autoscaling.apiCpuTargetPercent, requestsPerTarget: autoscaling.apiRequestsPerTarget },
      cooldowns,
    );
    for (const worker of WORKER_NAMES) {
      const s = new ServiceScaling(this, `${pascalCase(worker)}Scaling`, { cluster: this.cluster.cluster, service: workers[worker].service, minCapacity: workerMin, maxCapacity: max });
      s.trackBacklogPerTask(data.queues[worker].queue, autoscaling.workerBacklogPerTask, cooldowns);
      s.startFromZero(data.queues[worker].queue, cooldowns);
      scaling[worker] = s;
    }
    this.scaling = scaling;

    const { uptime } = config;
    const timeZone = TimeZone.of(uptime.timezone);
    if (uptime.mode === 'business-hours' && !parked) {
      const hours = { timeZone, startHour: uptime.startHour, stopHour: uptime.stopHour, weekdays: uptime.weekdays };
      for (const name of SERVICE_NAMES) this.scaling[name].businessHours(hours);
    }
    if (uptime.mode === 'always-on' && uptime.weekendStop && !parked) {
      for (const name of SERVICE_NAMES) this.scaling[name].weekendStop(timeZone);
    }
  }
}
