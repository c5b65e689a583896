/**
 * npm run synth [-- --env dev|staging|prod|all]   (default: dev)
 *
 * Synthesizes the CDK app (cdk.out/<env>/) through the CDK CLI, offline (`-c noRelease=true`, and the placeholder
 * account for staging and prod), so the compliance gates and
 * template validation fail the command exactly as they fail `cdk synth`, then the Atlas CDKTF
 * stacks of the same environments (cdktf.out/). No AWS credentials or network needed.
 */
import { resolveEnvironmentNames } from '../environments/names';
import { atlasStackName } from '../lib/handoff';
import { parseArgs, run, runMain } from './lib/cli';

const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`;

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2), { env: 'dev' }, 'npm run synth -- [--env dev|staging|prod|all]');
  const envNames = resolveEnvironmentNames(args.env);
  // Config errors first, here: they name the environment, the
  // field and the allowed values, and no CDK output buries them.
  // The schemas load only now, once the arguments are known good.
  const { loadOfflineEnvironment } = await import('../environments');
  const configs = envNames.map(loadOfflineEnvironment);
  for (const { name: envName, account } of configs) {
    console.log(`cdk: synthesizing ${envName} (four cdk-nag packs, Control Tower controls and template validation)...`);
    const started = Date.now();
    // Offline: no release, and staging/prod with the placeholder account they refuse to synthesize without.
    const context = ['-c', `env=${envName}`, '-c', 'noRelease=true', ...(account ? ['-c', `account=${account}`] : [])];
    const status = run('npx', ['cdk', 'synth', '--quiet', ...context, '-o', `cdk.out/${envName}`]);
    if (status !== 0) {
      // The CDK CLI printed the reason: a construct error, unacknowledged cdk-nag findings or template errors.
      console.error(`error: CDK synth of ${envName} failed (exit ${status}): the reason is printed above`);
      return status;
    }
    console.log(`cdk: synthesized ${envName} into cdk.out/${envName} (${seconds(started)})`);
  }
  // Without a terminal (CI, a log file) the CDKTF CLI would redraw
  // its spinner line by line; CI=1 makes it print plain lines.
  console.log(`cdktf: synthesizing ${envNames.map(atlasStackName).join(', ')}...`);
  const atlas = run('npx', ['cdktf', 'synth'], { ATLAS_ENVIRONMENTS: envNames.join(','), ...(process.stdout.isTTY ? {} : { CI: '1' }) });
  if (atlas !== 0) {
    console.error(`error: Atlas (CDKTF) synth failed (exit ${atlas})`);
    return atlas;
  }
  console.log(`cdktf: synthesized ${envNames.map(atlasStackName).join(', ')} into cdktf.out/stacks`);
  return 0;
}

void runMain(main);
