/**
 * npm run check:readme-commands   (CI's own step: a CDK synth per cdk command, a few minutes)
 *
 * Runs the README's deploy commands through the real CLIs, offline: each ```bash block is executed by bash top to
 * bottom (so variables expand as they do for the reader; a `<placeholder>` becomes a sample value), with `npx`,
 * `aws` and `terraform` recorded instead of run. Then each recorded command runs for real without AWS credentials:
 * - `npx cdk ...`: the installed CDK CLI must accept every argument (it only warns on an unknown option) and get as
 *   far as needing credentials, which means the app synthesized with that context (our guards passed);
 * - `aws ...`: the AWS CLI v2 (AWS_CLI, else `aws`) must accept the parameters and stop at the missing credentials;
 * - `terraform ...` and `npx cdktf ...`: reported, not run (terraform init needs the provider registry).
 * Exit 1 naming each command the tool refused.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childEnvironment, runMain } from '../lib/cli';

const ROOT = join(__dirname, '..', '..');

/** Output of a CLI that stopped at its arguments (yargs for the CDK CLI, the AWS CLI's parser and validator). */
const REFUSED_ARGUMENTS = /Unknown option|Unknown argument|Invalid values|Not enough arguments|mutually exclusive|usage: aws|Parameter validation failed|Invalid choice|arguments are required|Error parsing parameter|^error: /im;

/** The credentials stop each command must reach: nothing was refused before it. */
const NEEDS_CREDENTIALS = /no credentials have been configured|Unable to locate credentials|Unable to resolve AWS account/i;

/** The README's ```bash blocks, in order, with `<placeholders>` replaced by a sample value bash can parse. */
export function readmeScript(readme: string): string {
  const blocks = [...readme.matchAll(/```bash\n([\s\S]*?)```/g)].map((match) => match[1]);
  return blocks.join('\n').replace(/<([\w-]+)>/g, 'sample-$1');
}

/** Each command the script would run, as argv, recorded by bash functions standing in for the tools. */
export function recordCommands(script: string): string[][] {
  const record = 'python3 -c "import json,sys; print(json.dumps(sys.argv[1:]))"';
  const prelude = ['npx', 'aws', 'terraform'].map((tool) => `${tool}() { ${record} ${tool} "$@"; }`).concat('npm() { :; }');
  const result = spawnSync('bash', ['-e', '-c', [...prelude, script].join('\n')], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`the README's bash blocks do not run in bash:\n${result.stderr}`);
  return result.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as string[]);
}

function check(argv: string[], scratch: string): string | undefined {
  const [tool, ...args] = argv;
  if (tool === 'terraform' || (tool === 'npx' && args[0] === 'cdktf')) return undefined;
  const command = tool === 'npx' && args[0] === 'cdk' ? [join(ROOT, 'node_modules', '.bin', 'cdk'), ...args.slice(1), '-o', join(scratch, 'cdk.out')]
    : tool === 'aws' ? [process.env.AWS_CLI ?? 'aws', ...args] : undefined;
  if (!command) return `${argv.join(' ')}: not a documented tool`;
  const env = childEnvironment({ AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1', CDK_DISABLE_VERSION_CHECK: '1' });
  for (const name of ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) delete env[name];
  const result = spawnSync(command[0], command.slice(1), { cwd: ROOT, env, encoding: 'utf8', timeout: 180_000 });
  const output = `${result.stdout}${result.stderr}`;
  if (REFUSED_ARGUMENTS.test(output) || !NEEDS_CREDENTIALS.test(output)) {
    return `${argv.join(' ')}\n  exit ${result.status}: ${output.trim().split('\n').slice(-4).join('\n  ')}`;
  }
  return undefined;
}

async function main(): Promise<number> {
  const commands = recordCommands(readmeScript(readFileSync(join(ROOT, 'README.md'), 'utf8')));
  const scratch = mkdtempSync(join(tmpdir(), 'readme-commands-'));
  const problems: string[] = [];
  for (const argv of commands) {
    const started = Date.now();
    const problem = check(argv, scratch);
    const verdict = problem ? 'REFUSED' : argv[0] === 'terraform' || argv[1] === 'cdktf' ? 'not run' : 'accepted';
    console.log(`${verdict.padEnd(8)} ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s  ${argv.join(' ')}`);
    if (problem) problems.push(problem);
  }
  for (const problem of problems) console.error(`error: ${problem}`);
  console.log(`${commands.length} commands, ${problems.length} refused`);
  return problems.length > 0 ? 1 : 0;
}

if (require.main === module) void runMain(main);
