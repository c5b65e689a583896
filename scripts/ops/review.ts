/**
 * Review of the artefacts a reviewed deploy applies: a CloudFormation change set
 * (`aws cloudformation describe-change-set --output json`) and a saved Terraform plan
 * (`terraform show -json <planfile>`). Pure: JSON text in, verdict out. A replacement or removal of
 * a resource that holds data or carries a fixed physical name is refused unless the operator
 * names it with `--allow-replace <logical id | terraform address>`, matched whole (never a prefix). The
 * kinds come from lib/core/resource-kinds.ts, as the stack policies' do.
 */
import { GUARDED_TYPES, PROTECTED_TERRAFORM_TYPES } from '../../lib/core/resource-kinds';

/** The verdict on one reviewed artefact. */
export interface Review {
  /** One line per change, for the operator to read before confirming. */
  readonly lines: readonly string[];
  /** Why the artefact must not be applied; undefined when it may be. */
  readonly problem?: string;
  /** Nothing would change: the apply step is skipped. */
  readonly empty: boolean;
  /**
   * The guarded replacements or removals that --allow-replace named (logical ids or Terraform addresses),
   * when there are any: the stack policy is lifted for exactly these during the execution.
   */
  readonly allowed?: readonly string[];
}

/** The --allow-replace values that name none of `candidates` (whole ids only), for the refusal message. */
function unmatchedNote(allowReplace: readonly string[], candidates: readonly string[], what: string): string {
  const unmatched = allowReplace.filter((id) => !candidates.includes(id));
  return unmatched.length > 0 ? ` (--allow-replace matches whole ${what} only: ${unmatched.join(', ')} names no change here)` : '';
}

function verdict(lines: string[], problem: string | undefined, allowed: readonly string[]): Review {
  return { lines, problem, empty: false, ...(allowed.length > 0 ? { allowed } : {}) };
}

interface ResourceChange {
  readonly Action?: string;
  readonly LogicalResourceId?: string;
  readonly ResourceType?: string;
  readonly Replacement?: string;
}

interface ChangeSetDescription {
  readonly StackName?: string;
  readonly Status?: string;
  readonly StatusReason?: string;
  readonly ExecutionStatus?: string;
  readonly NextToken?: string;
  readonly Changes?: ReadonlyArray<{ readonly Type?: string; readonly ResourceChange?: ResourceChange }>;
}

/** CloudFormation's reason for a change set that would change nothing. */
const NO_CHANGES = /didn't contain changes|No updates are to be performed/;

function parseJson<T>(text: string, what: string): T | string {
  try {
    return JSON.parse(text) as T;
  } catch {
    return `could not read ${what}: ${text.trim().slice(0, 200) || '(no output)'}`;
  }
}

/** Reviews `aws cloudformation describe-change-set --output json` of one stack. */
export function reviewChangeSet(stdout: string, allowReplace: readonly string[]): Review {
  const parsed = parseJson<ChangeSetDescription>(stdout, 'the change set');
  if (typeof parsed === 'string') return { lines: [], problem: parsed, empty: false };
  const stack = parsed.StackName ?? '(unknown stack)';
  if (parsed.Status === 'FAILED' && NO_CHANGES.test(parsed.StatusReason ?? '')) {
    return { lines: [`${stack}: no changes`], empty: true };
  }
  if (parsed.Status !== 'CREATE_COMPLETE' || parsed.ExecutionStatus !== 'AVAILABLE') {
    return { lines: [], problem: `change set of ${stack} is ${parsed.Status}/${parsed.ExecutionStatus}: ${parsed.StatusReason ?? 'no reason given'}`, empty: false };
  }
  if (parsed.NextToken) {
    return { lines: [], problem: `change set of ${stack} has more changes than one page: review it in the CloudFormation console and deploy by hand`, empty: false };
  }
  const lines: string[] = [];
  const refused: string[] = [];
  const allowedIds: string[] = [];
  const ids: string[] = [];
  for (const change of parsed.Changes ?? []) {
    const rc = change.ResourceChange;
    if (change.Type !== 'Resource' || !rc) continue;
    const id = rc.LogicalResourceId ?? '?';
    const type = rc.ResourceType ?? '?';
    const replaces = rc.Action === 'Remove' || (rc.Action === 'Modify' && (rc.Replacement === 'True' || rc.Replacement === 'Conditional'));
    const verb = rc.Action === 'Remove' ? 'remove' : replaces ? `replace (${rc.Replacement === 'True' ? 'certain' : 'conditional'})` : (rc.Action ?? '?').toLowerCase();
    const guarded = GUARDED_TYPES.includes(type);
    const allowed = allowReplace.includes(id);
    ids.push(id);
    let mark = '';
    if (replaces && guarded) {
      mark = allowed ? '  [allowed by --allow-replace]' : '  [REFUSED]';
      if (allowed) allowedIds.push(id);
      else refused.push(`${id} (${type})`);
    }
    lines.push(`${stack}: ${verb} ${id} (${type})${mark}`);
  }
  if (lines.length === 0) return { lines: [`${stack}: no resource changes`], empty: false };
  const problem =
    refused.length > 0
      ? `change set of ${stack} would replace or remove ${refused.join(', ')}, which hold data or a fixed name${unmatchedNote(allowReplace, ids, 'logical ids')}. Check the diff; if that is intended (data copied or disposable), re-run with --allow-replace ${refused.map((r) => r.split(' ')[0]).join(',')}`
      : undefined;
  return verdict(lines, problem, allowedIds);
}

interface TerraformPlan {
  readonly resource_changes?: ReadonlyArray<{
    readonly address?: string;
    readonly type?: string;
    readonly change?: { readonly actions?: readonly string[] };
  }>;
}

/** Reviews `terraform show -json <planfile>` of the Atlas stack. */
export function reviewTerraformPlan(stdout: string, allowReplace: readonly string[]): Review {
  const parsed = parseJson<TerraformPlan>(stdout, 'the Terraform plan');
  if (typeof parsed === 'string') return { lines: [], problem: parsed, empty: false };
  const lines: string[] = [];
  const refused: string[] = [];
  const allowedAddresses: string[] = [];
  const addresses: string[] = [];
  for (const rc of parsed.resource_changes ?? []) {
    const actions = rc.change?.actions ?? [];
    if (actions.length === 0 || actions.every((a) => a === 'no-op' || a === 'read')) continue;
    const address = rc.address ?? '?';
    addresses.push(address);
    const destroys = actions.includes('delete');
    const verb = destroys && actions.includes('create') ? 'replace' : actions.join('+');
    let mark = '';
    if (destroys && PROTECTED_TERRAFORM_TYPES.includes(rc.type ?? '')) {
      const allowed = allowReplace.includes(address);
      mark = allowed ? '  [allowed by --allow-replace]' : '  [REFUSED]';
      if (allowed) allowedAddresses.push(address);
      else refused.push(address);
    }
    lines.push(`atlas: ${verb} ${address}${mark}`);
  }
  if (lines.length === 0) return { lines: ['atlas: no changes'], empty: true };
  const problem =
    refused.length > 0
      ? `the Atlas plan would destroy or replace ${refused.join(', ')} (project, cluster, backups or private endpoint)${unmatchedNote(allowReplace, addresses, 'Terraform addresses')}. Check the plan; if that is intended, re-run with --allow-replace ${refused.join(',')}`
      : undefined;
  return verdict(lines, problem, allowedAddresses);
}
