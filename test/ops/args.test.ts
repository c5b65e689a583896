import { commandUsage, parseOpsArgs, UsageError } from '../../scripts/ops/args';
import { childEnvironment, describeUnexpectedError, isProgrammingError, parseCliArgs, USAGE_EXIT_CODE } from '../../scripts/lib/cli';
import { RefusalError } from '../../scripts/ops/steps';
import { COMMANDS } from '../../scripts/ops/plan';

describe('operator CLI arguments', () => {
  test.each(COMMANDS)('%s --help prints its usage with every option', (command) => {
    const parsed = parseOpsArgs([command, '--help']);
    expect(parsed).toEqual({ kind: 'help', text: commandUsage(command) });
    if (parsed.kind !== 'help') throw new Error('unreachable');
    expect(parsed.text).toContain(`usage: npm run ${command} -- --env <dev|staging|prod>`);
    // refresh-staging names both accounts instead of one.
    const account = command === 'refresh-staging' ? ['--account-prod <value>', '--account-staging <value>'] : ['--account <value>'];
    for (const flag of ['--env <value>', ...account, '--dry-run', '--yes', '--help']) expect(parsed.text).toContain(flag);
  });

  test('--help wins even without --env, and -h works', () => {
    expect(parseOpsArgs(['deploy', '--env', 'prod', '--help']).kind).toBe('help');
    expect(parseOpsArgs(['diff', '-h']).kind).toBe('help');
  });

  test('no command prints the general usage listing every command', () => {
    const parsed = parseOpsArgs([]);
    expect(parsed.kind).toBe('help');
    if (parsed.kind === 'help') for (const command of COMMANDS) expect(parsed.text).toContain(`  ${command}`);
  });

  test('an unknown command names the valid ones', () => {
    expect(() => parseOpsArgs(['apply', '--env', 'dev'])).toThrow('unknown command "apply": valid commands are deploy, diff, destroy, bootstrap');
  });

  test('an unknown environment lists dev, staging, prod', () => {
    expect(() => parseOpsArgs(['deploy', '--env', 'qa'])).toThrow(new UsageError('unknown environment "qa": valid environments are dev, staging, prod'));
  });

  test('a missing --env lists the environments', () => {
    expect(() => parseOpsArgs(['diff', '--dry-run'])).toThrow(/^missing --env: valid environments are dev, staging, prod/);
  });

  test('an unknown flag is rejected, including a flag of another command', () => {
    expect(() => parseOpsArgs(['deploy', '--env', 'dev', '--force'])).toThrow(/^unknown option --force for deploy/);
    expect(() => parseOpsArgs(['deploy', '--env', 'dev', '--all-including-data'])).toThrow(/^unknown option --all-including-data for deploy/);
    expect(() => parseOpsArgs(['bootstrap', '--env', 'dev', '--image-tag', '1'])).toThrow(/^unknown option --image-tag for bootstrap/);
  });

  test('a missing value is rejected', () => {
    expect(() => parseOpsArgs(['deploy', '--env'])).toThrow(/^option --env needs a value/);
    expect(() => parseOpsArgs(['deploy', '--env', '--yes'])).toThrow(/^option --env needs a value/);
    expect(() => parseOpsArgs(['deploy', '--env='])).toThrow(/^option --env needs a value/);
  });

  test('positional arguments, repeated options and valued flags are rejected', () => {
    expect(() => parseOpsArgs(['deploy', 'dev'])).toThrow(/^unexpected argument "dev"/);
    expect(() => parseOpsArgs(['deploy', '--env', 'dev', '--env', 'prod'])).toThrow('option --env given twice');
    expect(() => parseOpsArgs(['deploy', '--env', 'dev', '--yes=true'])).toThrow('option --yes is a flag and takes no value');
  });

  test('an account that is not 12 digits is rejected', () => {
    expect(() => parseOpsArgs(['deploy', '--env', 'prod', '--account', '1234'])).toThrow('option --account: "1234" must be a 12-digit AWS account id');
  });

  test('options parse into typed values, in both --key value and --key=value form', () => {
    expect(parseOpsArgs(['deploy', '--env=staging', '--account', '123456789012', '--image-tag=1.4.2', '--yes', '--dry-run'])).toEqual({
      kind: 'run',
      command: 'deploy',
      env: 'staging',
      options: { dryRun: true, yes: true, allIncludingData: false, parkServices: false, account: '123456789012', imageTag: '1.4.2', certificateArn: undefined, allowReplace: [] },
    });
    expect(parseOpsArgs(['destroy', '--env', 'dev', '--all-including-data'])).toMatchObject({ command: 'destroy', options: { allIncludingData: true, parkServices: false, yes: false, dryRun: false } });
  });

  test('deploy accepts --park-services as a flag', () => {
    expect(parseOpsArgs(['deploy', '--env', 'staging', '--account', '123456789012', '--park-services'])).toEqual({
      kind: 'run',
      command: 'deploy',
      env: 'staging',
      options: { dryRun: false, yes: false, allIncludingData: false, parkServices: true, account: '123456789012', imageTag: undefined, certificateArn: undefined, allowReplace: [] },
    });
    expect(() => parseOpsArgs(['deploy', '--env', 'staging', '--park-services=true'])).toThrow('option --park-services is a flag and takes no value');
  });

  test.each(['diff', 'destroy', 'bootstrap'])('%s rejects --park-services (deploy only)', (command) => {
    expect(() => parseOpsArgs([command, '--env', 'staging', '--account', '123456789012', '--park-services'])).toThrow(
      new RegExp(`^unknown option --park-services for ${command}`),
    );
  });

  test('--allow-replace repeats and splits on commas, in both forms', () => {
    const parsed = parseOpsArgs(['deploy', '--env', 'prod', '--allow-replace', 'RecordingsBucket1A2B', '--allow-replace=Queue1,mongodbatlas_advanced_cluster.cluster']);
    expect(parsed).toMatchObject({ options: { allowReplace: ['RecordingsBucket1A2B', 'Queue1', 'mongodbatlas_advanced_cluster.cluster'] } });
    expect(() => parseOpsArgs(['deploy', '--env', 'prod', '--allow-replace', 'a b'])).toThrow('option --allow-replace: "a b" must be logical ids or Terraform addresses, comma-separated');
    expect(() => parseOpsArgs(['diff', '--env', 'prod', '--allow-replace', 'X'])).toThrow(/^unknown option --allow-replace for diff/);
  });

  test('only the deploy help lists --park-services, next to --image-tag', () => {
    const deploy = commandUsage('deploy');
    expect(deploy).toContain('--image-tag <value>');
    expect(deploy).toMatch(/\n {2}--park-services +staging\/prod first deploy before any image exists: create the services at 0 tasks \(otherwise --image-tag is required\)(\n|$)/);
    for (const command of ['diff', 'destroy', 'bootstrap'] as const) expect(commandUsage(command)).not.toContain('--park-services');
  });
});

describe('the shared parser of every script (scripts/lib/cli.ts)', () => {
  const options = { env: { type: 'string' }, json: { type: 'boolean' }, assembly: { type: 'string' } } as const;

  test('--flag value and --flag=value both work', () => {
    expect(parseCliArgs(['--env', 'prod', '--json', '--assembly=cdk.out'], options, 'usage')).toEqual({ env: 'prod', json: true, assembly: 'cdk.out' });
  });

  test('usage errors name the argument and end with the usage', () => {
    expect(() => parseCliArgs(['--envv', 'prod'], options, 'usage: x', 'cost')).toThrow(new UsageError('unknown option --envv for cost\n\nusage: x'));
    expect(() => parseCliArgs(['--env'], options, 'usage: x')).toThrow(/^option --env needs a value/);
    expect(() => parseCliArgs(['--json=yes'], options, 'usage: x')).toThrow(/^option --json is a flag and takes no value/);
    expect(() => parseCliArgs(['prod'], options, 'usage: x')).toThrow(/^unexpected argument "prod"/);
    expect(() => parseCliArgs(['--env', 'a', '--env', 'b'], options, 'usage: x')).toThrow('option --env given twice');
  });

  test('one exit code for usage errors in every script', () => {
    expect(USAGE_EXIT_CODE).toBe(2);
  });
});

describe('the environment of child processes (scripts/lib/cli.ts)', () => {
  const parent = { PATH: '/usr/bin', CHECKPOINT_DISABLE: '0', AWS_REGION: 'us-east-1' };

  test('inherits, turns CDKTF and CDK CLI telemetry off, and lets the caller add or override', () => {
    expect(childEnvironment({ TF_IN_AUTOMATION: '1', AWS_REGION: 'eu-west-1' }, parent)).toEqual({ PATH: '/usr/bin', CHECKPOINT_DISABLE: '1', CDK_DISABLE_CLI_TELEMETRY: '1', AWS_REGION: 'eu-west-1', TF_IN_AUTOMATION: '1' });
    expect(childEnvironment({}, { ...parent, CDK_DISABLE_CLI_TELEMETRY: '0' })).toHaveProperty('CDK_DISABLE_CLI_TELEMETRY', '1');
  });

  test('drops a TF_CLI_CONFIG_FILE that names a missing file, keeps one that exists', () => {
    expect(childEnvironment({}, { ...parent, TF_CLI_CONFIG_FILE: '/nonexistent/.terraformrc' })).not.toHaveProperty('TF_CLI_CONFIG_FILE');
    expect(childEnvironment({}, { ...parent, TF_CLI_CONFIG_FILE: __filename })).toHaveProperty('TF_CLI_CONFIG_FILE', __filename);
  });
});

describe('errors no check expected (scripts/lib/cli.ts)', () => {
  test('a bug keeps its stack trace: JavaScript\'s own error types, a module that cannot be loaded', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'vpc')");
    expect(isProgrammingError(bug)).toBe(true);
    expect(describeUnexpectedError(bug)).toBe(bug.stack);
    expect(describeUnexpectedError(bug)).toMatch(/^TypeError: Cannot read properties[^\n]*\n\s+at /);
    const missing = Object.assign(new Error("Cannot find module '../lib/pipeline-app'"), { code: 'MODULE_NOT_FOUND' });
    expect(isProgrammingError(missing)).toBe(true);
    expect(isProgrammingError(new ReferenceError('x is not defined'))).toBe(true);
  });

  test('a refusal or a plain error worded for the user stays one error: line', () => {
    expect(isProgrammingError(new RefusalError('refusing to deploy dev without an account'))).toBe(false);
    expect(describeUnexpectedError(new Error('the plan bundle holds stacks a, b'))).toBe('error: the plan bundle holds stacks a, b');
    expect(describeUnexpectedError('text')).toBe('error: text');
    expect(isProgrammingError(undefined)).toBe(false);
  });
});
