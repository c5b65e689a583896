import { Duration } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { missingAlarmDestination, type EnvironmentConfig } from '../../environments';
import { SERVICE_NAMES, servicesParked, type PipelineData, type ServiceName } from '../contracts';
import { PipelineStack } from '../core/pipeline-stack';
import { retainedUnlessDisposable } from '../core/removal';
import { AlarmTopic } from '../monitoring/alarm-topic';
import { CostBudget } from '../monitoring/cost-budget';
import { PipelineMonitoring } from '../monitoring/pipeline-monitoring';
import { RefreshFailureAlarm } from '../monitoring/refresh-failure';
import { refreshNames } from '../refresh/names';
import type { MonitoredServices } from '../monitoring/targets';
import type { NetworkStack } from './network-stack';

export interface MonitoringStackProps {
  readonly config: EnvironmentConfig;
  /** NAT gateways (port-allocation alarms). */
  readonly network: NetworkStack;
  /** Queues, cache and search collection to watch. */
  readonly data: PipelineData;
  /** ECS services and the api load balancer to watch (the ServicesStack). */
  readonly services: MonitoredServices;
}

/**
 * `{project}-{env}-monitoring`: the alarm topic, every alarm, the pipeline dashboard and the
 * environment's cost budget. Stateless: it only observes, and can be replaced at any time.
 */
export class MonitoringStack extends PipelineStack {
  readonly alarmTopic: AlarmTopic;
  readonly monitoring: PipelineMonitoring;
  readonly budget: CostBudget;
  readonly refreshFailure?: RefreshFailureAlarm;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, { config: props.config, component: 'monitoring' });
    const { config } = props;
    const m = config.monitoring;

    // Budget recipients reach the budget through the topic (its only subscriber): see CostBudget.
    const emails = [...new Set([...m.alarmEmails, ...config.budget.notificationEmails])];
    this.alarmTopic = new AlarmTopic(this, 'AlarmTopic', {
      names: this.names,
      emails,
      removalPolicy: retainedUnlessDisposable(config.disposableData),
      requireDeployTimeEmail: missingAlarmDestination(config) !== undefined,
    });

    // Running-task floors only where the environment runs around the clock with a floor of tasks (staging, prod),
    // and once an image is deployed: parked services (no image tag, 0 tasks) would otherwise alarm without end.
    // A weekend stop takes every service to 0 on purpose. Workers have their own (backlog-scaled) floor.
    const guardsFloors = config.uptime.mode === 'always-on' && !config.uptime.weekendStop && !servicesParked(config.services);
    const taskFloors: Partial<Record<ServiceName, number>> = {};
    for (const service of SERVICE_NAMES) {
      const floor = service === 'api' ? config.services.minCapacity : config.services.workerMinCapacity;
      if (guardsFloors && floor > 0) taskFloors[service] = floor;
    }

    this.monitoring = new PipelineMonitoring(this, 'Monitoring', {
      names: this.names,
      topic: this.alarmTopic.topic,
      actionsEnabled: m.notificationsEnabled,
      thresholds: {
        queueMaxAge: Duration.seconds(m.queueMaxAgeSeconds),
        queueMaxDepth: m.queueMaxDepth,
        serviceCpuPercent: m.serviceCpuPercent,
        serviceMemoryPercent: m.serviceMemoryPercent,
        alb5xxPer5Minutes: m.alb5xxPer5Minutes,
        albP95Latency: Duration.millis(m.albP95LatencySeconds * 1000),
        cacheCpuPercent: m.cacheCpuPercent,
        cacheMemoryPercent: m.cacheMemoryPercent,
        cacheEvictionsPer5Minutes: m.cacheEvictionsPer5Minutes,
        cacheReplicationLag: Duration.millis(m.cacheReplicationLagSeconds * 1000),
        searchErrorsPer5Minutes: m.searchErrorsPer5Minutes,
        searchLatency: Duration.millis(m.searchLatencyMs),
      },
      queues: props.data.queues,
      services: Object.fromEntries(
        SERVICE_NAMES.map((s) => [s, props.services.services[s].service]),
      ) as Record<ServiceName, PipelineMonitoringService>,
      loadBalancer: props.services.apiLoadBalancer.loadBalancer,
      targetGroup: props.services.apiLoadBalancer.targetGroup,
      taskFloors,
      cacheNodeIds: props.data.cache.memberIds,
      searchCollection: props.data.search.collection,
      natGatewayIds: props.network.network.natGateways.map((nat) => nat.attrNatGatewayId),
    });
    if (config.refresh.role !== 'none') {
      const refresh = refreshNames(config.project);
      this.refreshFailure = new RefreshFailureAlarm(this, 'RefreshFailure', {
        family: config.refresh.role === 'source' ? refresh.anonymiserFamily : refresh.loaderFamily,
        topic: this.alarmTopic.topic,
        topicKey: this.alarmTopic.key.key,
      });
    }
    this.budget = new CostBudget(this, 'CostBudget', {
      names: this.names,
      monthlyLimitUsd: config.budget.monthlyUsd,
      forecastedAlertPercent: config.budget.forecastedAlertPercent,
      actualAlertPercent: config.budget.actualAlertPercent,
      costCenters: [config.tags.CostCenter, config.search.collectionCostCenter],
      topic: this.alarmTopic.topic,
    });
  }
}

type PipelineMonitoringService = MonitoredServices['services'][ServiceName]['service'];
