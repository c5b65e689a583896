import { ENVIRONMENT_NAMES } from '../../environments';
import { STATEFUL_TYPES as DIFF_GUARD_STATEFUL_TYPES } from '../../scripts/diff/replacements';
import { allResources } from '../support/templates';

/**
 * Across EVERY stack (not just the data stack): resource types that hold data, or keys and logs needed
 * to read or audit it. Outside dev each must survive stack deletion and replacement.
 */
const STATEFUL_TYPES = [
  'AWS::KMS::Key',
  'AWS::S3::Bucket',
  'AWS::SQS::Queue',
  'AWS::SecretsManager::Secret',
  'AWS::ElastiCache::ReplicationGroup',
  'AWS::OpenSearchServerless::Collection',
  'AWS::Logs::LogGroup',
  'AWS::ECR::Repository',
];

// Written here, not imported: the requirement. The replacement guard of `npm run diff:offline` and the
// drill keeps its own list, which must cover every one of these types.
test('the replacement guard (scripts/diff/replacements.ts) counts every stateful type as stateful', () => {
  expect(STATEFUL_TYPES.filter((type) => !DIFF_GUARD_STATEFUL_TYPES.includes(type))).toEqual([]);
});

describe.each(ENVIRONMENT_NAMES)('stateful resources of every stack in %s', (envName) => {
  const stateful = allResources(envName).filter((r) => STATEFUL_TYPES.includes(r.type));

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
