/**
 * Synthesizes the global setup's jobs (./variants.ts) into .test-synth/, with the same app, gates and
 * cdk.json flags as `cdk synth` (CDK's CloudFormation validation on), and records each cdk-nag pack's
 * findings. Test files read the results through ./templates.ts instead of synthesizing again.
 *
 * Run by the global setup as `tsx test/support/synthesize.ts <job id>...` with TEST_SYNTH_KEY set: each
 * finished job directory gets that key, which is how a later run knows it may reuse it.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEnvironment } from '../../environments';
import { COMPLIANCE_PACKS } from '../../lib/core/compliance';
import { createPipelineApp } from '../../lib/pipeline-app';
import { reportOnlyContext } from '../../scripts/lib/cdk-context';
import { KEY_FILE, SYNTH_ROOT, type NagSummary } from './synth-cache';
import { jobDirectory, parseSynthJob, SYNTH_JOBS, SYNTH_VARIANTS, type SynthJob } from './variants';

export function synthesizeJob(job: SynthJob, key?: string): void {
  const outdir = jobDirectory(SYNTH_ROOT, job);
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const { app } = createPipelineApp(loadEnvironment(job.envName, SYNTH_VARIANTS[job.variant][job.envName] ?? {}), {
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
  if (key) writeFileSync(join(outdir, KEY_FILE), key);
}

if (require.main === module) {
  const ids = process.argv.slice(2);
  for (const job of ids.length > 0 ? ids.map(parseSynthJob) : SYNTH_JOBS) {
    const started = Date.now();
    synthesizeJob(job, process.env.TEST_SYNTH_KEY);
    // One line per job on stdout for the global setup's timing summary.
    process.stdout.write(`${JSON.stringify({ job: job.id, seconds: (Date.now() - started) / 1000 })}\n`);
  }
}
