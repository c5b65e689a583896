import * as budgets from 'aws-cdk-lib/aws-budgets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { ResourceNames } from '../naming';

export interface CostBudgetProps {
  /** Naming scheme: the budget is `{project}-{env}-monthly-cost-f<forecast %>-a<actual %>`. */
  readonly names: ResourceNames;
  /** Monthly cost limit, USD. */
  readonly monthlyLimitUsd: number;
  /**
   * Notify when the forecasted month exceeds this percentage of the limit.
   * @default 80
   */
  readonly forecastedAlertPercent?: number;
  /**
   * Notify when the actual spend exceeds this percentage of the limit.
   * @default 100
   */
  readonly actualAlertPercent?: number;
  /**
   * Values of the CostCenter cost allocation tag the budget counts (duplicates count once), e.g. the one every
   * resource carries and the search collection's, frozen at its creation (its tags are create-only).
   */
  readonly costCenters: readonly string[];
  /**
   * The only subscriber of the budget (its policy must let budgets.amazonaws.com publish). People
   * subscribe to the topic: adding or removing one is an in-place change of the topic's
   * subscriptions, where an e-mail subscriber on the budget itself would replace the budget.
   */
  readonly topic: sns.ITopic;
}

/** AWS Budgets' largest notification threshold, in percent of the limit. */
const MAX_THRESHOLD_PERCENT = 1_000_000;

/** `marin-prod-monthly-cost-f80-a100`: the alert percentages are part of the name (see below). */
export function budgetNameOf(names: ResourceNames, forecastedAlertPercent: number, actualAlertPercent: number): string {
  return names.name(`monthly-cost-f${forecastedAlertPercent}-a${actualAlertPercent}`);
}

/**
 * A monthly AWS Budgets cost budget for the environment, filtered by its CostCenter cost
 * allocation tag (activate the tag once in the billing console), notifying the topic on forecasted
 * and actual spend.
 *
 * Day-2 safety: `NotificationsWithSubscribers` is create-only, and `BudgetName` is fixed, so any
 * edit of the notifications would replace the budget under the same name and fail ("already
 * exists"). Hence the only subscriber is the topic (constant), and the alert percentages, the
 * only other editable part of the notifications, are in the name: changing one replaces the budget
 * under a new name (create new, then delete old), which succeeds. The amount and the cost filter
 * live in `Budget` and update in place.
 */
export class CostBudget extends Construct {
  readonly budget: budgets.CfnBudget;

  constructor(scope: Construct, id: string, props: CostBudgetProps) {
    super(scope, id);
    const forecastedAlertPercent = props.forecastedAlertPercent ?? 80;
    const actualAlertPercent = props.actualAlertPercent ?? 100;
    // Guards for the construct used alone (the environment schema is stricter): values AWS Budgets rejects.
    for (const [prop, percent] of Object.entries({ forecastedAlertPercent, actualAlertPercent })) {
      if (!(percent > 0 && percent <= MAX_THRESHOLD_PERCENT)) {
        const limit = `above 0 and at most ${MAX_THRESHOLD_PERCENT} (AWS Budgets)`;
        throw new Error(`${this.node.path}: ${prop} must be ${limit}, got ${percent}`);
      }
    }
    if (props.costCenters.length === 0) {
      throw new Error(`${this.node.path}: costCenters must name at least one CostCenter tag value`);
    }
    const subscribers: budgets.CfnBudget.SubscriberProperty[] = [{ subscriptionType: 'SNS', address: props.topic.topicArn }];
    const notification = (notificationType: 'FORECASTED' | 'ACTUAL', threshold: number): budgets.CfnBudget.NotificationWithSubscribersProperty => ({
      notification: { notificationType, comparisonOperator: 'GREATER_THAN', threshold, thresholdType: 'PERCENTAGE' },
      subscribers,
    });

    this.budget = new budgets.CfnBudget(this, 'Budget', {
      budget: {
        budgetName: budgetNameOf(props.names, forecastedAlertPercent, actualAlertPercent),
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: props.monthlyLimitUsd, unit: 'USD' },
        costFilters: { TagKeyValue: [...new Set(props.costCenters)].map((value) => `user:CostCenter$${value}`) },
      },
      notificationsWithSubscribers: [
        notification('FORECASTED', forecastedAlertPercent),
        notification('ACTUAL', actualAlertPercent),
      ],
    });
  }
}
