import { Tags } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { EnvironmentConfig } from '../../environments';
import { CREATE_ONLY_TAG_TYPES } from './resource-kinds';

/** Tags on every taggable resource. CostCenter is the cost-allocation tag the budgets filter on. */
export function standardTags(config: EnvironmentConfig): Record<string, string> {
  return {
    ...immutableTags(config.project, config.name),
    ...config.tags,
  };
}

export const COST_ALLOCATION_TAG = 'CostCenter';

/** The standard tags whose values can never change for an environment (its project, its name, the tool). */
export function immutableTags(project: string, environment: string): Record<string, string> {
  return { Project: project, Environment: environment, ManagedBy: 'aws-cdk' };
}

/**
 * Fixed-name types whose `Tags` are create-only (./resource-kinds.ts) are skipped: a tag change would replace
 * them and the replacement fails ("already exists"). Their construct sets `immutableTags` plus values fixed at
 * creation (the collection's `search.collectionCostCenter`); any other tag is applied out of band
 * (docs/runbook.md, "Creation-time settings").
 */
export function applyStandardTags(scope: IConstruct, config: EnvironmentConfig): void {
  for (const [key, value] of Object.entries(standardTags(config))) {
    Tags.of(scope).add(key, value, { excludeResourceTypes: [...CREATE_ONLY_TAG_TYPES] });
  }
}
