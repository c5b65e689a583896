/**
 * The operator commands the README and docs/ tell people to run are commands the CLI accepts and
 * plans without refusal; the CDK stack names they pass are stacks the app defines. (Generic syntax
 * lines such as `--env <env> [--flag]` are skipped; placeholders are filled with valid values.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEnvironment } from '../../environments';
import { parseOpsArgs } from '../../scripts/ops/args';
import { plan, stackInventory } from '../../scripts/ops/plan';

const ROOT = join(__dirname, '..', '..');
const FILES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const PLACEHOLDERS: Array<[RegExp, string]> = [
  [/<(dev-|staging-|prod-)?id>/g, '123456789012'],
  [/<tag>/g, '1.0.0'],
  [/<on-call-email>/g, 'oncall@example.com'],
  [/<arn>|arn:aws:acm:us-east-1:123456789012:certificate\/(\.\.\.|<id>)/g, 'arn:aws:acm:us-east-1:123456789012:certificate/abc'],
];

interface DocCommand {
  readonly file: string;
  readonly text: string;
}

/** `npm run <op command> -- ...` occurrences, continuation lines joined, comments and backticks cut off. */
function documentedCommands(pattern: RegExp): DocCommand[] {
  return FILES.flatMap((file) => {
    // The README's table of expected mistakes lists commands that must fail (test/cli/failure-paths.test.ts runs them).
    const text = readFileSync(join(ROOT, file), 'utf8')
      .replace(/<!-- mistakes -->[\s\S]*?<!-- \/mistakes -->/, '')
      .replace(/\\\n\s*/g, '');
    return [...text.matchAll(pattern)].map((m) => ({ file, text: m[0].replace(/\s+#.*$/, '').replace(/`.*$/, '').trim() }));
  });
}

const OPS = documentedCommands(/npm run (deploy|diff|destroy|bootstrap|doctor|status|refresh-staging) +-- [^`\n]*/g);
const concrete = OPS.filter((c) => !/<env>|\[|\\\||\.\.\./.test(c.text.replace(/arn:aws:acm:[^ ]*/g, '')));

test('the docs show operator commands, most of them concrete', () => {
  expect(OPS.length).toBeGreaterThan(15);
  expect(concrete.length).toBeGreaterThan(10);
});

test.each(concrete.map((c) => [c.file, c.text]))('%s: `%s` is accepted and planned', (_file, text) => {
  let filled = text;
  for (const [placeholder, value] of PLACEHOLDERS) filled = filled.replace(placeholder, value);
  const parsed = parseOpsArgs(filled.replace(/^npm run\s+/, '').split(/\s+/).filter((token) => token !== '--'));
  expect(parsed.kind).toBe('run');
  if (parsed.kind !== 'run') return;
  const config = loadEnvironment(parsed.env);
  // What the CLI adds itself: the git checkout's branch and commit (the staging deploy lease) and the clock.
  const fromCli = { branch: 'main', commit: '0123456789abcdef0123456789abcdef01234567', now: '2026-01-05T12:00:00Z' };
  expect(() => plan(parsed.command, config, { ...parsed.options, branch: parsed.options.branch ?? fromCli.branch, commit: parsed.options.commit ?? fromCli.commit, now: fromCli.now, planId: 'r1' }, stackInventory(config))).not.toThrow();
});

const CDK = documentedCommands(/npx cdk (deploy|diff|destroy|synth|ls|list) [^`\n]*/g);

test.each(CDK.map((c) => [c.file, c.text]))('%s: `%s` names only stacks the app defines', (_file, text) => {
  const env = /-c env=(\$ENV|\w+)/.exec(text)?.[1].replace('$ENV', 'staging') ?? 'dev';
  const stacks = stackInventory(loadEnvironment(env)).map((s) => s.stackName);
  const named = text
    .replace(/\$ENV/g, env)
    .split(/\s+/)
    .slice(3)
    .filter((arg, i, all) => !arg.startsWith('-') && !['-c', '-a', '-o', '--change-set-name', '--method', '--require-approval'].includes(all[i - 1]) && /^[A-Za-z][\w-]*$/.test(arg));
  expect(named.filter((name) => !stacks.includes(name))).toEqual([]);
});
