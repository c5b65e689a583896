/**
 * The cost estimate is pinned, line by line, in test/cost/cost-golden.json (reviewed, committed).
 * A changed price, usage figure or pricing rule fails here until `npm run cost:golden` regenerates
 * the file and the diff is reviewed in the same commit.
 */
import { readFileSync } from 'node:fs';
import { ENVIRONMENT_NAMES } from '../../environments';
import { estimateEnvironment } from '../../scripts/cost/estimate';
import { costGolden, flattenPrices, GOLDEN_FILE, GOLDEN_VOLUMES, type CostGolden } from '../../scripts/cost/golden';
import { pricedEnvironments } from '../../scripts/cost/reports';
import { volumeReport } from '../../scripts/cost/volume';
import { SYNTH_ROOT } from '../support/synth-cache';

const STALE = 'the cost estimate changed: run `npm run cost:golden`, review the diff of test/cost/cost-golden.json and commit it';
const golden = JSON.parse(readFileSync(GOLDEN_FILE, 'utf8')) as CostGolden;

describe('cost golden file', () => {
  let live: CostGolden;
  beforeAll(async () => {
    const priced = await pricedEnvironments(ENVIRONMENT_NAMES, SYNTH_ROOT);
    const prod = priced.find((p) => p.config.name === 'prod')!;
    const reports = priced.map(({ config, stacks }) => estimateEnvironment(config, stacks));
    live = costGolden(reports, volumeReport(prod.config, prod.stacks, GOLDEN_VOLUMES));
  });

  test('every price, with its source and date, is the reviewed one', () => {
    expect({ hint: STALE, prices: flattenPrices() }).toEqual({ hint: STALE, prices: golden.prices });
  });

  test('every price names an https source and the date it was read', () => {
    for (const [key, price] of Object.entries(golden.prices)) {
      expect({ key, source: price.source.startsWith('https://'), asOf: /^\d{4}-\d{2}-\d{2}$/.test(price.asOf) }).toEqual({ key, source: true, asOf: true });
    }
  });

  test('prod at 1x/3x/10x and its first 12 months (docs/cost.md) are the reviewed ones', () => {
    expect({ hint: STALE, curve: live.curve }).toEqual({ hint: STALE, curve: golden.curve });
  });

  test('covers exactly the three environments', () => {
    expect(Object.keys(golden.environments)).toEqual([...ENVIRONMENT_NAMES]);
  });

  describe.each(ENVIRONMENT_NAMES)('%s', (envName) => {
    test('usage assumptions are the reviewed ones', () => {
      expect({ hint: STALE, usage: live.environments[envName].usage })
        .toEqual({ hint: STALE, usage: golden.environments[envName].usage });
    });

    test('every line (quantity, unit price, monthly cost, source) is the reviewed one', () => {
      expect({ hint: STALE, lines: live.environments[envName].lines })
        .toEqual({ hint: STALE, lines: golden.environments[envName].lines });
    });

    test('total and budget are the reviewed ones', () => {
      const { total, budget } = live.environments[envName];
      const reviewed = golden.environments[envName];
      expect({ hint: STALE, total, budget }).toEqual({ hint: STALE, total: reviewed.total, budget: reviewed.budget });
    });
  });
});
