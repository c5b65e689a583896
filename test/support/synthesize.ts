/**
 * Synthesizes environments once per test run (jest globalSetup) into .test-synth/<env>/, with the
 * same app, gates and cdk.json flags as `cdk synth`, and records each cdk-nag pack's findings.
 * Test files read the results through ./templates.ts instead of synthesizing again.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENVIRONMENT_NAMES, loadEnvironment, type EnvironmentName } from '../../environments';
import { COMPLIANCE_PACKS } from '../../lib/core/compliance';
import { createPipelineApp } from '../../lib/pipeline-app';
import { reportOnlyContext } from '../../scripts/lib/cdk-context';

/** Override with TEST_SYNTH_DIR to keep parallel runs (several worktrees, say) apart. */
export const SYNTH_ROOT = process.env.TEST_SYNTH_DIR ?? join(__dirname, '..', '..', '.test-synth');

export interface NagSummary {
  /** Pack name -> unacknowledged findings as "RuleId at construct/path". */
  readonly packs: Record<string, string[]>;
}

export function synthesizeEnvironment(envName: EnvironmentName): void {
  const outdir = join(SYNTH_ROOT, envName);
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const { app } = createPipelineApp(loadEnvironment(envName), {
    outdir,
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
  const summary: NagSummary = { packs };
  writeFileSync(join(outdir, 'nag-summary.json'), JSON.stringify(summary, null, 2));
}

if (require.main === module) {
  for (const name of process.argv.slice(2).length > 0 ? process.argv.slice(2) : ENVIRONMENT_NAMES) {
    synthesizeEnvironment(name as EnvironmentName);
  }
}
