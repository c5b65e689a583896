/**
 * Weak cross-stack references (`Fn::GetStackOutput`, cdk.json `defaultCrossStackReferences: weak`) only where
 * CloudFormation documents them: as a resource property's value (directly or as an element of a list) or as
 * an element of `Fn::Join`. Nested in any other intrinsic (`Fn::Split`, `Fn::Select`, `Fn::Sub`, ...), or outside
 * a resource's properties, nobody has shown CloudFormation resolves it (cfn-lint flags `Fn::Split`): a value
 * the consumer needs is published as its own output instead (the search collection's id, issue 21).
 */
import { ENVIRONMENT_NAMES } from '../../environments';
import { stacksOf } from '../support/templates';
import { SYNTH_VARIANTS, type SynthVariant } from '../support/variants';

/** Where in `template` a `Fn::GetStackOutput` sits other than in a property value or an `Fn::Join` element. */
function misplacedStackOutputs(template: { Resources?: Record<string, unknown> } & Record<string, unknown>): string[] {
  const found: string[] = [];
  // `intrinsics`: the intrinsic functions enclosing the value; `inProperties`: below some Resources.<id>.Properties.
  const walk = (value: unknown, path: string, intrinsics: readonly string[], inProperties: boolean): void => {
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${path}[${i}]`, intrinsics, inProperties));
      return;
    }
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      const childPath = `${path}/${key}`;
      if (key === 'Fn::GetStackOutput') {
        const enclosing = intrinsics.filter((fn) => fn !== 'Fn::Join');
        if (!inProperties || enclosing.length > 0) found.push(`${childPath} (inside ${inProperties ? enclosing.join(' > ') : 'no resource property'})`);
        continue;
      }
      const intrinsic = key.startsWith('Fn::') || key === 'Ref' || key === 'Condition' ? [...intrinsics, key] : intrinsics;
      walk(child, childPath, intrinsic, inProperties);
    }
  };
  for (const [section, body] of Object.entries(template)) {
    if (section !== 'Resources') {
      walk(body, section, [], false);
      continue;
    }
    for (const [logicalId, resource] of Object.entries((body ?? {}) as Record<string, Record<string, unknown>>)) {
      for (const [field, fieldValue] of Object.entries(resource)) walk(fieldValue, `Resources/${logicalId}/${field}`, [], field === 'Properties');
    }
  }
  return found;
}

const output = { 'Fn::GetStackOutput': { StackName: 'marin-dev-data', Region: 'us-east-1', OutputName: 'PublishOutputX' } };

describe('misplacedStackOutputs', () => {
  test('accepts a direct property value, a list element and an Fn::Join element', () => {
    const template = {
      Resources: {
        A: { Type: 'T', Properties: { Value: output, List: [output], Joined: { 'Fn::Join': ['', ['x/', output]] }, Deep: { Nested: [{ Value: output }] } } },
      },
    };
    expect(misplacedStackOutputs(template)).toEqual([]);
  });

  test('finds it inside Fn::Split / Fn::Select (the search alarms before issue 21), Fn::Sub, and outside resource properties', () => {
    const template = {
      Resources: {
        A: { Type: 'T', Properties: { Id: { 'Fn::Select': [1, { 'Fn::Split': ['/', output] }] }, Sub: { 'Fn::Sub': ['${X}', { X: output }] } } },
        B: { Type: 'T', Properties: { Body: { 'Fn::Join': ['', [{ 'Fn::Select': [0, { 'Fn::Split': ['/', { 'Fn::Join': ['', [output]] }] }] }]] } } },
      },
      Outputs: { O: { Value: output } },
    };
    expect(misplacedStackOutputs(template)).toEqual([
      'Resources/A/Properties/Id/Fn::Select[1]/Fn::Split[1]/Fn::GetStackOutput (inside Fn::Select > Fn::Split)',
      'Resources/A/Properties/Sub/Fn::Sub[1]/X/Fn::GetStackOutput (inside Fn::Sub)',
      'Resources/B/Properties/Body/Fn::Join[1][0]/Fn::Select[1]/Fn::Split[1]/Fn::Join[1][0]/Fn::GetStackOutput (inside Fn::Select > Fn::Split)',
      'Outputs/O/Value/Fn::GetStackOutput (inside no resource property)',
    ]);
  });
});

describe.each(ENVIRONMENT_NAMES)('weak cross-stack references of %s', (envName) => {
  test.each(Object.keys(SYNTH_VARIANTS) as SynthVariant[])('%s: every Fn::GetStackOutput is a property value or an Fn::Join element', (variant) => {
    const stacks = stacksOf(envName, variant);
    const references = stacks.map((stack) => JSON.stringify(stack.json).split('"Fn::GetStackOutput"').length - 1);
    // The services and monitoring stacks read the data and network stacks: a walk over no reference proves nothing.
    expect(references.reduce((a, b) => a + b, 0)).toBeGreaterThan(10);
    expect(stacks.flatMap((stack) => misplacedStackOutputs(stack.json).map((where) => `${stack.stackName}: ${where}`))).toEqual([]);
  });

  test('the search alarms and the dashboard take the collection id from its own data-stack output', () => {
    const monitoring = stacksOf(envName, 'deployed').find((stack) => stack.component === 'monitoring')!;
    expect({ splits: JSON.stringify(monitoring.json).split('"Fn::Split"').length - 1 }).toEqual({ splits: 0 });
    // Every CollectionId dimension of the search alarms (a metric, or each metric of metric math).
    const collectionIds: unknown[] = [];
    const collect = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(collect);
      else if (value && typeof value === 'object') {
        const { Name, Value } = value as { Name?: unknown; Value?: unknown };
        if (Name === 'CollectionId') collectionIds.push(Value);
        else Object.values(value).forEach(collect);
      }
    };
    for (const name of ['search-latency', 'search-errors']) {
      collect(Object.values(monitoring.json.Resources).find((r) => (r.Properties as any)?.AlarmName === `marin-${envName}-${name}`)!.Properties);
    }
    expect(collectionIds).toHaveLength(3);
    for (const id of collectionIds as any[]) {
      expect(id['Fn::GetStackOutput']).toMatchObject({ StackName: `marin-${envName}-data`, OutputName: expect.stringMatching(/^PublishOutputFnGetAttSearchCollection[0-9A-F]{8}Id/) });
    }
  });
});
