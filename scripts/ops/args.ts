/**
 * Argument parsing of the operator CLI. Pure: returns what to do (or the help text) and throws a
 * UsageError naming the bad argument; it never exits the process, so tests can call it.
 */
import { ENVIRONMENT_NAMES, isEnvironmentName, type EnvironmentName } from '../../environments/names';
import { parseCliArgs, UsageError } from '../lib/cli';
import { COMMANDS, type Command, type OpsOptions } from './steps';

export { UsageError };

interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** May be given more than once (values collected in order). */
  readonly multiple?: boolean;
  readonly description: string;
  /** Validates a string value; returns a problem, or undefined. */
  readonly validate?: (value: string) => string | undefined;
}

const ENV_LIST = ENVIRONMENT_NAMES.join(', ');

const COMMON: Record<string, OptionSpec> = {
  env: { type: 'string', description: `environment: ${ENVIRONMENT_NAMES.join(' | ')} (required)` },
  account: {
    type: 'string',
    description: 'AWS account id of the environment (required by deploy, diff, doctor, drift and bootstrap in every environment: the Atlas state bucket is named after it); the credentials must belong to it',
    validate: (v) => (/^\d{12}$/.test(v) ? undefined : 'must be a 12-digit AWS account id'),
  },
  'dry-run': { type: 'boolean', description: 'print the exact commands, run nothing (needs no AWS credentials)' },
  yes: { type: 'boolean', description: 'non-interactive (CI): no typed confirmation, CDK/CDKTF approvals pre-answered' },
  help: { type: 'boolean', description: 'show this help' },
};

const DEPLOY_VALUES: Record<string, OptionSpec> = {
  'image-tag': { type: 'string', description: 'container image tag to deploy (-c imageTag=...)' },
  'certificate-arn': { type: 'string', description: 'ACM certificate ARN for the HTTPS listener (-c certificateArn=...)' },
  'refresh-peer-account': {
    type: 'string',
    description: 'staging refresh: the other side\'s account (prod: the staging account; staging: the prod account; -c refreshPeerAccount=...); default: this account',
    validate: (v) => (/^\d{12}$/.test(v) ? undefined : 'must be a 12-digit AWS account id'),
  },
  'refresh-image-tag': { type: 'string', description: 'image tag of the staging-refresh task, anonymiser in prod, loader in staging (-c refreshImageTag=...)' },
  'alarm-email': {
    type: 'string',
    multiple: true,
    description: 'address subscribed to the alarm topic (repeatable, or comma-separated; -c alarmEmails=...); staging/prod need at least one here or in config',
    validate: (v) => (/^[^\s@,]+@[^\s@,]+\.[^\s@,]+(,[^\s@,]+@[^\s@,]+\.[^\s@,]+)*$/.test(v) ? undefined : 'must be e-mail addresses, comma-separated'),
  },
};

const SPECS: Record<Command, { summary: string; details: string[]; options: Record<string, OptionSpec> }> = {
  deploy: {
    summary: 'deploy one environment: stateful CDK stacks -> Atlas (CDKTF) -> service CDK stacks -> post-deploy checks',
    details: [
      'First, before anything changes: the preflight (as `npm run doctor`: tools, Atlas keys, certificate, images, alarm addresses) and the AWS credentials (account, region) against the environment.',
      'staging/prod (reviewed): per CDK stack a named change set is prepared, shown and checked, then executed by name; Atlas is planned into a saved plan file, shown and checked, then that file is applied. Each asks you to type the environment name (unless --yes).',
      'A reviewed change set or plan that replaces or removes a stateful or fixed-name resource is refused unless --allow-replace names it; each stack policy (CloudFormation denies the same replacements to every client) is re-applied after its execution.',
      'staging is shared by branches: a deploy first takes its lease (branch, commit, image tag, expiry in SSM); while another branch holds it the deploy is refused, naming holder and expiry, unless --take-over.',
      'Atlas steps need --account in every environment: the state bucket is <prefix>-<account id>.',
      'staging/prod: --image-tag is required (without one every service is set to 0 tasks); --park-services only for a first deploy before any image exists.',
      'Post-deploy: the service secrets have a current value, mongodb-uri holds the Atlas connection string (not the CDK placeholder), the ECS services are stable.',
    ],
    options: {
      ...COMMON,
      ...DEPLOY_VALUES,
      branch: { type: 'string', description: 'staging (shared): the branch this deploy holds the lease for (default: the git checkout\'s)' },
      'take-over': { type: 'boolean', description: 'staging (shared): take the deploy lease although another branch holds it' },
      'park-services': { type: 'boolean', description: 'staging/prod first deploy before any image exists: create the services at 0 tasks (otherwise --image-tag is required)' },
      'prepare-only': { type: 'boolean', description: 'staging/prod, the pipeline\'s prepare job: prepare and review every change set and the saved Terraform plan into --bundle <dir>, execute nothing' },
      bundle: { type: 'string', description: 'with --prepare-only: directory of the plan bundle (assembly, Atlas stack with its saved plan, bundle.json)' },
      execute: { type: 'string', description: 'staging/prod, the pipeline\'s execute job: execute exactly the change sets and saved plan of this bundle directory (nothing synthesized)' },
      commit: { type: 'string', description: 'commit of the release: recorded in the bundle by --prepare-only; --execute refuses a bundle of another commit; staging: the deploy lease records it (default: the git checkout\'s HEAD)', validate: (v) => (/^[0-9a-f]{7,40}$/.test(v) ? undefined : 'must be a git commit SHA') },
      'allow-replace': {
        type: 'string',
        multiple: true,
        description: 'staging/prod: accept replacing/removing this whole CloudFormation logical id or Terraform address, as the review prints it (repeatable, or comma-separated); lifts the stack policy for exactly it during that one execution',
        validate: (v) => (/^[A-Za-z0-9_.[\]"-]+(,[A-Za-z0-9_.[\]"-]+)*$/.test(v) ? undefined : 'must be logical ids or Terraform addresses, comma-separated'),
      },
    },
  },
  diff: {
    summary: 'show what deploy would change in every CDK stack and the Atlas stack; changes nothing',
    details: [
      'Checks the AWS credentials (account, region) against the environment first.',
      "Takes deploy's inputs and refusals. staging/prod: an --image-tag, --certificate-arn or --alarm-email not passed is read from the deployed stacks (the running release; the output says so), so an unchanged environment diffs empty.",
    ],
    options: { ...COMMON, ...DEPLOY_VALUES },
  },
  destroy: {
    summary: 'tear down stacks: never prod; staging: stateless stacks only; dev: stateless stacks, or everything with --all-including-data',
    details: [
      'Asks you to type the environment name first (unless --yes).',
      'Termination-protected stacks (staging) have their protection turned off right before deletion.',
    ],
    options: { ...COMMON, 'all-including-data': { type: 'boolean', description: 'dev only: also destroy Atlas and the stateful stacks (network, data)' } },
  },
  doctor: {
    summary: "deploy's preflight, run now: tools, credentials, Atlas keys, certificate, images, alarm addresses; changes nothing",
    details: [
      'Takes deploy\'s options and runs the checks deploy runs first: Node.js, CDK CLI, Terraform >= 1.10, AWS CLI v2 (the binary every aws step runs: AWS_CLI, else the first aws on PATH), the credentials\' account and region, the Atlas API keys and organization id, the certificate (ISSUED, in the environment\'s account and region) and the image tag in every ECR repository.',
      'Reports every failed check with its fix (exit 1), including the release inputs deploy would refuse without.',
    ],
    options: { ...COMMON, ...DEPLOY_VALUES, 'park-services': { type: 'boolean', description: 'as for deploy: a first deploy before any image exists' } },
  },
  drift: {
    summary: 'detect drift: cdk drift --fail on every CDK stack and terraform plan -detailed-exitcode on Atlas; changes nothing, fails on any drift',
    details: ['Checks the AWS credentials (account, region) against the environment first.', 'Atlas needs --account (its state bucket) and the Atlas API keys in the environment.'],
    options: COMMON,
  },
  bootstrap: {
    summary: 'prepare an account once (idempotent): the deploy-identity stack, cdk bootstrap with the scoped execution policy and permissions boundary, the ECS service-linked role and the Terraform state bucket',
    details: [
      'State bucket marin-terraform-state-<account>: versioning, SSE-KMS, public access blocked, ACLs off, TLS-only policy; locking by S3 lock file (a DynamoDB table only when terraformState.dynamodbTable is configured).',
      'Needs --account in every environment: bootstrapping names its account explicitly.',
    ],
    options: COMMON,
  },
  status: {
    summary: 'show what an environment runs: the deploy lease holder (staging), the last staging refresh, the ECS services; changes nothing',
    details: ['Checks the AWS credentials (account, region) against the environment first.'],
    options: COMMON,
  },
  'refresh-staging': {
    summary: 'fill staging with anonymised prod data: the anonymiser task in prod, then the loader task in staging (aws ecs run-task), each waited for; the run is recorded in staging',
    details: [
      '--env is staging (the default). Your current credentials must be staging\'s; prod commands use --profile-prod when the accounts differ.',
      'Asks you to type "staging" before the anonymiser starts (unless --yes). A task that exits non-zero stops the refresh (and alarms); staging is untouched when the anonymiser fails.',
      'Record: /marin/staging/refresh/last-run (SSM): run id, prod data as of, start, end, by whom, the export location and both tasks (npm run status -- --env staging).',
    ],
    options: {
      env: COMMON.env,
      'account-prod': { type: 'string', description: 'AWS account id of prod (required)', validate: COMMON.account.validate },
      'account-staging': { type: 'string', description: 'AWS account id of staging (required; the same id when both share an account)', validate: COMMON.account.validate },
      'profile-prod': { type: 'string', description: 'AWS CLI profile of the prod account (required when the accounts differ)', validate: (v) => (/^[A-Za-z0-9_.@+-]{1,64}$/.test(v) ? undefined : 'must be an AWS CLI profile name') },
      'dry-run': COMMON['dry-run'],
      yes: COMMON.yes,
      help: COMMON.help,
    },
  },
};

export function commandUsage(command: Command): string {
  const spec = SPECS[command];
  const width = Math.max(...Object.keys(spec.options).map((k) => k.length + (spec.options[k].type === 'string' ? 8 : 0)));
  const lines = Object.entries(spec.options).map(([key, option]) => {
    const flag = option.type === 'string' ? `--${key} <value>` : `--${key}`;
    return `  ${flag.padEnd(width + 4)}${option.description}`;
  });
  return [`usage: npm run ${command} -- --env <${ENVIRONMENT_NAMES.join('|')}> [options]`, '', spec.summary, ...spec.details.map((d) => `  ${d}`), '', 'options:', ...lines].join('\n');
}

export function generalUsage(): string {
  return [
    'usage: tsx scripts/ops/cli.ts <command> --env <name> [options]   (npm run <command> -- --env <name>)',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.padEnd(10)}${SPECS[c].summary}`),
    '',
    'Run any command with --help for its options.',
  ].join('\n');
}

export type ParsedArgs =
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'run'; readonly command: Command; readonly env: EnvironmentName; readonly options: OpsOptions & { readonly executePath?: string } };

function isCommand(value: string): value is Command {
  return (COMMANDS as readonly string[]).includes(value);
}

/** Parses `<command> --env <name> [--flag] [--key value | --key=value]` (node:util parseArgs, strict). */
export function parseOpsArgs(argv: readonly string[]): ParsedArgs {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') return { kind: 'help', text: generalUsage() };
  if (!isCommand(command)) throw new UsageError(`unknown command "${command}": valid commands are ${COMMANDS.join(', ')}\n\n${generalUsage()}`);
  const spec = SPECS[command];
  const usage = commandUsage(command);
  if (rest.includes('-h') || rest.includes('--help')) return { kind: 'help', text: usage };
  const values = parseCliArgs(rest, spec.options, usage, command);

  const env = values.env ?? (command === 'refresh-staging' ? 'staging' : undefined);
  if (command === 'refresh-staging' && env !== 'staging') throw new UsageError(`refresh-staging refreshes staging only: drop --env or pass --env staging\n\n${usage}`);
  if (typeof env !== 'string') throw new UsageError(`missing --env: valid environments are ${ENV_LIST}\n\n${usage}`);
  if (!isEnvironmentName(env)) throw new UsageError(`unknown environment "${env}": valid environments are ${ENV_LIST}`);
  const str = (key: string): string | undefined => (typeof values[key] === 'string' ? (values[key] as string) : undefined);
  const list = (key: string): string[] => (Array.isArray(values[key]) ? (values[key] as string[]).flatMap((v) => v.split(',')) : []);
  const alarmEmails = list('alarm-email');
  return {
    kind: 'run',
    command,
    env,
    options: {
      dryRun: values['dry-run'] === true,
      yes: values.yes === true,
      allIncludingData: values['all-including-data'] === true,
      parkServices: values['park-services'] === true,
      account: str('account'),
      imageTag: str('image-tag'),
      certificateArn: str('certificate-arn'),
      alarmEmails: alarmEmails.length > 0 ? alarmEmails : undefined,
      allowReplace: list('allow-replace'),
      ...(values['prepare-only'] === true ? { prepareOnly: true } : {}),
      bundle: str('bundle'),
      executePath: str('execute'),
      commit: str('commit'),
      branch: str('branch'),
      takeOver: values['take-over'] === true || undefined,
      refreshPeerAccount: str('refresh-peer-account'),
      refreshImageTag: str('refresh-image-tag'),
      accountProd: str('account-prod'),
      accountStaging: str('account-staging'),
      profileProd: str('profile-prod'),
    },
  };
}
