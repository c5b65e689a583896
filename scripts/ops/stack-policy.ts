/**
 * The stack policy of every staging and prod CDK stack: CloudFormation itself refuses to replace or
 * remove a stateful or fixed-name resource (lib/core/resource-kinds.ts GUARDED_TYPES), whoever updates the
 * stack (`npm run deploy`, a raw `cdk deploy`, the console, a pipeline). Everything else may update.
 *
 * By resource type (the `ResourceType` condition), not by logical id: the policy is the same for every
 * stack and needs no template to compute; a resource added by any client, or moved to a new logical id by a
 * refactor, is protected from its first update; and it stays far below the 16 KB limit whatever the stacks
 * grow to. `--allow-replace <logical id>` lifts it for exactly those ids (`NotResource`) for one execution.
 */
import { GUARDED_TYPES } from '../../lib/core/resource-kinds';

/** The grammar of "Defining a stack policy" (AWS CloudFormation User Guide, "Prevent updates to stack resources"). */
export interface StackPolicyStatement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | readonly string[];
  readonly Principal: '*';
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: { readonly StringEquals?: { readonly ResourceType: readonly string[] } };
}

export interface StackPolicy {
  readonly Statement: readonly StackPolicyStatement[];
}

/** What the policy denies on the guarded types; Update:Modify stays allowed. */
export const DENIED_ACTIONS = ['Update:Replace', 'Update:Delete'] as const;

/** A CloudFormation logical id: alphanumeric (what `NotResource: LogicalResourceId/<id>` can name exactly). */
export const LOGICAL_ID = /^[A-Za-z0-9]{1,255}$/;

/**
 * The protective policy, or (with `lifted`) the same policy excepting exactly those logical ids. An
 * explicit Deny overrides the Allow, so the lift is a `NotResource` on the Deny, never a second Allow.
 */
export function stackPolicy(lifted: readonly string[] = []): StackPolicy {
  const bad = lifted.filter((id) => !LOGICAL_ID.test(id));
  if (bad.length > 0) throw new Error(`not CloudFormation logical ids (alphanumeric): ${bad.join(', ')}`);
  const ids = [...new Set(lifted)].sort();
  return {
    Statement: [
      { Effect: 'Allow', Action: 'Update:*', Principal: '*', Resource: '*' },
      {
        Effect: 'Deny',
        Action: [...DENIED_ACTIONS],
        Principal: '*',
        ...(ids.length > 0 ? { NotResource: ids.map((id) => `LogicalResourceId/${id}`) } : { Resource: '*' }),
        Condition: { StringEquals: { ResourceType: [...GUARDED_TYPES] } },
      },
    ],
  };
}

/** `aws cloudformation set-stack-policy` with the protective policy (lifted for `lifted`, if any). */
export function setStackPolicyArgv(stackName: string, region: string, lifted: readonly string[] = []): string[] {
  return ['aws', 'cloudformation', 'set-stack-policy', '--stack-name', stackName, '--region', region, '--stack-policy-body', JSON.stringify(stackPolicy(lifted))];
}
