// @ts-check
/**
 * Jest's own order (failed files first, then the slowest of the last run, else the largest), except that
 * the files whose cost depends on what this run must redo go first. Jest remembers how long each file took
 * last time; after a warm run these took a second, so after a source change they would start last and run
 * alone on one core for their whole cold duration (real-tools: ~20 s of real CLI runs).
 */
const Sequencer = require('@jest/test-sequencer').default;

/** Cold cost, largest first: real tools when answers are stale, whole-input synths when sources changed. */
const COLD_FIRST = ['test/ops/real-tools.test.ts', 'test/core/routine-changes.test.ts', 'test/monitoring/monitoring.test.ts'];

class ColdFirstSequencer extends Sequencer {
  /** @param {import('@jest/test-result').Test[]} tests */
  async sort(tests) {
    const sorted = await super.sort(tests);
    /** @param {import('@jest/test-result').Test} test */
    const rank = (test) => {
      const index = COLD_FIRST.findIndex((file) => test.path.endsWith(file));
      return index < 0 ? COLD_FIRST.length : index;
    };
    // Array.prototype.sort is stable: everything else keeps jest's order.
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = ColdFirstSequencer;
