import { ENVIRONMENT_NAMES, type EnvironmentName } from '../../environments';
import { STACK_COMPONENTS } from '../../lib/contracts';
import { stacksOf } from '../support/templates';

/** Termination protection per environment, read from the synthesized cloud assembly's manifest. */
const EXPECTED: Record<EnvironmentName, boolean> = { dev: false, staging: true, prod: true };

describe.each(ENVIRONMENT_NAMES)('termination protection in %s', (envName) => {
  const stacks = stacksOf(envName);

  test('every stack is a known component, so the operator commands know its order', () => {
    const known = STACK_COMPONENTS.map((c) => `marin-${envName}-${c.component}`);
    expect(stacks.length).toBeGreaterThan(0);
    expect(stacks.map((s) => s.stackName).filter((name) => !known.includes(name))).toEqual([]);
  });

  test(`every stack has terminationProtection ${EXPECTED[envName]}`, () => {
    expect(Object.fromEntries(stacks.map((s) => [s.stackName, s.terminationProtection]))).toEqual(
      Object.fromEntries(stacks.map((s) => [s.stackName, EXPECTED[envName]])),
    );
  });
});
