import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cdkJsonContext } from '../support/cdk-context';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

/** Runs bin/app.ts the way the CDK CLI does: context in CDK_CONTEXT_JSON, output dir in CDK_OUTDIR. */
function runApp(context: Record<string, string>) {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-app-'));
  // As `cdk synth` runs it: with CDK's CloudFormation validation, which test files otherwise skip (test/support/unit-synth.ts).
  const env = { ...process.env };
  delete env.CDK_VALIDATION;
  const result = spawnSync(TSX, [join(ROOT, 'bin', 'app.ts')], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...env, CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJsonContext(), ...context }), CDK_OUTDIR: outdir },
  });
  return { ...result, outdir };
}

describe('bin/app.ts', () => {
  test('an unknown environment exits non-zero listing dev, staging, prod', () => {
    const result = runApp({ env: 'production' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('unknown environment "production": valid environments are dev, staging, prod');
  });

  test('a bad deploy-time value names the environment and the field', () => {
    const result = runApp({ env: 'staging', account: '12345' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('environment "staging" is invalid');
    expect(result.stderr).toContain('account: must be a 12-digit AWS account id');
  });

  test('with an explicit account, synth stays offline: no context lookup is requested', () => {
    const result = runApp({ env: 'prod', account: '123456789012' });
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.status).toBe(0);
    const manifest = JSON.parse(readFileSync(join(result.outdir, 'manifest.json'), 'utf8'));
    expect(manifest.missing ?? []).toEqual([]);
    const stacks = Object.values<any>(manifest.artifacts).filter((a) => a.type === 'aws:cloudformation:stack');
    expect(stacks.length).toBeGreaterThan(0);
    for (const stack of stacks) expect(stack.environment).toBe('aws://123456789012/us-east-1');
  });
});
