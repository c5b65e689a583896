import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENVIRONMENT_NAMES, loadEnvironment, type EnvironmentName } from '../../environments';
import { appStackInventory } from '../../scripts/ops/inventory';
import { assemblyDir } from '../support/templates';
import { SYNTH_VARIANTS, type SynthVariant } from '../support/variants';

/**
 * The operator CLI deploys stacks in STACK_COMPONENTS order (lib/contracts.ts, through stackInventory); CloudFormation
 * needs each stack's exports before a stack that imports them. This checks the written order against the
 * dependencies CDK itself records for each stack in the synthesized assembly (manifest.json).
 */

interface StackArtifacts {
  artifacts: Record<string, { type: string; dependencies?: string[]; properties?: { stackName?: string } }>;
}

/** Each stack of the assembly and the stacks it depends on (asset manifests and other non-stack artifacts left out). */
function stackDependencies(envName: EnvironmentName, variant: SynthVariant): Map<string, string[]> {
  const manifest = JSON.parse(readFileSync(join(assemblyDir(envName, variant), 'manifest.json'), 'utf8')) as StackArtifacts;
  const stacks = Object.entries(manifest.artifacts).filter(([, a]) => a.type === 'aws:cloudformation:stack');
  const nameOf = new Map(stacks.map(([id, a]) => [id, a.properties?.stackName ?? id]));
  return new Map(stacks.map(([id, a]) => [
    nameOf.get(id)!,
    (a.dependencies ?? []).filter((d) => nameOf.has(d)).map((d) => nameOf.get(d)!),
  ]));
}

/** Every place the order deploys a stack before one it depends on, or misses a stack of the assembly. */
function orderViolations(order: readonly string[], dependencies: ReadonlyMap<string, readonly string[]>): string[] {
  const violations: string[] = [];
  for (const stack of dependencies.keys()) {
    if (!order.includes(stack)) violations.push(`${stack} is in the assembly but not in the deploy order`);
  }
  order.forEach((stack, position) => {
    for (const dependency of dependencies.get(stack) ?? []) {
      const at = order.indexOf(dependency);
      if (at === -1 || at > position) violations.push(`${stack} (position ${position + 1}) depends on ${dependency}, deployed ${at === -1 ? 'never' : `at position ${at + 1}`}`);
    }
  });
  return violations;
}

const VARIANTS = Object.keys(SYNTH_VARIANTS) as SynthVariant[];

describe.each(VARIANTS.flatMap((variant) => ENVIRONMENT_NAMES.map((envName) => [variant, envName] as const)))('deploy order (%s) in %s', (variant, envName) => {
  const order = appStackInventory(loadEnvironment(envName, SYNTH_VARIANTS[variant][envName])).map((s) => s.stackName);
  const dependencies = stackDependencies(envName, variant);

  test("every stack's dependencies in the assembly come before it in the operator CLI's deploy order", () => {
    expect(orderViolations(order, dependencies)).toEqual([]);
    // Not vacuous: the assembly does record cross-stack dependencies (services needs network and data).
    expect(dependencies.get(`marin-${envName}-services`)).toEqual(expect.arrayContaining([`marin-${envName}-network`, `marin-${envName}-data`]));
  });

  test('the check reports a broken order (reversed) and a stack missing from it', () => {
    const reversed = orderViolations([...order].reverse(), dependencies);
    expect(reversed).toContain(`marin-${envName}-data (position ${order.length - 1}) depends on marin-${envName}-network, deployed at position ${order.length}`);
    expect(orderViolations(order.slice(1), dependencies)).toContain(`marin-${envName}-network is in the assembly but not in the deploy order`);
  });
});
