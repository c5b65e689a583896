import { ENVIRONMENT_NAMES, loadEnvironment, type EnvironmentConfig } from '../../environments';
import { SERVICE_NAMES, STACK_COMPONENTS } from '../../lib/contracts';
import { mongodbUriPlaceholder } from '../../lib/handoff';
import {
  isReviewed,
  planBootstrap,
  planDeploy,
  planDestroy,
  planDiff,
  RefusalError,
  refuseAdministratorAccess,
  reviewedArtefacts,
  stackInventory,
  type CommandStep,
  type OpsOptions,
  type Plan,
  type ReviewStep,
  type Step,
} from '../../scripts/ops/plan';

const ACCOUNT = '111111111111';
const TAG = '1.4.2';
// branch, commit and now: what the CLI adds from the git checkout and the clock (staging's deploy lease).
const opts = (overrides: Partial<OpsOptions> = {}): OpsOptions => ({ dryRun: false, yes: false, allIncludingData: false, planId: 'r1', branch: 'feature-a', commit: '0123456789abcdef0123456789abcdef01234567', now: '2026-01-05T12:00:00Z', ...overrides });
const CERTIFICATE = 'arn:aws:acm:us-east-1:111111111111:certificate/config';
/**
 * staging and prod are HTTPS-only and must alarm someone: their configs get a certificate and an address here, so the
 * plans below are about other rules (the refusal is tested on its own).
 */
const config = (env: string): EnvironmentConfig => (env === 'dev' ? loadEnvironment(env) : loadEnvironment(env, { certificateArn: CERTIFICATE, alarmEmails: ['oncall@example.com'] }));
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
      case 'review':
        return `review:${step.argv.join(' ')}`;
      case 'derive':
        return `derive:${step.argv.join(' ')}`;
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

describe('deploy: dev applies directly', () => {
  test('guard, stateful stacks, Atlas, service stacks, then the checks — exact commands', () => {
    expect(outline(planDeploy(config('dev'), opts({ account: ACCOUNT }), stacksOf('dev')))).toEqual([
      `guard:${ACCOUNT}@us-east-1`,
      `npx cdk deploy -c env=dev -c account=${ACCOUNT} marin-dev-network marin-dev-data --exclusively --require-approval broadening`,
      'derive:aws ssm get-parameter --region us-east-1 --name /marin/dev/network/default-security-group-id --query Parameter.Value --output text',
      'npx cdktf deploy atlas-dev',
      `npx cdk deploy -c env=dev -c account=${ACCOUNT} marin-dev-services marin-dev-monitoring --exclusively --force --import-existing-resources --require-approval broadening`,
      'aws secretsmanager describe-secret --secret-id dev/audio-pipeline/mongodb-uri --region us-east-1 --query VersionIdsToStages --output json',
      'aws secretsmanager describe-secret --secret-id dev/audio-pipeline/redis-endpoint --region us-east-1 --query VersionIdsToStages --output json',
      'aws secretsmanager describe-secret --secret-id dev/audio-pipeline/redis-auth --region us-east-1 --query VersionIdsToStages --output json',
      'aws secretsmanager get-secret-value --secret-id dev/audio-pipeline/mongodb-uri --region us-east-1 --query SecretString --output text',
      `aws ecs wait services-stable --cluster marin-dev-cluster --services ${SERVICE_NAMES.map((s) => `marin-dev-${s}`).join(' ')} --region us-east-1`,
    ]);
  });

  test('the Atlas step runs the CDKTF app for this environment and account only, without telemetry', () => {
    const atlas = planDeploy(config('dev'), opts({ account: ACCOUNT }), stacksOf('dev')).steps.find((s) => s.kind === 'command' && s.argv[1] === 'cdktf');
    expect(atlas).toMatchObject({ changes: true, env: { ATLAS_ENVIRONMENTS: 'dev', ATLAS_ACCOUNT: ACCOUNT, CHECKPOINT_DISABLE: '1' } });
  });

  test('without an account: refused, because the Atlas state bucket is named after it', () => {
    expect(() => planDeploy(config('dev'), opts(), stacksOf('dev'))).toThrow(
      new RefusalError(
        'refusing to deploy dev without an account: the Atlas stack keeps its state in marin-terraform-state-<account id>. Pass --account <12-digit id> (aws sts get-caller-identity --query Account --output text)',
      ),
    );
  });

  test('--yes pre-approves the CLIs', () => {
    const ci = outline(planDeploy(config('dev'), opts({ account: ACCOUNT, yes: true }), stacksOf('dev')));
    expect(ci).toContain('npx cdktf deploy atlas-dev --auto-approve');
    expect(ci.filter((l) => l.startsWith('npx cdk deploy')).map((l) => l.split(' ').slice(-2).join(' '))).toEqual(['--require-approval never', '--require-approval never']);
    expect(ci.filter((l) => /confirm:|review:/.test(l))).toEqual([]);
  });

  test('with only the network stack: no service step and no checks of what does not exist yet', () => {
    expect(outline(planDeploy(config('dev'), opts({ account: ACCOUNT }), stackInventory(config('dev'), ['network'])))).toEqual([
      `guard:${ACCOUNT}@us-east-1`,
      `npx cdk deploy -c env=dev -c account=${ACCOUNT} marin-dev-network --exclusively --require-approval broadening`,
      'derive:aws ssm get-parameter --region us-east-1 --name /marin/dev/network/default-security-group-id --query Parameter.Value --output text',
      'npx cdktf deploy atlas-dev',
    ]);
  });

  test('the secret check passes only with an AWSCURRENT version', () => {
    const check = planDeploy(config('dev'), opts({ account: ACCOUNT }), stacksOf('dev')).steps.find((s): s is CommandStep => s.kind === 'command' && s.argv[1] === 'secretsmanager')!;
    expect(check.changes).toBe(false);
    expect(check.verify!('{"a1":["AWSCURRENT"],"b2":["AWSPREVIOUS"]}')).toBeUndefined();
    expect(check.verify!('{"b2":["AWSPREVIOUS"]}')).toBe('secret dev/audio-pipeline/mongodb-uri has no AWSCURRENT version: the stack that writes it has not set a value');
    expect(check.verify!('null')).toMatch(/has no AWSCURRENT version/);
    expect(check.verify!('not json')).toMatch(/^could not read the versions of dev\/audio-pipeline\/mongodb-uri/);
  });

  test('dev without an image tag is not refused and passes no imageTag context', () => {
    const lines = argvs(planDeploy(config('dev'), opts({ account: ACCOUNT }), stacksOf('dev')));
    expect(lines.filter((l) => l.startsWith('npx cdk deploy'))).toHaveLength(2);
    expect(lines.join('\n')).not.toContain('imageTag=');
  });

  test('no stateful stack in the plan: the service step is not forced', () => {
    const plan = planDeploy(config('dev'), opts({ account: ACCOUNT }), stackInventory(config('dev'), ['services', 'monitoring']));
    expect(argvs(plan).filter((l) => l.startsWith('npx cdk deploy'))).toEqual([
      `npx cdk deploy -c env=dev -c account=${ACCOUNT} marin-dev-services marin-dev-monitoring --exclusively --import-existing-resources --require-approval broadening`,
    ]);
  });

  test('a stateful stack alone forces the services too (network without data)', () => {
    const plan = planDeploy(config('dev'), opts({ account: ACCOUNT }), stackInventory(config('dev'), ['network', 'services']));
    expect(argvs(plan).filter((l) => l.startsWith('npx cdk deploy'))).toEqual([
      `npx cdk deploy -c env=dev -c account=${ACCOUNT} marin-dev-network --exclusively --require-approval broadening`,
      `npx cdk deploy -c env=dev -c account=${ACCOUNT} marin-dev-services --exclusively --force --import-existing-resources --require-approval broadening`,
    ]);
  });
});

describe('deploy: staging and prod apply exactly the reviewed change sets and Terraform plan', () => {
  const CS = 'marin-prod-r1';
  const CERT = 'arn:aws:acm:us-east-1:111111111111:certificate/abc';
  const ctx = `-c env=prod -c account=${ACCOUNT} -c imageTag=${TAG} -c certificateArn=${CERT}`;
  /** A stateless stack (forced after the stateful ones) adopts what a destroy retained: --import-existing-resources. */
  const prepare = (stack: string, stateless = false) =>
    `npx cdk deploy ${ctx} ${stack} --exclusively --method=prepare-change-set --change-set-name ${CS} --output cdk.out/reviewed/${CS}${stateless ? ' --force --import-existing-resources' : ''} --require-approval never`;
  const review = (stack: string) => `review:aws cloudformation describe-change-set --stack-name ${stack} --change-set-name ${CS} --region us-east-1 --output json`;
  const execute = (stack: string) => `npx cdk deploy -a cdk.out/reviewed/${CS} ${stack} --method=execute-change-set --change-set-name ${CS} --require-approval never`;
  const tf = (args: string) => `terraform -chdir=cdktf.out/stacks/atlas-prod ${args}`;
  const prod = (overrides: Partial<OpsOptions> = {}) => planDeploy(config('prod'), opts({ account: ACCOUNT, imageTag: TAG, certificateArn: CERT, ...overrides }), stacksOf('prod'));

  test('prod, per stack in deploy order: prepare a named change set, review it, confirm, execute it by name; Atlas from a saved plan', () => {
    expect(outline(prod()).slice(0, 28)).toEqual([
      `guard:${ACCOUNT}@us-east-1`,
      prepare('marin-prod-network'), review('marin-prod-network'), 'confirm:prod', execute('marin-prod-network'),
      'derive:aws ssm get-parameter --region us-east-1 --name /marin/prod/network/default-security-group-id --query Parameter.Value --output text',
      prepare('marin-prod-data'), review('marin-prod-data'), 'confirm:prod', execute('marin-prod-data'),
      'npx cdktf synth',
      tf('init -input=false'),
      tf(`plan -input=false -out=${CS}.tfplan`),
      tf(`show ${CS}.tfplan`),
      `review:${tf(`show -json ${CS}.tfplan`)}`,
      'confirm:prod',
      tf(`apply -input=false ${CS}.tfplan`),
      prepare('marin-prod-services', true), review('marin-prod-services'), 'confirm:prod', execute('marin-prod-services'),
      prepare('marin-prod-monitoring', true), review('marin-prod-monitoring'), 'confirm:prod', execute('marin-prod-monitoring'),
      'aws secretsmanager describe-secret --secret-id prod/audio-pipeline/mongodb-uri --region us-east-1 --query VersionIdsToStages --output json',
      'aws secretsmanager describe-secret --secret-id prod/audio-pipeline/redis-endpoint --region us-east-1 --query VersionIdsToStages --output json',
      'aws secretsmanager describe-secret --secret-id prod/audio-pipeline/redis-auth --region us-east-1 --query VersionIdsToStages --output json',
    ]);
  });

  test('no step re-plans after its review: every apply names the reviewed artefact and is skipped when the review found nothing', () => {
    const steps = prod().steps;
    const applies = steps.filter((s): s is CommandStep => s.kind === 'command' && s.changes && !s.argv.includes('--method=prepare-change-set'));
    expect(applies.map((s) => [s.argv.slice(0, 3).join(' '), s.skipIfUnchanged])).toEqual([
      ['npx cdk deploy', 'marin-prod-network'],
      ['npx cdk deploy', 'marin-prod-data'],
      ['terraform -chdir=cdktf.out/stacks/atlas-prod apply', 'atlas-prod'],
      ['npx cdk deploy', 'marin-prod-services'],
      ['npx cdk deploy', 'marin-prod-monitoring'],
    ]);
    for (const apply of applies) expect(apply.argv.join(' ')).toMatch(new RegExp(`--method=execute-change-set --change-set-name ${CS} |apply -input=false ${CS}\\.tfplan$`));
    // Each review is keyed to the apply it gates, and comes before it.
    for (const apply of applies) {
      const reviewIndex = steps.findIndex((s) => s.kind === 'review' && s.key === apply.skipIfUnchanged);
      expect(reviewIndex).toBeGreaterThan(0);
      expect(reviewIndex).toBeLessThan(steps.indexOf(apply));
    }
  });

  test('the Terraform and CDKTF steps carry this environment and its account (state bucket)', () => {
    const atlas = prod().steps.filter((s): s is CommandStep => s.kind === 'command' && (s.argv[0] === 'terraform' || s.argv[1] === 'cdktf'));
    expect(atlas).toHaveLength(5);
    for (const step of atlas) expect(step.env).toEqual({ ATLAS_ENVIRONMENTS: 'prod', ATLAS_ACCOUNT: ACCOUNT, CHECKPOINT_DISABLE: '1' });
  });

  test('with --yes (CI): the same reviews, no prompts', () => {
    const lines = outline(prod({ yes: true }));
    expect(lines).not.toContain('confirm:prod');
    expect(lines.filter((l) => l.startsWith('review:'))).toHaveLength(5);
  });

  test('the reviews refuse a replacement unless --allow-replace names it', () => {
    const replaceBucket = JSON.stringify({
      StackName: 'marin-prod-data',
      Status: 'CREATE_COMPLETE',
      ExecutionStatus: 'AVAILABLE',
      Changes: [{ Type: 'Resource', ResourceChange: { Action: 'Modify', LogicalResourceId: 'Recordings1234', ResourceType: 'AWS::S3::Bucket', Replacement: 'True' } }],
    });
    const dataReview = (o: Partial<OpsOptions>) => prod(o).steps.find((s): s is ReviewStep => s.kind === 'review' && s.key === 'marin-prod-data')!;
    expect(dataReview({}).review(replaceBucket).problem).toMatch(/^change set of marin-prod-data would replace or remove Recordings1234 \(AWS::S3::Bucket\)/);
    expect(dataReview({ allowReplace: ['Recordings1234'] }).review(replaceBucket).problem).toBeUndefined();
    const destroyCluster = JSON.stringify({ resource_changes: [{ address: 'mongodbatlas_advanced_cluster.cluster', type: 'mongodbatlas_advanced_cluster', change: { actions: ['delete', 'create'] } }] });
    const atlasReview = (o: Partial<OpsOptions>) => prod(o).steps.find((s): s is ReviewStep => s.kind === 'review' && s.key === 'atlas-prod')!;
    expect(atlasReview({}).review(destroyCluster).problem).toMatch(/^the Atlas plan would destroy or replace mongodbatlas_advanced_cluster\.cluster/);
    expect(atlasReview({ allowReplace: ['mongodbatlas_advanced_cluster.cluster'] }).review(destroyCluster).problem).toBeUndefined();
  });

  test('--allow-replace takes whole logical ids or whole protected Terraform addresses; anything else is refused, listed', () => {
    expect(prod({ allowReplace: ['StorageRecordingsBucket6E1A2B3C', 'mongodbatlas_advanced_cluster.atlas-cluster_cluster_4A1B2C3D', 'mongodbatlas_project.p["x"]'] }).allowReplace).toHaveLength(3);
    expect(() => prod({ allowReplace: ['Storage-Bucket', 'mongodbatlas_database_user.u', 'aws_s3_bucket.b', 'S'] })).toThrow(
      new RefusalError(
        'refusing --allow-replace Storage-Bucket, mongodbatlas_database_user.u, aws_s3_bucket.b: each value must be a whole CloudFormation logical id (letters and digits, e.g. StorageRecordingsBucket6E1A2B3C) or a whole Terraform address of mongodbatlas_project, mongodbatlas_advanced_cluster, mongodbatlas_cloud_backup_schedule, mongodbatlas_privatelink_endpoint, mongodbatlas_privatelink_endpoint_service (e.g. mongodbatlas_advanced_cluster.atlas-cluster_cluster_4A1B2C3D), as the review prints it',
      ),
    );
    // Well-formed but matching nothing (S, cluster) passes planning; the reviews refuse as before
    // and the run fails naming them (cli.test.ts).
    expect(prod({ allowReplace: ['S', 'cluster'] }).allowReplace).toEqual(['S', 'cluster']);
    expect(prod().allowReplace).toBeUndefined();
  });

  test('dev refuses --allow-replace: it applies directly, so the value would lift nothing', () => {
    expect(() => planDeploy(config('dev'), opts({ account: ACCOUNT, allowReplace: ['X1'] }), stacksOf('dev'))).toThrow(
      new RefusalError('--allow-replace applies to reviewed deploys (staging, prod) only: dev applies directly and refuses no replacement, so X1 would lift nothing'),
    );
  });

  test('staging is reviewed the same way (termination-protected environments)', () => {
    const lines = outline(planDeploy(config('staging'), opts({ account: ACCOUNT, imageTag: TAG }), stacksOf('staging')));
    expect(lines.filter((l) => l.startsWith('review:')).map((l) => l.split(' ')[1] === 'cloudformation' ? l.split(' ')[4] : 'atlas')).toEqual([
      'marin-staging-network', 'marin-staging-data', 'atlas', 'marin-staging-services', 'marin-staging-monitoring',
    ]);
    expect(lines.filter((l) => l === 'confirm:staging')).toHaveLength(5);
    expect(lines.filter((l) => l.startsWith('npx cdktf deploy'))).toEqual([]);
  });

  test('isReviewed follows termination protection: staging and prod, not dev', () => {
    expect(ENVIRONMENT_NAMES.filter((env) => isReviewed(config(env)))).toEqual(['staging', 'prod']);
  });

  test('the plan id must be a valid change set name part', () => {
    expect(reviewedArtefacts(config('prod'), 'r20260101t120000')).toEqual({
      changeSetName: 'marin-prod-r20260101t120000',
      assemblyDir: 'cdk.out/reviewed/marin-prod-r20260101t120000',
      terraformDir: 'cdktf.out/stacks/atlas-prod',
      planFile: 'marin-prod-r20260101t120000.tfplan',
    });
    expect(() => reviewedArtefacts(config('prod'), '2026_01')).toThrow('plan id "2026_01" must be 1-63 of a-z 0-9 -, starting with a letter');
    expect(() => planDeploy(config('prod'), { ...opts({ account: ACCOUNT, imageTag: TAG }), planId: undefined }, stacksOf('prod'))).toThrow(/needs a plan id/);
  });

  test.each(['staging', 'prod'])('%s refuses without an alarm destination, naming the option and the setting; --alarm-email reaches the CDK app', (env) => {
    const base = loadEnvironment(env, { certificateArn: CERTIFICATE });
    expect(() => planDeploy(base, opts({ account: ACCOUNT, imageTag: TAG }), stacksOf(env))).toThrow(
      new RefusalError(
        `refusing to deploy: ${env} has no alarm destination: its alarms would reach nobody. Pass --alarm-email oncall@example.com[,...] or set monitoring.alarmEmails in environments/${env}.ts.`,
      ),
    );
    const planned = outline(planDeploy(base, opts({ account: ACCOUNT, imageTag: TAG, alarmEmails: ['a@example.com', 'b@example.com'] }), stacksOf(env)));
    const cdkDeploys = planned.filter((l) => l.startsWith('npx cdk deploy -c'));
    expect(cdkDeploys).toHaveLength(4);
    for (const line of cdkDeploys) expect(line).toContain(' -c alarmEmails=a@example.com,b@example.com ');
    // Without the monitoring stack there are no alarms to route yet.
    expect(() => planDeploy(base, opts({ account: ACCOUNT, imageTag: TAG }), stackInventory(base, ['network', 'data']))).not.toThrow();
  });

  test('dev may stay silent: no alarm destination needed', () => {
    expect(() => planDeploy(config('dev'), opts({ account: ACCOUNT }), stacksOf('dev'))).not.toThrow();
  });

  test.each(['staging', 'prod'])('%s (HTTPS-only) refuses without a certificate, before anything changes', (env) => {
    const deploy = (o: Partial<OpsOptions>) => () => planDeploy(loadEnvironment(env), opts({ account: ACCOUNT, imageTag: TAG, alarmEmails: ['oncall@example.com'], ...o }), stacksOf(env));
    expect(deploy({})).toThrow(
      new RefusalError(
        `refusing to deploy ${env} without --certificate-arn: ${env} is HTTPS-only, and the services stack cannot be created without the ACM certificate of the api (arn:aws:acm:us-east-1:<account>:certificate/<id>)`,
      ),
    );
    expect(deploy({ parkServices: true, imageTag: undefined })).toThrow(/without --certificate-arn/);
    expect(deploy({ certificateArn: 'arn:aws:acm:us-east-1:111111111111:certificate/abc' })).not.toThrow();
    // Without the services stack (nothing serves HTTPS yet) there is nothing to refuse.
    expect(() => planDeploy(loadEnvironment(env), opts({ account: ACCOUNT }), stackInventory(loadEnvironment(env), ['network', 'data']))).not.toThrow();
  });

  test.each(['staging', 'prod'])('%s refuses without an account', (env) => {
    expect(() => planDeploy(config(env), opts({ yes: true }), stacksOf(env))).toThrow(
      new RefusalError(`refusing to deploy ${env} without an account: pass --account <12-digit id> so the credentials can be checked against it (the account is not committed to the repository)`),
    );
  });
});

describe('deploy: staging and prod name the image tag (or park the services explicitly)', () => {
  const prepares = (plan: Plan): string[] => argvs(plan).filter((l) => l.includes('--method=prepare-change-set'));

  test.each(['staging', 'prod'])('%s without an image tag is refused, naming --image-tag and --park-services', (env) => {
    const deploy = () => planDeploy(config(env), opts({ account: ACCOUNT, yes: true }), stacksOf(env));
    expect(deploy).toThrow(
      new RefusalError(
        `refusing to deploy ${env} without --image-tag: without one every service is set to 0 tasks. Pass --image-tag <tag of the release that should run> (see the running task definition: aws ecs describe-services --cluster marin-${env}-cluster --services marin-${env}-api), or --park-services for a first deploy before any image exists`,
      ),
    );
  });

  test.each(['staging', 'prod'])('%s with --image-tag deploys it to every CDK stack', (env) => {
    const options = opts({ account: ACCOUNT, yes: true, imageTag: TAG });
    const lines = prepares(planDeploy(config(env), options, stacksOf(env)));
    expect(lines).toHaveLength(STACK_COMPONENTS.length);
    for (const line of lines) expect(line).toContain(`-c env=${env} -c account=${ACCOUNT} -c imageTag=${TAG} marin-${env}-`);
  });

  test('an image tag in the environment config counts as well (the app reads it from there: no -c imageTag)', () => {
    const lines = prepares(planDeploy(loadEnvironment('staging', { imageTag: TAG, certificateArn: CERTIFICATE, alarmEmails: ['oncall@example.com'] }), opts({ account: ACCOUNT, yes: true }), stacksOf('staging')));
    expect(lines.map((l) => l.split(' --exclusively')[0])).toEqual(STACK_COMPONENTS.map((c) => `npx cdk deploy -c env=staging -c account=${ACCOUNT} marin-staging-${c.component}`));
  });

  test.each(['staging', 'prod'])('%s with --park-services deploys without an image tag', (env) => {
    const options = opts({ account: ACCOUNT, yes: true, parkServices: true });
    const lines = prepares(planDeploy(config(env), options, stacksOf(env)));
    expect(lines.some((l) => l.startsWith(`npx cdk deploy -c env=${env} -c account=${ACCOUNT} marin-${env}-services --exclusively`))).toBe(true);
    expect(lines.join('\n')).not.toContain('imageTag=');
  });

  test.each(['staging', 'prod'])('%s refuses --park-services together with an image tag (option or config)', (env) => {
    const contradiction = new RefusalError('--park-services and --image-tag contradict each other: pick one');
    const parked = opts({ account: ACCOUNT, yes: true, parkServices: true });
    expect(() => planDeploy(config(env), { ...parked, imageTag: TAG }, stacksOf(env))).toThrow(contradiction);
    const tagged = loadEnvironment(env, { imageTag: TAG, certificateArn: CERTIFICATE });
    expect(() => planDeploy(tagged, parked, stacksOf(env))).toThrow(contradiction);
  });

  test('no services stack in the inventory (nothing to park): no image tag needed', () => {
    const stacks = stackInventory(config('staging'), ['network', 'data']);
    expect(prepares(planDeploy(config('staging'), opts({ account: ACCOUNT, yes: true }), stacks)).map((l) => l.split(' ')[7])).toEqual(['marin-staging-network', 'marin-staging-data']);
  });

  test.each(['staging', 'prod'])('%s: --force on the prepare steps of the stateless stacks only (weak references refresh only on update)', (env) => {
    const options = opts({ account: ACCOUNT, yes: true, imageTag: TAG });
    const lines = prepares(planDeploy(config(env), options, stacksOf(env)));
    expect(lines.map((l) => l.includes(' --force '))).toEqual(STACK_COMPONENTS.map((c) => !c.stateful));
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
  const stackList = (env: string) => STACK_COMPONENTS.map((c) => `marin-${env}-${c.component}`).join(' ');
  const template = (resources: Record<string, unknown>) => JSON.stringify({ Resources: resources });
  const task = (tag: string) => ({ Type: 'AWS::ECS::TaskDefinition', Properties: { ContainerDefinitions: [{ Image: { 'Fn::Join': ['', ['x.dkr.ecr.us-east-1.amazonaws.com/', { Ref: 'Repo' }, `:${tag}`]] } }] } });
  const listener = (arn: unknown) => ({ Type: 'AWS::ElasticLoadBalancingV2::Listener', Properties: { Certificates: [{ CertificateArn: arn }] } });
  const email = (endpoint: unknown) => ({ Type: 'AWS::SNS::Subscription', Properties: { Protocol: 'email', Endpoint: endpoint } });
  /** Follows the plan's read-back steps with these deployed templates; returns the outline of what it then runs. */
  const follow = (plan: Plan, templates: Record<string, string>): string[] => {
    const run = (steps: readonly Step[]): string[] =>
      steps.flatMap((step) => (step.kind === 'derive' ? [`derive:${step.argv.join(' ')}`, ...run(step.then(templates[step.argv[4]]))] : outline({ ...plan, steps: [step] })));
    return run(plan.steps);
  };
  const deployed = (env: string, tag = TAG, arn: unknown = `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/running`, address: unknown = 'oncall@example.com') => ({
    [`marin-${env}-services`]: template({ Api: task(tag), Worker: task(tag), Https: listener(arn) }),
    [`marin-${env}-monitoring`]: template({ Oncall: email(address) }),
  });
  const getTemplate = (env: string, component: string) => `derive:aws cloudformation get-template --stack-name marin-${env}-${component} --region us-east-1 --query TemplateBody --output json`;

  test('dev: every CDK stack and the Atlas stack with the options given, and nothing changes (deploy requires no release input in dev)', () => {
    const plan = planDiff(config('dev'), opts({ account: ACCOUNT }), stacksOf('dev'));
    expect(plan.steps.every((s) => !s.changes)).toBe(true);
    expect(outline(plan)).toEqual([`guard:${ACCOUNT}@us-east-1`, `npx cdk diff -c env=dev -c account=${ACCOUNT} ${stackList('dev')}`, 'npx cdktf diff atlas-dev']);
  });

  test.each(['staging', 'prod'])('%s with the release inputs: diffs with exactly them, as deploy would apply', (env) => {
    const o = opts({ account: ACCOUNT, imageTag: TAG, certificateArn: CERTIFICATE, alarmEmails: ['oncall@example.com'] });
    expect(outline(planDiff(loadEnvironment(env, o), o, stacksOf(env)))).toEqual([
      `guard:${ACCOUNT}@us-east-1`,
      `npx cdk diff -c env=${env} -c account=${ACCOUNT} -c imageTag=${TAG} -c certificateArn=${CERTIFICATE} -c alarmEmails=oncall@example.com ${stackList(env)}`,
      `npx cdktf diff atlas-${env}`,
    ]);
  });

  test.each(['staging', 'prod'])('%s without them: reads the running release from the deployed stacks, says so, and diffs with it', (env) => {
    const o = opts({ account: ACCOUNT });
    const plan = planDiff(loadEnvironment(env, o), o, stacksOf(env));
    expect(plan.steps.every((s) => !s.changes)).toBe(true);
    expect(follow(plan, deployed(env))).toEqual([
      `guard:${ACCOUNT}@us-east-1`,
      getTemplate(env, 'services'),
      getTemplate(env, 'monitoring'),
      `npx cdk diff -c env=${env} -c account=${ACCOUNT} -c imageTag=${TAG} -c certificateArn=arn:aws:acm:us-east-1:${ACCOUNT}:certificate/running -c alarmEmails=oncall@example.com ${stackList(env)}`,
      `npx cdktf diff atlas-${env}`,
    ]);
    const diff = plan.steps[1].kind === 'derive' && plan.steps[1].then(deployed(env)[`marin-${env}-services`])[0];
    const cdk = diff && diff.kind === 'derive' ? diff.then(deployed(env)[`marin-${env}-monitoring`])[0] : undefined;
    expect(cdk?.description).toBe(
      `diff CDK stacks: ${stackList(env).replace(/ /g, ', ')} (the running release, read from the deployed stacks: image tag ${TAG} from marin-${env}-services, certificate arn:aws:acm:us-east-1:${ACCOUNT}:certificate/running from marin-${env}-services, alarm addresses oncall@example.com from marin-${env}-monitoring)`,
    );
  });

  test('staging: an input passed is used, only the others are read; parked services diff parked', () => {
    const o = opts({ account: ACCOUNT, alarmEmails: ['pager@example.com'] });
    const plan = planDiff(loadEnvironment('staging', o), o, stacksOf('staging'));
    expect(follow(plan, deployed('staging', 'not-deployed'))).toEqual([
      `guard:${ACCOUNT}@us-east-1`,
      getTemplate('staging', 'services'),
      `npx cdk diff -c env=staging -c account=${ACCOUNT} -c certificateArn=arn:aws:acm:us-east-1:${ACCOUNT}:certificate/running -c alarmEmails=pager@example.com ${stackList('staging')}`,
      'npx cdktf diff atlas-staging',
    ]);
  });

  test('staging: what cannot be read back names the flag to pass', () => {
    const o = opts({ account: ACCOUNT });
    const plan = planDiff(loadEnvironment('staging', o), o, stacksOf('staging'));
    expect(() => follow(plan, { ...deployed('staging'), 'marin-staging-services': template({ Api: task('1.4.2'), Worker: task('1.4.3') }) })).toThrow(
      'the task definitions of marin-staging-services run different image tags (1.4.2, 1.4.3): pass --image-tag',
    );
    expect(() => follow(plan, deployed('staging', TAG, { Ref: 'ApiCertificateArn' }))).toThrow('marin-staging-services takes its certificate from the ApiCertificateArn parameter, not from the CLI: pass --certificate-arn');
    expect(() => follow(plan, deployed('staging', TAG, undefined, { Ref: 'AlarmEmail' }))).toThrow('marin-staging-monitoring takes its alarm address from the AlarmEmail parameter, not from the CLI: pass --alarm-email');
    expect(() => follow(plan, { ...deployed('staging'), 'marin-staging-services': 'An error occurred (ValidationError)' })).toThrow(/^the template of marin-staging-services is not JSON/);
  });

  test('without an account: refused (the Atlas diff reads the state in the account bucket)', () => {
    expect(() => planDiff(config('dev'), opts(), stacksOf('dev'))).toThrow(/^refusing to diff dev without an account: the Atlas stack keeps its state in marin-terraform-state-<account id>/);
  });
});

describe('destroy', () => {
  test('prod is refused, whatever the flags', () => {
    const everyFlags = [
      opts(),
      opts({ yes: true, account: ACCOUNT }),
      opts({ allIncludingData: true, yes: true, account: ACCOUNT }),
    ];
    for (const flags of everyFlags) {
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
    expect(outline(planDestroy(config('dev'), opts({ allIncludingData: true, account: ACCOUNT }), stacksOf('dev')))).toEqual([
      `guard:${ACCOUNT}@us-east-1`,
      'confirm:dev',
      `npx cdk destroy -c env=dev -c account=${ACCOUNT} marin-dev-monitoring marin-dev-services --exclusively --force`,
      'npx cdktf destroy atlas-dev --auto-approve',
      `npx cdk destroy -c env=dev -c account=${ACCOUNT} marin-dev-data marin-dev-network --exclusively --force`,
    ]);
    expect(() => planDestroy(config('dev'), opts({ allIncludingData: true }), stacksOf('dev'))).toThrow(/^refusing to destroy dev without an account: the Atlas stack/);
  });

  test('nothing to destroy is an empty plan', () => {
    expect(planDestroy(config('dev'), opts(), stackInventory(config('dev'), ['network'])).steps).toEqual([]);
  });
});

describe('bootstrap', () => {
  test('needs an account in every environment', () => {
    for (const env of ENVIRONMENT_NAMES) expect(() => planBootstrap(config(env), opts())).toThrow(/^bootstrap needs the account to prepare: pass --account/);
  });

  const BUCKET = `marin-terraform-state-${ACCOUNT}`;

  test('the deploy-identity stack, cdk bootstrap with the scoped policy and boundary, its checks, the ECS service-linked role, then the account state bucket, check-then-create; S3 lock file only', () => {
    const plan = planBootstrap(config('dev'), opts({ account: ACCOUNT }));
    expect(outline(plan)).toEqual([
      `guard:${ACCOUNT}@us-east-1`,
      `npx cdk deploy --app npx tsx bin/deploy-identity.ts -c env=dev -c account=${ACCOUNT} marin-dev-deploy-identity --exclusively --require-approval broadening`,
      `npx cdk bootstrap aws://${ACCOUNT}/us-east-1 --cloudformation-execution-policies arn:aws:iam::${ACCOUNT}:policy/marin-dev-cfn-execution --custom-permissions-boundary marin-dev-permissions-boundary`,
      `aws iam list-attached-role-policies --role-name cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-us-east-1 --output json`,
      `aws iam get-role --role-name cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-us-east-1 --query Role.PermissionsBoundary.PermissionsBoundaryArn --output text`,
      'ensure:aws iam get-role --role-name AWSServiceRoleForECS --output json',
      `ensure:aws s3api head-bucket --bucket ${BUCKET} --region us-east-1`,
      `aws s3api put-public-access-block --bucket ${BUCKET} --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true --region us-east-1`,
      `aws s3api put-bucket-ownership-controls --bucket ${BUCKET} --ownership-controls Rules=[{ObjectOwnership=BucketOwnerEnforced}] --region us-east-1`,
      `aws s3api put-bucket-versioning --bucket ${BUCKET} --versioning-configuration Status=Enabled --region us-east-1`,
      `aws s3api put-bucket-encryption --bucket ${BUCKET} --server-side-encryption-configuration {"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms"},"BucketKeyEnabled":true}]} --region us-east-1`,
      expect.stringMatching(new RegExp(`^aws s3api put-bucket-policy --bucket ${BUCKET} --policy `)),
    ]);
    const role = plan.steps[5];
    expect(role.kind === 'ensure' && role.create.map((c) => c.join(' '))).toEqual(['aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com']);
    const bucket = plan.steps[6];
    expect(bucket.kind === 'ensure' && bucket.create.map((c) => c.join(' '))).toEqual([
      `aws s3api create-bucket --bucket ${BUCKET} --region us-east-1`,
      `aws s3api wait bucket-exists --bucket ${BUCKET} --region us-east-1`,
    ]);
  });

  test('each account has its own state bucket', () => {
    const bucketOf = (account: string) => {
      const step = planBootstrap(config('prod'), opts({ account, yes: true })).steps.find((s) => s.kind === 'ensure' && s.check[2] === 'head-bucket');
      return step?.kind === 'ensure' ? step.check[4] : undefined;
    };
    expect(bucketOf('111111111111')).toBe('marin-terraform-state-111111111111');
    expect(bucketOf('222222222222')).toBe('marin-terraform-state-222222222222');
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
        Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ]);
  });

  test('a DynamoDB lock table only when configured; a bucket outside us-east-1 gets its LocationConstraint', () => {
    const base = config('dev');
    const custom: EnvironmentConfig = { ...base, terraformState: { bucketPrefix: 'other-state', useLockfile: false, dynamodbTable: 'tf-lock', region: 'eu-west-1' } };
    const plan = planBootstrap(custom, opts({ account: ACCOUNT }));
    const bucket = plan.steps[6];
    expect(bucket.kind === 'ensure' && bucket.create[0].join(' ')).toBe(
      `aws s3api create-bucket --bucket other-state-${ACCOUNT} --create-bucket-configuration LocationConstraint=eu-west-1 --region eu-west-1`,
    );
    expect(outline(plan).slice(-2)).toEqual([
      'ensure:aws dynamodb describe-table --table-name tf-lock --region eu-west-1',
      'aws dynamodb update-continuous-backups --table-name tf-lock --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true --region eu-west-1',
    ]);
    const table = plan.steps[plan.steps.length - 2];
    expect(table.kind === 'ensure' && table.create[0].join(' ')).toBe(
      'aws dynamodb create-table --table-name tf-lock --attribute-definitions AttributeName=LockID,AttributeType=S --key-schema AttributeName=LockID,KeyType=HASH --billing-mode PAY_PER_REQUEST --sse-specification Enabled=true --region eu-west-1',
    );
    expect(outline(planBootstrap(config('dev'), opts({ account: ACCOUNT }))).join('\n')).not.toContain('dynamodb');
  });

  test('termination protection on the CDKToolkit stack where the environment has it; prod asks first', () => {
    expect(argvs(planBootstrap(config('staging'), opts({ account: ACCOUNT })))[1]).toBe(
      `npx cdk bootstrap aws://${ACCOUNT}/us-east-1 --cloudformation-execution-policies arn:aws:iam::${ACCOUNT}:policy/marin-staging-cfn-execution --custom-permissions-boundary marin-staging-permissions-boundary --termination-protection`,
    );
    expect(argvs(planBootstrap(config('dev'), opts({ account: ACCOUNT }))).join('\n')).not.toContain('--termination-protection');
    expect(outline(planBootstrap(config('prod'), opts({ account: ACCOUNT })))[1]).toBe('confirm:prod');
    expect(outline(planBootstrap(config('prod'), opts({ account: ACCOUNT, yes: true })))).not.toContain('confirm:prod');
  });
});

describe('bootstrap never leaves CloudFormation with AdministratorAccess', () => {
  const bootstrap = (...flags: string[]): string[] => ['npx', 'cdk', 'bootstrap', `aws://${ACCOUNT}/us-east-1`, ...flags];
  const scoped = ['--cloudformation-execution-policies', `arn:aws:iam::${ACCOUNT}:policy/marin-prod-cfn-execution`];
  const boundary = ['--custom-permissions-boundary', 'marin-prod-permissions-boundary'];

  test('every environment bootstraps with its own execution policy, never AdministratorAccess', () => {
    for (const env of ENVIRONMENT_NAMES) {
      const argv = argvs(planBootstrap(config(env), opts({ account: ACCOUNT, yes: true }))).find((a) => a.startsWith('npx cdk bootstrap'))!;
      expect(argv).toContain(`--cloudformation-execution-policies arn:aws:iam::${ACCOUNT}:policy/marin-${env}-cfn-execution `);
      expect(argv).toContain(`--custom-permissions-boundary marin-${env}-permissions-boundary`);
      expect(argv).not.toMatch(/AdministratorAccess/);
    }
  });

  test('the refusal: no execution policy (the CDK default is AdministratorAccess), AdministratorAccess named, or no boundary', () => {
    expect(() => refuseAdministratorAccess(bootstrap(...scoped, ...boundary))).not.toThrow();
    expect(() => refuseAdministratorAccess(bootstrap(...boundary))).toThrow(/^refusing to bootstrap without --cloudformation-execution-policies: the CDK would give CloudFormation AdministratorAccess/);
    expect(() => refuseAdministratorAccess(bootstrap('--cloudformation-execution-policies', 'arn:aws:iam::aws:policy/AdministratorAccess', ...boundary))).toThrow(
      /^refusing to bootstrap with arn:aws:iam::aws:policy\/AdministratorAccess: /,
    );
    expect(() => refuseAdministratorAccess(bootstrap(`--cloudformation-execution-policies=${scoped[1]},arn:aws:iam::aws:policy/AdministratorAccess`, ...boundary))).toThrow(/AdministratorAccess/);
    expect(() => refuseAdministratorAccess(bootstrap(...scoped))).toThrow(/^refusing to bootstrap without --custom-permissions-boundary <name>/);
  });

  test('after the bootstrap, the execution role is checked: exactly the scoped policy, and the boundary', () => {
    const plan = planBootstrap(config('prod'), opts({ account: ACCOUNT, yes: true }));
    const checks = plan.steps.filter((s): s is CommandStep => s.kind === 'command' && s.argv[1] === 'iam');
    expect(checks).toHaveLength(2);
    const [attached, role] = checks;
    const policies = (...arns: string[]) => JSON.stringify({ AttachedPolicies: arns.map((PolicyArn) => ({ PolicyName: PolicyArn.split('/').pop(), PolicyArn })) });
    expect(attached.verify!(policies(`arn:aws:iam::${ACCOUNT}:policy/marin-prod-cfn-execution`))).toBeUndefined();
    expect(attached.verify!(policies(`arn:aws:iam::${ACCOUNT}:policy/marin-prod-cfn-execution`, 'arn:aws:iam::aws:policy/AdministratorAccess'))).toMatch(/still has AdministratorAccess attached/);
    expect(attached.verify!(policies(`arn:aws:iam::${ACCOUNT}:policy/marin-dev-cfn-execution`))).toMatch(/expected exactly arn:aws:iam::111111111111:policy\/marin-prod-cfn-execution/);
    expect(role.verify!(`arn:aws:iam::${ACCOUNT}:policy/marin-prod-permissions-boundary\n`)).toBeUndefined();
    expect(role.verify!('None\n')).toMatch(/carries boundary "None"/);
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
