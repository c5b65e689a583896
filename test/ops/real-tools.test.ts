/**
 * Every command the operator plans is checked by the real tool that will run it, offline:
 *  - cdk: its flags are in `cdk <sub> --help`, and its stack selectors resolve, through the real CDK
 *    CLI against the synthesized assembly (`cdk synth -a <assembly> --exclusively <selectors>`), to
 *    exactly the stacks they name;
 *  - cdktf: its stack is one the CDKTF app (atlas/main.ts) defines, its flags are in its --help;
 *  - aws: the real AWS CLI v2 parses it against its service model and fails only on the connection to
 *    an unreachable local endpoint (REQUIRE_AWS_CLI=1, set by .ci/run, turns a missing CLI into a failure);
 *  - terraform: run in an empty directory, it fails only for the missing configuration or plan file,
 *    never on its flags (skipped with a printed reason when terraform is not installed).
 * The stubs of test/ops/cli.test.ts cover the executor's logic; this file covers the tools' grammar.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ENVIRONMENT_NAMES, loadEnvironment, type EnvironmentName } from '../../environments';
import { deployPreflight, planBootstrap, planDeploy, planDestroy, planDiff, planDrift, planRefresh, planStatus, stackInventory, type OpsOptions, type Plan } from '../../scripts/ops/plan';
import type { PreflightCheck, Step } from '../../scripts/ops/steps';
import { atLeast, awsCliVersion, AwsCliError, MIN_AWS_CLI_VERSION, resolveAwsCli } from '../../scripts/ops/tools';
import { ATLAS_SENTINEL_CREDENTIALS, atlasRun } from '../support/app-runs';
import { DEPLOY_IDENTITY_APP } from '../../lib/deploy/identity';
import { assemblyDir } from '../support/templates';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'node_modules', '.bin');
const ACCOUNT = '123456789012';
const UNREACHABLE = 'http://127.0.0.1:9';

/**
 * An empty home directory of the tools' own: no user configuration (~/.cdk.json, ~/.aws/cli/alias,
 * ~/.aws/models, a Python user site) can change an answer, and none is needed.
 */
const TOOL_HOME = mkdtempSync(join(tmpdir(), 'tool-home-'));
afterAll(() => rmSync(TOOL_HOME, { recursive: true, force: true }));

/** Nothing may reach AWS, Atlas or telemetry: dummy credentials, no config files, an unreachable endpoint. */
const OFFLINE_ENV: NodeJS.ProcessEnv = {
  // A fixed PATH, this Node.js first (npm-installed tools start with `#!/usr/bin/env node`).
  PATH: [dirname(process.execPath), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'].join(':'),
  HOME: TOOL_HOME,
  PYTHONNOUSERSITE: '1',
  CI: 'true',
  CDK_DISABLE_VERSION_CHECK: '1',
  CHECKPOINT_DISABLE: '1',
  CDK_DISABLE_CLI_TELEMETRY: '1',
  AWS_ACCESS_KEY_ID: 'AKIAOFFLINETESTONLY00',
  AWS_SECRET_ACCESS_KEY: 'offline-test-only',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_MAX_ATTEMPTS: '1',
  AWS_REGION: 'us-east-1',
  AWS_ENDPOINT_URL: UNREACHABLE,
  TF_CLI_CONFIG_FILE: '/dev/null',
  TF_IN_AUTOMATION: '1',
};

/** What a tool answered: exit status and both streams. */
interface ToolAnswer {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a real tool offline (from the project root unless `cwd` is given), on every test run. */
function exec(
  command: string,
  args: readonly string[],
  options: { cwd?: string; stdin?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<ToolAnswer> {
  return new Promise((resolve, reject) => {
    const env = { ...OFFLINE_ENV, ...options.env };
    const child = spawn(command, [...args], { cwd: options.cwd ?? ROOT, env, stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    child.stdin?.end(options.stdin);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Runs `fn` over `items`, at most `limit` at a time (two cores, shared). */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * The slow tool runs, each run once: the CDK CLI batch starts as soon as the cdk commands are registered and runs
 * the whole time (the longest chain); the others (the AWS CLI batch, cdktf's --help texts, the real cdk processes
 * the batch is compared with) run one after the other beside it from the file's first test, each sooner if a test
 * asks for it first. Two cores: the CDK batch on one, the rest on the other.
 */
const STARTS: Array<() => Promise<unknown>> = [];
function startEarly<T>(run: () => Promise<T>): () => Promise<T> {
  let started: Promise<T> | undefined;
  const get = (): Promise<T> => (started ??= run());
  STARTS.push(get);
  return get;
}
let lane: Promise<unknown> = Promise.resolve();
beforeAll(() => {
  // Awaited (and their failures reported) by the tests that read them.
  for (const start of STARTS) lane = lane.then(() => start().catch(() => undefined));
});
// No tool process outlives the file (a run filtered with -t reads only some answers).
afterAll(() => Promise.allSettled([lane, cdkStarted]));

/**
 * The CDK CLI, one process for every cdk command of this file: a `cdk` process spends ~1.2 s loading the CLI before a
 * command that takes milliseconds here. Each describe registers its commands while jest collects the tests
 * (cdkCommand); below the cdk describe the batch starts: test/ops/cdk-batch.js, which calls the installed
 * CLI's own cli() once per command in one Node.js process and answers as separate processes would (the test
 * "the one CDK CLI process answers as separate `cdk` processes do" compares). When that entry is not what the runner
 * expects (a future aws-cdk), the commands run one process each, and the file says why once.
 */
interface CdkCommand {
  readonly args: readonly string[];
  /** Set for this command only, over OFFLINE_ENV. */
  readonly env?: Record<string, string>;
}
const CDK_COMMANDS: CdkCommand[] = [];
let cdkStarted: Promise<ToolAnswer[]> | undefined;
const cdkAnswers = (): Promise<ToolAnswer[]> => (cdkStarted ??= runCdkBatch(CDK_COMMANDS));

interface RegisteredCdkCommand {
  readonly command: CdkCommand;
  readonly answer: () => Promise<ToolAnswer>;
}

/** Registers a cdk command (at collection); `answer` gives its answer. */
function cdkCommand(args: readonly string[], env?: Record<string, string>): RegisteredCdkCommand {
  if (cdkStarted) throw new Error('a cdk command registered after the CDK CLI batch started: register it above its start');
  const command = { args, env };
  const index = CDK_COMMANDS.push(command) - 1;
  return { command, answer: async () => (await cdkAnswers())[index] };
}

/** Exit status of test/ops/cdk-batch.js when the installed CLI's entry is not the one it knows. */
const CDK_BATCH_UNSUPPORTED = 3;

async function runCdkBatch(commands: readonly CdkCommand[]): Promise<ToolAnswer[]> {
  // --no-warnings: the runner prints Node.js warnings per command, as each process would.
  const batch = await exec(process.execPath, ['--no-warnings', join(__dirname, 'cdk-batch.js')], { stdin: JSON.stringify(commands) });
  if (batch.status === 0) return (JSON.parse(batch.stdout) as { answers: ToolAnswer[] }).answers;
  if (batch.status !== CDK_BATCH_UNSUPPORTED) throw new Error(`the CDK CLI batch failed (${batch.status}): ${batch.stderr}`);
  process.stdout.write(`[real-tools] one cdk process per command: test/ops/cdk-batch.js says ${batch.stderr.trim()}\n`);
  return mapLimit(commands, 2, (c) => exec(join(BIN, 'cdk'), c.args, { env: c.env }));
}

// ---------------------------------------------------------------------------------------------
// Every planned command, from plans covering each command, environment and approval mode.

interface Planned {
  readonly env: EnvironmentName;
  readonly argv: readonly string[];
}

function plansOf(env: EnvironmentName): Plan[] {
  const config = loadEnvironment(env);
  const stacks = stackInventory(config);
  const base: OpsOptions = {
    dryRun: false, yes: false, allIncludingData: false, account: ACCOUNT, planId: 'r1', imageTag: '1.0.0', certificateArn: `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/x`, alarmEmails: ['oncall@example.com'],
    // The deploy lease (staging) and the refresh's deploy values: their commands are checked like the others.
    branch: 'feature-a', commit: '0123456789abcdef0123456789abcdef01234567', now: '2026-01-05T12:00:00Z',
    ...(env === 'dev' ? {} : { refreshPeerAccount: '222222222222', refreshImageTag: '2.0.1' }),
  };
  const plans = [
    planDeploy(config, base, stacks),
    planDeploy(config, { ...base, yes: true }, stacks),
    planDiff(config, base, stacks),
    planBootstrap(config, base),
    planDrift(config, base, stacks),
    planStatus(config, base),
  ];
  // diff without the release inputs: staging/prod read them back from the deployed stacks (get-template).
  const withoutReleaseInputs = { ...base, imageTag: undefined, certificateArn: undefined, alarmEmails: undefined };
  plans.push(planDiff(config, withoutReleaseInputs, stacks));
  if (env === 'staging') {
    // One account (across accounts the prod commands add the global option --profile, which the CLI resolves
    // against a configured profile before it validates anything: an empty home has none).
    plans.push(planRefresh(loadEnvironment('prod'), config, { ...base, accountProd: ACCOUNT, accountStaging: ACCOUNT }));
  }
  if (env !== 'prod') plans.push(planDestroy(config, base, stacks));
  if (config.disposableData) plans.push(planDestroy(config, { ...base, allIncludingData: true }, stacks));
  return plans;
}

/** The commands of a step; a derive step's follow-ups are those its sample output yields. */
function argvsOf(step: Step): Array<readonly string[]> {
  switch (step.kind) {
    case 'command':
      // A reviewed execution also sets its stack's policy: lifted (a sample id) and protective.
      return [...(step.stackPolicy ? [step.stackPolicy.setPolicy(['StorageRecordingsBucket6E1A2B3C'])] : []), step.argv, ...(step.stackPolicy ? [step.stackPolicy.setPolicy([])] : [])];
    case 'review':
      return [step.argv];
    case 'ensure':
      return [step.check, ...step.create];
    case 'guard':
      // The preflight's reads of AWS (certificate, images); its version probes are checked on their own below.
      return [['aws', 'sts', 'get-caller-identity', '--output', 'json'], ...(step.checks ?? []).filter((c) => c.argv && !isVersionProbe(c)).map((c) => c.argv!)];
    case 'derive':
      return [step.argv, ...step.then(step.sampleOutput).flatMap(argvsOf)];
    case 'confirm':
      return [];
  }
}

/** A preflight check that asks a tool its version (`--version`, `version -json`). */
function isVersionProbe(check: PreflightCheck): boolean {
  return check.argv !== undefined && (check.argv.includes('--version') || check.argv.includes('version'));
}

function plannedCommands(): Planned[] {
  const all: Planned[] = [];
  for (const env of ENVIRONMENT_NAMES) {
    for (const plan of plansOf(env)) {
      for (const argv of plan.steps.flatMap(argvsOf)) all.push({ env, argv });
    }
  }
  const seen = new Set<string>();
  return all.filter(({ env, argv }) => {
    const key = `${env} ${argv.join('\u0000')}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const PLANNED = plannedCommands();
const TOOLS = new Set(PLANNED.map((p) => (p.argv[0] === 'npx' ? p.argv[1] : p.argv[0])));

test('the plans use only the tools checked below', () => {
  expect([...TOOLS].sort()).toEqual(['aws', 'cdk', 'cdktf', 'terraform']);
});

/** The preflight's version probes (checked at the end of the file; the CDK CLI's joins the cdk batch below). */
const PREFLIGHT_CONFIG = loadEnvironment('staging');
const VERSION_PROBES = deployPreflight(PREFLIGHT_CONFIG, { dryRun: false, yes: false, allIncludingData: false, account: ACCOUNT, imageTag: '1.0.0', certificateArn: `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/x`, alarmEmails: ['oncall@example.com'] }, stackInventory(PREFLIGHT_CONFIG)).filter(isVersionProbe);

// ---------------------------------------------------------------------------------------------
// cdk

/** Options of the CDK CLI the plans use that take a value (everything else must be a known flag). */
const CDK_VALUE_OPTIONS = new Set(['-c', '--context', '-a', '--app', '-o', '--output', '--change-set-name', '--require-approval', '--method', '--cloudformation-execution-policies', '--custom-permissions-boundary']);
const CDK_FLAGS = new Set(['--exclusively', '--force', '--import-existing-resources', '--termination-protection', '--fail']);

interface CdkCall {
  readonly env: EnvironmentName;
  readonly sub: string;
  /** Option names (`--method`), for the --help check. */
  readonly options: string[];
  /** `--key=value` and `--key value` pairs whose value is a choice. */
  readonly choices: Array<[string, string]>;
  readonly context: string[];
  readonly positionals: string[];
  /** `--app <command>` when the call runs an app other than cdk.json's (the deploy-identity app). */
  readonly app?: string;
}

function parseCdk({ env, argv }: Planned): CdkCall {
  const [, , sub, ...rest] = argv;
  const call: CdkCall = { env, sub, options: [], choices: [], context: [], positionals: [] };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (!arg.startsWith('-')) {
      call.positionals.push(arg);
      continue;
    }
    const [name, inline] = arg.split('=', 2);
    if (CDK_FLAGS.has(name)) {
      call.options.push(name);
      continue;
    }
    if (!CDK_VALUE_OPTIONS.has(name)) throw new Error(`the test does not know cdk option ${name} (in ${argv.join(' ')}): add it to CDK_VALUE_OPTIONS or CDK_FLAGS`);
    const value = inline ?? rest[++i];
    call.options.push(name);
    if (name === '-c' || name === '--context') call.context.push(name, value);
    if (name === '--app') (call as { app?: string }).app = value;
    if (name === '--method' || name === '--require-approval') call.choices.push([name, value]);
  }
  return call;
}

const CDK_CALLS = PLANNED.filter((p) => p.argv[0] === 'npx' && p.argv[1] === 'cdk').map(parseCdk);

/** The preflight's probes of the CDK CLI (`npx cdk --version`), by their arguments. */
const CDK_VERSION_PROBES = new Map(VERSION_PROBES.filter((c) => c.argv![0] === 'npx' && c.argv![1] === 'cdk').map((c) => [c.argv!.slice(2).join(' '), cdkCommand(c.argv!.slice(2))]));

describe('cdk steps, checked by the real CDK CLI', () => {
  const help = new Map<string, string>();
  const helpCommands = [...new Set(CDK_CALLS.map((c) => c.sub))].map((sub) => [sub, cdkCommand([sub, '--help'])] as const);
  beforeAll(async () => {
    for (const [sub, { answer }] of helpCommands) {
      const text = await answer();
      help.set(sub, text.stdout + text.stderr);
    }
  });

  test('the plans run cdk deploy, diff, destroy, bootstrap and drift', () => {
    expect([...new Set(CDK_CALLS.map((c) => c.sub))].sort()).toEqual(['bootstrap', 'deploy', 'destroy', 'diff', 'drift']);
  });

  test('every option and choice is one `cdk <sub> --help` lists', () => {
    const missing: string[] = [];
    for (const call of CDK_CALLS) {
      const text = help.get(call.sub)!;
      for (const option of call.options) if (!new RegExp(`^\\s+(-\\w, )?${option}\\b|, ${option}\\b`, 'm').test(text)) missing.push(`cdk ${call.sub} ${option}`);
      for (const [option, value] of call.choices) if (!text.replace(/\s+/g, ' ').includes(`"${value}"`)) missing.push(`cdk ${call.sub} ${option}=${value}`);
    }
    expect([...new Set(missing)]).toEqual([]);
  });

  test('cdk bootstrap targets aws://<account>/<region>', () => {
    for (const call of CDK_CALLS.filter((c) => c.sub === 'bootstrap')) expect(call.positionals).toEqual([`aws://${ACCOUNT}/us-east-1`]);
  });

  const selecting = CDK_CALLS.filter((c) => c.sub !== 'bootstrap' && c.app === undefined);
  const identityCalls = CDK_CALLS.filter((c) => c.app !== undefined);

  test('the bootstrap deploys each environment\'s deploy-identity stack from its own app, and bootstraps with the scoped policy and boundary', () => {
    expect(identityCalls.map((c) => [c.env, c.sub, c.app, c.positionals])).toEqual(
      ENVIRONMENT_NAMES.map((env) => [env, 'deploy', DEPLOY_IDENTITY_APP, [`marin-${env}-deploy-identity`]]),
    );
    for (const call of CDK_CALLS.filter((c) => c.sub === 'bootstrap')) {
      expect(call.options).toEqual(expect.arrayContaining(['--cloudformation-execution-policies', '--custom-permissions-boundary']));
    }
  });

  /**
   * The real CLI runs the deploy-identity app (as the bootstrap
   * does) and its planned selector resolves to exactly that stack.
   */
  const identityCall = identityCalls.find((c) => c.env === 'prod');
  // Stack selection only: CDK's CloudFormation validator (~5 s of CPU) has no say in what `cdk ls` lists.
  // The stack's cdk-nag gate with the account named is test/deploy/deploy-identity.test.ts's.
  const identityList = identityCall && cdkCommand(['ls', '--app', identityCall.app!, ...identityCall.context, ...identityCall.positionals], { CDK_VALIDATION: 'false' });
  test('the deploy-identity app, run by the real CLI, defines exactly the stack the bootstrap selects', async () => {
    const call = identityCall!;
    const { status, stdout, stderr } = await identityList!.answer();
    expect({ status, error: status === 0 ? undefined : stderr.trim().split('\n').at(-1) }).toEqual({ status: 0, error: undefined });
    expect(stdout.trim().split('\n')).toEqual(call.positionals);
  });

  test('every deploy/diff/destroy names at least one stack, each by its exact name (no patterns)', () => {
    expect(selecting.filter((c) => c.positionals.length === 0)).toEqual([]);
    expect(selecting.flatMap((c) => c.positionals).filter((s) => !/^[a-z0-9-]+$/.test(s))).toEqual([]);
  });

  /**
   * Per environment, one run of the real CLI with every selector the plans use, as deploy selects
   * (`--exclusively`): each must match exactly the stack it names. Selectors are exact names, so
   * each planned list then resolves to exactly its own stacks. A selector that matches nothing is
   * left out of the CLI's answer (or, alone, fails it with "No stacks match").
   */
  /** A construct id of old: the CLI leaves a selector that matches nothing out of its answer (or, alone, fails). */
  const STALE_SELECTOR = 'Data';

  const selection = Object.fromEntries(ENVIRONMENT_NAMES.map((env) => {
    const selectors = [...new Set(selecting.filter((c) => c.env === env).flatMap((c) => c.positionals))];
    const context = selecting.find((c) => c.env === env)?.context ?? [];
    const synth = cdkCommand(['synth', '-a', assemblyDir(env), ...context, '--exclusively', ...selectors, STALE_SELECTOR]);
    return [env, { selectors, context, synth }];
  }));

  test.each(ENVIRONMENT_NAMES)('%s: every planned selector resolves, in the real CLI, to exactly the stack it names (a stale one among them is left out)', async (env) => {
    const { selectors, context, synth } = selection[env];
    expect(selectors).not.toContain(STALE_SELECTOR);
    expect(context).toEqual(expect.arrayContaining(['-c', `env=${env}`]));
    const { status, stdout, stderr } = await synth.answer();
    expect({ status, error: status === 0 ? undefined : stderr.trim().split('\n').at(-1) }).toEqual({ status: 0, error: undefined });
    // Exactly the planned selectors: the stale one is silently dropped, hence this comparison.
    const listed = /Supply a stack id \(([^)]*)\)/.exec(`${stderr}${stdout}`)?.[1].split(', ') ?? [];
    expect(listed.sort()).toEqual([...selectors].sort());
  });

  const staleAlone = cdkCommand(['synth', '-a', assemblyDir('dev'), '-c', 'env=dev', '--exclusively', 'Network']);
  test('a selector that matches no stack, alone, fails the CLI (construct ids of old: Network)', async () => {
    const alone = await staleAlone.answer();
    expect(alone.status).toBe(1);
    expect(alone.stderr).toContain('No stacks match the name(s) Network');
  });

  /**
   * The batch's answers are those of separate `cdk` processes, for a --help (yargs prints, then exits the process)
   * and a `synth -a <assembly>` with a failing selector (the CLI reads the assembly, prints its error, exit status
   * 1), each after other commands ran in the batch's process (two real processes: ~3 s of CPU). A synth that
   * succeeds is checked by its own test against the planned stacks. Node.js's warnings name the process id.
   */
  const samples = [helpCommands.at(-1)![1], staleAlone];
  const separateAnswers = startEarly(() => mapLimit(samples, 1, ({ command }) => exec(join(BIN, 'cdk'), command.args, { env: command.env })));
  test('the one CDK CLI process answers as separate `cdk` processes do (--help, synth -a with a failing selector)', async () => {
    const separate = await separateAnswers();
    const batched = await Promise.all(samples.map(({ answer }) => answer()));
    const pid = (a: ToolAnswer) => ({ ...a, stderr: a.stderr.replace(/^\(node:\d+\)/gm, '(node:<pid>)') });
    expect(batched.map(pid)).toEqual(separate.map(pid));
  });
});

// Every cdk command of the file is registered: the batch starts now, while jest collects the rest of the file.
cdkAnswers().catch(() => undefined);

// ---------------------------------------------------------------------------------------------
// cdktf

describe('cdktf steps, checked against the CDKTF app and CLI', () => {
  const calls = PLANNED.filter((p) => p.argv[0] === 'npx' && p.argv[1] === 'cdktf');
  let defined: string[] = [];
  const help = new Map<string, string>();
  const subs = [...new Set(calls.map((c) => c.argv[2]))];
  const helpTexts = startEarly(() => mapLimit(subs, 1, (sub) => exec(join(BIN, 'cdktf'), [sub, '--help'])));
  beforeAll(async () => {
    // The CDKTF app as `cdktf synth` runs it (all environments, with an account).
    const synth = atlasRun({ ...ATLAS_SENTINEL_CREDENTIALS, ATLAS_ACCOUNT: '123456789012' });
    if (synth.status !== 0) throw new Error(`atlas/main.ts failed: ${synth.stderr}`);
    defined = readdirSync(join(synth.outdir, 'stacks')).sort();
    const texts = await helpTexts();
    subs.forEach((sub, i) => help.set(sub, texts[i].stdout + texts[i].stderr));
  });
  test('every planned stack is one the CDKTF app defines', () => {
    expect(defined).toEqual(ENVIRONMENT_NAMES.map((e) => `atlas-${e}`).sort());
    const named = calls.flatMap((c) => c.argv.slice(3).filter((a) => !a.startsWith('-')));
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((stack) => !defined.includes(stack))).toEqual([]);
  });

  test('every subcommand and option is one `cdktf <sub> --help` lists', () => {
    expect([...help.keys()].sort()).toEqual(['deploy', 'destroy', 'diff', 'synth']);
    const missing = calls.flatMap((c) => c.argv.slice(3).filter((a) => a.startsWith('-')).filter((flag) => !help.get(c.argv[2])!.includes(flag)).map((flag) => `cdktf ${c.argv[2]} ${flag}`));
    expect(missing).toEqual([]);
    for (const [sub, text] of help) expect(text).toContain(`cdktf ${sub}`);
  });
});

// ---------------------------------------------------------------------------------------------
// aws

/** The interpreter of a Python launcher script (Debian's awscli), if `binary` is one. */
function pythonOf(binary: string): string | undefined {
  const shebang = readFileSync(binary).subarray(0, 200).toString('latin1').split('\n')[0];
  return /^#!(\S*python3?)\s*$/.exec(shebang)?.[1];
}

/** What a Python-launched AWS CLI really runs: the awscli and botocore packages its interpreter imports. */
const AWS_PROBE = 'import sys, awscli, botocore; print(awscli.__version__, awscli.__file__, botocore.__version__, botocore.__file__, sys.version.split()[0])';

interface AwsCli {
  readonly binary: string;
  /** Set when the CLI is a Python script: the batch runs in this interpreter. */
  readonly python?: string;
}

const AWS_VERSIONS = new Map<string, ToolAnswer>();
/**
 * `<binary> --version`, run once for the file (~0.7 s of CPU for Debian's awscli): the operator CLI's resolution
 * (resolveAwsCli's version probe), the version the runbook check reads and the preflight's probe share it.
 */
function versionOf(binary: string): ToolAnswer {
  if (!AWS_VERSIONS.has(binary)) AWS_VERSIONS.set(binary, spawnSync(binary, ['--version'], { encoding: 'utf8', env: OFFLINE_ENV }));
  return AWS_VERSIONS.get(binary)!;
}

/**
 * The AWS CLI the operator CLI would run from this shell: the same function (scripts/ops/tools.ts
 * resolveAwsCli) on the same variables (AWS_CLI, else the first aws on PATH), so the commands are checked
 * by that binary.
 */
function operatorAwsCli(): AwsCli | AwsCliError {
  let resolved;
  try {
    resolved = resolveAwsCli({ PATH: process.env.PATH, AWS_CLI: process.env.AWS_CLI }, (binary) => {
      const { stdout, stderr } = versionOf(binary);
      return `${stdout}${stderr}`;
    });
  } catch (error) {
    if (error instanceof AwsCliError) return error;
    throw error;
  }
  const { binary } = resolved;
  const python = pythonOf(binary);
  const probe = python ? spawnSync(python, ['-c', AWS_PROBE], { encoding: 'utf8', env: OFFLINE_ENV }) : versionOf(binary);
  const text = `${probe.stdout}${probe.stderr}`.trim();
  if (probe.status !== 0) throw new Error(`${binary}: ${text}`);
  return { binary, python };
}

const RESOLVED_AWS = operatorAwsCli();
const AWS = RESOLVED_AWS instanceof AwsCliError ? undefined : RESOLVED_AWS;
const CONNECTION_FAILURE = /Could not connect to the endpoint URL: "http:\/\/127\.0\.0\.1:9/;
const GRAMMAR_FAILURE = /usage: aws|Invalid choice|Unknown options|Parameter validation failed|argument .* is required|Error parsing parameter/;

function awsArgs(argv: readonly string[]): string[] {
  return ['--endpoint-url', UNREACHABLE, '--cli-connect-timeout', '1', '--cli-read-timeout', '1', ...argv.slice(1)];
}

/**
 * Debian's awscli is a Python script: run every command through its own driver in one interpreter (one start-up and one
 * read of the service models instead of one per command, on a shared two-core machine). Any other install (the official
 * bundle is a binary) runs one process per command.
 */
const AWS_BATCH = `
import contextlib, io, json, sys
from awscli.clidriver import create_clidriver
results = []
loader = None
for args in json.load(sys.stdin):
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            driver = create_clidriver()
            # A fresh driver per command; the service models (read-only JSON) are read once for all.
            if loader is None:
                loader = driver.session.get_component("data_loader")
            else:
                driver.session.register_component("data_loader", loader)
            status = driver.main(args)
        except SystemExit as exit:
            status = exit.code if isinstance(exit.code, int) else 1
    results.append({"status": status, "stdout": out.getvalue(), "stderr": err.getvalue()})
print(json.dumps(results))
`;

async function runAws(commands: ReadonlyArray<readonly string[]>): Promise<ToolAnswer[]> {
  const { binary, python } = AWS!;
  if (!python) return mapLimit(commands, 2, (argv) => exec(binary, awsArgs(argv)));
  const batch = await exec(python, ['-c', AWS_BATCH], { stdin: JSON.stringify(commands.map(awsArgs)) });
  if (batch.status !== 0) throw new Error(`the AWS CLI batch failed: ${batch.stderr}`);
  return JSON.parse(batch.stdout) as ToolAnswer[];
}

/** The AWS CLI's own version (`aws --version` of the resolved binary). */
const awsVersion = (): string => (AWS ? (awsCliVersion(`${versionOf(AWS.binary).stdout}`) ?? '0.0.0') : '0.0.0');

/** Values for the runbook's shell variables and placeholders: any well-formed value, the CLI only parses them. */
const RUNBOOK_VALUES: Record<string, string> = {
  ENV: 'prod',
  RG: 'marin-prod-cache',
  SECRET: 'prod/audio-pipeline/redis-auth',
  NEW: 'a'.repeat(64),
  B: 'marin-prod-call-recordings',
  K: 'recordings/2025/01/01/call-123.wav',
  Q: 'https://sqs.us-east-1.amazonaws.com/123456789012/marin-prod-transcription-dlq',
  SRC: 'https://sqs.us-east-1.amazonaws.com/123456789012/marin-prod-transcription',
  DLQ_ARN: 'arn:aws:sqs:us-east-1:123456789012:marin-prod-transcription-dlq',
  BODY: '{"Records":[]}',
  HANDLE: 'receipt-handle',
  s: 'api',
};

/** A stand-in for a file a runbook command reads (its content only needs to parse as JSON), at a fixed path. */
function runbookFile(name: string): string {
  const path = join(TOOL_HOME, 'runbook-files', name.replace(/[^\w.-]/g, '_'));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, '{"Statement":[]}\n');
  return path;
}

/** Splits a shell command line into words as a shell would: quotes, then `$VAR`, then `{a,b}` outside quotes. */
function shellWords(line: string): string[] {
  const expand = (text: string): string =>
    text.replace(/\$\{?(\w+)\}?/g, (_, name: string) => {
      if (!(name in RUNBOOK_VALUES)) throw new Error(`the runbook uses $${name}: give it a value in RUNBOOK_VALUES`);
      return RUNBOOK_VALUES[name];
    });
  return [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].flatMap((m) => {
    if (m[1] !== undefined) return [m[1]];
    if (m[2] !== undefined) return [expand(m[2])];
    // A file the runbook's previous command writes (file://policy.json): the CLI reads it while parsing.
    const word = expand(m[3]).replace(/^file:\/\/(?!\/)(.+)$/, (_, name: string) => `file://${runbookFile(name)}`);
    const brace = /^(.*)\{([^{}]*,[^{}]*)\}(.*)$/.exec(word);
    return brace ? brace[2].split(',').map((part) => `${brace[1]}${part}${brace[3]}`) : [word];
  });
}

interface RunbookCommand {
  readonly text: string;
  readonly argv: readonly string[];
  /** A mention of an operation without its arguments: checked with --generate-cli-skeleton (it must exist). */
  readonly skeleton: boolean;
}

/**
 * Every `aws <service> <operation> ...` in docs/runbook.md: in code blocks and inline code, continuation lines
 * joined, cut at the shell's `|`, `&&`, `;`, `>` and `)`. A bare mention (`aws sts get-caller-identity`) must name
 * an operation that exists; a command with options must be accepted whole.
 */
function runbookAwsCommands(): RunbookCommand[] {
  // Continuation lines joined; a <placeholder> is any word (the CLI only parses it).
  // Inline code wrapped onto a second line is one command too.
  const text = readFileSync(join(ROOT, 'docs', 'runbook.md'), 'utf8')
    .replace(/\\\n\s*/g, ' ')
    .replace(/`(aws [^`\n]*)\n\s*([^`\n]*)`/g, '`$1 $2`')
    .replace(/<[a-z][\w -]*>/g, 'x');
  const found = [...text.matchAll(/(?<![\w/-])aws ([a-z0-9-]+) ((?:wait )?[a-z0-9-]+)((?:'[^'\n]*'|"[^"\n]*"|[^`\n|&;>)'"])*)/g)];
  const commands = found
    .filter((m) => m[1] !== 'configure') // not a service: reads local files only
    .map((m) => {
      const rest = m[3].replace(/\s*#.*$/, '').replace(/…|\.\.\./g, '').trim();
      const skeleton = !rest.includes('--');
      const argv = ['aws', m[1], ...m[2].split(' '), ...(skeleton ? ['--generate-cli-skeleton'] : shellWords(rest))];
      return { text: `aws ${m[1]} ${m[2]}${rest ? ` ${rest}` : ''}`, argv, skeleton };
    });
  // A waiter named without its arguments (prose) is checked where the runbook runs it in full; alone it is an error.
  const full = commands.filter((c) => !c.skeleton).map((c) => c.argv.slice(0, 4).join(' '));
  const waiters = commands.filter((c) => c.skeleton && c.argv[2] === 'wait');
  for (const waiter of waiters) {
    if (!full.includes(waiter.argv.slice(0, 4).join(' '))) throw new Error(`the runbook names \`${waiter.text}\` but never runs it with its arguments: write the whole command once`);
  }
  return [...new Map(commands.filter((c) => !waiters.includes(c)).map((c) => [c.argv.join(' '), c])).values()];
}

describe('aws steps, checked by the real AWS CLI v2 (unreachable endpoint: a valid command fails only on the connection)', () => {
  if (!AWS) {
    const why = (RESOLVED_AWS as AwsCliError).message;
    if (process.env.REQUIRE_AWS_CLI === '1') {
      test('the AWS CLI the operator CLI runs is v2 at or above the minimum (REQUIRE_AWS_CLI=1)', () => {
        throw new Error(why);
      });
    } else {
      process.stdout.write(`[real-tools] SKIPPED aws checks: ${why}\n`);
      test.skip('aws steps (no usable AWS CLI v2 for the operator CLI)', () => undefined);
    }
    return;
  }
  // The AWS CLI's grammar does not depend on the environment: check each shape once (env names folded).
  const shape = (argv: readonly string[]) => argv.join(' ').replace(/\b(dev|staging|prod)\b/g, '<env>');
  const commands = [...new Map(PLANNED.filter((p) => p.argv[0] === 'aws').map((p) => [shape(p.argv), p.argv])).values()];

  /** Known-bad commands: the check must reject each (unknown option, unknown operation, invalid structure). */
  const bad = [
    ['aws', 'dynamodb', 'create-table', '--table-name', 't', '--attribute-definitions', 'AttributeName=LockID,AttributeType=S', '--key-schema', 'AttributeName=LockID,KeyType=HASH', '--deletion-protection-enabled'],
    ['aws', 'cloudformation', 'describe-changeset', '--stack-name', 's', '--change-set-name', 'c'],
    ['aws', 's3api', 'put-bucket-encryption', '--bucket', 'b', '--server-side-encryption-configuration', '{"Rules":[{"ApplyServerSideEncryptionByDefaults":{"SSEAlgorithm":"aws:kms"}}]}'],
  ];
  const runbook = runbookAwsCommands();
  /** The redrive the runbook used to tell: the minimum AWS CLI does not know it. */
  const moveTaskCommand = ['aws', 'sqs', 'start-message-move-task', '--source-arn', 'arn:aws:sqs:us-east-1:123456789012:q-dlq'];
  // One batch for all (one interpreter start and one read of the service models).
  let planned: ToolAnswer[] = [];
  let rejectedBad: ToolAnswer[] = [];
  let documented: ToolAnswer[] = [];
  let moveTask: ToolAnswer;
  const awsAnswers = startEarly(() => runAws([...commands, ...bad, ...runbook.map((c) => c.argv), moveTaskCommand]));
  beforeAll(async () => {
    const results = await awsAnswers();
    planned = results.slice(0, commands.length);
    rejectedBad = results.slice(commands.length, commands.length + bad.length);
    documented = results.slice(commands.length + bad.length, commands.length + bad.length + runbook.length);
    moveTask = results[commands.length + bad.length + runbook.length];
  });

  test(`every aws command docs/runbook.md tells on-call to run exists in this AWS CLI (the minimum, ${MIN_AWS_CLI_VERSION}, in CI) and is accepted`, () => {
    expect(runbook.length).toBeGreaterThan(20);
    expect(runbook.map((c) => c.text)).toEqual(expect.arrayContaining([expect.stringMatching(/^aws sqs send-message /), expect.stringMatching(/^aws ecs wait services-stable /)]));
    const rejected = runbook
      .map((c, i) => ({ command: c.text, status: documented[i].status, output: documented[i].stderr.trim().split('\n').slice(-3).join(' | ') }))
      .filter((r, i) =>
        (runbook[i].skeleton ? !(r.status === 0) : !(r.status === 255 && CONNECTION_FAILURE.test(r.output))));
    expect(rejected).toEqual([]);
  });

  test('the runbook check rejects a command the minimum AWS CLI does not know (the redrive the runbook used to tell)', () => {
    if (atLeast(awsVersion(), '2.13.0')) return; // a newer CLI knows it; CI checks the minimum
    expect(moveTask.status).toBe(252);
    expect(moveTask.stderr).toMatch(/Invalid choice/);
  });

  test('every planned aws command is accepted; it fails only on the connection', () => {
    expect(commands.length).toBeGreaterThan(10);
    expect(planned).toHaveLength(commands.length);
    const rejected = commands
      .map((argv, i) => ({ command: argv.join(' '), status: planned[i].status, output: planned[i].stderr.trim().split('\n').slice(-3).join(' | ') }))
      .filter((r) => !(r.status === 255 && CONNECTION_FAILURE.test(r.output)));
    expect(rejected).toEqual([]);
  });

  test('the check catches a bad command: unknown option, unknown operation, invalid structure', () => {
    expect(rejectedBad).toHaveLength(bad.length);
    for (const result of rejectedBad) {
      expect(result.status).toBe(252);
      expect(result.stderr).toMatch(GRAMMAR_FAILURE);
      expect(result.stderr).not.toMatch(CONNECTION_FAILURE);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// the preflight's version probes

describe('the preflight asks each tool its version the way the real tool answers', () => {
  const checks = VERSION_PROBES;
  /**
   * The program a probe's argv runs here: this Node.js, the project's
   * CDK CLI, terraform, the AWS CLI the operator CLI resolves.
   */
  const program = (argv: readonly string[]): string[] | undefined => {
    if (argv[0] === 'node') return [process.execPath, ...argv.slice(1)];
    if (argv[0] === 'npx' && argv[1] === 'cdk') return [join(BIN, 'cdk'), ...argv.slice(2)];
    const terraform = ['/usr/local/bin/terraform', '/usr/bin/terraform'].find((path) => existsSync(path));
    if (argv[0] === 'terraform') return terraform ? [terraform, ...argv.slice(1)] : undefined;
    if (argv[0] === 'aws') return AWS ? [AWS.binary, ...argv.slice(1)] : undefined;
    return undefined;
  };
  /**
   * How a probe is answered: the CDK CLI's in this file's one cdk process, `aws --version` by the file's one
   * spawn of it (the same argv), the others by their own process.
   */
  const answerOf = (argv: readonly string[]): (() => Promise<ToolAnswer>) => {
    if (argv[0] === join(BIN, 'cdk')) return CDK_VERSION_PROBES.get(argv.slice(1).join(' '))!.answer;
    if (AWS && argv[0] === AWS.binary && argv.slice(1).join(' ') === '--version') return async () => versionOf(AWS.binary);
    return () => exec(argv[0], argv.slice(1));
  };
  const answers = new Map(checks.map((check) => [check, program(check.argv!) && answerOf(program(check.argv!)!)]));

  test('node, the CDK CLI, terraform and aws are probed', () => {
    expect(checks.map((c) => c.argv!.join(' '))).toEqual(['node --version', 'npx cdk --version', 'terraform version -json', 'aws --version']);
  });

  test.each(checks.map((c) => [c.name, c] as const))('%s: the installed tool passes the check', async (_name, check) => {
    const argv = program(check.argv!);
    if (!argv) {
      process.stdout.write(`[real-tools] SKIPPED the version probe ${check.argv!.join(' ')}: the tool is not installed\n`);
      return;
    }
    const answer = await answers.get(check)!();
    const result = { status: answer.status ?? 1, stdout: answer.stdout, stderr: answer.stderr, env: {} };
    expect(check.verify(result)).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// terraform

const TERRAFORM = ['/usr/local/bin/terraform', '/usr/bin/terraform'].find((path) => existsSync(path));
/** What each subcommand says in an empty directory when its flags were accepted. */
const TERRAFORM_EXPECTED: Record<string, { status: number; output?: RegExp }> = {
  init: { status: 0, output: /initialized in an empty directory/ },
  plan: { status: 1, output: /No configuration files/ },
  show: { status: 1, output: /Failed to read the given file as a state or plan file/ },
  apply: { status: 1, output: /Failed to load "[^"]+\.tfplan" as a plan file/ },
};
const TERRAFORM_FLAG_FAILURE = /Failed to parse command-line flags|flag provided but not defined|Too many command line arguments|Usage: terraform/;

describe('terraform steps, checked by the Terraform CLI in an empty directory (no init of providers, no network)', () => {
  if (!TERRAFORM) {
    process.stdout.write('[real-tools] SKIPPED terraform checks: terraform is not installed (/usr/local/bin, /usr/bin)\n');
    test.skip('terraform steps (terraform not installed)', () => undefined);
    return;
  }
  const calls = PLANNED.filter((p) => p.argv[0] === 'terraform');
  /** The plan's working directory (-chdir) becomes a new empty one. */
  const runInEmptyDir = async (argv: readonly string[]): Promise<ToolAnswer & { sub: string }> => {
    const dir = mkdtempSync(join(tmpdir(), 'ops-tf-'));
    try {
      const args = [argv[1], argv[2], '-no-color', ...argv.slice(3)].map((a) => (a.startsWith('-chdir=') ? `-chdir=${dir}` : a));
      return { ...(await exec(TERRAFORM, args)), sub: argv[2] };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  test('the plans run terraform init, plan -out, show, show -json and apply <planfile>, and the drift plan, all in the synthesized stack directory', () => {
    const drift = 'plan -input=false -lock=false -detailed-exitcode';
    expect(calls.map((c) => c.argv.slice(2).join(' ').replace(/marin-\w+-r1/g, '<plan>'))).toEqual([
      'init -input=false', drift,
      'init -input=false', 'plan -input=false -out=<plan>.tfplan', 'show <plan>.tfplan', 'show -json <plan>.tfplan', 'apply -input=false <plan>.tfplan', drift,
      'init -input=false', 'plan -input=false -out=<plan>.tfplan', 'show <plan>.tfplan', 'show -json <plan>.tfplan', 'apply -input=false <plan>.tfplan', drift,
    ]);
    for (const call of calls) expect(call.argv[1]).toBe(`-chdir=cdktf.out/stacks/atlas-${call.env}`);
  });

  test('every planned terraform command is accepted: it fails only for the missing configuration or plan', async () => {
    const results = await mapLimit(calls, 2, (call) => runInEmptyDir(call.argv));
    const rejected = results
      .map((r, i) => ({ command: calls[i].argv.join(' '), status: r.status, output: `${r.stdout}${r.stderr}` }))
      .filter((r, i) => {
        const expected = TERRAFORM_EXPECTED[results[i].sub];
        return !expected
          || r.status !== expected.status
          || TERRAFORM_FLAG_FAILURE.test(r.output)
          || !expected.output!.test(r.output);
      })
      .map((r) => ({ ...r, output: r.output.trim().split('\n').slice(0, 3).join(' | ') }));
    expect(rejected).toEqual([]);
  });

  test('the check catches a bad flag', async () => {
    const result = await runInEmptyDir(['terraform', '-chdir=x', 'plan', '-inputx=false', '-out=p.tfplan']);
    expect(result.status).toBe(1);
    expect(`${result.stdout}${result.stderr}`).toMatch(/flag provided but not defined: -inputx/);
  });
});
