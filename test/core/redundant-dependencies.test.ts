import { ENVIRONMENT_NAMES } from '../../environments';
import { stacksOf } from '../support/templates';

/**
 * No explicit `DependsOn` on a resource the same resource already references (cfn-lint W3005): a Ref or Fn::GetAtt
 * (or a `${...}` of Fn::Sub) already makes CloudFormation create the target first and delete it last, so the extra
 * edge only hides which ordering is really needed. A `DependsOn` on a resource that is not referenced (an ECS service
 * on its listener, a collection on its policies) is the ordering CloudFormation needs and stays.
 */

/** CDK's own provider Lambda of `restrictDefaultSecurityGroup` (lib/network/network.ts): its template is CDK's. */
const CDK_OWNED = /^CustomVpcRestrictDefaultSGCustomResourceProviderHandler/;

/** Logical ids a value references through Ref, Fn::GetAtt or Fn::Sub. */
export function referencedIds(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) referencedIds(item, found);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      if (key === 'Ref' && typeof child === 'string') found.add(child);
      else if (key === 'Fn::GetAtt') found.add(Array.isArray(child) ? String(child[0]) : String(child).split('.')[0]);
      else if (key === 'Fn::Sub') {
        const text = Array.isArray(child) ? String(child[0]) : String(child);
        for (const match of text.matchAll(/\$\{([^}!.]+)/g)) found.add(match[1]);
        referencedIds(child, found);
      } else referencedIds(child, found);
    }
  }
  return found;
}

type Resources = Record<string, { Properties?: Record<string, unknown>; DependsOn?: string | string[] }>;

/** `<logical id> -> <target>` for every DependsOn target the resource also references. */
export function redundantDependencies(resources: Resources): string[] {
  return Object.entries(resources).flatMap(([logicalId, resource]) => {
    const referenced = referencedIds(resource.Properties ?? {});
    return ([] as string[]).concat(resource.DependsOn ?? [])
      .filter((target) => referenced.has(target))
      .map((target) => `${logicalId} -> ${target}`);
  });
}

describe.each(ENVIRONMENT_NAMES)('%s', (envName) => {
  test('no DependsOn duplicates a Ref or GetAtt of the same resource (cfn-lint W3005)', () => {
    const found = stacksOf(envName).flatMap((stack) =>
      redundantDependencies(stack.json.Resources as Resources)
        .filter((edge) => !CDK_OWNED.test(edge))
        .map((edge) => `${stack.stackName}: ${edge}`),
    );
    expect(found).toEqual([]);
  });
});

test('the check finds a DependsOn that a Ref already enforces, and keeps one on an unreferenced resource', () => {
  expect(redundantDependencies({
    Group: { Properties: { CacheSubnetGroupName: { Ref: 'Subnets' } }, DependsOn: ['Subnets', 'Policy'] },
    Target: { Properties: { ResourceId: { 'Fn::Join': ['/', ['service', { 'Fn::GetAtt': ['Service', 'Name'] }]] } }, DependsOn: 'Service' },
  })).toEqual(['Group -> Subnets', 'Target -> Service']);
});
