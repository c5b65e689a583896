/**
 * Expected mistakes end with one short `error:` line and a consistent exit code (usage or unknown
 * environment: 2; an invalid config value, a failed check or a refusal: 1), never a stack trace.
 * Each row runs the real entry point as a user would.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ENVIRONMENTS, parseEnvironment } from '../../environments';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

function runEntry(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(TSX, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1', ...env }, timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const noStackTrace = (text: string): void => {
  expect(text).not.toMatch(/^\s+at /m);
  expect(text).not.toContain('node:internal');
};

describe('expected mistakes: short message, consistent exit code', () => {
  test.each([
    ['npm run synth -- --env qa', ['scripts/synth.ts', '--env', 'qa'], {}, 2, 'error: unknown environment "qa": valid environments are dev, staging, prod (or all)'],
    ['npx cdk synth -c env=qa (the app as the CDK CLI starts it)', ['bin/app.ts'], { CDK_CONTEXT_JSON: JSON.stringify({ env: 'qa' }), CDK_OUTDIR: '/tmp/failure-paths-cdk-out' }, 2, 'error: unknown environment "qa": valid environments are dev, staging, prod'],
    ['ATLAS_ENVIRONMENTS=qa npx cdktf synth (the app as the CDKTF CLI starts it)', ['atlas/main.ts'], { ATLAS_ENVIRONMENTS: 'qa', CDKTF_OUTDIR: '/tmp/failure-paths-cdktf-out' }, 2, 'error: unknown environment "qa": valid environments are dev, staging, prod (or all) (ATLAS_ENVIRONMENTS=qa)'],
    ['npm run synth -- --bogus', ['scripts/synth.ts', '--bogus'], {}, 2, 'error: unknown option --bogus'],
    ['npm run docs:facts -- --bogus', ['scripts/docs-facts.ts', '--bogus'], {}, 2, 'error: unknown option --bogus'],
  ] as const)('%s', (_, args, env, code, message) => {
    const result = runEntry([...args], env);
    expect(result.status).toBe(code);
    expect(result.stderr.trim().split('\n')[0]).toContain(message);
    noStackTrace(result.stderr);
  });

  test('an invalid taskCpu names the field and the valid sizes, and no empty memory list', () => {
    const input = structuredClone(ENVIRONMENTS.dev) as unknown as { services: { taskCpu: number } };
    input.services.taskCpu = 300;
    expect(() => parseEnvironment(input, 'dev')).toThrow(/services\.taskCpu: .*256/);
    expect(() => parseEnvironment(input, 'dev')).not.toThrow(/valid: \)/);
  });
});
