/**
 * The record of real-tool answers (test/support/tool-answers.ts) must never hand back an answer to a different
 * question: every field of a call is in its key, a tool's new version is a new key, a killed run is not
 * recorded, TEST_FRESH_TOOLS runs everything again, and long-unused answers are pruned.
 */
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as ToolAnswers from '../support/tool-answers';

/** The module with its record in a scratch directory (and TEST_FRESH_TOOLS as given). */
function load(synthDir: string, fresh = false): typeof ToolAnswers {
  const saved = { dir: process.env.TEST_SYNTH_DIR, fresh: process.env.TEST_FRESH_TOOLS };
  process.env.TEST_SYNTH_DIR = synthDir;
  process.env.TEST_FRESH_TOOLS = fresh ? '1' : '';
  try {
    let loaded: typeof ToolAnswers | undefined;
    jest.isolateModules(() => {
      loaded = require('../support/tool-answers') as typeof ToolAnswers;
    });
    return loaded!;
  } finally {
    for (const [name, value] of [['TEST_SYNTH_DIR', saved.dir], ['TEST_FRESH_TOOLS', saved.fresh]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

const NODE = process.execPath;
/** Prints a different number on every run: equal output twice means the second answer was reused. */
const NONCE = ['-e', 'process.stdout.write(String(process.hrtime.bigint()))'];

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tool-answers-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('answerKey', () => {
  const { answerKey } = load('/nonexistent');
  const call: ToolAnswers.ToolCall = { command: '/bin/tool', args: ['a', 'b'], env: { A: '1', B: '2' }, identity: 'tool 1.0', dependsOn: ['x'] };

  test('equal calls have equal keys, whatever the order of the environment', () => {
    expect(answerKey({ ...call, env: { B: '2', A: '1' } })).toBe(answerKey(call));
  });

  test.each<[string, Partial<ToolAnswers.ToolCall>]>([
    ['command', { command: '/bin/other' }],
    ['argument', { args: ['a', 'c'] }],
    ['argument order', { args: ['b', 'a'] }],
    ['environment value', { env: { A: '1', B: '3' } }],
    ['environment (a variable added)', { env: { A: '1', B: '2', C: '' } }],
    ['working directory', { cwd: '/tmp' }],
    ['standard input', { stdin: '' }],
    ['tool identity (a new version)', { identity: 'tool 1.1' }],
    ['inputs it reads', { dependsOn: ['y'] }],
  ])('changing the %s changes the key', (_, change) => {
    expect(answerKey({ ...call, ...change })).not.toBe(answerKey(call));
  });
});

describe('toolIdentity', () => {
  test('an npm tool is its package, version and the lockfile', () => {
    const { toolIdentity } = load(dir);
    expect(toolIdentity(join(__dirname, '..', '..', 'node_modules', '.bin', 'cdk'))).toMatch(/ aws-cdk@\d+\.\d+\.\d+ .*package-lock\.json=[0-9a-f]{64}$/);
  });

  test('any other binary changes identity when the file does', () => {
    const { toolIdentity } = load(dir);
    const binary = join(dir, 'tool');
    writeFileSync(binary, 'v1');
    const before = toolIdentity(binary);
    writeFileSync(binary, 'version 2');
    expect(toolIdentity(binary)).not.toBe(before);
  });
});

describe('askTool', () => {
  const call = (args: string[]): ToolAnswers.ToolCall => ({ command: NODE, args, env: { PATH: process.env.PATH }, identity: 'node' });

  test('runs a call once, then reuses its answer; another argument runs again', async () => {
    const { askTool } = load(dir);
    const first = await askTool(call(NONCE));
    expect(first.status).toBe(0);
    expect(await askTool(call(NONCE))).toEqual(first);
    const other = await askTool(call([...NONCE, 'extra']));
    expect(other.stdout).not.toBe(first.stdout);
  });

  test('TEST_FRESH_TOOLS=1 runs it again', async () => {
    const first = await load(dir).askTool(call(NONCE));
    const fresh = await load(dir, true).askTool(call(NONCE));
    expect(fresh.stdout).not.toBe(first.stdout);
  });

  test('a run killed by a signal is not recorded', async () => {
    const { askTool, ANSWERS_DIR } = load(dir);
    const killed = await askTool(call(['-e', 'process.kill(process.pid, "SIGKILL")']));
    expect(killed.status).toBeNull();
    expect(readdirSync(ANSWERS_DIR).filter((name) => name.endsWith('.json'))).toEqual([]);
  });

  test('pruneAnswers deletes answers unused for 14 days and keeps the others', async () => {
    const { askTool, pruneAnswers, ANSWERS_DIR } = load(dir);
    await askTool(call(NONCE));
    await askTool(call([...NONCE, 'old']));
    const files = readdirSync(ANSWERS_DIR).filter((name) => name.endsWith('.json'));
    expect(files).toHaveLength(2);
    const old = new Date(Date.now() - 15 * 86_400_000);
    utimesSync(join(ANSWERS_DIR, files[0]), old, old);
    pruneAnswers();
    expect(readdirSync(ANSWERS_DIR).filter((name) => name.endsWith('.json'))).toEqual([files[1]]);
  });
});
