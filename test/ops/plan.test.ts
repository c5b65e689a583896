import { ENVIRONMENT_NAMES, loadEnvironment, type EnvironmentConfig } from '../../environments';
import { SERVICE_NAMES, STACK_COMPONENTS } from '../../lib/contracts';
import { mongodbUriPlaceholder } from '../../lib/handoff';
import {
  planBootstrap,
  planDeploy,
  planDestroy,
  planDiff,
  RefusalError,
  stackInventory,
  type CommandStep,
  type OpsOptions,
  type Plan,
  type Step,
} from '../../scripts/ops/plan';

const ACCOUNT = '111111111111';
const TAG = '1.4.2';
const opts = (overrides: Partial<OpsOptions> = {}): OpsOptions => ({ dryRun: false, yes: false, allIncludingData: false, ...overrides });
const config = (env: string): EnvironmentConfig => loadEnvironment(env);
const stacksOf = (env: string) => stackInventory(config(env));

/** A compact view of a plan: "<kind>:<argv or expected>" per step. */
function outline(plan: Plan): string[] {
  return plan.steps.map((step: Step) => {
    switch (step.kind) {
      case 'guard':
        return `guard:${step.expectedAccount ?? '*'}@${step.expectedRegion}`;
      case 'confirm':
        return `confirm:${step.expected}`;
      case 'ensure':
        return `ensure:${step.check.join(' ')}`;
      case 'command':
        return step.argv.join(' ');
    }
  });
}
const argvs = (plan: Plan): string[] => plan.steps.filter((s): s is CommandStep => s.kind === 'command').map((s) => s.argv.join(' '));

describe('stack inventory', () => {
  test('follows STACK_COMPONENTS order and statefulness, named {project}-{env}-{component}', () => {
    expect(stacksOf('staging')).toEqual(
      STACK_COMPONENTS.map((c) => ({ stackName: `marin-staging-${c.component}`, component: c.component, stateful: c.stateful })),
    );
    expect(stacksOf('dev').map((s) => s.stackName)).toEqual(['marin-dev-network', 'marin-dev-data', 'marin-dev-services', 'marin-dev-monitoring']);
  });

  test('keeps only the components the app defines, in deploy order', () => {
    expect(stackInventory(config('dev'), ['services', 'network']).map((s) => s.component)).toEqual(['network', 'services']);
  });

  test('a stack component missing from STACK_COMPONENTS is an error, not a guess', () => {
    expect(() => stackInventory(config('dev'), ['network', 'edge'])).toThrow(/stack component\(s\) edge that lib\/contracts.ts STACK_COMPONENTS does not list/);
  });
});

describe('deploy', () => {
  test('dev: guard, stateful stacks, Atlas, service stacks, then the checks — exact commands', () => {
    expect(outline(planDeploy(config('dev'), opts(), stacksOf('dev')))).toEqual([
      'guard:*@us-east-1',
      'npx cdk deploy -c env=dev marin-dev-network marin-dev-data --exclusively --require-approval broadening',
      'npx cdktf deploy atlas-dev',
      'npx cdk deploy -c env=dev marin-dev-services marin-dev-monitoring --exclusively --force --require-approval broadening',
      'aws secretsmanager describe-secret --secret-id dev/audio-pipeline/mongodb-uri --region us-east-1 --query VersionIdsToStages --output json',
      'aws secretsmanager describe-secret --secret-id dev/audio-pipeline/redis-endpoint --region us-east-1 --query VersionIdsToStages --output json',
      'aws secretsmanager describe-secret --secret-id dev/audio-pipeline/redis-auth --region us-east-1 --query VersionIdsToStages --output json',
      'aws secretsmanager get-secret-value --secret-id dev/audio-pipeline/mongodb-uri --region us-east-1 --query SecretString --output text',
      `aws ecs wait services-stable --cluster marin-dev-cluster --services ${SERVICE_NAMES.map((s) => `marin-dev-${s}`).join(' ')} --region us-east-1`,
    ]);
  });

  test('the Atlas step runs the CDKTF app for this environment only, without telemetry', () => {
    const atlas = planDeploy(config('staging'), opts({ account: ACCOUNT, imageTag: TAG }), stacksOf('staging')).steps.find((s) => s.kind === 'command' && s.argv[1] === 'cdktf');
    expect(atlas).toMatchObject({ changes: true, env: { ATLAS_ENVIRONMENTS: 'staging', CHECKPOINT_DISABLE: '1' } });
  });

  test('every stateful stack deploys before Atlas, every stateless one after it', () => {
    for (const env of ENVIRONMENT_NAMES) {
      const lines = argvs(planDeploy(config(env), opts({ account: ACCOUNT, yes: true, imageTag: TAG }), stacksOf(env)));
      const atlas = lines.findIndex((l) => l.startsWith('npx cdktf deploy'));
      for (const c of STACK_COMPONENTS) {
        const index = lines.findIndex((l) => l.startsWith('npx cdk deploy') && l.split(' ').includes(`marin-${env}-${c.component}`));
        expect(index).toBeGreaterThanOrEqual(0);
        if (c.stateful) expect(index).toBeLessThan(atlas);
        else expect(index).toBeGreaterThan(atlas);
      }
      expect(lines.findIndex((l) => l.startsWith('aws ecs wait'))).toBeGreaterThan(atlas);
    }
  });

  test('deploy values and the account become CDK context', () => {
    const plan = planDeploy(config('prod'), opts({ account: ACCOUNT, yes: true, imageTag: '1.4.2', certificateArn: 'arn:aws:acm:us-east-1:111111111111:certificate/abc' }), stacksOf('prod'));
    expect(argvs(plan)[0]).toBe(
      `npx cdk diff -c env=prod -c account=${ACCOUNT} -c imageTag=1.4.2 -c certificateArn=arn:aws:acm:us-east-1:111111111111:certificate/abc marin-prod-network marin-prod-data marin-prod-services marin-prod-monitoring`,
    );
  });

  test('prod: diff of every CDK stack and Atlas, typed confirmation, then unprompted deploys', () => {
    expect(outline(planDeploy(config('prod'), opts({ account: ACCOUNT, imageTag: TAG }), stacksOf('prod'))).slice(0, 7)).toEqual([
      `guard:${ACCOUNT}@us-east-1`,
      `npx cdk diff -c env=prod -c account=${ACCOUNT} -c imageTag=${TAG} marin-prod-network marin-prod-data marin-prod-services marin-prod-monitoring`,
      'npx cdktf diff atlas-prod',
      'confirm:prod',
      `npx cdk deploy -c env=prod -c account=${ACCOUNT} -c imageTag=${TAG} marin-prod-network marin-prod-data --exclusively --require-approval never`,
      'npx cdktf deploy atlas-prod --auto-approve',
      `npx cdk deploy -c env=prod -c account=${ACCOUNT} -c imageTag=${TAG} marin-prod-services marin-prod-monitoring --exclusively --force --require-approval never`,
    ]);
  });

  test('prod with --yes (CI) still diffs first but does not ask', () => {
    const lines = outline(planDeploy(config('prod'), opts({ account: ACCOUNT, yes: true, imageTag: TAG }), stacksOf('prod')));
    expect(lines).not.toContain('confirm:prod');
    expect(lines[1]).toMatch(/^npx cdk diff /);
    expect(lines[2]).toBe('npx cdktf diff atlas-prod');
  });

  test('dev and staging: no review step; --yes pre-approves the CLIs', () => {
    for (const env of ['dev', 'staging']) {
      const interactive = outline(planDeploy(config(env), opts({ account: ACCOUNT, imageTag: TAG }), stacksOf(env)));
      expect(interactive.filter((l) => / diff |confirm:/.test(l))).toEqual([]);
      const ci = outline(planDeploy(config(env), opts({ account: ACCOUNT, yes: true, imageTag: TAG }), stacksOf(env)));
      expect(ci).toContain(`npx cdktf deploy atlas-${env} --auto-approve`);
      expect(ci.filter((l) => l.startsWith('npx cdk deploy')).every((l) => l.endsWith('--require-approval never'))).toBe(true);
    }
  });

  test('with only the network stack: no service step and no checks of what does not exist yet', () => {
    expect(outline(planDeploy(config('dev'), opts(), stackInventory(config('dev'), ['network'])))).toEqual([
      'guard:*@us-east-1',
      'npx cdk deploy -c env=dev marin-dev-network --exclusively --require-approval broadening',
      'npx cdktf deploy atlas-dev',
    ]);
  });

  test.each(['staging', 'prod'])('%s refuses without an account', (env) => {
    expect(() => planDeploy(config(env), opts({ yes: true }), stacksOf(env))).toThrow(
      new RefusalError(`refusing to deploy ${env} without an account: pass --account <12-digit id> so the credentials can be checked against it (the account is not committed to the repository)`),
    );
  });

  test('the secret check passes only with an AWSCURRENT version', () => {
    const check = planDeploy(config('dev'), opts(), stacksOf('dev')).steps.find((s): s is CommandStep => s.kind === 'command' && s.argv[1] === 'secretsmanager')!;
    expect(check.changes).toBe(false);
    expect(check.verify!('{"a1":["AWSCURRENT"],"b2":["AWSPREVIOUS"]}')).toBeUndefined();
    expect(check.verify!('{"b2":["AWSPREVIOUS"]}')).toBe('secret dev/audio-pipeline/mongodb-uri has no AWSCURRENT version: the stack that writes it has not set a value');
    expect(check.verify!('null')).toMatch(/has no AWSCURRENT version/);
    expect(check.verify!('not json')).toMatch(/^could not read the versions of dev\/audio-pipeline\/mongodb-uri/);
  });
  test.each(['staging', 'prod'])('%s refuses without an account before it looks at the image tag', (env) => {
    expect(() => planDeploy(config(env), opts({ yes: true }), stacksOf(env))).toThrow(/^refusing to deploy \w+ without an account/);
  });
});

describe('deploy: staging and prod name the image tag (or park the services explicitly)', () => {
  test.each(['staging', 'prod'])('%s without an image tag is refused, naming --image-tag and --park-services', (env) => {
    const deploy = () => planDeploy(config(env), opts({ account: ACCOUNT, yes: true }), stacksOf(env));
    expect(deploy).toThrow(RefusalError);
    expect(deploy).toThrow(
      new RefusalError(
        `refusing to deploy ${env} without --image-tag: without one every service is set to 0 tasks. Pass --image-tag <tag of the release that should run> (see the running task definition: aws ecs describe-services --cluster marin-${env}-cluster --services marin-${env}-api), or --park-services for a first deploy before any image exists`,
      ),
    );
    expect(deploy).toThrow(/--image-tag/);
    expect(deploy).toThrow(/--park-services/);
  });

  test('dev without an image tag is not refused and passes no imageTag context', () => {
    const lines = argvs(planDeploy(config('dev'), opts(), stacksOf('dev')));
    expect(lines.filter((l) => l.startsWith('npx cdk deploy'))).toHaveLength(2);
    expect(lines.join('\n')).not.toContain('imageTag=');
  });

  test.each(['staging', 'prod'])('%s with --image-tag deploys it to every CDK stack', (env) => {
    const deploys = argvs(planDeploy(config(env), opts({ account: ACCOUNT, yes: true, imageTag: TAG }), stacksOf(env))).filter((l) => /^npx cdk (deploy|diff) /.test(l));
    expect(deploys.length).toBeGreaterThanOrEqual(2);
    for (const line of deploys) expect(line).toContain(`-c env=${env} -c account=${ACCOUNT} -c imageTag=${TAG} marin-${env}-`);
  });

  test('an image tag in the environment config counts as well (the app reads it from there: no -c imageTag)', () => {
    const plan = planDeploy(loadEnvironment('staging', { imageTag: TAG }), opts({ account: ACCOUNT, yes: true }), stacksOf('staging'));
    expect(argvs(plan).filter((l) => l.startsWith('npx cdk deploy'))).toEqual([
      `npx cdk deploy -c env=staging -c account=${ACCOUNT} marin-staging-network marin-staging-data --exclusively --require-approval never`,
      `npx cdk deploy -c env=staging -c account=${ACCOUNT} marin-staging-services marin-staging-monitoring --exclusively --force --require-approval never`,
    ]);
  });

  test.each(['staging', 'prod'])('%s with --park-services deploys without an image tag', (env) => {
    const plan = planDeploy(config(env), opts({ account: ACCOUNT, yes: true, parkServices: true }), stacksOf(env));
    expect(argvs(plan)).toContain(
      `npx cdk deploy -c env=${env} -c account=${ACCOUNT} marin-${env}-services marin-${env}-monitoring --exclusively --force --require-approval never`,
    );
    expect(argvs(plan).join('\n')).not.toContain('imageTag=');
  });

  test.each(['staging', 'prod'])('%s refuses --park-services together with an image tag (option or config)', (env) => {
    const contradiction = new RefusalError('--park-services and --image-tag contradict each other: pick one');
    expect(() => planDeploy(config(env), opts({ account: ACCOUNT, yes: true, parkServices: true, imageTag: TAG }), stacksOf(env))).toThrow(contradiction);
    expect(() => planDeploy(loadEnvironment(env, { imageTag: TAG }), opts({ account: ACCOUNT, yes: true, parkServices: true }), stacksOf(env))).toThrow(contradiction);
  });

  test('no services stack in the inventory (nothing to park): no image tag needed', () => {
    const stacks = stackInventory(config('staging'), ['network', 'data']);
    expect(outline(planDeploy(config('staging'), opts({ account: ACCOUNT, yes: true }), stacks))).toEqual([
      `guard:${ACCOUNT}@us-east-1`,
      `npx cdk deploy -c env=staging -c account=${ACCOUNT} marin-staging-network marin-staging-data --exclusively --require-approval never`,
      'npx cdktf deploy atlas-staging --auto-approve',
      'aws secretsmanager describe-secret --secret-id staging/audio-pipeline/mongodb-uri --region us-east-1 --query VersionIdsToStages --output json',
      'aws secretsmanager describe-secret --secret-id staging/audio-pipeline/redis-endpoint --region us-east-1 --query VersionIdsToStages --output json',
      'aws secretsmanager describe-secret --secret-id staging/audio-pipeline/redis-auth --region us-east-1 --query VersionIdsToStages --output json',
      'aws secretsmanager get-secret-value --secret-id staging/audio-pipeline/mongodb-uri --region us-east-1 --query SecretString --output text',
    ]);
  });
});

describe('deploy: the service stacks are forced after a stateful deploy (weak references refresh only on update)', () => {
  const cdkDeploys = (plan: Plan): string[][] =>
    plan.steps.filter((s): s is CommandStep => s.kind === 'command' && s.argv[1] === 'cdk' && s.argv[2] === 'deploy').map((s) => [...s.argv]);

  test.each(ENVIRONMENT_NAMES)('%s: --force right after --exclusively on the service step only', (env) => {
    const [stateful, service, ...rest] = cdkDeploys(planDeploy(config(env), opts({ account: ACCOUNT, yes: true, imageTag: TAG }), stacksOf(env)));
    expect(rest).toEqual([]);
    expect(stateful).not.toContain('--force');
    expect(stateful.slice(stateful.indexOf('--exclusively'))).toEqual(['--exclusively', '--require-approval', 'never']);
    expect(service.slice(service.indexOf('--exclusively'))).toEqual(['--exclusively', '--force', '--require-approval', 'never']);
  });

  test('no stateful stack in the plan: the service step is not forced', () => {
    const plan = planDeploy(config('dev'), opts(), stackInventory(config('dev'), ['services', 'monitoring']));
    expect(argvs(plan).filter((l) => l.startsWith('npx cdk deploy'))).toEqual([
      'npx cdk deploy -c env=dev marin-dev-services marin-dev-monitoring --exclusively --require-approval broadening',
    ]);
  });

  test('a stateful stack alone forces the services too (network without data)', () => {
    const plan = planDeploy(config('dev'), opts(), stackInventory(config('dev'), ['network', 'services']));
    expect(argvs(plan).filter((l) => l.startsWith('npx cdk deploy'))).toEqual([
      'npx cdk deploy -c env=dev marin-dev-network --exclusively --require-approval broadening',
      'npx cdk deploy -c env=dev marin-dev-services --exclusively --force --require-approval broadening',
    ]);
  });
});

describe('deploy: post-deploy checks', () => {
  const checks = (env: string, stacks = stacksOf(env)): CommandStep[] =>
    planDeploy(config(env), opts({ account: ACCOUNT, imageTag: TAG }), stacks).steps.filter(
      (s): s is CommandStep => s.kind === 'command' && (s.argv[1] === 'secretsmanager' || s.argv[1] === 'ecs'),
    );
  const placeholderCheck = (env: string): CommandStep => checks(env).find((s) => s.argv[2] === 'get-secret-value')!;

  test.each(ENVIRONMENT_NAMES)('%s: three current-value checks, then the placeholder check, then the ECS wait', (env) => {
    expect(checks(env).map((s) => [...s.argv.slice(1, 3), ...(s.argv.includes('--secret-id') ? [s.argv[s.argv.indexOf('--secret-id') + 1]] : [])].join(' '))).toEqual([
      `secretsmanager describe-secret ${env}/audio-pipeline/mongodb-uri`,
      `secretsmanager describe-secret ${env}/audio-pipeline/redis-endpoint`,
      `secretsmanager describe-secret ${env}/audio-pipeline/redis-auth`,
      `secretsmanager get-secret-value ${env}/audio-pipeline/mongodb-uri`,
      'ecs wait',
    ]);
    expect(checks(env).every((s) => s.changes === false)).toBe(true);
  });

  test('the placeholder check reads the value of the mongodb-uri secret as text', () => {
    const check = placeholderCheck('prod');
    expect(check).toMatchObject({
      kind: 'command',
      changes: false,
      description: 'check: secret prod/audio-pipeline/mongodb-uri holds the connection string written by Atlas, not the CDK placeholder',
      argv: ['aws', 'secretsmanager', 'get-secret-value', '--secret-id', 'prod/audio-pipeline/mongodb-uri', '--region', 'us-east-1', '--query', 'SecretString', '--output', 'text'],
    });
  });

  test.each(ENVIRONMENT_NAMES)('%s: the placeholder check fails on the CDK placeholder and passes on a connection string', (env) => {
    const verify = placeholderCheck(env).verify!;
    const problem = `secret ${env}/audio-pipeline/mongodb-uri still holds the CDK placeholder: the Atlas stack did not write the connection string (re-run the Atlas step: npx cdktf deploy atlas-<env>)`;
    expect(mongodbUriPlaceholder(env)).toMatch(/^PENDING: the atlas-/);
    expect(verify(mongodbUriPlaceholder(env))).toBe(problem);
    // `aws ... --output text` ends the value with a newline.
    expect(verify(`${mongodbUriPlaceholder(env)}\n`)).toBe(problem);
    expect(verify('mongodb+srv://cluster0.abcde.mongodb.net/?authSource=%24external&authMechanism=MONGODB-AWS\n')).toBeUndefined();
    expect(verify('mongodb+srv://pipeline:s3cr3t@cluster0.abcde.mongodb.net/audio?retryWrites=true&w=majority')).toBeUndefined();
  });

  test('the verdict never repeats the secret value', () => {
    const verify = placeholderCheck('dev').verify!;
    expect(verify(mongodbUriPlaceholder('dev'))).not.toContain(mongodbUriPlaceholder('dev'));
  });

  test('without the data stack: no secret checks; without the services stack: no ECS wait', () => {
    expect(checks('dev', stackInventory(config('dev'), ['services'])).map((s) => s.argv.slice(0, 3).join(' '))).toEqual(['aws ecs wait']);
    expect(checks('dev', stackInventory(config('dev'), ['network', 'data'])).map((s) => s.argv.slice(0, 3).join(' '))).toEqual([
      'aws secretsmanager describe-secret',
      'aws secretsmanager describe-secret',
      'aws secretsmanager describe-secret',
      'aws secretsmanager get-secret-value',
    ]);
  });
});

describe('diff', () => {
  test.each(ENVIRONMENT_NAMES)('%s: every CDK stack and the Atlas stack, and nothing changes', (env) => {
    const plan = planDiff(config(env), opts(), stacksOf(env));
    expect(plan.steps.every((s) => !s.changes)).toBe(true);
    expect(outline(plan)).toEqual([
      `guard:*@us-east-1`,
      `npx cdk diff -c env=${env} ${STACK_COMPONENTS.map((c) => `marin-${env}-${c.component}`).join(' ')}`,
      `npx cdktf diff atlas-${env}`,
    ]);
  });
});

describe('destroy', () => {
  test('prod is refused, whatever the flags', () => {
    for (const flags of [opts(), opts({ yes: true, account: ACCOUNT }), opts({ allIncludingData: true, yes: true, account: ACCOUNT })]) {
      expect(() => planDestroy(config('prod'), flags, stacksOf('prod'))).toThrow(/^refusing to destroy prod/);
    }
  });

  test('staging refuses --all-including-data: stateful stacks and Atlas are never touched', () => {
    expect(() => planDestroy(config('staging'), opts({ allIncludingData: true, account: ACCOUNT }), stacksOf('staging'))).toThrow(
      /^refusing to destroy stateful stacks or Atlas in staging: its data is not disposable/,
    );
  });

  test('staging refuses without an account', () => {
    expect(() => planDestroy(config('staging'), opts(), stacksOf('staging'))).toThrow(/^refusing to destroy staging without an account/);
  });

  test('staging: confirmation, then only the stateless stacks, termination protection off first', () => {
    const plan = planDestroy(config('staging'), opts({ account: ACCOUNT }), stacksOf('staging'));
    expect(outline(plan)).toEqual([
      `guard:${ACCOUNT}@us-east-1`,
      'confirm:staging',
      'aws cloudformation update-termination-protection --no-enable-termination-protection --stack-name marin-staging-monitoring --region us-east-1',
      'aws cloudformation update-termination-protection --no-enable-termination-protection --stack-name marin-staging-services --region us-east-1',
      `npx cdk destroy -c env=staging -c account=${ACCOUNT} marin-staging-monitoring marin-staging-services --exclusively --force`,
    ]);
    const text = outline(plan).join('\n');
    for (const c of STACK_COMPONENTS.filter((c) => c.stateful)) expect(text).not.toContain(`marin-staging-${c.component}`);
    expect(text).not.toContain('cdktf');
  });

  test('dev without the flag: stateless stacks only, reverse order', () => {
    expect(outline(planDestroy(config('dev'), opts({ yes: true }), stacksOf('dev')))).toEqual([
      'guard:*@us-east-1',
      'npx cdk destroy -c env=dev marin-dev-monitoring marin-dev-services --exclusively --force',
    ]);
  });

  test('dev with --all-including-data: stateless stacks, Atlas, then stateful stacks, in reverse deploy order', () => {
    expect(outline(planDestroy(config('dev'), opts({ allIncludingData: true }), stacksOf('dev')))).toEqual([
      'guard:*@us-east-1',
      'confirm:dev',
      'npx cdk destroy -c env=dev marin-dev-monitoring marin-dev-services --exclusively --force',
      'npx cdktf destroy atlas-dev --auto-approve',
      'npx cdk destroy -c env=dev marin-dev-data marin-dev-network --exclusively --force',
    ]);
  });

  test('nothing to destroy is an empty plan', () => {
    expect(planDestroy(config('dev'), opts(), stackInventory(config('dev'), ['network'])).steps).toEqual([]);
  });
});

describe('bootstrap', () => {
  test('needs an account in every environment', () => {
    for (const env of ENVIRONMENT_NAMES) expect(() => planBootstrap(config(env), opts())).toThrow(/^bootstrap needs the account to prepare: pass --account/);
  });

  test('cdk bootstrap of the account/region, then the state bucket and lock table, check-then-create', () => {
    const plan = planBootstrap(config('dev'), opts({ account: ACCOUNT }));
    expect(outline(plan)).toEqual([
      `guard:${ACCOUNT}@us-east-1`,
      `npx cdk bootstrap aws://${ACCOUNT}/us-east-1`,
      'ensure:aws s3api head-bucket --bucket marin-terraform-state --region us-east-1',
      'aws s3api put-public-access-block --bucket marin-terraform-state --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true --region us-east-1',
      'aws s3api put-bucket-ownership-controls --bucket marin-terraform-state --ownership-controls Rules=[{ObjectOwnership=BucketOwnerEnforced}] --region us-east-1',
      'aws s3api put-bucket-versioning --bucket marin-terraform-state --versioning-configuration Status=Enabled --region us-east-1',
      'aws s3api put-bucket-encryption --bucket marin-terraform-state --server-side-encryption-configuration {"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms"},"BucketKeyEnabled":true}]} --region us-east-1',
      expect.stringMatching(/^aws s3api put-bucket-policy --bucket marin-terraform-state --policy /),
      'ensure:aws dynamodb describe-table --table-name terraform-state-lock --region us-east-1',
      'aws dynamodb update-continuous-backups --table-name terraform-state-lock --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true --region us-east-1',
    ]);
    const bucket = plan.steps[2];
    expect(bucket.kind === 'ensure' && bucket.create.map((c) => c.join(' '))).toEqual([
      'aws s3api create-bucket --bucket marin-terraform-state --region us-east-1',
      'aws s3api wait bucket-exists --bucket marin-terraform-state --region us-east-1',
    ]);
    const table = plan.steps[8];
    expect(table.kind === 'ensure' && table.create[0].join(' ')).toBe(
      'aws dynamodb create-table --table-name terraform-state-lock --attribute-definitions AttributeName=LockID,AttributeType=S --key-schema AttributeName=LockID,KeyType=HASH --billing-mode PAY_PER_REQUEST --sse-specification Enabled=true --deletion-protection-enabled --region us-east-1',
    );
  });

  test('the state bucket policy denies every request without TLS', () => {
    const step = planBootstrap(config('dev'), opts({ account: ACCOUNT })).steps.find((s): s is CommandStep => s.kind === 'command' && s.argv[2] === 'put-bucket-policy')!;
    const policy = JSON.parse(step.argv[step.argv.indexOf('--policy') + 1]);
    expect(policy.Statement).toEqual([
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: ['arn:aws:s3:::marin-terraform-state', 'arn:aws:s3:::marin-terraform-state/*'],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ]);
  });

  test('no lock table without dynamodbTable; a bucket outside us-east-1 gets its LocationConstraint', () => {
    const base = config('dev');
    const custom: EnvironmentConfig = { ...base, terraformState: { bucket: 'other-state', useLockfile: true, region: 'eu-west-1' } };
    const plan = planBootstrap(custom, opts({ account: ACCOUNT }));
    expect(outline(plan).join('\n')).not.toContain('dynamodb');
    const bucket = plan.steps[2];
    expect(bucket.kind === 'ensure' && bucket.create[0].join(' ')).toBe(
      'aws s3api create-bucket --bucket other-state --create-bucket-configuration LocationConstraint=eu-west-1 --region eu-west-1',
    );
  });

  test('termination protection on the CDKToolkit stack where the environment has it; prod asks first', () => {
    expect(argvs(planBootstrap(config('staging'), opts({ account: ACCOUNT })))[0]).toBe(`npx cdk bootstrap aws://${ACCOUNT}/us-east-1 --termination-protection`);
    expect(outline(planBootstrap(config('prod'), opts({ account: ACCOUNT })))[1]).toBe('confirm:prod');
    expect(outline(planBootstrap(config('prod'), opts({ account: ACCOUNT, yes: true })))).not.toContain('confirm:prod');
  });
});

describe('every plan checks the credentials before its first change', () => {
  const plans = (env: string): Plan[] => {
    const c = config(env);
    const s = stacksOf(env);
    const o = opts({ account: ACCOUNT, imageTag: TAG });
    return [planDeploy(c, o, s), planDiff(c, o, s), planBootstrap(c, o), ...(env === 'prod' ? [] : [planDestroy(c, o, s)])];
  };
  test.each(ENVIRONMENT_NAMES)('%s', (env) => {
    for (const plan of plans(env)) {
      expect(plan.steps[0]).toMatchObject({ kind: 'guard', expectedAccount: ACCOUNT, expectedRegion: 'us-east-1' });
      expect(plan.steps.filter((s) => s.kind === 'guard')).toHaveLength(1);
    }
  });
});
