import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MUTATIONS, type Mutation } from '../../scripts/mutation/mutations';
import { applyEdits, brokenCodeOf, formatTable, killersOf, killRate, type MutationResult } from '../../scripts/mutation/run';

const ROOT = join(__dirname, '..', '..');

describe('the mutation list', () => {
  test('at least the 25 mistakes of issue 15, with unique ids', () => {
    expect(MUTATIONS.length).toBeGreaterThanOrEqual(25);
    expect(new Set(MUTATIONS.map((m) => m.id)).size).toBe(MUTATIONS.length);
  });

  test('includes the four that once survived', () => {
    const ids = MUTATIONS.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['compliance-pack-removed', 'prod-flow-logs-reject-only', 'price-typo-elasticache', 'running-tasks-alarm-threshold']));
  });

  test('every mutation names an existing file, a real change, a reason and existing tests', () => {
    const problems = MUTATIONS.flatMap((m) => [
      ...[m, ...(m.also ?? [])].filter((e) => !existsSync(join(ROOT, e.file))).map((e) => `${m.id}: no file ${e.file}`),
      ...[m, ...(m.also ?? [])].filter((e) => e.find === e.replace || e.find === '').map((e) => `${m.id}: no-op edit in ${e.file}`),
      ...(m.why.length < 20 ? [`${m.id}: why is too short`] : []),
      ...(m.tests.length === 0 ? [`${m.id}: no tests`] : []),
      ...m.tests.filter((t) => !t.startsWith('test/') || !existsSync(join(ROOT, t))).map((t) => `${m.id}: no test path ${t}`),
    ]);
    expect(problems).toEqual([]);
  });
});

describe('the runner', () => {
  const mutation: Mutation = { id: 'm', why: 'a realistic mistake for the test', file: 'a.ts', find: 'x = 1', replace: 'x = 2', tests: ['test/x'] };

  test('applies an edit whose find text occurs once', () => {
    expect(applyEdits(mutation, () => 'const x = 1;')).toEqual({ files: { 'a.ts': 'const x = 2;' } });
  });

  test('applies further edits to the same file on top of the first', () => {
    const twoEdits = { ...mutation, also: [{ file: 'a.ts', find: 'const', replace: 'let' }] };
    expect(applyEdits(twoEdits, () => 'const x = 1;')).toEqual({ files: { 'a.ts': 'let x = 2;' } });
  });

  test('a find text that is gone or ambiguous means "no longer applies", not "survived"', () => {
    expect(applyEdits(mutation, () => 'const y = 1;')).toEqual({ reason: 'no longer applies: find text not found in a.ts' });
    expect(applyEdits(mutation, () => 'x = 1; x = 1;')).toEqual({ reason: 'no longer applies: find text found 2 times in a.ts' });
  });

  test('names the failed tests from jest --json, or the setup error when no test ran', () => {
    const json = {
      testResults: [
        { name: '/tmp/mutation-m-1/test/core/compliance.test.ts', status: 'failed', assertionResults: [{ status: 'failed', fullName: 'the gate registers exactly the four required packs' }, { status: 'passed', fullName: 'other' }] },
        { name: '/tmp/mutation-m-1/test/network/network.test.ts', status: 'passed', assertionResults: [{ status: 'passed', fullName: 'fine' }] },
      ],
    };
    expect(killersOf(json, '')).toEqual(['test/core/compliance.test.ts › the gate registers exactly the four required packs']);
    expect(killersOf(undefined, 'Error: synth of prod failed (exit 1)')).toEqual(['jest run (global setup or compile): Error: synth of prod failed (exit 1)']);
  });

  test('a mutation the language kills (ReferenceError, SyntaxError) is broken, not killed; a config error or a failed test is a kill', () => {
    const setup = (error: string) => `Error: Jest: Got error running globalSetup - x/global-setup.ts, reason: synth of committed:prod failed (exit 1):\n${error}\n    at Object.<anonymous>`;
    expect(brokenCodeOf(undefined, setup('ReferenceError: uptime is not defined'))).toBe('ReferenceError: uptime is not defined');
    expect(brokenCodeOf(undefined, setup('SyntaxError: Unexpected token )'))).toBe('SyntaxError: Unexpected token )');
    expect(brokenCodeOf(undefined, setup('EnvironmentConfigError: environment "prod" is invalid:'))).toBeUndefined();
    const failedTest = { testResults: [{ name: '/r/test/a.test.ts', status: 'failed', assertionResults: [{ status: 'failed', fullName: 't' }] }] };
    expect(brokenCodeOf(failedTest, 'ReferenceError: x is not defined')).toBeUndefined();
  });

  test('kill rate leaves out mutations that no longer apply, and the table says which', () => {
    const results: MutationResult[] = [
      { id: 'a', outcome: { kind: 'killed', by: ['test/x › t1', 'test/x › t2'] }, seconds: 90 },
      { id: 'b', outcome: { kind: 'survived' }, seconds: 80 },
      { id: 'c', outcome: { kind: 'not-applicable', reason: 'no longer applies: find text not found in a.ts' }, seconds: 0 },
    ];
    expect(killRate(results)).toEqual({ killed: 1, applicable: 2, rate: 0.5 });
    const table = formatTable(results);
    expect(table).toMatch(/^a\s+KILLED\s+90s\s+test\/x › t1 \(\+1 more\)$/m);
    expect(table).toMatch(/^b\s+SURVIVED\s+80s\s+-$/m);
    expect(table).toMatch(/^c\s+NO LONGER APPLIES\s+0s\s+no longer applies: find text not found in a\.ts$/m);
    expect(table).toContain('kill rate 50.0% (1 of 2 applicable killed; required 95%); 1 no longer apply');
  });
});
