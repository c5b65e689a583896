// @ts-check
/**
 * Jest reporter: after the run, where the time went. The global setup (synthesis, or its reuse) and the
 * five slowest test files, with the process's wall and CPU time. Plain JavaScript: jest loads reporters
 * without the TypeScript transform.
 */
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const SYNTH_ROOT = process.env.TEST_SYNTH_DIR ?? join(__dirname, '..', '..', '.test-synth');

class TimingReporter {
  /** @param {import('@jest/reporters').AggregatedResult} results */
  onRunComplete(_contexts, results) {
    const lines = ['', 'timing summary'];
    const timingFile = join(SYNTH_ROOT, 'setup-timing.json');
    // The setup writes the file on every run; one older than this run means the setup was skipped.
    if (existsSync(timingFile) && !process.env.TEST_SKIP_CDK_SYNTH) {
      /** @type {{ seconds: number, key: string, reused: string[], synthesized: Array<{ job: string, seconds: number }> }} */
      const setup = JSON.parse(readFileSync(timingFile, 'utf8'));
      const synthesized = setup.synthesized.map((s) => `${s.job} ${s.seconds.toFixed(1)}s`).join(', ');
      lines.push(
        `  global setup ${setup.seconds.toFixed(1)}s (inputs ${setup.key.slice(0, 12)}): ` +
          `${setup.reused.length} assemblies reused, ${setup.synthesized.length} synthesized${synthesized ? ` (${synthesized})` : ''}`,
      );
    } else {
      lines.push('  global setup skipped (TEST_SKIP_CDK_SYNTH=1)');
    }
    // Real-tool runs (test/support/tool-answers.ts): how many ran, how many answers to identical calls were reused.
    const toolLog = join(SYNTH_ROOT, 'tool-answers', 'this-run.log');
    if (existsSync(toolLog)) {
      const entries = readFileSync(toolLog, 'utf8').split('\n').filter(Boolean);
      const ran = entries.filter((line) => line.startsWith('ran ')).length;
      lines.push(`  real tools: ${ran} runs, ${entries.length - ran} answers to identical calls reused (TEST_FRESH_TOOLS=1 runs every one)`);
    }
    const suites = results.testResults
      .map((r) => ({ file: r.testFilePath.replace(`${process.cwd()}/`, ''), seconds: (r.perfStats.end - r.perfStats.start) / 1000 }))
      .sort((a, b) => b.seconds - a.seconds);
    const total = suites.reduce((sum, s) => sum + s.seconds, 0);
    lines.push(`  ${suites.length} test files, ${total.toFixed(1)}s in workers; slowest:`);
    for (const s of suites.slice(0, 5)) lines.push(`    ${s.seconds.toFixed(1).padStart(6)}s  ${s.file}`);
    const cpu = process.cpuUsage();
    lines.push(`  wall ${((Date.now() - results.startTime) / 1000).toFixed(1)}s since the first test started; this process: ${process.uptime().toFixed(1)}s, CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)}s (workers and synth children not included)`);
    process.stderr.write(`${lines.join('\n')}\n`);
  }
}

module.exports = TimingReporter;
