import * as budgets from 'aws-cdk-lib/aws-budgets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../environments';
import type { ResourceNames } from '../naming';

export interface CostBudgetProps {
  readonly names: ResourceNames;
  readonly budget: EnvironmentConfig['budget'];
  /** Value of the CostCenter cost allocation tag every resource of the environment carries. */
  readonly costCenter: string;
  /** Topic that receives the notifications (its policy must let budgets.amazonaws.com publish). */
  readonly topic: sns.ITopic;
}

/** Most subscribers AWS Budgets accepts on one notification (1 SNS topic + 10 e-mail addresses). */
const MAX_EMAIL_SUBSCRIBERS = 10;

/**
 * A monthly AWS Budgets cost budget for the environment, filtered by its CostCenter cost
 * allocation tag (activate the tag once in the billing console), notifying on forecasted and
 * actual spend.
 */
export class CostBudget extends Construct {
  readonly budget: budgets.CfnBudget;

  constructor(scope: Construct, id: string, props: CostBudgetProps) {
    super(scope, id);
    const { budget } = props;
    if (budget.notificationEmails.length > MAX_EMAIL_SUBSCRIBERS) {
      throw new Error(`${props.names.prefix}: budget.notificationEmails has ${budget.notificationEmails.length} addresses; AWS Budgets allows ${MAX_EMAIL_SUBSCRIBERS} per notification`);
    }
    const subscribers: budgets.CfnBudget.SubscriberProperty[] = [
      { subscriptionType: 'SNS', address: props.topic.topicArn },
      ...budget.notificationEmails.map((address) => ({ subscriptionType: 'EMAIL', address })),
    ];
    const notification = (notificationType: 'FORECASTED' | 'ACTUAL', threshold: number): budgets.CfnBudget.NotificationWithSubscribersProperty => ({
      notification: { notificationType, comparisonOperator: 'GREATER_THAN', threshold, thresholdType: 'PERCENTAGE' },
      subscribers,
    });

    this.budget = new budgets.CfnBudget(this, 'Budget', {
      budget: {
        budgetName: props.names.name('monthly-cost'),
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: budget.monthlyUsd, unit: 'USD' },
        costFilters: { TagKeyValue: [`user:CostCenter$${props.costCenter}`] },
      },
      notificationsWithSubscribers: [notification('FORECASTED', budget.forecastedAlertPercent), notification('ACTUAL', budget.actualAlertPercent)],
    });
  }
}
