import { join } from 'node:path';
import { median, parseTiming, slowestFiles } from '../../scripts/bench/test-speed';

const ROOT = join(__dirname, '..', '..');

describe('npm run bench:test (the speed report)', () => {
  test("reads wall and CPU (user + system) from bash's time line among the other output", () => {
    expect(parseTiming('warning: x\nBENCH 108.04 190.20 16.41\n')).toEqual({ wall: 108.04, cpu: expect.closeTo(206.61, 5) });
    expect(() => parseTiming('real 1m48s')).toThrow("no timing in bash's output: real 1m48s");
  });

  test('medians of odd and even counts; none is an error', () => {
    expect(median([67.9, 71.2, 66.0])).toBe(67.9);
    expect(median([108.0, 110.0])).toBe(109.0);
    expect(() => median([])).toThrow('median of no values');
  });

  test("the slowest files of jest's report, with their test counts, relative to the project", () => {
    const file = (name: string, seconds: number, tests: number) =>
      ({ name: join(ROOT, name), startTime: 1000, endTime: 1000 + seconds * 1000, assertionResults: new Array(tests) });
    const report = { testResults: [file('test/a.test.ts', 1.5, 3), file('test/b.test.ts', 31.2, 25), file('test/c.test.ts', 0.2, 9)] };
    expect(slowestFiles(report, 2)).toEqual([[31.2, 25, 'test/b.test.ts'], [1.5, 3, 'test/a.test.ts']]);
  });
});
