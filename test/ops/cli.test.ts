import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../scripts/ops/cli';
import { checkIdentity, executePlan, formatCommand } from '../../scripts/ops/execute';
import { resolveIdentity } from '../../scripts/ops/system';
import { mongodbUriPlaceholder } from '../../lib/handoff';
import type { StackPolicy } from '../../scripts/ops/stack-policy';
import { commandsOf, DEFAULT_SG_ID, stubDeps, type Stub, type StubOptions } from './stubs';

const ACCOUNT = '111111111111';
const OTHER = '222222222222';
const isChange = (line: string): boolean => / (deploy|destroy|bootstrap|create-bucket|create-table|put-[a-z-]+|update-[a-z-]+) /.test(` ${line} `);

describe('dry run', () => {
  test('prints the exact plan and runs nothing, not even the identity check', async () => {
    const stub = stubDeps();
    expect(await main(['deploy', '--env', 'dev', '--account', ACCOUNT, '--dry-run', '--image-tag', '1.4.2'], stub)).toBe(0);
    expect(stub.calls).toEqual([]);
    expect(stub.identityCalls).toBe(0);
    expect(stub.out).toEqual([
      'plan: deploy dev (10 steps; [change] = changes AWS or Atlas)',
      // The preflight first (issue 19): tools, Atlas credentials, then the identity, then what needs the credentials.
      `   1. [read]   preflight (10 checks, nothing changes before all pass) and check the AWS credentials: account ${ACCOUNT}, region us-east-1`,
      '        check: Node.js >= 20.19.0',
      '          $ node --version',
      '        check: CDK CLI >= 2.1148.1',
      '          $ npx cdk --version',
      '        check: Terraform >= 1.10.0',
      '          $ terraform version -json',
      '        check: AWS CLI v2 >= 2.9.19 (the binary every aws step runs)',
      '          $ aws --version',
      '        check: Atlas API keys and organization id (MONGODB_ATLAS_PUBLIC_KEY, MONGODB_ATLAS_PRIVATE_KEY, TF_VAR_atlas_org_id)',
      '        check: alarm addresses: (none)',
      '        $ aws sts get-caller-identity --output json',
      ...['api', 'ingestion', 'transcription', 'indexing'].flatMap((service) => [
        `        check: image marin-dev-${service}:1.4.2 exists in ECR`,
        `          $ aws ecr describe-images --repository-name marin-dev-${service} --image-ids imageTag=1.4.2 --region us-east-1 --query 'imageDetails[0].imageTags' --output json`,
      ]),
      '   2. [change] deploy stateful CDK stacks: marin-dev-network, marin-dev-data',
      `        $ npx cdk deploy -c env=dev -c account=${ACCOUNT} -c imageTag=1.4.2 marin-dev-network marin-dev-data --exclusively --require-approval broadening`,
      "   3. [change] close the VPC's default security group (id from /marin/dev/network/default-security-group-id)",
      '        $ aws ssm get-parameter --region us-east-1 --name /marin/dev/network/default-security-group-id --query Parameter.Value --output text',
      '          then: list the rules of the default security group sg-0123456789abcdef0',
      '            $ aws ec2 describe-security-group-rules --region us-east-1 --filters Name=group-id,Values=sg-0123456789abcdef0 --output json',
      '              then: revoke ingress rules of sg-0123456789abcdef0',
      '                $ aws ec2 revoke-security-group-ingress --region us-east-1 --group-id sg-0123456789abcdef0 --security-group-rule-ids sgr-0aaaaaaaaaaaaaaa1',
      '              then: revoke egress rules of sg-0123456789abcdef0',
      '                $ aws ec2 revoke-security-group-egress --region us-east-1 --group-id sg-0123456789abcdef0 --security-group-rule-ids sgr-0aaaaaaaaaaaaaaa2',
      '   4. [change] deploy the Atlas stack (CDKTF): atlas-dev',
      `        $ ATLAS_ENVIRONMENTS=dev ATLAS_ACCOUNT=${ACCOUNT} CHECKPOINT_DISABLE=1 npx cdktf deploy atlas-dev`,
      '   5. [change] deploy service CDK stacks: marin-dev-services, marin-dev-monitoring',
      `        $ npx cdk deploy -c env=dev -c account=${ACCOUNT} -c imageTag=1.4.2 marin-dev-services marin-dev-monitoring --exclusively --force --import-existing-resources --require-approval broadening`,
      '   6. [read]   check: secret dev/audio-pipeline/mongodb-uri has a current value',
      '        $ aws secretsmanager describe-secret --secret-id dev/audio-pipeline/mongodb-uri --region us-east-1 --query VersionIdsToStages --output json',
      '   7. [read]   check: secret dev/audio-pipeline/redis-endpoint has a current value',
      '        $ aws secretsmanager describe-secret --secret-id dev/audio-pipeline/redis-endpoint --region us-east-1 --query VersionIdsToStages --output json',
      '   8. [read]   check: secret dev/audio-pipeline/redis-auth has a current value',
      '        $ aws secretsmanager describe-secret --secret-id dev/audio-pipeline/redis-auth --region us-east-1 --query VersionIdsToStages --output json',
      '   9. [read]   check: secret dev/audio-pipeline/mongodb-uri holds the connection string written by Atlas, not the CDK placeholder',
      '        $ aws secretsmanager get-secret-value --secret-id dev/audio-pipeline/mongodb-uri --region us-east-1 --query SecretString --output text',
      '  10. [read]   check: every ECS service reached a steady state',
      '        $ aws ecs wait services-stable --cluster marin-dev-cluster --services marin-dev-api marin-dev-ingestion marin-dev-transcription marin-dev-indexing --region us-east-1',
      'dry run: nothing was executed',
    ]);
  });

  test('bootstrap dry run shows the check-then-create commands, shell-quoted', async () => {
    const stub = stubDeps();
    expect(await main(['bootstrap', '--env', 'dev', '--account', ACCOUNT, '--dry-run'], stub)).toBe(0);
    expect(stub.calls).toEqual([]);
    expect(stub.out).toContain('        $ aws iam get-role --role-name AWSServiceRoleForECS --output json');
    expect(stub.out).toContain('          if that fails (missing): $ aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com');
    expect(stub.out).toContain(`        $ aws s3api head-bucket --bucket marin-terraform-state-${ACCOUNT} --region us-east-1`);
    expect(stub.out).toContain(`          if that fails (missing): $ aws s3api create-bucket --bucket marin-terraform-state-${ACCOUNT} --region us-east-1`);
    expect(stub.out.some((l) => l.includes(`--policy '{"Version":"2012-10-17"`))).toBe(true);
  });

  test('refusals apply to dry runs too', async () => {
    const stub = stubDeps();
    expect(await main(['destroy', '--env', 'prod', '--dry-run'], stub)).toBe(1);
    expect(stub.err[0]).toMatch(/^error: refusing to destroy prod/);
    expect(stub.out).toEqual([]);
  });
});

describe('guard rails', () => {
  test('account mismatch stops before any command', async () => {
    const stub = stubDeps({ identity: { account: OTHER, arn: `arn:aws:sts::${OTHER}:assumed-role/Ops/me`, region: 'us-east-1' } });
    expect(await main(['deploy', '--env', 'staging', '--account', ACCOUNT, '--image-tag', '1.4.2', '--certificate-arn', `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/x`, '--alarm-email', 'oncall@example.com', '--yes'], stub)).toBe(1);
    expect(stub.calls).toEqual([]);
    expect(stub.err).toEqual([
      `error: account mismatch: your credentials (arn:aws:sts::${OTHER}:assumed-role/Ops/me) belong to account ${OTHER}, but staging is account ${ACCOUNT}. Switch credentials (AWS_PROFILE=...) or fix --account`,
    ]);
  });

  test('region mismatch stops before any command', async () => {
    const stub = stubDeps({ identity: { account: ACCOUNT, arn: 'arn', region: 'eu-west-1' } });
    expect(await main(['destroy', '--env', 'dev', '--yes'], stub)).toBe(1);
    expect(stub.calls).toEqual([]);
    expect(stub.err).toEqual(['error: region mismatch: your AWS region is eu-west-1, but dev is in us-east-1; set AWS_REGION=us-east-1']);
  });

  test('no region configured, or no credentials, stops too', async () => {
    const noRegion = stubDeps({ identity: { account: ACCOUNT, arn: 'arn' } });
    expect(await main(['diff', '--env', 'dev', '--account', ACCOUNT], noRegion)).toBe(1);
    expect(noRegion.err[0]).toBe('error: no AWS region configured: dev is in us-east-1; set AWS_REGION=us-east-1');
    const noCredentials = stubDeps({ identity: new Error('aws sts get-caller-identity exited 255') });
    expect(await main(['deploy', '--env', 'dev', '--account', ACCOUNT, '--yes'], noCredentials)).toBe(1);
    expect(noCredentials.err[0]).toMatch(/^error: could not determine your AWS identity \(aws sts get-caller-identity exited 255\)/);
    expect([...noRegion.calls, ...noCredentials.calls]).toEqual([]);
  });

  test('prod needs an account: refused before the identity is even asked', async () => {
    const stub = stubDeps();
    expect(await main(['deploy', '--env', 'prod', '--yes'], stub)).toBe(1);
    expect(stub.identityCalls).toBe(0);
    expect(stub.err[0]).toMatch(/^error: refusing to deploy prod without an account/);
  });

  test.each(['staging', 'prod'])('%s deploy without --image-tag is refused before the identity is asked', async (env) => {
    const stub = stubDeps();
    expect(await main(['deploy', '--env', env, '--account', ACCOUNT, '--yes'], stub)).toBe(1);
    expect(stub.calls).toEqual([]);
    expect(stub.identityCalls).toBe(0);
    expect(stub.out).toEqual([]);
    expect(stub.err).toHaveLength(1);
    expect(stub.err[0]).toMatch(new RegExp(`^error: refusing to deploy ${env} without --image-tag: without one every service is set to 0 tasks\\. `));
    expect(stub.err[0]).toContain('--park-services');
  });

  test('dev deploy without --image-tag is not refused', async () => {
    const stub = stubDeps();
    expect(await main(['deploy', '--env', 'dev', '--account', ACCOUNT, '--dry-run'], stub)).toBe(0);
    expect(stub.err).toEqual([]);
    expect(stub.out[0]).toBe('plan: deploy dev (10 steps; [change] = changes AWS or Atlas)');
  });

  test('staging --park-services deploys the services without an image tag', async () => {
    const stub = stubDeps();
    expect(await main(['deploy', '--env', 'staging', '--account', ACCOUNT, '--park-services', '--certificate-arn', `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/x`, '--alarm-email', 'oncall@example.com', '--dry-run'], stub)).toBe(0);
    expect(stub.err).toEqual([]);
    expect(stub.out).toContain(
      `        $ npx cdk deploy -c env=staging -c account=${ACCOUNT} -c certificateArn=arn:aws:acm:us-east-1:${ACCOUNT}:certificate/x -c alarmEmails=oncall@example.com marin-staging-services --exclusively --method=prepare-change-set --change-set-name marin-staging-r1 --output cdk.out/reviewed/marin-staging-r1 --force --import-existing-resources --require-approval never`,
    );
    expect(stub.out.join('\n')).not.toContain('imageTag');
  });

  test('staging without --certificate-arn is refused before anything runs (it would stop at the services stack)', async () => {
    const stub = stubDeps();
    expect(await main(['deploy', '--env', 'staging', '--account', ACCOUNT, '--park-services', '--dry-run'], stub)).toBe(1);
    expect(stub.out).toEqual([]);
    expect(stub.err[0]).toMatch(/^error: refusing to deploy staging without --certificate-arn: staging is HTTPS-only/);
  });

  test('--park-services with --image-tag is refused', async () => {
    const stub = stubDeps();
    expect(await main(['deploy', '--env', 'prod', '--account', ACCOUNT, '--park-services', '--image-tag', '1.4.2', '--yes'], stub)).toBe(1);
    expect(stub.calls).toEqual([]);
    expect(stub.identityCalls).toBe(0);
    expect(stub.err).toEqual(['error: --park-services and --image-tag contradict each other: pick one']);
  });

  test('prod destroy is refused and runs nothing', async () => {
    const stub = stubDeps();
    expect(await main(['destroy', '--env', 'prod', '--account', ACCOUNT, '--yes', '--all-including-data'], stub)).toBe(1);
    expect(stub.calls).toEqual([]);
    expect(stub.identityCalls).toBe(0);
  });

  test('staging destroy --all-including-data is refused', async () => {
    const stub = stubDeps();
    expect(await main(['destroy', '--env', 'staging', '--account', ACCOUNT, '--all-including-data', '--yes'], stub)).toBe(1);
    expect(stub.calls).toEqual([]);
  });

  test('usage errors exit 2 with the message', async () => {
    const stub = stubDeps();
    expect(await main(['deploy', '--env', 'qa'], stub)).toBe(2);
    expect(stub.err).toEqual(['error: unknown environment "qa": valid environments are dev, staging, prod']);
  });

  test('checkIdentity accepts a match and any account when none is expected', () => {
    expect(checkIdentity({ account: ACCOUNT, arn: 'a', region: 'us-east-1' }, ACCOUNT, 'us-east-1', 'prod')).toBeUndefined();
    expect(checkIdentity({ account: OTHER, arn: 'a', region: 'us-east-1' }, undefined, 'us-east-1', 'dev')).toBeUndefined();
  });

  test('the executor itself refuses a changing step that no guard precedes', async () => {
    const stub = stubDeps();
    const code = await executePlan(
      { command: 'deploy', environment: 'dev', steps: [{ kind: 'command', description: 'x', changes: true, argv: ['npx', 'cdk', 'deploy'] }] },
      stub,
      { dryRun: false },
    );
    expect(code).toBe(1);
    expect(stub.calls).toEqual([]);
    expect(stub.err[0]).toMatch(/before the credentials were checked/);
  });
});

describe('prod deploy: the reviewed change sets and saved plan are what is applied', () => {
  const CS = 'marin-prod-r1';
  const CERT = `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/x`;
  const args = ['deploy', '--env', 'prod', '--account', ACCOUNT, '--image-tag', '1.4.2', '--certificate-arn', CERT, '--alarm-email', 'oncall@example.com'];
  const identity = { account: ACCOUNT, arn: 'arn', region: 'us-east-1' };
  const fixture = (name: string): string => readFileSync(join(__dirname, 'fixtures', name), 'utf8');
  const ok = (stdout: string) => ({ status: 0, stdout });
  const describeOf = (stack: string) => (argv: readonly string[]) => argv[2] === 'describe-change-set' && argv[4] === stack;
  const tfShowJson = (argv: readonly string[]) => argv[0] === 'terraform' && argv[2] === 'show' && argv[3] === '-json';
  const secrets = (argv: readonly string[]) => argv[1] === 'secretsmanager' && argv[2] === 'describe-secret';
  const secretValue = (argv: readonly string[]) => argv[1] === 'secretsmanager' && argv[2] === 'get-secret-value';
  const update = fixture('change-set-data-update.json');
  /** Every stack's change set has changes, the Atlas plan updates in place, the secrets are set. */
  const healthy: StubOptions['results'] = [
    [describeOf('marin-prod-network'), ok(update)],
    [describeOf('marin-prod-data'), ok(update)],
    [describeOf('marin-prod-services'), ok(update)],
    [describeOf('marin-prod-monitoring'), ok(update)],
    [tfShowJson, ok(fixture('terraform-plan-update.json'))],
    [secrets, ok('{"v1":["AWSCURRENT"]}')],
    [secretValue, ok('mongodb+srv://cluster0.abcde.mongodb.net/?authMechanism=MONGODB-AWS\n')],
  ];
  /** prepare, review, execute of one stack, then its protective stack policy, as `short` prints them. */
  const perStack = (stack: string) => [
    `npx cdk deploy ${stack} --exclusively --method=prepare-change-set`,
    `aws cloudformation describe-change-set --stack-name ${stack} --change-set-name`,
    `npx cdk deploy -a cdk.out/reviewed/${CS} ${stack}`,
    `aws cloudformation set-stack-policy --stack-name ${stack} --region`,
  ];
  /** The stack policies set, in order: the stack and the logical ids its Deny statement excepts. */
  const policiesOf = (stub: Stub) =>
    stub.calls
      .filter((c) => c.argv[2] === 'set-stack-policy')
      .map((c) => {
        const deny = (JSON.parse(c.argv[c.argv.indexOf('--stack-policy-body') + 1]) as StackPolicy).Statement.find((st) => st.Effect === 'Deny')!;
        return `${c.argv[4]}: ${deny.NotResource ? `lifted for ${[deny.NotResource].flat().join(' ')}` : 'protective'}`;
      });
  const executeOf = (stack: string) => (argv: readonly string[]) => argv.includes('--method=execute-change-set') && argv.includes(stack);
  const short = (stub: Stub) => commandsOf(stub).map((c) => c.replace(/ -c \S+/g, '').split(' ').slice(0, 6).join(' '));

  test('--dry-run prints the named change sets, the saved Terraform plan being applied, and the refusal rule', async () => {
    const stub = stubDeps();
    expect(await main(['deploy', '--env', 'prod', '--dry-run', '--account', '123456789012', '--image-tag', '1.0.0', '--certificate-arn', CERT, '--alarm-email', 'oncall@example.com'], stub)).toBe(0);
    expect(stub.calls).toEqual([]);
    const text = stub.out.join('\n');
    for (const stack of ['marin-prod-network', 'marin-prod-data', 'marin-prod-services', 'marin-prod-monitoring']) {
      expect(text).toContain(`prepare change set ${CS} of ${stack} (CloudFormation computes it; nothing is executed)`);
      expect(text).toContain(`review change set ${CS} of ${stack}: refuse replacing or removing stateful or fixed-name resources`);
      expect(text).toContain(`CloudFormation executes the reviewed change set ${CS} on ${stack} (cdk: no new synth, waits for the stack)`);
      expect(text).toContain(`$ npx cdk deploy -a cdk.out/reviewed/${CS} ${stack} --method=execute-change-set --change-set-name ${CS} --require-approval never`);
    }
    expect(text).toContain(`plan atlas-prod into the saved plan ${CS}.tfplan`);
    expect(text).toContain(`review the saved plan ${CS}.tfplan: refuse destroying or replacing the project, cluster, backup schedule or private endpoint`);
    expect(text).toContain(`Terraform applies the reviewed saved plan ${CS}.tfplan to atlas-prod (no new plan)`);
    expect(text).toContain(`$ ATLAS_ENVIRONMENTS=prod ATLAS_ACCOUNT=123456789012 CHECKPOINT_DISABLE=1 terraform -chdir=cdktf.out/stacks/atlas-prod apply -input=false ${CS}.tfplan`);
    expect(text).not.toMatch(/cdktf deploy|--auto-approve/);
    expect(stub.out.at(-1)).toBe('dry run: nothing was executed');
  });

  test('typing "prod" at each review: prepare, review, execute per stack, then Atlas from the saved plan, then the checks', async () => {
    const stub = stubDeps({ identity, answer: 'prod', results: healthy });
    expect(await main(args, stub)).toBe(0);
    expect(stub.prompts).toHaveLength(5);
    expect(short(stub)).toEqual([
      ...perStack('marin-prod-network'),
      // The default security group, closed right after the network stack (ids as the stubbed AWS returns them).
      'aws ssm get-parameter --region us-east-1 --name',
      'aws ec2 describe-security-group-rules --region us-east-1 --filters',
      'aws ec2 revoke-security-group-ingress --region us-east-1 --group-id',
      'aws ec2 revoke-security-group-egress --region us-east-1 --group-id',
      ...perStack('marin-prod-data'),
      'npx cdktf synth',
      'terraform -chdir=cdktf.out/stacks/atlas-prod init -input=false',
      `terraform -chdir=cdktf.out/stacks/atlas-prod plan -input=false -out=${CS}.tfplan`,
      `terraform -chdir=cdktf.out/stacks/atlas-prod show ${CS}.tfplan`,
      `terraform -chdir=cdktf.out/stacks/atlas-prod show -json ${CS}.tfplan`,
      `terraform -chdir=cdktf.out/stacks/atlas-prod apply -input=false ${CS}.tfplan`,
      ...perStack('marin-prod-services'),
      ...perStack('marin-prod-monitoring'),
      'aws secretsmanager describe-secret --secret-id prod/audio-pipeline/mongodb-uri --region',
      'aws secretsmanager describe-secret --secret-id prod/audio-pipeline/redis-endpoint --region',
      'aws secretsmanager describe-secret --secret-id prod/audio-pipeline/redis-auth --region',
      'aws secretsmanager get-secret-value --secret-id prod/audio-pipeline/mongodb-uri --region',
      'aws ecs wait services-stable --cluster marin-prod-cluster',
    ]);
    // The review output is shown before the question.
    expect(stub.out).toContain('  marin-prod-data: modify QueuesIngestionQueue5C1B8F2E (AWS::SQS::Queue)');
    expect(stub.out).toContain('  atlas: update mongodbatlas_advanced_cluster.atlas-cluster_cluster_4A1B2C3D');
    expect(stub.calls.filter((c) => c.argv[2] === 'describe-change-set' || tfShowJson(c.argv)).every((c) => c.options.capture)).toBe(true);
  });

  test('a wrong answer stops before the first execution', async () => {
    const stub = stubDeps({ identity, answer: 'yes', results: healthy });
    expect(await main(args, stub)).toBe(1);
    expect(stub.prompts).toEqual(['Type "prod" to continue: ']);
    expect(short(stub)).toEqual([
      'npx cdk deploy marin-prod-network --exclusively --method=prepare-change-set',
      'aws cloudformation describe-change-set --stack-name marin-prod-network --change-set-name',
    ]);
    expect(stub.err[0]).toBe('aborted: expected "prod", got "yes"; nothing after step 3 was run');
  });

  test('a change set replacing a bucket is refused before the prompt; nothing is executed', async () => {
    const stub = stubDeps({ identity, answer: 'prod', results: [[describeOf('marin-prod-data'), ok(fixture('change-set-data-replace.json'))], ...healthy!] });
    expect(await main(args, stub)).toBe(1);
    expect(stub.prompts).toHaveLength(1);
    expect(commandsOf(stub).filter((c) => c.includes('--method=execute-change-set')).map((c) => c.split(' ')[5])).toEqual(['marin-prod-network']);
    expect(commandsOf(stub).at(-1)).toMatch(/^aws cloudformation describe-change-set --stack-name marin-prod-data /);
    expect(stub.out).toContain('  marin-prod-data: replace (certain) StorageRecordingsBucket6E1A2B3C (AWS::S3::Bucket)  [REFUSED]');
    expect(stub.err).toHaveLength(1);
    expect(stub.err[0]).toMatch(/^refused: change set of marin-prod-data would replace or remove StorageRecordingsBucket6E1A2B3C .*--allow-replace StorageRecordingsBucket6E1A2B3C,CacheReplicationGroup7F8E9D0C,QueuesLegacyQueue9A8B7C6D; nothing of marin-prod-data was applied$/);
  });

  test('--allow-replace names the accepted replacements and the deploy goes on', async () => {
    const stub = stubDeps({ identity, results: [[describeOf('marin-prod-data'), ok(fixture('change-set-data-replace.json'))], ...healthy!] });
    const allow = ['--allow-replace', 'StorageRecordingsBucket6E1A2B3C,CacheReplicationGroup7F8E9D0C', '--allow-replace', 'QueuesLegacyQueue9A8B7C6D'];
    expect(await main([...args, ...allow, '--yes'], stub)).toBe(0);
    expect(commandsOf(stub).some((c) => c.startsWith(`npx cdk deploy -a cdk.out/reviewed/${CS} marin-prod-data `))).toBe(true);
  });

  test('stack policies: every stack gets the protective one after its execution; --allow-replace lifts it for exactly the allowed ids of that one stack, for that one execution', async () => {
    const plain = stubDeps({ identity, results: healthy });
    expect(await main([...args, '--yes'], plain)).toBe(0);
    expect(policiesOf(plain)).toEqual(['marin-prod-network: protective', 'marin-prod-data: protective', 'marin-prod-services: protective', 'marin-prod-monitoring: protective']);

    const stub = stubDeps({ identity, results: [[describeOf('marin-prod-data'), ok(fixture('change-set-data-replace.json'))], ...healthy!] });
    const allow = ['--allow-replace', 'StorageRecordingsBucket6E1A2B3C,CacheReplicationGroup7F8E9D0C,QueuesLegacyQueue9A8B7C6D'];
    expect(await main([...args, ...allow, '--yes'], stub)).toBe(0);
    expect(policiesOf(stub)).toEqual([
      'marin-prod-network: protective',
      'marin-prod-data: lifted for LogicalResourceId/CacheReplicationGroup7F8E9D0C LogicalResourceId/QueuesLegacyQueue9A8B7C6D LogicalResourceId/StorageRecordingsBucket6E1A2B3C',
      'marin-prod-data: protective',
      'marin-prod-services: protective',
      'marin-prod-monitoring: protective',
    ]);
    // Lift, execute, restore: in that order, around the one execution.
    const data = commandsOf(stub).map((c, i) => [c, i] as const).filter(([c]) => c.includes('marin-prod-data') && !c.includes('describe-change-set') && !c.includes('prepare-change-set')).map(([c]) => c.split(' ').slice(0, 3).join(' '));
    expect(data).toEqual(['aws cloudformation set-stack-policy', 'npx cdk deploy', 'aws cloudformation set-stack-policy']);
  });

  test('a failed execution still restores the protective policy, and the deploy stops with the execution\'s exit code', async () => {
    const stub = stubDeps({ identity, results: [[describeOf('marin-prod-data'), ok(fixture('change-set-data-replace.json'))], [executeOf('marin-prod-data'), { status: 3, stdout: '' }], ...healthy!] });
    expect(await main([...args, '--allow-replace', 'StorageRecordingsBucket6E1A2B3C,CacheReplicationGroup7F8E9D0C,QueuesLegacyQueue9A8B7C6D', '--yes'], stub)).toBe(3);
    expect(policiesOf(stub)).toEqual([
      'marin-prod-network: protective',
      'marin-prod-data: lifted for LogicalResourceId/CacheReplicationGroup7F8E9D0C LogicalResourceId/QueuesLegacyQueue9A8B7C6D LogicalResourceId/StorageRecordingsBucket6E1A2B3C',
      'marin-prod-data: protective',
    ]);
    expect(commandsOf(stub).at(-1)).toMatch(/^aws cloudformation set-stack-policy --stack-name marin-prod-data /);
    expect(stub.err).toEqual([expect.stringMatching(/^error: step 8\/25 failed \(exit 3\): npx cdk deploy -a cdk.out\/reviewed\/marin-prod-r1 marin-prod-data /)]);
  });

  test('a policy that cannot be lifted stops before the execution; one that cannot be restored fails the deploy, naming the command', async () => {
    const liftFails = stubDeps({ identity, results: [[describeOf('marin-prod-data'), ok(fixture('change-set-data-replace.json'))], [(a) => a[2] === 'set-stack-policy' && a.includes('marin-prod-data') && a.join(' ').includes('NotResource'), { status: 254, stdout: '' }], ...healthy!] });
    expect(await main([...args, '--allow-replace', 'StorageRecordingsBucket6E1A2B3C,CacheReplicationGroup7F8E9D0C,QueuesLegacyQueue9A8B7C6D', '--yes'], liftFails)).toBe(254);
    expect(commandsOf(liftFails).some((c) => c.includes('--method=execute-change-set') && c.includes('marin-prod-data'))).toBe(false);
    expect(liftFails.err[0]).toMatch(/^error: step 8\/25: could not lift the stack policy of marin-prod-data \(exit 254\); nothing was executed: aws cloudformation set-stack-policy /);

    const restoreFails = stubDeps({ identity, results: [[(a) => a[2] === 'set-stack-policy' && a.includes('marin-prod-network'), { status: 254, stdout: '' }], ...healthy!] });
    expect(await main([...args, '--yes'], restoreFails)).toBe(254);
    expect(restoreFails.err[0]).toMatch(/^error: step 4\/\d+: the protective stack policy of marin-prod-network is NOT in place \(exit 254\); set it before anything else: aws cloudformation set-stack-policy --stack-name marin-prod-network /);
  });

  test('an unchanged stack is not executed, but its policy is re-applied', async () => {
    const empty = fixture('change-set-network-empty.json');
    const stub = stubDeps({ identity, results: [[describeOf('marin-prod-network'), ok(empty)], ...healthy!] });
    expect(await main([...args, '--yes'], stub)).toBe(0);
    expect(commandsOf(stub).some((c) => c.includes('--method=execute-change-set') && c.includes('marin-prod-network'))).toBe(false);
    expect(policiesOf(stub)[0]).toBe('marin-prod-network: protective');
  });

  test('--allow-replace values that no review allowed fail the run, named, after refusing nothing else (S: a prefix matches nothing)', async () => {
    const stub = stubDeps({ identity, results: healthy });
    expect(await main([...args, '--allow-replace', 'S,mongodbatlas_advanced_cluster.cluster', '--yes'], stub)).toBe(1);
    expect(policiesOf(stub).every((p) => p.endsWith('protective'))).toBe(true);
    expect(stub.err).toEqual([
      'error: --allow-replace named S, mongodbatlas_advanced_cluster.cluster, which no reviewed change set or plan replaces or removes: ids match whole (copy them from a review\'s [REFUSED] line); nothing was lifted for them',
    ]);
  });

  test('an Atlas plan replacing the cluster is refused before anything is applied to Atlas', async () => {
    const stub = stubDeps({ identity, results: [[tfShowJson, ok(fixture('terraform-plan-replace-cluster.json'))], ...healthy!] });
    expect(await main([...args, '--yes'], stub)).toBe(1);
    expect(commandsOf(stub).filter((c) => c.includes(' apply '))).toEqual([]);
    expect(commandsOf(stub).filter((c) => c.includes('marin-prod-services'))).toEqual([]);
    expect(stub.err[0]).toMatch(/^refused: the Atlas plan would destroy or replace mongodbatlas_advanced_cluster\./);
  });

  test('an empty change set is not executed (CloudFormation would reject it); the deploy goes on', async () => {
    const stub = stubDeps({ identity, results: [[describeOf('marin-prod-network'), ok(fixture('change-set-network-empty.json'))], ...healthy!] });
    expect(await main([...args, '--yes'], stub)).toBe(0);
    expect(commandsOf(stub).filter((c) => c.includes('--method=execute-change-set')).map((c) => c.split(' ')[5])).toEqual(['marin-prod-data', 'marin-prod-services', 'marin-prod-monitoring']);
    expect(stub.out).toContain('skipped: the review of marin-prod-network found nothing to change');
  });

  test('without a terminal and without --yes: refused with a hint, nothing executed', async () => {
    const stub = stubDeps({ identity, answer: new Error('stdin is not a terminal'), results: healthy });
    expect(await main(args, stub)).toBe(1);
    expect(commandsOf(stub).filter((c) => c.includes('execute-change-set') || c.includes(' apply '))).toEqual([]);
    expect(stub.err[0]).toMatch(/stdin is not a terminal; run it in a terminal or pass --yes$/);
  });

  test('with --yes: no prompt, the same reviews', async () => {
    const stub = stubDeps({ identity, results: healthy });
    expect(await main([...args, '--yes'], stub)).toBe(0);
    expect(stub.prompts).toEqual([]);
    expect(commandsOf(stub).filter((c) => c.includes('describe-change-set') || c.includes('show -json'))).toHaveLength(5);
  });
});

describe('the default security group is closed after the network stack (no Lambda in the templates)', () => {
  const deploy = ['deploy', '--env', 'dev', '--account', ACCOUNT, '--yes'];
  /** The post-deploy checks pass: the secrets have values written by Atlas. */
  const secretsSet: NonNullable<StubOptions['results']> = [
    [(argv) => argv[2] === 'describe-secret', { status: 0, stdout: '{"v1":["AWSCURRENT"]}' }],
    [(argv) => argv[2] === 'get-secret-value', { status: 0, stdout: 'mongodb+srv://cluster0.abcde.mongodb.net/\n' }],
  ];
  const sgCommands = (stub: Stub) => commandsOf(stub).filter((c) => c.startsWith('aws ssm') || c.startsWith('aws ec2'));

  test('the rules AWS lists are revoked by id, ingress and egress, before Atlas runs', async () => {
    const stub = stubDeps({ results: secretsSet });
    expect(await main(deploy, stub)).toBe(0);
    expect(sgCommands(stub)).toEqual([
      'aws ssm get-parameter --region us-east-1 --name /marin/dev/network/default-security-group-id --query Parameter.Value --output text',
      `aws ec2 describe-security-group-rules --region us-east-1 --filters Name=group-id,Values=${DEFAULT_SG_ID} --output json`,
      `aws ec2 revoke-security-group-ingress --region us-east-1 --group-id ${DEFAULT_SG_ID} --security-group-rule-ids sgr-0000000000000000a`,
      `aws ec2 revoke-security-group-egress --region us-east-1 --group-id ${DEFAULT_SG_ID} --security-group-rule-ids sgr-0000000000000000b`,
    ]);
    const order = commandsOf(stub);
    expect(order.findIndex((c) => c.includes('revoke-security-group-egress'))).toBeLessThan(order.findIndex((c) => c.includes('cdktf deploy')));
  });

  test('a group that is already closed: nothing is revoked and the deploy goes on', async () => {
    const stub = stubDeps({ results: [[(argv) => argv[2] === 'describe-security-group-rules', { status: 0, stdout: '{"SecurityGroupRules":[]}' }], ...secretsSet] });
    expect(await main(deploy, stub)).toBe(0);
    expect(sgCommands(stub).filter((c) => c.includes('revoke'))).toEqual([]);
    expect(stub.out).toContain('nothing further to do');
  });

  test('an unexpected parameter value stops the deploy before anything is revoked', async () => {
    const stub = stubDeps({ results: [[(argv) => argv[2] === 'get-parameter', { status: 0, stdout: 'None\n' }]] });
    expect(await main(deploy, stub)).toBe(1);
    expect(sgCommands(stub)).toHaveLength(1);
    expect(stub.err[0]).toBe('error: step 3/10: default security group id must look like sg-0123456789abcdef0, got "None"');
    expect(commandsOf(stub).some((c) => c.includes('cdktf'))).toBe(false);
  });
});

describe('execution', () => {
  const identity = { account: ACCOUNT, arn: 'arn', region: 'us-east-1' };

  test('diff runs only read commands; without the release inputs it reads them from the deployed stacks and says so', async () => {
    const getTemplate = (stack: string) => (argv: readonly string[]) => argv[2] === 'get-template' && argv[4] === stack;
    const services = { Resources: { T: { Type: 'AWS::ECS::TaskDefinition', Properties: { ContainerDefinitions: [{ Image: 'x.dkr.ecr.us-east-1.amazonaws.com/marin-staging-api:1.4.2' }] } }, L: { Type: 'AWS::ElasticLoadBalancingV2::Listener', Properties: { Certificates: [{ CertificateArn: 'arn:aws:acm:us-east-1:111111111111:certificate/c' }] } } } };
    const monitoring = { Resources: { S: { Type: 'AWS::SNS::Subscription', Properties: { Protocol: 'email', Endpoint: 'oncall@example.com' } } } };
    const stub = stubDeps({
      identity,
      results: [
        [getTemplate('marin-staging-services'), { status: 0, stdout: JSON.stringify(services) }],
        [getTemplate('marin-staging-monitoring'), { status: 0, stdout: JSON.stringify(monitoring) }],
      ],
    });
    expect(await main(['diff', '--env', 'staging', '--account', ACCOUNT], stub)).toBe(0);
    expect(commandsOf(stub)).toEqual([
      `aws cloudformation get-template --stack-name marin-staging-services --region us-east-1 --query TemplateBody --output json`,
      `aws cloudformation get-template --stack-name marin-staging-monitoring --region us-east-1 --query TemplateBody --output json`,
      `npx cdk diff -c env=staging -c account=${ACCOUNT} -c imageTag=1.4.2 -c certificateArn=arn:aws:acm:us-east-1:111111111111:certificate/c -c alarmEmails=oncall@example.com marin-staging-network marin-staging-data marin-staging-services marin-staging-monitoring`,
      'npx cdktf diff atlas-staging',
    ]);
    expect(stub.out).toContain(
      '\n==> step 2.1.1: diff CDK stacks: marin-staging-network, marin-staging-data, marin-staging-services, marin-staging-monitoring (the running release, read from the deployed stacks: image tag 1.4.2 from marin-staging-services, certificate arn:aws:acm:us-east-1:111111111111:certificate/c from marin-staging-services, alarm addresses oncall@example.com from marin-staging-monitoring)',
    );
    expect(commandsOf(stub).filter(isChange)).toEqual([]);
  });

  test('a failing step stops the plan with its exit code', async () => {
    const stub = stubDeps({ identity, results: [[(a) => a[2] === 'deploy' && a.includes('marin-dev-network'), { status: 3, stdout: '' }]] });
    expect(await main(['deploy', '--env', 'dev', '--account', ACCOUNT, '--yes'], stub)).toBe(3);
    expect(commandsOf(stub)).toHaveLength(1);
    expect(stub.err[0]).toBe(`error: step 2/10 failed (exit 3): npx cdk deploy -c env=dev -c account=${ACCOUNT} marin-dev-network marin-dev-data --exclusively --require-approval never`);
  });

  test('a secret without a current value fails the post-deploy check', async () => {
    const stub = stubDeps({ identity, results: [[(a) => a[1] === 'secretsmanager', { status: 0, stdout: '{"v1":["AWSPENDING"]}' }]] });
    expect(await main(['deploy', '--env', 'dev', '--account', ACCOUNT, '--yes'], stub)).toBe(1);
    expect(stub.err[0]).toBe('error: step 6/10: secret dev/audio-pipeline/mongodb-uri has no AWSCURRENT version: the stack that writes it has not set a value');
    expect(commandsOf(stub).some((c) => c.startsWith('aws ecs wait'))).toBe(false);
  });

  describe('the mongodb-uri placeholder check', () => {
    const current = { status: 0, stdout: '{"v1":["AWSCURRENT"]}' };
    const describeSecret = (a: readonly string[]) => a[1] === 'secretsmanager' && a[2] === 'describe-secret';
    const value = (a: readonly string[]) => a[1] === 'secretsmanager' && a[2] === 'get-secret-value';

    test('a secret still holding the CDK placeholder fails the deploy before the ECS wait', async () => {
      const placeholder = { status: 0, stdout: `${mongodbUriPlaceholder('dev')}\n` };
      const stub = stubDeps({ identity, results: [[describeSecret, current], [value, placeholder]] });
      expect(await main(['deploy', '--env', 'dev', '--account', ACCOUNT, '--yes'], stub)).toBe(1);
      expect(stub.err).toEqual([
        'error: step 9/10: secret dev/audio-pipeline/mongodb-uri still holds the CDK placeholder: the Atlas stack did not write the connection string (re-run the Atlas step: npx cdktf deploy atlas-<env>)',
      ]);
      expect(commandsOf(stub).slice(-4)).toEqual([
        'aws secretsmanager describe-secret --secret-id dev/audio-pipeline/mongodb-uri --region us-east-1 --query VersionIdsToStages --output json',
        'aws secretsmanager describe-secret --secret-id dev/audio-pipeline/redis-endpoint --region us-east-1 --query VersionIdsToStages --output json',
        'aws secretsmanager describe-secret --secret-id dev/audio-pipeline/redis-auth --region us-east-1 --query VersionIdsToStages --output json',
        'aws secretsmanager get-secret-value --secret-id dev/audio-pipeline/mongodb-uri --region us-east-1 --query SecretString --output text',
      ]);
    });

    test('a connection string passes; its value is captured, never printed', async () => {
      const connection = 'mongodb+srv://pipeline:s3cr3t@cluster0.abcde.mongodb.net/audio?retryWrites=true';
      const stub = stubDeps({ identity, results: [[describeSecret, current], [value, { status: 0, stdout: `${connection}\n` }]] });
      expect(await main(['deploy', '--env', 'dev', '--account', ACCOUNT, '--yes'], stub)).toBe(0);
      expect(stub.err).toEqual([]);
      expect(commandsOf(stub).at(-1)).toMatch(/^aws ecs wait services-stable /);
      expect(stub.calls.find((c) => value(c.argv))!.options.capture).toBe(true);
      expect([...stub.out, ...stub.err].some((line) => line.includes('s3cr3t') || line.includes('mongodb+srv'))).toBe(false);
    });
  });

  /**
   * The bootstrapped CloudFormation execution role as IAM describes it: the scoped policy attached, the boundary set.
   */
  const executionRole: Array<[(argv: readonly string[]) => boolean, { status: number; stdout: string }]> = [
    [(a) => a[2] === 'list-attached-role-policies', { status: 0, stdout: JSON.stringify({ AttachedPolicies: [{ PolicyName: 'marin-dev-cfn-execution', PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/marin-dev-cfn-execution` }] }) }],
    [(a) => a[2] === 'get-role' && a.includes('Role.PermissionsBoundary.PermissionsBoundaryArn'), { status: 0, stdout: `arn:aws:iam::${ACCOUNT}:policy/marin-dev-permissions-boundary\n` }],
  ];

  test('bootstrap stops when the execution role still has AdministratorAccess', async () => {
    const admin = stubDeps({
      identity,
      results: [[(a) => a[2] === 'list-attached-role-policies', { status: 0, stdout: JSON.stringify({ AttachedPolicies: [{ PolicyName: 'AdministratorAccess', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }] }) }], ...executionRole],
    });
    expect(await main(['bootstrap', '--env', 'dev', '--account', ACCOUNT], admin)).toBe(1);
    expect(admin.err.join('\n')).toMatch(/cdk-hnb659fds-cfn-exec-role-111111111111-us-east-1 still has AdministratorAccess attached/);
    expect(commandsOf(admin).filter((c) => /s3api/.test(c))).toEqual([]);
  });

  test('bootstrap creates the ECS service-linked role and the bucket only when the check fails', async () => {
    const exists = stubDeps({ identity, results: executionRole });
    expect(await main(['bootstrap', '--env', 'dev', '--account', ACCOUNT], exists)).toBe(0);
    expect(commandsOf(exists).filter((c) => /create-/.test(c))).toEqual([]);

    const missing = stubDeps({ identity, results: [...executionRole, [(a) => a[2] === 'head-bucket' || (a[2] === 'get-role' && a[4] === 'AWSServiceRoleForECS'), { status: 254, stdout: '' }]] });
    expect(await main(['bootstrap', '--env', 'dev', '--account', ACCOUNT], missing)).toBe(0);
    expect(commandsOf(missing).filter((c) => /create-|wait/.test(c)).map((c) => c.split(' ').slice(0, 3).join(' '))).toEqual([
      'aws iam create-service-linked-role',
      'aws s3api create-bucket',
      'aws s3api wait',
    ]);
  });

  test('destroy dev asks for the environment name', async () => {
    const refused = stubDeps({ identity, answer: 'prod' });
    expect(await main(['destroy', '--env', 'dev', '--account', ACCOUNT, '--all-including-data'], refused)).toBe(1);
    expect(refused.calls).toEqual([]);
    const confirmed = stubDeps({ identity, answer: 'dev' });
    expect(await main(['destroy', '--env', 'dev', '--account', ACCOUNT, '--all-including-data'], confirmed)).toBe(0);
    expect(commandsOf(confirmed).map((c) => c.split(' ').slice(0, 3).join(' '))).toEqual(['npx cdk destroy', 'npx cdktf destroy', 'npx cdk destroy']);
  });

  test('formatCommand quotes what a shell would split', () => {
    expect(formatCommand(['aws', 'x', '{"a": 1}', "it's"], { K: 'v' })).toBe(`K=v aws x '{"a": 1}' 'it'\\''s'`);
  });
});

describe('resolveIdentity (the real resolver over a stubbed aws CLI)', () => {
  const sts = { status: 0, stdout: JSON.stringify({ UserId: 'X', Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/me` }) };

  test('region from AWS_REGION, then AWS_DEFAULT_REGION, without asking the CLI', async () => {
    const stub = stubDeps({ results: [[(a) => a[1] === 'sts', sts]] });
    expect(await resolveIdentity(stub.run, { AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'eu-west-1' })).toEqual({ account: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/me`, region: 'us-east-1' });
    expect((await resolveIdentity(stub.run, { AWS_DEFAULT_REGION: 'eu-west-1' })).region).toBe('eu-west-1');
    expect(commandsOf(stub)).toEqual(['aws sts get-caller-identity --output json', 'aws sts get-caller-identity --output json']);
  });

  test('falls back to `aws configure get region`; undefined when unset', async () => {
    const configured = stubDeps({ results: [[(a) => a[1] === 'sts', sts], [(a) => a[1] === 'configure', { status: 0, stdout: 'us-west-2\n' }]] });
    expect((await resolveIdentity(configured.run, {})).region).toBe('us-west-2');
    const unset = stubDeps({ results: [[(a) => a[1] === 'sts', sts], [(a) => a[1] === 'configure', { status: 1, stdout: '' }]] });
    expect((await resolveIdentity(unset.run, {})).region).toBeUndefined();
  });

  test('fails when STS fails', async () => {
    const stub = stubDeps({ results: [[(a) => a[1] === 'sts', { status: 255, stdout: '' }]] });
    await expect(resolveIdentity(stub.run, {})).rejects.toThrow('aws sts get-caller-identity exited 255');
  });
});

describe('refusals that need no stacks', () => {
  test.each(['deploy', 'doctor', 'diff', 'drift'])('%s --env dev without --account is refused before the inventory builds the app', async (command) => {
    const stub = stubDeps();
    let built = 0;
    const inventory: typeof stub.inventory = (config) => {
      built++;
      return stub.inventory(config);
    };
    expect(await main([command, '--env', 'dev', '--dry-run'], { ...stub, inventory })).toBe(1);
    expect(stub.err[0]).toMatch(new RegExp(`^error: refusing to ${command} dev without an account: the Atlas stack keeps its state in`));
    expect(built).toBe(0);
    expect(stub.calls).toEqual([]);
  });
});
