import { ENVIRONMENT_NAMES, loadEnvironment } from '../../environments';
import { standardTags } from '../../lib/core/tagging';
import { allResources } from '../support/templates';

/** Resource types CloudFormation tags through a `Tags` property that this project creates. */
describe.each(ENVIRONMENT_NAMES)('tags in %s', (envName) => {
  const expected = standardTags(loadEnvironment(envName));

  test('standard tags include Project, Environment, ManagedBy and the cost tag', () => {
    expect(expected).toMatchObject({ Project: 'marin', Environment: envName, ManagedBy: 'aws-cdk', CostCenter: `audio-pipeline-${envName}` });
  });

  test('every resource with tags carries all standard tags (but the collection, below)', () => {
    const tagged = allResources(envName).filter((r) => 'Tags' in r.properties && r.type !== 'AWS::OpenSearchServerless::Collection');
    expect(tagged.length).toBeGreaterThan(5);
    const missing = tagged.flatMap((resource) => {
      const tags = resource.properties.Tags;
      const pairs: Record<string, unknown> = Array.isArray(tags)
        ? Object.fromEntries((tags as Array<{ Key: string; Value: unknown }>).map((t) => [t.Key, t.Value]))
        : (tags as Record<string, unknown>);
      return Object.entries(expected).filter(([key, value]) => pairs[key] !== value).map(([key]) => `${resource.type} ${resource.logicalId} lacks ${key}`);
    });
    expect(missing).toEqual([]);
  });

  // Tags are create-only on a collection and its name is fixed: a tag edit (Owner, CostCenter) would
  // replace it and fail. It carries only the tags that never change (the drill in routine-changes.test.ts
  // proves an Owner/CostCenter change leaves it alone).
  test('the search collection carries only the never-changing tags and its creation-time CostCenter', () => {
    const collections = allResources(envName).filter((r) => r.type === 'AWS::OpenSearchServerless::Collection');
    expect(collections).toHaveLength(1);
    expect(collections[0].properties.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'Project', Value: 'marin' },
        { Key: 'Environment', Value: envName },
        { Key: 'ManagedBy', Value: 'aws-cdk' },
        // Frozen at creation from search.collectionCostCenter, so the budget still counts the collection.
        { Key: 'CostCenter', Value: `audio-pipeline-${envName}` },
      ]),
    );
    expect(collections[0].properties.Tags).toHaveLength(4);
  });
});
