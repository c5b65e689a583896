import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { loadEnvironment, type EnvironmentName, type EnvironmentOverrides } from '../../environments';
import { COMPLIANCE_PACKS } from '../../lib/core/compliance';
import { createPipelineApp } from '../../lib/pipeline-app';
import { reportOnlyContext } from '../support/cdk-context';

export interface DeployedShape {
  readonly template: Template;
  readonly json: { Resources: Record<string, { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; DependsOn?: string[] }>; Parameters?: Record<string, unknown>; Rules?: Record<string, unknown> };
  /** Unacknowledged cdk-nag findings of every pack, anywhere in the app. */
  readonly findings: string[];
  /** Violations of the synth validation report (cdk-nag plugins and CloudFormation validation). */
  readonly validation: string[];
}

/**
 * The environment as deployed with deploy-time overrides (an image tag, a certificate): the global
 * synth covers the committed config, where no image tag exists and the services are parked.
 */
export function synthWithOverrides(envName: EnvironmentName, overrides: EnvironmentOverrides): DeployedShape {
  const outdir = mkdtempSync(join(tmpdir(), `services-${envName}-`));
  const { app, stacks } = createPipelineApp(loadEnvironment(envName, overrides), {
    outdir,
    context: reportOnlyContext(),
  });
  const assembly = app.synth();
  const json = assembly.getStackByName(stacks.services.stackName).template;
  const findings = COMPLIANCE_PACKS.flatMap((pack) =>
    pack
      .create(app)
      .validateScope(app)
      .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`)),
  );
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
    pluginReports: Array<{ pluginName: string; violations: Array<{ ruleName: string; violatingConstructs: Array<{ constructPath: string }> }> }>;
  };
  const validation = report.pluginReports.flatMap((p) => p.violations.map((v) => `${p.pluginName}: ${v.ruleName} at ${v.violatingConstructs.map((c) => c.constructPath).join(', ')}`));
  return { template: Template.fromJSON(json), json, findings, validation };
}

/** Resources of one type, by logical id. */
export function resourcesOf(json: DeployedShape['json'], type: string): Array<[string, DeployedShape['json']['Resources'][string]]> {
  return Object.entries(json.Resources).filter(([, r]) => r.Type === type);
}
