/**
 * Expected mistakes end with one short `error:` line and a consistent exit code (usage or unknown
 * environment: 2; an invalid config value, a failed check or a refusal: 1), never a stack trace.
 * The cases are the README's table "Expected mistakes and what they print": each row is run here as a
 * user would type it (npm scripts through the file they name in package.json; the CDK and CDKTF apps as
 * their CLIs start them), and the table and these cases must list the same commands.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENVIRONMENTS, parseEnvironment } from '../../environments';
import { cdkJsonContext } from '../../scripts/lib/cdk-context';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const SCRIPTS = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

interface Row {
  readonly command: string;
  readonly exit: number;
  readonly messages: string[];
}

/**
 * The README table's rows: the first code span of the command column, the exit code, the message column's code spans.
 */
function readmeRows(): Row[] {
  const readme = readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8');
  const block = readme.slice(readme.indexOf('<!-- mistakes -->'), readme.indexOf('<!-- /mistakes -->'));
  return block
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const cells = line.replace(/\\\|/g, '¦').split('|').slice(1, -1).map((c) => c.trim());
      const spans = (cell: string): string[] => [...cell.matchAll(/`([^`]*)`/g)].map((m) => m[1].replace(/¦/g, '|'));
      return { command: spans(cells[0])[0], exit: Number(cells[1]), messages: spans(cells[2]) };
    });
}

/** The README's bad config values: environment, field, JSON value, expected message line. */
function configRows(): Array<{ env: string; field: string; value: string; message: string }> {
  const readme = readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8');
  const block = readme.slice(readme.indexOf('<!-- config-mistakes -->'), readme.indexOf('<!-- /config-mistakes -->'));
  return block
    .split('\n')
    .filter((line) => /^\| (dev|staging|prod) \|/.test(line))
    .map((line) => {
      const cells = line.split(' | ');
      const spans = [...line.matchAll(/`([^`]*)`/g)].map((m) => m[1]);
      return { env: cells[0].replace('| ', ''), field: spans[0], value: spans[1], message: spans[2] };
    });
}

/** argv for tsx and extra environment variables, for a command as a user types it. */
function invocation(command: string): { args: string[]; env: Record<string, string> } {
  const cdk = /^npx cdk (synth|ls|deploy) (.*)$/.exec(command);
  if (cdk) {
    // The app as the CDK CLI starts it: cdk.json's context and each `-c key=value` in CDK_CONTEXT_JSON.
    const context = Object.fromEntries([...cdk[2].matchAll(/-c (\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
    return { args: ['bin/app.ts'], env: { CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJsonContext(), ...context }), CDK_OUTDIR: '/tmp/failure-paths-cdk-out' } };
  }
  if (command === 'ATLAS_ENVIRONMENTS=qa npx cdktf synth') return { args: ['atlas/main.ts'], env: { ATLAS_ENVIRONMENTS: 'qa', CDKTF_OUTDIR: '/tmp/failure-paths-cdktf-out' } };
  const match = /^npm run ([\w:-]+) -- (.*)$/.exec(command);
  if (!match) throw new Error(`no way to run "${command}"`);
  const script = SCRIPTS[match[1]];
  if (!script?.startsWith('tsx ')) throw new Error(`npm script ${match[1]} is not a tsx script: ${script}`);
  // Quoted arguments ("v1 x") stay one argument, as the shell would pass them.
  const args = [...match[2].matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
  return { args: [...script.slice(4).split(' '), ...args], env: {} };
}

function run(args: string[], env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(TSX, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1', ...env }, timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const noStackTrace = (text: string): void => {
  expect(text).not.toMatch(/^\s+at /m);
  expect(text).not.toContain('node:internal');
};

const rows = readmeRows();

describe('expected mistakes: short message, consistent exit code (the README table)', () => {
  test('the table lists the mistakes tried', () => {
    expect(rows.length).toBeGreaterThanOrEqual(13);
    expect(configRows().length).toBeGreaterThanOrEqual(6);
    for (const row of rows) expect([0, 1, 2]).toContain(row.exit);
  });

  test.each(rows.map((row) => [row.command, row] as const))('%s', (_, row) => {
    const { args, env } = invocation(row.command);
    const result = run(args, env);
    expect(result.status).toBe(row.exit);
    const lines = result.stderr.split('\n');
    expect(lines[0]).toBe(row.messages[0]);
    for (const message of row.messages.slice(1)) expect(lines).toContain(message);
    noStackTrace(result.stderr);
  });

  test.each(configRows().map((row) => [`${row.env}: ${row.field} = ${row.value}`, row] as const))('config %s', (_, row) => {
    const declared = ENVIRONMENTS[row.env as keyof typeof ENVIRONMENTS];
    const input = structuredClone(declared) as unknown as Record<string, unknown>;
    const keys = row.field.split('.');
    let node = input;
    for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
    node[keys[keys.length - 1]] = JSON.parse(row.value);
    expect(() => parseEnvironment(input, row.env)).toThrow(`environment "${row.env}" is invalid:`);
    try {
      parseEnvironment(input, row.env);
    } catch (error) {
      expect((error as Error).message.split('\n')).toContain(row.message);
    }
  });

  test('an invalid taskCpu names the field and the valid sizes, and no empty memory list', () => {
    const input = structuredClone(ENVIRONMENTS.dev) as unknown as { services: { taskCpu: number } };
    input.services.taskCpu = 300;
    expect(() => parseEnvironment(input, 'dev')).toThrow(/services\.taskCpu: .*256/);
    expect(() => parseEnvironment(input, 'dev')).not.toThrow(/valid: \)/);
  });
});
