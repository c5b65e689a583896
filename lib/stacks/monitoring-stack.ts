import type { Construct } from 'constructs';
import { missingAlarmDestination, type EnvironmentConfig } from '../../environments';
import type { PipelineData } from '../contracts';
import { PipelineStack } from '../core/pipeline-stack';
import { AlarmTopic } from '../monitoring/alarm-topic';
import { CostBudget } from '../monitoring/cost-budget';
import { PipelineAlarms } from '../monitoring/pipeline-alarms';
import { PipelineDashboard } from '../monitoring/pipeline-dashboard';
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
  readonly alarms: PipelineAlarms;
  readonly dashboard: PipelineDashboard;
  readonly budget: CostBudget;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, { config: props.config, component: 'monitoring' });
    const { config } = props;
    const natGatewayIds = props.network.network.natGateways.map((nat) => nat.attrNatGatewayId);

    // Budget recipients reach the budget through the topic (its only subscriber): see CostBudget.
    const emails = [...new Set([...config.monitoring.alarmEmails, ...config.budget.notificationEmails])];
    this.alarmTopic = new AlarmTopic(this, 'AlarmTopic', {
      names: this.names,
      emails,
      disposable: config.disposableData,
      requireDeployTimeEmail: missingAlarmDestination(config) !== undefined,
    });
    this.alarms = new PipelineAlarms(this, 'Alarms', {
      names: this.names,
      config,
      topic: this.alarmTopic.topic,
      data: props.data,
      services: props.services,
      natGatewayIds,
    });
    this.dashboard = new PipelineDashboard(this, 'Dashboard', { names: this.names, alarms: this.alarms, natGatewayIds });
    this.budget = new CostBudget(this, 'CostBudget', { names: this.names, budget: config.budget, costCenters: [config.tags.CostCenter, config.search.collectionCostCenter], topic: this.alarmTopic.topic });
  }
}
