/**
 * Destroy, then deploy again, for every stateless stack in every environment. Deleting a stack leaves its
 * retained resources behind (DeletionPolicy Retain / RetainExceptOnCreate); the re-create must then either
 * not name them (CloudFormation generates a new name: no clash) or adopt them by name
 * (`--import-existing-resources`: CloudFormation imports a resource whose static name in the template is the
 * type's primary identifier, with a Retain/RetainExceptOnCreate policy, of a type that supports import).
 *
 * What an existing deployment sees: nothing. No name and no logical id changes (either would replace the
 * resource, the trap in ARCHITECTURE.md); only the deploy command gains the flag, which changes nothing for a
 * resource the stack already manages.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ENVIRONMENT_NAMES, loadEnvironment, type EnvironmentName } from '../../environments';
import { IMPORTABLE_BY_NAME } from '../../lib/core/resource-kinds';
import { planDeploy, planDestroy, stackInventory, type CommandStep, type OpsOptions } from '../../scripts/ops/plan';
import { stacksOf } from '../support/templates';
import type { SynthVariant } from '../support/variants';

/** What deleting each stateless stack leaves behind, per environment (the requirement: written here). */
const RETAINED: Record<EnvironmentName, Record<string, string[]>> = {
  // dev is disposable: everything goes with the stack (ECR repositories emptied on delete).
  dev: { services: [], monitoring: [] },
  staging: {
    services: [
      'AWS::ECR::Repository marin-staging-api', 'AWS::ECR::Repository marin-staging-ingestion', 'AWS::ECR::Repository marin-staging-transcription', 'AWS::ECR::Repository marin-staging-indexing',
      'AWS::Logs::LogGroup /marin/staging/ecs/api', 'AWS::Logs::LogGroup /marin/staging/ecs/ingestion', 'AWS::Logs::LogGroup /marin/staging/ecs/transcription', 'AWS::Logs::LogGroup /marin/staging/ecs/indexing',
      // The staging-refresh task (docs/staging-refresh.md).
      'AWS::ECR::Repository marin-staging-loader', 'AWS::Logs::LogGroup /marin/staging/ecs/loader',
    ],
    // The alarm topic's key has no name: the re-created stack gets a new key, the old one stays
    // (and can be scheduled for deletion).
    monitoring: ['AWS::KMS::Key (no name)'],
  },
  prod: {
    services: [
      'AWS::ECR::Repository marin-prod-api', 'AWS::ECR::Repository marin-prod-ingestion', 'AWS::ECR::Repository marin-prod-transcription', 'AWS::ECR::Repository marin-prod-indexing',
      'AWS::Logs::LogGroup /marin/prod/ecs/api', 'AWS::Logs::LogGroup /marin/prod/ecs/ingestion', 'AWS::Logs::LogGroup /marin/prod/ecs/transcription', 'AWS::Logs::LogGroup /marin/prod/ecs/indexing',
      'AWS::ECR::Repository marin-prod-anonymiser', 'AWS::Logs::LogGroup /marin/prod/ecs/anonymiser',
      'AWS::Logs::LogGroup aws-waf-logs-marin-prod',
    ],
    monitoring: ['AWS::KMS::Key (no name)'],
  },
};

const RETAINING = ['Retain', 'RetainExceptOnCreate'];
/** Properties that give a resource its physical name (as the review's fixed-name check reads them). */
const nameOf = (properties: Record<string, unknown>): [string, unknown] | undefined =>
  Object.entries(properties).find(([key]) => (/(^|[a-z])Name$/.test(key) && key !== 'DisplayName') || key === 'ReplicationGroupId');

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string }>;

/** What a stack delete leaves (type and name), and which of those a re-create would collide with. */
function leftBehind(resources: Resources): { left: string[]; collide: string[] } {
  const left: string[] = [];
  const collide: string[] = [];
  for (const [id, resource] of Object.entries(resources)) {
    if (!RETAINING.includes(resource.DeletionPolicy ?? 'Delete')) continue;
    const name = nameOf(resource.Properties ?? {});
    if (!name) {
      left.push(`${resource.Type} (no name)`);
      continue;
    }
    left.push(`${resource.Type} ${typeof name[1] === 'string' ? name[1] : JSON.stringify(name[1])}`);
    // Auto-import needs a static name that is the type's primary identifier.
    if (!(IMPORTABLE_BY_NAME[resource.Type] === name[0] && typeof name[1] === 'string')) collide.push(`${id} (${resource.Type} ${name[0]})`);
  }
  return { left, collide };
}

const ACCOUNT = '123456789012';
// branch, commit, now: what the CLI adds from the git checkout and the clock (staging's deploy lease).
const base: OpsOptions = { dryRun: false, yes: true, allIncludingData: false, account: ACCOUNT, planId: 'r1', branch: 'feature-a', commit: '0123456789abcdef0123456789abcdef01234567', now: '2026-01-05T12:00:00Z', imageTag: '1.4.2', certificateArn: `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/x`, alarmEmails: ['oncall@example.com'] };

/** The deploy commands that (re-)create `stackName`: the direct `cdk deploy`, or the prepared change set. */
function creatingCommands(env: EnvironmentName, stackName: string): string[][] {
  const config = loadEnvironment(env);
  const plan = planDeploy(config, base, stackInventory(config));
  return plan.steps
    .filter((s): s is CommandStep => s.kind === 'command' && s.argv[1] === 'cdk' && s.argv[2] === 'deploy' && s.argv.includes(stackName) && !s.argv.includes('--method=execute-change-set'))
    .map((s) => [...s.argv]);
}

describe.each(ENVIRONMENT_NAMES)('%s: destroy, then deploy again', (env) => {
  const stateless = stackInventory(loadEnvironment(env)).filter((s) => !s.stateful);

  test('destroy removes exactly the stateless stacks (services, monitoring)', () => {
    if (env === 'prod') return; // never destroyed by the CLI; a console delete leaves the same resources
    const destroy = planDestroy(loadEnvironment(env), { ...base, yes: false }, stackInventory(loadEnvironment(env)));
    const destroyed = destroy.steps.filter((s): s is CommandStep => s.kind === 'command' && s.argv[2] === 'destroy').flatMap((s) => s.argv.filter((a) => /^marin-/.test(a)));
    expect(destroyed.sort()).toEqual(stateless.map((s) => s.stackName).sort());
  });

  describe.each(stateless.map((s) => s.component))('%s', (component) => {
    const stackName = stateless.find((s) => s.component === component)!.stackName;

    test.each(['committed', 'deployed'] as SynthVariant[])('%s template: deleting the stack leaves exactly the listed resources; each is nameless or adoptable by name', (variant) => {
      const stack = stacksOf(env, variant).find((s) => s.stackName === stackName)!;
      const { left, collide } = leftBehind(stack.json.Resources);
      expect(left.sort()).toEqual([...RETAINED[env][component]].sort());
      expect(collide).toEqual([]);
    });

    test('every deploy command that creates the stack adopts what a destroy retained (--import-existing-resources)', () => {
      const commands = creatingCommands(env, stackName);
      expect(commands.length).toBeGreaterThan(0);
      for (const argv of commands) expect(argv).toContain('--import-existing-resources');
    });
  });

  test('the stateful stacks are deployed without it: they are never destroyed outside dev, and dev keeps nothing', () => {
    for (const stack of stackInventory(loadEnvironment(env)).filter((s) => s.stateful)) {
      for (const argv of creatingCommands(env, stack.stackName)) expect(argv).not.toContain('--import-existing-resources');
    }
  });
});

test('the drill can fail: a retained fixed name CloudFormation cannot adopt, or a computed one, collides; a deleted one is not left', () => {
  expect(
    leftBehind({
      Topic: { Type: 'AWS::SNS::Topic', DeletionPolicy: 'RetainExceptOnCreate', Properties: { TopicName: 'marin-prod-alarms' } },
      Joined: { Type: 'AWS::Logs::LogGroup', DeletionPolicy: 'Retain', Properties: { LogGroupName: { 'Fn::Join': ['', ['/marin/', 'x']] } } },
      Static: { Type: 'AWS::Logs::LogGroup', DeletionPolicy: 'Retain', Properties: { LogGroupName: '/marin/prod/ecs/api' } },
      Gone: { Type: 'AWS::ECR::Repository', DeletionPolicy: 'Delete', Properties: { RepositoryName: 'marin-dev-api' } },
    }),
  ).toEqual({
    left: ['AWS::SNS::Topic marin-prod-alarms', 'AWS::Logs::LogGroup {"Fn::Join":["",["/marin/","x"]]}', 'AWS::Logs::LogGroup /marin/prod/ecs/api'],
    collide: ['Topic (AWS::SNS::Topic TopicName)', 'Joined (AWS::Logs::LogGroup LogGroupName)'],
  });
});

test('each adoptable name property is its type\'s primary identifier in the CloudFormation resource spec (@aws-cdk/aws-service-spec, the database cloudformation-diff reads)', () => {
  const db = JSON.parse(gunzipSync(readFileSync(join(__dirname, '..', '..', 'node_modules', '@aws-cdk', 'aws-service-spec', 'db.json.gz'))).toString('utf8')) as {
    schema: { resource: { entities: Record<string, { cloudFormationType: string; primaryIdentifier?: string[] }> } };
  };
  const rows = Object.values(db.schema.resource.entities);
  const primary = (type: string) => rows.find((r) => r.cloudFormationType === type)?.primaryIdentifier;
  for (const [type, property] of Object.entries(IMPORTABLE_BY_NAME)) expect(primary(type)).toEqual([property]);
  // The check can fail: a queue is identified by its URL, not its name, so it could not be adopted by QueueName.
  expect(primary('AWS::SQS::Queue')).toEqual(['QueueUrl']);
});
