/**
 * Synthesizes the jobs of ./variants.ts (all, or those named) into SYNTH_ROOT with the same app, gates and
 * cdk.json flags as `cdk synth` (CDK's CloudFormation validation on), and records each cdk-nag pack's
 * findings. Run by the global setup as `tsx test/support/synthesize.ts [<job id>...]`; test files read
 * the results through ./templates.ts.
 */

interface PluginReport {
  readonly pluginName: string;
  readonly conclusion: string;
  readonly metadata?: Record<string, unknown>;
  readonly violations: ReadonlyArray<{
    ruleName: string;
    violatingConstructs: ReadonlyArray<{ constructPath?: string }>;
  }>;
}

/**
 * The Control Tower plugin's unacknowledged findings in the assembly's validation report (CDK writes a plugin's
 * report only when it failed, found something or had something acknowledged), and its failure if it failed.
 */
export function controlTowerFindings(assemblyDir: string): string[] {
  const file = join(assemblyDir, 'validation-report.json');
  const reports = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { pluginReports: PluginReport[] }).pluginReports : [];
  return reports.filter((report) => report.pluginName === CONTROL_TOWER_PLUGIN).flatMap((report) => [
    ...(report.conclusion !== 'success' && report.violations.length === 0 ? [`plugin failed: ${JSON.stringify(report.metadata ?? {})}`] : []),
    ...report.violations.flatMap((violation) => violation.violatingConstructs.map((construct) =>
      `${controlOfRule(violation.ruleName)?.id ?? '?'} (${violation.ruleName}) at ${construct.constructPath ?? '?'}`)),
  ]);
}
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEnvironment } from '../../environments';
import { COMPLIANCE_PACKS, CONTROL_TOWER_PLUGIN, controlOfRule } from '../../lib/core/compliance';
import { createPipelineApp } from '../../lib/pipeline-app';
import { reportOnlyContext } from '../../scripts/lib/cdk-context';
import { SYNTH_ROOT, type NagSummary } from './synth-cache';
import { jobDirectory, parseSynthJob, SYNTH_JOBS, SYNTH_VARIANTS, type SynthJob } from './variants';

export function synthesizeJob(job: SynthJob): void {
  const outdir = jobDirectory(SYNTH_ROOT, job);
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const variant = SYNTH_VARIANTS[job.variant];
  const { app } = createPipelineApp(loadEnvironment(job.envName, variant.overrides[job.envName]), {
    outdir,
    noRelease: variant.noRelease,
    // Write the validation report instead of throwing, so a test can list every finding.
    context: reportOnlyContext(),
  });
  app.synth();

  const packs: Record<string, string[]> = {};
  for (const pack of COMPLIANCE_PACKS) {
    const report = pack.create(app).validateScope(app);
    packs[pack.name] = report.violations.flatMap((violation) =>
      violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`),
    );
  }
  const summary: NagSummary = { packs, controlTower: controlTowerFindings(outdir) };
  writeFileSync(join(outdir, 'nag-summary.json'), JSON.stringify(summary, null, 2));
}

if (require.main === module) {
  const ids = process.argv.slice(2);
  for (const job of ids.length > 0 ? ids.map(parseSynthJob) : SYNTH_JOBS) synthesizeJob(job);
}
