/**
 * The stack policy of the stateful stacks (network, data) of staging and prod, committed as
 * `stack-policy.json` and set once after each stack is first created (README, "Once per account"): CloudFormation
 * itself then refuses to replace or remove a stateful or fixed-name resource (./resource-kinds.ts GUARDED_TYPES),
 * whoever updates the stack. A plain `cdk deploy` cannot set a stack policy, hence the one-time command.
 *
 * By resource type (the `ResourceType` condition), not by logical id: one policy for every stack, no template needed,
 * and a resource added or moved to a new logical id is protected from its first update. An approved replacement
 * lifts it for one logical id (a `NotResource` on the Deny: docs/runbook.md, break glass).
 */
import { GUARDED_TYPES } from './resource-kinds';

/** The grammar of "Prevent updates to stack resources" (AWS CloudFormation User Guide). */
export interface StackPolicy {
  readonly Statement: ReadonlyArray<{
    readonly Effect: 'Allow' | 'Deny';
    readonly Action: string | readonly string[];
    readonly Principal: '*';
    readonly Resource: string;
    readonly Condition?: { readonly StringEquals: { readonly ResourceType: readonly string[] } };
  }>;
}

/** Every update is allowed but a replacement or removal of a guarded type (an explicit Deny wins over the Allow). */
export function stackPolicy(): StackPolicy {
  return {
    Statement: [
      { Effect: 'Allow', Action: 'Update:*', Principal: '*', Resource: '*' },
      {
        Effect: 'Deny',
        Action: ['Update:Replace', 'Update:Delete'],
        Principal: '*',
        Resource: '*',
        Condition: { StringEquals: { ResourceType: [...GUARDED_TYPES] } },
      },
    ],
  };
}
