import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appRun } from '../support/app-runs';

/**
 * bin/app.ts run the way the CDK CLI runs it (context in CDK_CONTEXT_JSON, output dir in CDK_OUTDIR), with
 * the cdk-nag gates enforcing (CDK's CloudFormation validator is off here: see test/support/app-runs.ts).
 */
describe('bin/app.ts', () => {
  test('a bad deploy-time value names the environment and the field', () => {
    const result = appRun({ env: 'staging', account: '12345' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('environment "staging" is invalid');
    expect(result.stderr).toContain('account: must be a 12-digit AWS account id');
  });

  test('with an explicit account, synth stays offline: no context lookup is requested', () => {
    const result = appRun({ env: 'prod', account: '123456789012', noRelease: 'true' });
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.status).toBe(0);
    const manifest = JSON.parse(readFileSync(join(result.outdir, 'manifest.json'), 'utf8'));
    expect(manifest.missing ?? []).toEqual([]);
    const stacks = Object.values<any>(manifest.artifacts).filter((a) => a.type === 'aws:cloudformation:stack');
    expect(stacks.length).toBeGreaterThan(0);
    for (const stack of stacks) expect(stack.environment).toBe('aws://123456789012/us-east-1');
  });

  test('a misspelled context key is refused by name before anything is synthesized', () => {
    const contexts: Array<Record<string, string>> = [{ imagetag: '1.4.2' }, { env: 'prod', account: '123456789012', imagetag: '1.4.2' }];
    for (const context of contexts) {
      const result = appRun(context);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain('unknown context key "imagetag" (did you mean "imageTag"?)');
      expect(existsSync(join(result.outdir, 'manifest.json'))).toBe(false);
    }
  });

  test.each(['staging', 'prod'])('%s refuses to synthesize without its account', (env) => {
    const result = appRun({ env, imageTag: '1.4.2' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`${env} holds data, so it deploys only to its own account: pass -c account=<12-digit id>`);
  });

  test.each(['dev', 'staging', 'prod'])('%s without an image tag is refused, never parked at 0 tasks by omission', (env) => {
    const result = appRun({ env, account: '123456789012' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`${env} names no release: pass -c imageTag=<tag>`);
    expect(existsSync(join(result.outdir, 'manifest.json'))).toBe(false);
  });

  test('no release is a declaration, and it cannot be combined with an image tag', () => {
    expect(appRun({ noRelease: 'yes' }).stderr).toContain('context noRelease must be "true" when given (-c noRelease=true), got "yes"');
    expect(appRun({ noRelease: 'true', imageTag: '1.4.2' }).stderr).toContain('dev: -c noRelease=true and -c imageTag=1.4.2 contradict each other');
  });
});

describe('bin/deploy-identity.ts', () => {
  test('reads only env and account: a release input is refused by name, not ignored', () => {
    const result = appRun({ env: 'prod', account: '123456789012', imageTag: '1.4.2' }, 'bin/deploy-identity.ts');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('unknown context key "imageTag": this app reads -c env, account.');
  });
});
