/**
 * `npm run diff` in staging/prod without the release inputs (issue 19): the running release's image tag,
 * certificate and alarm addresses are read back from the deployed stacks, so the diff of an unchanged
 * environment is empty. "Deployed" here is the assembly the global setup synthesizes as `npm run deploy`
 * would (test/support/variants.ts `deployed`); `aws cloudformation get-template` of it is its template.
 * The diff is CDK's own (`@aws-cdk/cloudformation-diff`, what `cdk diff` prints).
 */
import { fullDiff } from '@aws-cdk/cloudformation-diff';
import { ENVIRONMENTS, loadEnvironment, type EnvironmentInput, type EnvironmentName, type EnvironmentOverrides } from '../../environments';
import { planDiff, stackInventory, type Step } from '../../scripts/ops/plan';
import { synthesizeInput } from '../support/synthesize-input';
import { stacksOf } from '../support/templates';
import { SYNTH_VARIANTS } from '../support/variants';

/** The account the diff names (`--account`), as the deployed variant does. */
const accountOf = (env: EnvironmentName): string => SYNTH_VARIANTS.deployed[env].account!;

/** Runs the diff plan's read-back steps against the deployed templates; returns the `cdk diff` it then runs. */
function readBackDiff(env: EnvironmentName): { argv: readonly string[]; description: string; reads: string[] } {
  const deployed = new Map(stacksOf(env, 'deployed').map((s) => [s.stackName, JSON.stringify(s.json)]));
  const options = { dryRun: false, yes: false, allIncludingData: false, account: accountOf(env) };
  const plan = planDiff(loadEnvironment(env, options), options, stackInventory(loadEnvironment(env)));
  const reads: string[] = [];
  const flatten = (steps: readonly Step[]): Step[] =>
    steps.flatMap((step) => {
      if (step.kind !== 'derive') return [step];
      reads.push(step.argv.join(' '));
      const template = deployed.get(step.argv[4]);
      if (!template) throw new Error(`the plan reads ${step.argv[4]}, which the deployed assembly does not have`);
      return flatten(step.then(template));
    });
  const cdk = flatten(plan.steps).find((s) => s.kind === 'command' && s.argv[1] === 'cdk');
  if (!cdk || cdk.kind !== 'command') throw new Error('the diff plan runs no cdk diff');
  return { argv: cdk.argv, description: cdk.description, reads };
}

/** The `-c key=value` pairs of a cdk command, as the deploy-time overrides they stand for (bin/app.ts). */
function overridesOf(argv: readonly string[]): EnvironmentOverrides {
  const context = Object.fromEntries(argv.flatMap((arg, i) => (argv[i - 1] === '-c' ? [arg.split(/=(.*)/s).slice(0, 2)] : [])));
  return {
    account: context.account,
    imageTag: context.imageTag,
    certificateArn: context.certificateArn,
    alarmEmails: context.alarmEmails?.split(','),
  };
}

/** An environment's input with deploy-time overrides applied, as loadEnvironment merges them. */
function withOverrides(env: EnvironmentName, overrides: EnvironmentOverrides): EnvironmentInput {
  const declared = ENVIRONMENTS[env];
  return {
    ...declared,
    ...(overrides.account ? { account: overrides.account } : {}),
    monitoring: {
      ...declared.monitoring,
      alarmEmails: [...new Set([...declared.monitoring.alarmEmails, ...(overrides.alarmEmails ?? [])])],
    },
    services: {
      ...declared.services,
      ...(overrides.imageTag ? { imageTag: overrides.imageTag } : {}),
      ...(overrides.certificateArn ? { certificateArn: overrides.certificateArn } : {}),
    },
    ...(overrides.refreshPeerAccount
      ? { refresh: { ...declared.refresh, peerAccount: overrides.refreshPeerAccount } as EnvironmentInput['refresh'] }
      : {}),
  };
}

/**
 * Stacks whose templates differ, with the number of differences (CDK's diff: resources, parameters, rules, outputs...).
 */
function differences(before: Map<string, unknown>, after: Map<string, unknown>): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [stack, template] of before) {
    const diff = fullDiff(template as never, (after.get(stack) ?? {}) as never);
    if (!diff.isEmpty) result[stack] = diff.differenceCount;
  }
  return result;
}

describe.each(['staging', 'prod'] as const)('%s: diff without release inputs', (env) => {
  const deployed = new Map(stacksOf(env, 'deployed').map((s) => [s.stackName, s.json as unknown]));

  test('reads the image tag, certificate and alarm addresses back from the deployed stacks, and says so', () => {
    const { argv, description, reads } = readBackDiff(env);
    expect(reads).toEqual([
      `aws cloudformation get-template --stack-name marin-${env}-services --region us-east-1 --query TemplateBody --output json`,
      `aws cloudformation get-template --stack-name marin-${env}-monitoring --region us-east-1 --query TemplateBody --output json`,
    ]);
    const expected = SYNTH_VARIANTS.deployed[env];
    expect(overridesOf(argv)).toEqual({
      account: expected.account,
      imageTag: expected.imageTag,
      certificateArn: expected.certificateArn,
      alarmEmails: expected.alarmEmails,
    });
    expect(description).toContain(`(the running release, read from the deployed stacks: image tag ${expected.imageTag} from marin-${env}-services`);
  });

  test('an unchanged environment diffs empty: the app synthesized with the read-back values equals the deployed templates', () => {
    // The staging refresh's peer account is not read back (diff
    // takes --refresh-peer-account, like deploy): add the variant's.
    const synthesized = synthesizeInput(withOverrides(env, { ...overridesOf(readBackDiff(env).argv), refreshPeerAccount: SYNTH_VARIANTS.deployed[env].refreshPeerAccount }), `read-back-${env}`);
    expect([...synthesized.keys()].sort()).toEqual([...deployed.keys()].sort());
    expect(differences(deployed, synthesized as Map<string, unknown>)).toEqual({});
  });

  test('the comparison can fail: without the read-back (the committed inputs) services and monitoring differ from what runs', () => {
    const committed = new Map(stacksOf(env).map((s) => [s.stackName, s.json as unknown]));
    // Every stack: the deployed variant names its account (-c account=: ARNs hold the literal id) and, in data,
    // the staging refresh's peer account (-c refreshPeerAccount=).
    expect(Object.keys(differences(deployed, committed)).sort()).toEqual(
      ['data', 'monitoring', 'network', 'services'].map((component) => `marin-${env}-${component}`),
    );
  });
});
