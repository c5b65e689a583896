import { ENVIRONMENT_NAMES, loadEnvironment } from '../../environments';
import { standardTags } from '../../lib/core/tagging';
import { allResources } from '../support/templates';

/** Resource types CloudFormation tags through a `Tags` property that this project creates. */
describe.each(ENVIRONMENT_NAMES)('tags in %s', (envName) => {
  const expected = standardTags(loadEnvironment(envName));

  test('standard tags include Project, Environment, ManagedBy and the cost tag', () => {
    expect(expected).toMatchObject({ Project: 'marin', Environment: envName, ManagedBy: 'aws-cdk', CostCenter: `audio-pipeline-${envName}` });
  });

  test('every resource with tags carries all standard tags', () => {
    const tagged = allResources(envName).filter((r) => 'Tags' in r.properties);
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
});
