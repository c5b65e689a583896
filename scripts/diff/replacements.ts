/**
 * What a stack update would replace or delete, from two synthesized templates, with
 * `@aws-cdk/cloudformation-diff` (the library behind `cdk diff`, which knows each property's
 * create-only rule). Shared by the routine-change drill tests and `npm run diff:offline`.
 */
import { fullDiff, ResourceImpact } from '@aws-cdk/cloudformation-diff';
import { ALWAYS_REPLACED_TYPES, STATEFUL_TYPES } from '../../lib/core/resource-kinds';

/** A CloudFormation template, as far as this module reads it. */
export interface CfnTemplate {
  readonly Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  readonly [key: string]: unknown;
}

export type ChangeKind = 'replace' | 'may-replace' | 'delete';

export interface ResourceChange {
  readonly stack: string;
  readonly logicalId: string;
  readonly type: string;
  readonly kind: ChangeKind;
  /** Properties whose change forces (or may force) the replacement; empty for a deletion or a type change. */
  readonly properties: readonly string[];
  readonly stateful: boolean;
  /** The physical name the template fixes (e.g. `BucketName: marin-prod-transcripts`), if any. */
  readonly fixedName?: string;
  /** The replacement also changes that name: CloudFormation creates the new one before deleting the old, no clash. */
  readonly renamed: boolean;
}

/** Top-level properties that name the physical resource (BucketName, QueueName, Name, ReplicationGroupId, ...). */
function fixedNameOf(type: string, properties: Record<string, unknown> | undefined): string | undefined {
  if (!properties) return undefined;
  // AWS::Budgets::Budget keeps its name one level down.
  const budget = properties.Budget as Record<string, unknown> | undefined;
  if (type === 'AWS::Budgets::Budget' && budget?.BudgetName !== undefined) return `BudgetName: ${describe(budget.BudgetName)}`;
  for (const [key, value] of Object.entries(properties)) {
    const namesResource = /(^|[a-z])Name$/.test(key) && key !== 'DisplayName';
    if ((namesResource || key === 'ReplicationGroupId') && value !== undefined) return `${key}: ${describe(value)}`;
  }
  return undefined;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Every resource of `stack` the update from `before` to `after` would replace, maybe replace or delete. */
export function destructiveChanges(stack: string, before: CfnTemplate, after: CfnTemplate): ResourceChange[] {
  const diff = fullDiff(before, after);
  const changes: ResourceChange[] = [];
  diff.resources.forEachDifference((logicalId, change) => {
    const old = before.Resources?.[logicalId];
    if (!old) return; // an addition replaces nothing
    const next = after.Resources?.[logicalId];
    let kind: ChangeKind;
    if (change.isRemoval) kind = 'delete';
    else if (change.changeImpact === ResourceImpact.WILL_REPLACE) kind = 'replace';
    else if (change.changeImpact === ResourceImpact.MAY_REPLACE) kind = 'may-replace';
    else return;
    const properties = Object.entries(change.propertyUpdates)
      .filter(([, update]) =>
        update.changeImpact === ResourceImpact.WILL_REPLACE || update.changeImpact === ResourceImpact.MAY_REPLACE)
      .map(([name]) => name)
      .sort();
    const fixedName = fixedNameOf(old.Type, old.Properties);
    changes.push({
      stack,
      logicalId,
      type: old.Type,
      kind,
      properties,
      stateful: STATEFUL_TYPES.includes(old.Type),
      fixedName,
      renamed: fixedName !== undefined && next !== undefined && fixedNameOf(next.Type, next.Properties) !== fixedName,
    });
  });
  return changes;
}

/**
 * A replacement that loses data (stateful) or fails the update ("already exists": a fixed name the
 * replacement keeps): what no routine change may cause.
 */
export function isDangerous(change: ResourceChange): boolean {
  if (change.kind === 'delete' || ALWAYS_REPLACED_TYPES.includes(change.type)) return false;
  return change.stateful || (change.fixedName !== undefined && !change.renamed);
}

/**
 * One line per change: `replace marin-prod-data/SearchCollection
 * (AWS::OpenSearchServerless::Collection): Tags [stateful, fixed name Name: ...]`.
 */
export function formatChange(change: ResourceChange): string {
  const why = change.properties.length > 0 ? change.properties.join(', ') : change.kind === 'delete' ? 'removed from the template' : 'resource type changed';
  const name = change.fixedName ? `${change.renamed ? 'renamed from' : 'fixed name'} ${change.fixedName}` : undefined;
  const flags = [change.stateful ? 'stateful' : undefined, name].filter(Boolean);
  return `${change.kind} ${change.stack}/${change.logicalId} (${change.type}): ${why}${flags.length > 0 ? ` [${flags.join('; ')}]` : ''}`;
}
