/**
 * Operator CLI: deploy, diff, destroy and bootstrap one environment, with guard rails.
 *
 *   npm run deploy    -- --env dev --account 123456789012 [--image-tag 1.4.2] [--dry-run] [--yes]
 *   npm run deploy    -- --env prod --account 123456789012 --image-tag 1.4.2 --certificate-arn arn:... \
 *                        --alarm-email oncall@example.com [--allow-replace <logical id>]
 *   npm run diff      -- --env staging --account 123456789012
 *   npm run destroy   -- --env dev [--all-including-data]
 *   npm run bootstrap -- --env prod --account 123456789012
 *
 * Every command takes --help. parse (./args.ts) -> plan (./plan.ts, pure) -> execute (./execute.ts).
 */
import type { EnvironmentConfig } from '../../environments';
import { describeUnexpectedError, endQuietlyOnClosedOutput, expectedErrorExitCode, FAILURE_EXIT_CODE, USAGE_EXIT_CODE } from '../lib/cli';
import { parseOpsArgs, UsageError } from './args';
import type { OpsDeps } from './execute';
import { RefusalError, refuseWithoutAccount, type OpsOptions, type StackInfo } from './steps';

export interface CliDeps extends OpsDeps {
  /** The environment's stacks in deploy order (the real app by default, imported only when asked for). */
  inventory(config: EnvironmentConfig): StackInfo[] | Promise<StackInfo[]>;
  /** Names this run's reviewed artefacts (change sets, plan file); default: the UTC time, `r20260101t120000`. */
  planId?(): string;
  /** Reads and writes the plan bundle's bundle.json (`deploy --execute` / `--prepare-only`). */
  readFile?(path: string): string;
  writeFile?(path: string, text: string): void;
  /** The git checkout's branch and HEAD commit (for the deploy lease); undefined outside a checkout. */
  gitSource?(): Promise<{ branch: string; commit: string } | undefined>;
  /** The clock (ISO 8601 UTC); default: now. */
  now?(): string;
}

/** `r` + UTC date and time: sortable, unique per run, valid in change set and file names. */
export function timePlanId(now: Date = new Date()): string {
  return `r${now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').toLowerCase()}`;
}

/** The config fields a flag of this CLI supplies: a bad value is reported under the flag the operator typed. */
const FIELD_FLAGS: Readonly<Record<string, string>> = {
  account: '--account',
  'services.imageTag': '--image-tag',
  'services.certificateArn': '--certificate-arn',
  'monitoring.alarmEmails': '--alarm-email',
  'refresh.peerAccount': '--refresh-peer-account',
  'refresh.imageTag': '--refresh-image-tag',
};

/** `message` with each `  - <field>: ...` line of a flag-supplied field named as `  - --flag (field): ...`. */
export function nameTheFlags(message: string): string {
  return message.replace(/^( {2}- )([A-Za-z.]+?)((?:\.\d+)?): /gm, (line, indent: string, field: string, index: string) => {
    const flag = FIELD_FLAGS[field];
    return flag ? `${indent}${flag} (${field}${index}): ` : line;
  });
}

/** Returns the exit code: 0 done (or help), 1 refused/failed, USAGE_EXIT_CODE (2) usage error. */
export async function main(argv: readonly string[], deps: CliDeps): Promise<number> {
  let parsed;
  try {
    parsed = parseOpsArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      deps.error(`error: ${error.message}`);
      return USAGE_EXIT_CODE;
    }
    throw error;
  }
  if (parsed.kind === 'help') {
    deps.log(parsed.text);
    return 0;
  }
  try {
    // The schemas load only once the arguments are good, the plan modules once the config is.
    const { loadEnvironment } = await import('../../environments');
    const config = loadEnvironment(parsed.env, {
      account: parsed.options.account,
      imageTag: parsed.options.imageTag,
      certificateArn: parsed.options.certificateArn,
      alarmEmails: parsed.options.alarmEmails,
      refreshPeerAccount: parsed.options.refreshPeerAccount,
      refreshImageTag: parsed.options.refreshImageTag,
    });
    // Before the app is built for the inventory (seconds): the refusals that need no stacks. With --execute
    // the account comes from the bundle, so they wait for the plan.
    if (parsed.options.executePath === undefined) refuseWithoutAccount(parsed.command, config, parsed.options);
    const [{ deployBundle, plan, readDeployBundle }, { executePlan }] = await Promise.all([import('./plan'), import('./execute')]);
    const stacks = parsed.command === 'bootstrap' ? [] : await deps.inventory(config);
    const needsSource = config.deployLease.enabled && (!parsed.options.branch || !parsed.options.commit);
    const source = needsSource ? await deps.gitSource?.() : undefined;
    let options: OpsOptions = {
      ...parsed.options,
      branch: parsed.options.branch ?? source?.branch,
      gitCommit: source?.commit,
      now: deps.now?.() ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      planId: deps.planId?.() ?? timePlanId(),
    };
    const { executePath } = parsed.options;
    if (executePath !== undefined) {
      if (options.prepareOnly) throw new RefusalError('--prepare-only and --execute are the two halves of a deploy: give one');
      if (!deps.readFile) throw new Error('this CLI cannot read files');
      let text: string;
      try {
        text = deps.readFile(`${executePath}/bundle.json`);
      } catch {
        throw new RefusalError(`${executePath}/bundle.json not found: --execute takes the directory the prepare job uploaded (deploy --prepare-only --bundle <dir>)`);
      }
      const bundle = readDeployBundle(text, config, options, stacks);
      options = {
        ...options,
        account: bundle.account,
        imageTag: bundle.imageTag,
        certificateArn: bundle.certificateArn,
        alarmEmails: bundle.alarmEmails,
        planId: bundle.planId,
        commit: bundle.commit,
        allowReplace: bundle.allowReplace ?? [],
        executeBundle: bundle,
      };
    }
    const reviews: Record<string, readonly string[]> = {};
    const built = plan(parsed.command, config, options, stacks);
    const status = await executePlan(built, deps, {
      dryRun: parsed.options.dryRun,
      onReview: (key, review) => (reviews[key] = review.lines),
    });
    if (status === 0 && options.prepareOnly && !parsed.options.dryRun && options.bundle) {
      if (!deps.writeFile) throw new Error('this CLI cannot write files');
      deps.writeFile(`${options.bundle}/bundle.json`, `${JSON.stringify({ ...deployBundle(config, options, stacks), reviews }, null, 2)}\n`);
      deps.log(`plan bundle written: ${options.bundle}/bundle.json (execute it with: npm run deploy -- --env ${config.name} --execute ${options.bundle})`);
    }
    return status;
  } catch (error) {
    // A refusal or a bad config value: 1; an unknown environment: 2 (the one mapping of scripts/lib/cli.ts).
    const code = error instanceof RefusalError ? FAILURE_EXIT_CODE : expectedErrorExitCode(error);
    if (code === undefined) throw error;
    deps.error(`error: ${nameTheFlags((error as Error).message)}`);
    return code;
  }
}

if (require.main === module) {
  endQuietlyOnClosedOutput();
  void (async () => {
    const { gitSource, systemDeps } = await import('./system');
    try {
      const { mkdirSync, readFileSync, writeFileSync } = await import('node:fs');
      const { dirname } = await import('node:path');
      process.exitCode = await main(process.argv.slice(2), {
        ...systemDeps(),
        // The whole CDK app: loaded once the arguments and the config are known good.
        inventory: async (config) => (await import('./inventory')).appStackInventory(config),
        gitSource: () => gitSource(),
        readFile: (path) => readFileSync(path, 'utf8'),
        writeFile: (path, text) => {
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(path, text);
        },
      });
    } catch (error) {
      console.error(describeUnexpectedError(error));
      process.exitCode = 1;
    }
  })();
}
