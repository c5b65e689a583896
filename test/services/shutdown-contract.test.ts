import { ENVIRONMENT_NAMES, FARGATE_MAX_STOP_TIMEOUT_SECONDS, loadEnvironment, parseEnvironment, ENVIRONMENTS, type EnvironmentName } from '../../environments';
import { WORKER_NAMES } from '../../lib/contracts';
import { SYNTH_VARIANTS, inAccount, synthAccount, type SynthVariant } from '../support/variants';
import { stackOf } from '../support/templates';

/**
 * The worker shutdown contract, in the infrastructure (docs/services.md, "Stopping: SIGTERM, scale-in and Spot"):
 * - every container gets the Fargate maximum between SIGTERM and SIGKILL (stopTimeout 120 s);
 * - each work queue's visibility timeout is strictly greater than the worker's longest processing time plus that
 *   stop timeout, so a worker stopped at the end of a message's processing still finishes and deletes it first;
 * - each worker's task role may protect its own cluster's tasks from scale-in (ecs:UpdateTaskProtection,
 *   ecs:GetTaskProtection), nothing wider; the api has no such permission.
 * Checked on the synthesized templates of every environment in both variants, and shown to fail on broken ones.
 */
type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, any> }> };

/** What breaks the contract for one environment's data and services templates (empty: it holds). */
export function shutdownContractViolations(
  envName: string,
  processingSeconds: number,
  data: Template,
  services: Template,
  /** The account the templates name literally (`-c account=`, see synthAccount); else `Ref AWS::AccountId`. */
  account: string | undefined,
): string[] {
  const violations: string[] = [];
  const resources = (t: Template, type: string) => Object.entries(t.Resources).filter(([, r]) => r.Type === type);
  for (const worker of WORKER_NAMES) {
    const definition = resources(services, 'AWS::ECS::TaskDefinition').find(([, r]) => r.Properties!.Family === `marin-${envName}-${worker}`)?.[1];
    const queue = resources(data, 'AWS::SQS::Queue').find(([, r]) => r.Properties!.QueueName === `marin-${envName}-${worker}`)?.[1];
    if (!definition || !queue) {
      violations.push(`${worker}: task definition or queue missing`);
      continue;
    }
    const stop = definition.Properties!.ContainerDefinitions[0].StopTimeout as number | undefined;
    if (stop !== FARGATE_MAX_STOP_TIMEOUT_SECONDS) violations.push(`${worker}: StopTimeout ${stop} is not the Fargate maximum ${FARGATE_MAX_STOP_TIMEOUT_SECONDS}`);
    const visibility = queue.Properties!.VisibilityTimeout as number | undefined;
    if (visibility === undefined || stop === undefined || visibility <= processingSeconds + stop) {
      violations.push(`${worker}: VisibilityTimeout ${visibility} is not greater than processing ${processingSeconds} + StopTimeout ${stop}`);
    }
  }
  const expectedResource = inAccount({ 'Fn::Join': ['', ['arn:aws:ecs:us-east-1:', { Ref: 'AWS::AccountId' }, `:task/marin-${envName}-cluster/*`]] }, account);
  for (const [roleId, role] of resources(data, 'AWS::IAM::Role')) {
    const service = /^marin-[a-z]+-([a-z]+)-task$/.exec(String(role.Properties!.RoleName))?.[1];
    if (service === undefined) continue;
    const statements = resources(data, 'AWS::IAM::ManagedPolicy')
      .filter(([, p]) => (p.Properties!.Roles as Array<{ Ref: string }>).some((r) => r.Ref === roleId))
      .flatMap(
        ([, p]) => p.Properties!.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>,
      )
      .filter((s) => JSON.stringify(s.Action).includes('TaskProtection'));
    const granted = statements.map((s) => ({ Action: s.Action, Resource: s.Resource }));
    const want = (WORKER_NAMES as readonly string[]).includes(service) ? [{ Action: ['ecs:GetTaskProtection', 'ecs:UpdateTaskProtection'], Resource: expectedResource }] : [];
    if (JSON.stringify(granted) !== JSON.stringify(want)) violations.push(`${service}: task protection ${JSON.stringify(granted)}, expected ${JSON.stringify(want)}`);
  }
  return violations;
}

const variants = Object.keys(SYNTH_VARIANTS) as SynthVariant[];
const templates = (envName: EnvironmentName, variant: SynthVariant = 'committed') => ({
  data: stackOf(envName, 'data', variant).json as Template,
  services: stackOf(envName, 'services', variant).json as Template,
});

describe.each(ENVIRONMENT_NAMES)('worker shutdown contract in %s', (envName) => {
  const config = loadEnvironment(envName);

  test('config: processing 300 s, stop timeout 120 s, visibility 480 s (> 420)', () => {
    const { workerProcessingTimeoutSeconds, visibilityTimeoutSeconds } = config.queues;
    const stopSeconds = FARGATE_MAX_STOP_TIMEOUT_SECONDS;
    expect([workerProcessingTimeoutSeconds, stopSeconds, visibilityTimeoutSeconds]).toEqual([300, 120, 480]);
  });

  test.each(variants)('%s templates hold the contract (stop timeout, visibility, scoped task protection)', (variant) => {
    const { data, services } = templates(envName, variant);
    const processingSeconds = config.queues.workerProcessingTimeoutSeconds;
    const account = synthAccount(envName, variant);
    expect(shutdownContractViolations(envName, processingSeconds, data, services, account)).toEqual([]);
  });

  test('broken templates fail it: a visibility timeout of processing + stop, a shorter stop timeout, protection on the api', () => {
    const { data, services } = templates(envName);
    const account = synthAccount(envName);
    const brokenData = structuredClone(data);
    const ingestion = Object.values(brokenData.Resources).find((r) => r.Properties?.QueueName === `marin-${envName}-ingestion`)!;
    ingestion.Properties!.VisibilityTimeout = 420;
    expect(shutdownContractViolations(envName, 300, brokenData, services, account)).toEqual(['ingestion: VisibilityTimeout 420 is not greater than processing 300 + StopTimeout 120']);

    const brokenServices = structuredClone(services);
    const indexing = Object.values(brokenServices.Resources).find((r) => r.Properties?.Family === `marin-${envName}-indexing`)!;
    indexing.Properties!.ContainerDefinitions[0].StopTimeout = 30;
    expect(shutdownContractViolations(envName, 300, data, brokenServices, account)).toEqual(['indexing: StopTimeout 30 is not the Fargate maximum 120']);

    const widened = structuredClone(data);
    for (const policy of Object.values(widened.Resources).filter((r) => r.Type === 'AWS::IAM::ManagedPolicy')) {
      for (const s of policy.Properties!.PolicyDocument.Statement) if (JSON.stringify(s.Action).includes('TaskProtection')) s.Resource = '*';
    }
    expect(shutdownContractViolations(envName, 300, widened, services, account)).toHaveLength(WORKER_NAMES.length);
  });

  test('the schema refuses a visibility timeout not above processing + stop timeout, naming both', () => {
    const input = structuredClone(ENVIRONMENTS[envName]) as any;
    input.queues = { ...input.queues, visibilityTimeoutSeconds: 420 };
    expect(() => parseEnvironment(input, envName)).toThrow(
      /queues\.visibilityTimeoutSeconds: 420 s must be greater than workerProcessingTimeoutSeconds \(300\) \+ the container stop timeout \(120\) = 420 s/,
    );
  });
});
