/**
 * npm run diff:offline -- --base-assembly <dir> [--assembly cdk.out] [--env all|dev,staging,prod]
 *                          [--accept-from <git ref>]
 *
 * The replacement report: compares two cloud assemblies laid out as `npm run synth -- --env all` writes them
 * (`<dir>/<env>/manifest.json`), the base and this commit's, and prints per environment each resource a deploy
 * would replace or delete (`@aws-cdk/cloudformation-diff`, the library behind `cdk diff`). Exit 1 when a stateful
 * resource or a fixed-name one (keeping its name) would be replaced; exit 0 otherwise; exit 2 on a usage error or
 * a missing assembly. It synthesizes nothing: the caller synthesizes the base in a worktree of its own (.ci/run,
 * .github/workflows/pull-request.yml).
 *
 * A replacement that is known and wanted is accepted by a trailer on a commit in `<git ref>..HEAD`, one per
 * resource, naming it exactly as printed:
 *   Replacement-Accepted: marin-prod-data/SearchCollectionE9B440CC: not deployed anywhere yet
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resolveEnvironmentNames } from '../../environments/names';
import { readArgs, USAGE_EXIT_CODE, UsageError } from '../lib/cli';
import { destructiveChanges, formatChange, isDangerous, type CfnTemplate } from './replacements';

const USAGE = 'npm run diff:offline -- --base-assembly <dir> [--assembly cdk.out] [--env all|dev,staging,prod] [--accept-from <git ref>]';

export interface DiffOutput {
  log(text: string): void;
  error(text: string): void;
}

/** Stack name -> template of the cloud assembly `dir` (matched by the CloudFormation stack name a deploy updates). */
function templatesOf(dir: string): Map<string, CfnTemplate> {
  const manifestFile = join(dir, 'manifest.json');
  if (!existsSync(manifestFile)) throw new UsageError(`${manifestFile} does not exist: synthesize it with \`npm run synth -- --env all\``);
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as {
    artifacts: Record<string, { type: string; properties?: { templateFile?: string; stackName?: string } }>;
  };
  const templates = new Map<string, CfnTemplate>();
  for (const [id, artifact] of Object.entries(manifest.artifacts)) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    templates.set(artifact.properties?.stackName ?? id, JSON.parse(readFileSync(join(dir, artifact.properties!.templateFile!), 'utf8')) as CfnTemplate);
  }
  return templates;
}

/** `<stack>/<logicalId>` -> reason, from the Replacement-Accepted trailers of the commits `<ref>..HEAD` in `cwd`. */
function acceptedReplacements(ref: string, cwd: string): Map<string, string> {
  const log = spawnSync('git', ['log', '--format=%(trailers:key=Replacement-Accepted,valueonly)', `${ref}..HEAD`], { cwd, encoding: 'utf8' });
  if (log.status !== 0) throw new UsageError(`--accept-from ${ref}: git log failed: ${log.stderr.trim()}`);
  const accepted = new Map<string, string>();
  for (const match of log.stdout.matchAll(/^\s*([^\s/]+\/[^\s:]+):\s*(.+)$/gm)) accepted.set(match[1], match[2].trim());
  return accepted;
}

/**
 * The CLI; returns the exit code. `cwd` resolves the directories and runs git.
 */
export function main(argv: readonly string[], out: DiffOutput = console, cwd: string = process.cwd()): number {
  try {
    const args = readArgs([...argv], { 'base-assembly': '', assembly: 'cdk.out', env: 'all', 'accept-from': '' }, USAGE);
    if (args === 'help') {
      out.log(`usage: ${USAGE}`);
      return 0;
    }
    if (args['base-assembly'] === '') throw new UsageError(`--base-assembly <dir> is required\nusage: ${USAGE}`);
    const accepted = args['accept-from'] === '' ? new Map<string, string>() : acceptedReplacements(args['accept-from'], cwd);
    let dangerous = 0;
    for (const envName of resolveEnvironmentNames(args.env)) {
      const before = templatesOf(resolve(cwd, args['base-assembly'], envName));
      const after = templatesOf(resolve(cwd, args.assembly, envName));
      const changes = [...before].flatMap(([stack, template]) => {
        const updated = after.get(stack);
        return updated ? destructiveChanges(stack, template, updated) : [];
      });
      out.log(`\n${envName}: ${changes.length === 0 ? 'nothing replaced or deleted' : `${changes.length} resource(s) replaced or deleted`}`);
      for (const change of changes) {
        const reason = accepted.get(`${change.stack}/${change.logicalId}`);
        const mark = !isDangerous(change) ? '  ' : reason !== undefined ? 'ok' : '!!';
        out.log(`  ${mark} ${formatChange(change)}${mark === 'ok' ? ` -- accepted: ${reason}` : ''}`);
        if (mark === '!!') dangerous++;
      }
      // A stack no longer synthesized is left alone by a deploy; deleting it is a separate decision.
      for (const stack of before.keys()) if (!after.has(stack)) out.log(`     stack ${stack} is no longer synthesized`);
      for (const stack of after.keys()) if (!before.has(stack)) out.log(`     new stack ${stack}`);
    }
    if (dangerous > 0) {
      out.error(
        `\nerror: ${dangerous} stateful or fixed-name replacement(s) (!!): the deploy would lose data or fail with "already exists". ` +
          'See docs/runbook.md, "Creation-time settings"; a wanted one is accepted with a "Replacement-Accepted: <stack>/<logicalId>: <reason>" commit trailer.',
      );
      return 1;
    }
    out.log('\nno stateful or fixed-name resource would be replaced');
    return 0;
  } catch (error) {
    out.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    return USAGE_EXIT_CODE;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
