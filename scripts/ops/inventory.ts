/**
 * The stacks the CDK app really defines for an environment, read from its construct tree (built
 * in memory, not synthesized: fast, offline, no findings evaluated). New stacks appear in the
 * operator commands as soon as lib/pipeline-app.ts wires them, in STACK_COMPONENTS order.
 */
import { Stack } from 'aws-cdk-lib';
import type { EnvironmentConfig } from '../../environments';
import { ResourceNames } from '../../lib/naming';
import { createPipelineApp } from '../../lib/pipeline-app';
import { stackInventory, type StackInfo } from './plan';

export function appStackInventory(config: EnvironmentConfig): StackInfo[] {
  const { app } = createPipelineApp(config);
  const prefix = `${ResourceNames.of(config).prefix}-`;
  const components = app.node.children.filter((c): c is Stack => Stack.isStack(c)).map((stack) => {
    if (!stack.stackName.startsWith(prefix)) throw new Error(`stack ${stack.stackName} is not named ${prefix}<component>`);
    return stack.stackName.slice(prefix.length);
  });
  return stackInventory(config, components);
}
