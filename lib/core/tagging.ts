import { Tags } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { EnvironmentConfig } from '../../environments';

/** Tags on every taggable resource. CostCenter is the cost-allocation tag the budgets filter on. */
export function standardTags(config: EnvironmentConfig): Record<string, string> {
  return {
    Project: config.project,
    Environment: config.name,
    ManagedBy: 'aws-cdk',
    ...config.tags,
  };
}

export const COST_ALLOCATION_TAG = 'CostCenter';

export function applyStandardTags(scope: IConstruct, config: EnvironmentConfig): void {
  for (const [key, value] of Object.entries(standardTags(config))) {
    Tags.of(scope).add(key, value);
  }
}
