/**
 * Parses every workflow in .github/workflows with GitHub's own parser (@actions/workflow-parser, the
 * library behind the Actions language service) and prints, as JSON, per file: the parser's errors (schema,
 * expressions, unknown keys) and the parsed document as plain data (mappings, sequences, literals;
 * expressions as `${{ ... }}`), for the structure tests of test/ci/workflows.test.ts.
 *
 *   npx tsx scripts/ci/parse-workflows.mts [extra file ...]
 *
 * Every workflow of .github/workflows, then each extra file (the tests' broken workflow: one parser process
 * for both, the parser's load being most of its time).
 *
 * The parser is an ES module, so the tests run this file (an .mts: ESM) in a child process (tsx) instead of importing it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertWorkflowTemplate, isBasicExpression, isLiteral, isMapping, isSequence, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';

type Token = Parameters<typeof isMapping>[0];

function plain(token: Token | undefined): unknown {
  if (token === undefined) return undefined;
  if (isMapping(token)) {
    const out: Record<string, unknown> = {};
    for (const pair of token) out[String(plain(pair.key as Token))] = plain(pair.value as Token);
    return out;
  }
  if (isSequence(token)) {
    const out: unknown[] = [];
    for (const item of token) out.push(plain(item as Token));
    return out;
  }
  if (isBasicExpression(token)) return `\${{ ${token.expression} }}`;
  if (isLiteral(token)) return (token as unknown as { value: unknown }).value;
  return token.toString();
}

async function main(): Promise<void> {
  const dir = join(process.cwd(), '.github', 'workflows');
  const files = [...readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(dir, f)), ...process.argv.slice(2)];
  const results = [];
  for (const file of files) {
    const result = parseWorkflow({ name: file, content: readFileSync(file, 'utf8') }, new NoOperationTraceWriter());
    const errors = result.context.errors.getErrors().map((e) => e.message);
    if (result.value !== undefined && errors.length === 0) {
      const template = await convertWorkflowTemplate(result.context, result.value);
      errors.push(...(template.errors ?? []).map((e) => e.Message));
    }
    results.push({ file, errors, document: plain(result.value) });
  }
  process.stdout.write(JSON.stringify(results));
}

await main();
