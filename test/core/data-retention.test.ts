import { ENVIRONMENT_NAMES } from '../../environments';
import { DATA_TYPES } from '../../lib/core/resource-kinds';
import { allResources } from '../support/templates';

// Across EVERY stack (not just the data stack): DATA_TYPES, the resource types that hold data or the keys
// and logs needed to read or audit it (lib/core/resource-kinds.ts, shared with the deploy review, the stack
// policies and the replacement report). Outside dev each must survive stack deletion and replacement.

/** Retained outside dev without being a data type, with the reason. */
const ALSO_RETAINED: Record<string, string> = {
  'AWS::OpenSearchServerless::SecurityPolicy': 'the collection\'s encryption policy: the collection cannot be read without it, so it stays with the collection',
};

// The list cannot drift from the templates: dropping a type from DATA_TYPES (or retaining a new kind
// without listing it) fails here, because staging and prod still retain its resources.
test.each(['staging', 'prod'] as const)('%s: the types retained on delete and replacement are exactly the data types (plus the reasoned exceptions)', (envName) => {
  const retained = new Set(allResources(envName).filter((r) => ['Retain', 'Snapshot'].includes(r.updateReplacePolicy ?? '')).map((r) => r.type));
  expect([...retained].filter((type) => !DATA_TYPES.includes(type) && !(type in ALSO_RETAINED)).sort()).toEqual([]);
  expect(DATA_TYPES.filter((type) => !retained.has(type))).toEqual([]);
});

describe.each(ENVIRONMENT_NAMES)('stateful resources of every stack in %s', (envName) => {
  const stateful = allResources(envName).filter((r) => DATA_TYPES.includes(r.type));

  test('there are stateful resources in several stacks', () => {
    expect(new Set(stateful.map((r) => r.stack)).size).toBeGreaterThanOrEqual(3);
  });

  if (envName === 'dev') {
    test('dev is disposable: stateful resources are deleted with their stack', () => {
      expect(stateful.filter((r) => r.deletionPolicy !== 'Delete' && r.deletionPolicy !== undefined).map((r) => `${r.stack}/${r.logicalId}`)).toEqual([]);
    });
  } else {
    test('retained (except on a failed first create) or snapshotted on delete AND on replacement', () => {
      const unsafe = stateful
        .filter((r) => !['RetainExceptOnCreate', 'Snapshot'].includes(r.deletionPolicy ?? '') || !['Retain', 'Snapshot'].includes(r.updateReplacePolicy ?? ''))
        .map((r) => `${r.stack}/${r.logicalId} (${r.type}): DeletionPolicy ${r.deletionPolicy}, UpdateReplacePolicy ${r.updateReplacePolicy}`);
      expect(unsafe).toEqual([]);
    });

    // A plain Retain keeps the fixed-name resources of a first create that rolled back, and the retry
    // then fails with "already exists"; RetainExceptOnCreate deletes what never held data.
    test('no resource of any type keeps DeletionPolicy Retain', () => {
      const retained = allResources(envName).filter((r) => r.deletionPolicy === 'Retain');
      expect(retained.map((r) => `${r.stack}/${r.logicalId} (${r.type})`)).toEqual([]);
    });
  }
});
