import { ENVIRONMENT_NAMES } from '../../environments';
import { SYNTH_VARIANTS, inAccount, synthAccount, type SynthVariant } from '../support/variants';
import { stacksOf, type SynthesizedStack } from '../support/templates';

/**
 * Confused-deputy protection: every policy statement that admits an AWS service principal (key policies, bucket,
 * queue and topic policies, role trust policies) names the account the service acts for (`aws:SourceAccount`) and,
 * where the service sends it, the resource (`aws:SourceArn`). The walk covers every statement of every template of
 * every environment in both synth variants; a service principal without both keys fails unless it is one of the
 * documented exceptions below, each with its reason (also in docs/deviations.md).
 */
type ConditionKey = 'aws:SourceAccount' | 'aws:SourceArn';

interface Exception {
  readonly service: string;
  readonly resourceType: string;
  readonly logicalId: RegExp;
  /** The keys the statement may lack. */
  readonly missing: readonly ConditionKey[];
  readonly reason: string;
}

const EXCEPTIONS: readonly Exception[] = [
  {
    service: 'logs.us-east-1.amazonaws.com',
    resourceType: 'AWS::KMS::Key',
    logicalId: /^LogsKey/,
    missing: ['aws:SourceAccount', 'aws:SourceArn'],
    reason: 'CloudWatch Logs documents kms:EncryptionContext:aws:logs:arn as the key-policy scope (ArnLike log groups of this account and region, already on the statement); it does not document the global keys on its KMS calls.',
  },
  {
    service: 'ecs-tasks.amazonaws.com',
    resourceType: 'AWS::IAM::Role',
    logicalId: /ExecutionRole/,
    missing: ['aws:SourceArn'],
    reason: 'aws:SourceArn is documented for task roles only; on the execution role an unsent key would stop every task from starting. aws:SourceAccount is there; aws:SourceArn follows the first dev deploy.',
  },
  {
    service: 'lambda.amazonaws.com',
    resourceType: 'AWS::IAM::Role',
    logicalId: /^CustomVpcRestrictDefaultSGCustomResourceProviderRole/,
    missing: ['aws:SourceAccount', 'aws:SourceArn'],
    reason: 'The role of CDK\'s provider that closes the default security group (lib/network/network.ts), trust policy as CDK writes it. Lambda documents aws:SourceArn for callers of a function (its resource policy), not for assuming an execution role; a function gets this role only through iam:PassRole by whoever creates it, which the execution policy allows for the network stack\'s roles, to lambda.amazonaws.com, in this account only.',
  },
];

/** One statement that admits a service principal, and what it lacks. */
export interface ServiceStatementFinding {
  readonly where: string;
  readonly service: string;
  readonly resourceType: string;
  readonly logicalId: string;
  readonly missing: ConditionKey[];
}

type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };
type Statement = {
  Principal?: { Service?: unknown };
  Condition?: Record<string, Record<string, unknown>>;
  Effect?: string;
};

/** Every statement array under a resource's properties (KeyPolicy, PolicyDocument, AssumeRolePolicyDocument, ...). */
function statementsIn(value: unknown): Statement[] {
  if (Array.isArray(value)) return value.flatMap(statementsIn);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) =>
    key === 'Statement' ? ([] as unknown[]).concat(child).filter((s): s is Statement => typeof s === 'object' && s !== null) : statementsIn(child),
  );
}

function hasKey(statement: Statement, key: ConditionKey): boolean {
  return Object.values(statement.Condition ?? {})
    .some((operands) => Object.keys(operands).some((k) => k.toLowerCase() === key.toLowerCase()));
}

/** Allow statements naming a service principal, with the confused-deputy keys each lacks (only those lacking one). */
export function serviceStatementsLackingSource(where: string, template: Template): ServiceStatementFinding[] {
  return Object.entries(template.Resources).flatMap(([logicalId, resource]) =>
    statementsIn(resource.Properties ?? {})
      .filter((s) => s.Effect !== 'Deny' && s.Principal?.Service !== undefined)
      .flatMap((s) =>
        ([] as unknown[]).concat(s.Principal!.Service).map((service) => ({
          where,
          service: typeof service === 'string' ? service : JSON.stringify(service),
          resourceType: resource.Type,
          logicalId,
          missing: (['aws:SourceAccount', 'aws:SourceArn'] as const).filter((key) => !hasKey(s, key)),
        })),
      )
      .filter((finding) => finding.missing.length > 0),
  );
}

function excused(finding: ServiceStatementFinding): Exception | undefined {
  return EXCEPTIONS.find(
    (e) =>
      e.service === finding.service
      && e.resourceType === finding.resourceType
      && e.logicalId.test(finding.logicalId)
      && finding.missing.every((key) => e.missing.includes(key)),
  );
}

const variants = Object.keys(SYNTH_VARIANTS) as SynthVariant[];
const everyStack: Array<{ variant: SynthVariant; stack: SynthesizedStack }> = variants.flatMap((variant) =>
  ENVIRONMENT_NAMES.flatMap((envName) => stacksOf(envName, variant).map((stack) => ({ variant, stack }))),
);
const findings = everyStack.flatMap(({ variant, stack }) => serviceStatementsLackingSource(`${variant}:${stack.stackName}`, stack.json));

describe('confused-deputy conditions on service principals', () => {
  test('the walk sees every environment in both variants and the service principals the design uses', () => {
    expect(everyStack.length).toBe(variants.length * ENVIRONMENT_NAMES.length * 4);
    const services = new Set(
      everyStack.flatMap(({ stack }) =>
        Object.values(stack.json.Resources).flatMap((r) =>
          statementsIn(r.Properties ?? {}).flatMap((s) =>
            (s.Principal?.Service !== undefined ? ([] as unknown[]).concat(s.Principal.Service) : []),
          ),
        ),
      ),
    );
    expect([...services].sort()).toEqual([
      'budgets.amazonaws.com',
      'cloudwatch.amazonaws.com',
      'ecs-tasks.amazonaws.com',
      'events.amazonaws.com',
      'lambda.amazonaws.com',
      'logging.s3.amazonaws.com',
      'logs.us-east-1.amazonaws.com',
      's3.amazonaws.com',
      'vpc-flow-logs.amazonaws.com',
    ]);
  });

  test('every service-principal statement has aws:SourceAccount and aws:SourceArn, or is a documented exception', () => {
    expect(findings.filter((f) => !excused(f))).toEqual([]);
  });

  test('every exception is still needed (each matches a statement in some environment) and has a reason', () => {
    const unused = EXCEPTIONS.filter((e) => !findings.some((f) => excused(f) === e)).map((e) => `${e.service} ${e.resourceType} ${e.logicalId}`);
    expect(unused).toEqual([]);
    for (const e of EXCEPTIONS) expect(e.reason.length).toBeGreaterThan(20);
  });

  test('the statements this issue scoped carry both keys, with this account and region', () => {
    const prod = stacksOf('prod');
    const trust = (component: string, idPattern: RegExp) =>
      Object.entries(stacksOf('prod').find((s) => s.component === component)!.json.Resources)
        .filter(([id, r]) => idPattern.test(id) && r.Type === 'AWS::IAM::Role')
        .map(([, r]) => (r.Properties!.AssumeRolePolicyDocument as { Statement: Statement[] }).Statement[0].Condition);
    const account = inAccount({ Ref: 'AWS::AccountId' }, synthAccount('prod'));
    const join = (...parts: unknown[]) => inAccount({ 'Fn::Join': ['', parts] }, synthAccount('prod'));
    expect(trust('network', /^NetworkFlowLogRole/)).toEqual([
      { StringEquals: { 'aws:SourceAccount': account }, ArnLike: { 'aws:SourceArn': join('arn:aws:ec2:us-east-1:', account, ':vpc-flow-log/*') } },
    ]);
    // prod: the four services' task roles and the staging-refresh anonymiser's; the same for the execution roles.
    expect(trust('data', /TaskRole/)).toEqual(
      Array(5).fill({ StringEquals: { 'aws:SourceAccount': account }, ArnLike: { 'aws:SourceArn': join('arn:aws:ecs:us-east-1:', account, ':*') } }),
    );
    expect(trust('services', /ExecutionRole/)).toEqual(Array(5).fill({ StringEquals: { 'aws:SourceAccount': account } }));
    const dataKey = Object.values(prod.find((s) => s.component === 'data')!.json.Resources).find((r) => r.Type === 'AWS::KMS::Key')!;
    const s3 = (dataKey.Properties!.KeyPolicy as { Statement: Array<Statement & { Sid?: string }> }).Statement.find((s) => s.Sid === 'AllowS3EventNotificationsToEncryptedQueues');
    expect(s3?.Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': account },
      ArnLike: { 'aws:SourceArn': ['arn:aws:s3:::marin-prod-call-recordings', 'arn:aws:s3:::marin-prod-transcripts'] },
    });
  });

  describe.each(ENVIRONMENT_NAMES.flatMap((envName) => variants.map((variant) => [envName, variant] as const)))(
    'the alarm topic of %s (%s): CloudWatch and Budgets publish for this environment\'s alarms and budgets only',
    (envName, variant) => {
      const monitoring = () => stacksOf(envName, variant).find((s) => s.component === 'monitoring')!.json.Resources;
      const account = inAccount({ Ref: 'AWS::AccountId' }, synthAccount(envName, variant));
      const join = (...parts: unknown[]) => inAccount({ 'Fn::Join': ['', parts] }, synthAccount(envName, variant));
      // Restated, not read from lib/: the alarm and budget names of an environment all start with `marin-<env>-`.
      const expected = {
        'cloudwatch.amazonaws.com': {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: { 'aws:SourceArn': join('arn:aws:cloudwatch:us-east-1:', account, `:alarm:marin-${envName}-*`) },
        },
        'budgets.amazonaws.com': {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: { 'aws:SourceArn': join('arn:aws:budgets::', account, `:budget/marin-${envName}-*`) },
        },
      };
      const conditionsOf = (type: string) => Object.entries(monitoring())
        .filter(([id, r]) => id.startsWith('AlarmTopic') && r.Type === type)
        .flatMap(([, r]) => statementsIn(r.Properties ?? {}))
        .filter((s) => s.Effect !== 'Deny' && typeof s.Principal?.Service === 'string' && s.Principal.Service in expected)
        .map((s) => [s.Principal!.Service, s.Condition]);

      test.each(['AWS::KMS::Key', 'AWS::SNS::TopicPolicy'])('%s', (type) => {
        expect(conditionsOf(type)).toEqual(Object.entries(expected));
      });
    },
  );

  test('a deliberately broken template fails the walk: the flow-log role without its conditions', () => {
    const network = stacksOf('prod').find((s) => s.component === 'network')!;
    const broken = JSON.parse(JSON.stringify(network.json)) as Template;
    const role = Object.entries(broken.Resources).find(([id]) => id.startsWith('NetworkFlowLogRole'))![1];
    delete (role.Properties!.AssumeRolePolicyDocument as { Statement: Statement[] }).Statement[0].Condition;
    expect(serviceStatementsLackingSource('broken', broken).filter((f) => !excused(f))).toEqual([
      expect.objectContaining({ service: 'vpc-flow-logs.amazonaws.com', missing: ['aws:SourceAccount', 'aws:SourceArn'] }),
    ]);
    // The same template unbroken passes: the finding is the edit, not the fixture.
    expect(serviceStatementsLackingSource('intact', network.json).filter((f) => !excused(f))).toEqual([]);
  });
});
