/**
 * npm run deploy:summary -- --bundle <dir>
 *
 * The job summary of a prepare job: what the plan bundle releases (environment, commit, image tag, change set
 * name) and the review verdict of every change set and of the saved Terraform plan, as Markdown.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from '../lib/cli';
import type { DeployBundle } from './steps';

export function bundleSummary(bundle: DeployBundle & { reviews?: Record<string, readonly string[]> }): string {
  const out = [
    `## Prepared deploy of ${bundle.environment}`,
    '',
    `commit \`${bundle.commit ?? '(not recorded)'}\`, image tag \`${bundle.imageTag ?? '(none: services parked)'}\`, change sets \`${bundle.changeSetName}\`, Terraform plan \`${bundle.planFile}\``,
    '',
    'Approve the execute job of this run only if every change below is intended; it executes exactly these change sets and this plan.',
  ];
  for (const [key, lines] of Object.entries(bundle.reviews ?? {})) {
    out.push('', `### ${key}`, '', ...lines.map((line) => `- ${line.replace(/^[^:]+: /, '')}`));
  }
  return out.join('\n');
}

if (require.main === module) {
  const args = parseArgs(process.argv.slice(2), { bundle: '' }, 'npm run deploy:summary -- --bundle <dir>');
  console.log(bundleSummary(JSON.parse(readFileSync(`${args.bundle}/bundle.json`, 'utf8')) as DeployBundle));
}
