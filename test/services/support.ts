import type { Template } from 'aws-cdk-lib/assertions';
import type { EnvironmentName } from '../../environments';
import { nagSummaryOf, stackOf, validationReportOf } from '../support/templates';

export interface DeployedShape {
  readonly template: Template;
  readonly json: {
    Resources: Record<
      string,
      { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; DependsOn?: string[] }
    >;
    Parameters?: Record<string, unknown>;
    Rules?: Record<string, unknown>;
  };
  /** Unacknowledged cdk-nag findings of every pack, anywhere in the app. */
  readonly findings: string[];
  /** Violations of the synth validation report (cdk-nag plugins and CloudFormation validation). */
  readonly validation: string[];
}

/**
 * The services stack of the environment as deployed with deploy-time overrides (an image tag, a
 * certificate outside dev: the global setup's `deployed` variant, test/support/variants.ts); the
 * `committed` assemblies cover the config as committed, where no image tag exists and the services are parked.
 */
export function deployedShape(envName: EnvironmentName): DeployedShape {
  const stack = stackOf(envName, 'services', 'deployed');
  const findings = Object.values(nagSummaryOf(envName, 'deployed').packs).flat();
  const report = validationReportOf(envName, 'deployed');
  const validation = report.pluginReports.flatMap((p) => p.violations.map((v) => `${p.pluginName}: ${v.ruleName} at ${v.violatingConstructs.map((c) => c.constructPath).join(', ')}`));
  return { template: stack.template, json: stack.json as DeployedShape['json'], findings, validation };
}

/**
 * Resources of one type, by logical id: those of the four services and their cluster. The staging-refresh task
 * (repository, log group, roles and task definition under `StagingRefreshTask`) is asserted in test/refresh/.
 */
export function resourcesOf(json: DeployedShape['json'], type: string): Array<[string, DeployedShape['json']['Resources'][string]]> {
  return Object.entries(json.Resources).filter(([id, r]) => r.Type === type && !id.startsWith(REFRESH_TASK_ID));
}

/** Logical-id prefix of the staging-refresh task's resources in the services stack (lib/stacks/services-stack.ts). */
export const REFRESH_TASK_ID = 'StagingRefreshTask';
