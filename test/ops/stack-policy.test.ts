/**
 * The stack policy of every staging and prod stack, read as CloudFormation reads it. The grammar and the
 * evaluation rules below are restated from the AWS CloudFormation User Guide, "Prevent updates to stack
 * resources" (Defining a stack policy): five elements; Effect Allow|Deny; actions Update:Modify|Replace|
 * Delete|*; Principal "*" only; Resource/NotResource "LogicalResourceId/<id>" (wildcards allowed) or "*";
 * Condition StringEquals|StringLike on ResourceType (wildcards only with StringLike); once a policy is set,
 * anything not explicitly allowed is denied, and an explicit Deny overrides any Allow. SetStackPolicy takes a
 * body of at most 16,384 characters. (The AWS CLI's own check of the set-stack-policy command line is in
 * real-tools.test.ts; it does not read the body.)
 */
import { loadEnvironment, type EnvironmentName } from '../../environments';
import { GUARDED_TYPES } from '../../lib/core/resource-kinds';
import { planDeploy, stackInventory, type CommandStep, type OpsOptions } from '../../scripts/ops/plan';
import { setStackPolicyArgv, stackPolicy, type StackPolicy } from '../../scripts/ops/stack-policy';
import { stacksOf } from '../support/templates';
import type { SynthVariant } from '../support/variants';

const ACTIONS = ['Update:Modify', 'Update:Replace', 'Update:Delete', 'Update:*'];
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

/** Every grammar problem of a stack policy body (empty: valid). */
function grammarProblems(body: string): string[] {
  const problems: string[] = [];
  if (body.length > 16384) problems.push(`body is ${body.length} characters, over 16384`);
  let policy: Record<string, unknown>;
  try {
    policy = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return ['not JSON'];
  }
  const extra = Object.keys(policy).filter((k) => k !== 'Statement');
  if (extra.length > 0) problems.push(`unknown top-level keys ${extra.join(', ')}`);
  if (!Array.isArray(policy.Statement) || policy.Statement.length === 0) return [...problems, 'Statement must be a non-empty array'];
  policy.Statement.forEach((raw: Record<string, unknown>, i: number) => {
    const at = `Statement[${i}]`;
    const unknown = Object.keys(raw).filter((k) => !['Effect', 'Action', 'NotAction', 'Principal', 'Resource', 'NotResource', 'Condition'].includes(k));
    if (unknown.length > 0) problems.push(`${at}: unknown keys ${unknown.join(', ')}`);
    if (raw.Effect !== 'Allow' && raw.Effect !== 'Deny') problems.push(`${at}: Effect must be Allow or Deny`);
    if (('Action' in raw) === ('NotAction' in raw)) problems.push(`${at}: exactly one of Action, NotAction`);
    for (const action of list(raw.Action ?? raw.NotAction)) if (!ACTIONS.includes(action as string)) problems.push(`${at}: unknown action ${String(action)}`);
    if (raw.Principal !== '*') problems.push(`${at}: Principal must be "*"`);
    if (('Resource' in raw) === ('NotResource' in raw)) problems.push(`${at}: exactly one of Resource, NotResource`);
    for (const resource of list(raw.Resource ?? raw.NotResource)) {
      if (resource !== '*' && !/^LogicalResourceId\/[A-Za-z0-9*]+$/.test(String(resource))) problems.push(`${at}: resource ${String(resource)} is not "*" or LogicalResourceId/<id>`);
    }
    if (raw.Condition !== undefined) {
      const condition = raw.Condition as Record<string, Record<string, unknown>>;
      for (const [operator, keys] of Object.entries(condition)) {
        if (operator !== 'StringEquals' && operator !== 'StringLike') problems.push(`${at}: condition operator ${operator}`);
        for (const [key, values] of Object.entries(keys)) {
          if (key !== 'ResourceType') problems.push(`${at}: condition key ${key}`);
          for (const type of list(values)) {
            if (!/^AWS::[A-Za-z0-9*]+::[A-Za-z0-9*]+$/.test(String(type))) problems.push(`${at}: resource type ${String(type)}`);
            if (operator === 'StringEquals' && String(type).includes('*')) problems.push(`${at}: wildcard ${String(type)} needs StringLike`);
          }
        }
      }
    }
  });
  return problems;
}

const glob = (pattern: string, value: string): boolean => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(value);

/** CloudFormation's decision for one update action on one resource: default deny, explicit Deny wins. */
function permits(policy: StackPolicy, action: string, logicalId: string, type: string): boolean {
  let allowed = false;
  for (const st of policy.Statement) {
    const actionMatch = st.Action !== undefined ? list(st.Action).some((a) => a === 'Update:*' || a === action) : false;
    const resourceMatch =
      st.Resource !== undefined
        ? list(st.Resource).some((r) => r === '*' || glob(String(r), `LogicalResourceId/${logicalId}`))
        : !list(st.NotResource).some((r) => r === '*' || glob(String(r), `LogicalResourceId/${logicalId}`));
    const types = st.Condition?.StringEquals?.ResourceType;
    const conditionMatch = types === undefined || types.includes(type);
    if (!(actionMatch && resourceMatch && conditionMatch)) continue;
    if (st.Effect === 'Deny') return false;
    allowed = true;
  }
  return allowed;
}

const bodyOf = (argv: readonly string[]): string => argv[argv.indexOf('--stack-policy-body') + 1];

describe('stack policy grammar (CloudFormation User Guide, "Defining a stack policy")', () => {
  test('the protective and a lifted policy are valid and far below the size limit', () => {
    for (const lifted of [[], ['StorageRecordingsBucket6E1A2B3C'], ['A1', 'B2', 'C3']]) {
      const body = bodyOf(setStackPolicyArgv('marin-prod-data', 'us-east-1', lifted));
      expect(grammarProblems(body)).toEqual([]);
      expect(body.length).toBeLessThan(4000);
    }
  });

  test('the grammar check rejects what CloudFormation would', () => {
    const valid = stackPolicy(['X1']) as unknown as { Statement: Array<Record<string, unknown>> };
    const broken = (edit: (st: Record<string, unknown>) => void, index = 1): string => {
      const copy = JSON.parse(JSON.stringify(valid)) as { Statement: Array<Record<string, unknown>> };
      edit(copy.Statement[index]);
      return JSON.stringify(copy);
    };
    expect(grammarProblems(broken((st) => delete st.Principal))).toEqual(['Statement[1]: Principal must be "*"']);
    expect(grammarProblems(broken((st) => (st.Action = ['Update:Replce'])))).toEqual(['Statement[1]: unknown action Update:Replce']);
    expect(grammarProblems(broken((st) => (st.Resource = '*')))).toEqual(['Statement[1]: exactly one of Resource, NotResource']);
    expect(grammarProblems(broken((st) => (st.NotResource = ['X1'])))).toEqual(['Statement[1]: resource X1 is not "*" or LogicalResourceId/<id>']);
    expect(grammarProblems(broken((st) => (st.Condition = { StringEquals: { ResourceType: ['AWS::EC2::*'] } })))).toEqual(['Statement[1]: wildcard AWS::EC2::* needs StringLike']);
    expect(grammarProblems(broken((st) => (st.Effect = 'Block'), 0))).toEqual(['Statement[0]: Effect must be Allow or Deny']);
    expect(grammarProblems(JSON.stringify({ Version: '2012-10-17', ...valid }))).toEqual(['unknown top-level keys Version']);
  });

  test('a lift names logical ids only: anything else is an error, never a pattern', () => {
    expect(() => stackPolicy(['S*'])).toThrow('not CloudFormation logical ids (alphanumeric): S*');
    expect(() => stackPolicy(['mongodbatlas_advanced_cluster.cluster'])).toThrow(/not CloudFormation logical ids/);
  });
});

const ACCOUNT = '123456789012';
const options = (overrides: Partial<OpsOptions> = {}): OpsOptions => ({
  dryRun: false, yes: true, allIncludingData: false, account: ACCOUNT, planId: 'r1', imageTag: '1.4.2',
  // What the CLI adds from the git checkout and the clock (staging's deploy lease).
  branch: 'feature-a', commit: '0123456789abcdef0123456789abcdef01234567', now: '2026-01-05T12:00:00Z',
  certificateArn: `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/x`, alarmEmails: ['oncall@example.com'], ...overrides,
});
const policySteps = (env: EnvironmentName): CommandStep[] => {
  const config = loadEnvironment(env);
  return planDeploy(config, options(), stackInventory(config)).steps.filter((s): s is CommandStep => s.kind === 'command' && s.stackPolicy !== undefined);
};

describe.each(['staging', 'prod'] as const)('%s: every CDK stack gets the policy, denying replace and delete of exactly the guarded kinds', (env) => {
  const steps = policySteps(env);

  test('the deploy sets it on every stack, with the execution of that stack\'s reviewed change set', () => {
    expect(steps.map((s) => s.stackPolicy!.stackName))
      .toEqual(stackInventory(loadEnvironment(env)).map((s) => s.stackName));
    for (const step of steps) {
      expect(step.argv).toContain('--method=execute-change-set');
      expect(step.argv).toContain(step.stackPolicy!.stackName);
      expect(step.stackPolicy!.setPolicy([])).toEqual(setStackPolicyArgv(step.stackPolicy!.stackName, 'us-east-1'));
    }
  });

  test.each(['committed', 'deployed'] as SynthVariant[])('%s templates: per resource, Update:Replace and Update:Delete are denied exactly for the guarded types; Update:Modify always passes', (variant) => {
    for (const stack of stacksOf(env, variant)) {
      const step = steps.find((s) => s.stackPolicy!.stackName === stack.stackName)!;
      const policy = JSON.parse(bodyOf(step.stackPolicy!.setPolicy([]))) as StackPolicy;
      const resources = Object.entries(stack.json.Resources);
      const denied = new Set<string>();
      for (const [id, resource] of resources) {
        expect(permits(policy, 'Update:Modify', id, resource.Type)).toBe(true);
        const replace = permits(policy, 'Update:Replace', id, resource.Type);
        expect(permits(policy, 'Update:Delete', id, resource.Type)).toBe(replace);
        if (!replace) denied.add(resource.Type);
      }
      const present = new Set(resources.map(([, r]) => r.Type));
      expect([...denied].sort()).toEqual(GUARDED_TYPES.filter((type) => present.has(type)).sort());
      expect(denied.size).toBeGreaterThan(0);
    }
  });

  test('--allow-replace lifts exactly one id: that resource may be replaced and removed, every other guarded one still may not', () => {
    const data = stacksOf(env).find((s) => s.component === 'data')!;
    const resources = Object.entries(data.json.Resources);
    const [bucketId] = resources.find(([, r]) => r.Type === 'AWS::S3::Bucket' && JSON.stringify(r.Properties?.BucketName ?? '').includes('call-recordings'))!;
    const step = steps.find((s) => s.stackPolicy!.stackName === data.stackName)!;
    const lifted = JSON.parse(bodyOf(step.stackPolicy!.setPolicy([bucketId]))) as StackPolicy;
    const nowAllowed = resources.filter(([id, r]) => GUARDED_TYPES.includes(r.Type) && permits(lifted, 'Update:Replace', id, r.Type)).map(([id]) => id);
    expect(nowAllowed).toEqual([bucketId]);
    expect(permits(lifted, 'Update:Delete', bucketId, 'AWS::S3::Bucket')).toBe(true);
    // The check can fail: the protective policy denies that very bucket.
    expect(permits(JSON.parse(bodyOf(step.stackPolicy!.setPolicy([]))) as StackPolicy, 'Update:Replace', bucketId, 'AWS::S3::Bucket')).toBe(false);
  });
});

test('dev sets no stack policy (disposable, applied directly)', () => {
  expect(policySteps('dev')).toEqual([]);
});
