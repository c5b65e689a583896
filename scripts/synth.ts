/**
 * npm run synth [-- --env dev|staging|prod|all]   (default: dev)
 *
 * Synthesizes the CDK app (cdk.out/<env>/) through the CDK CLI, so the compliance gates and
 * template validation fail the command exactly as they fail `cdk synth`, then the Atlas CDKTF
 * stacks of the same environments (cdktf.out/). No AWS credentials or network needed.
 */
import { EnvironmentConfigError, resolveEnvironmentNames } from '../environments';
import { atlasStackName } from '../lib/handoff';
import { parseArgs, run } from './lib/cli';

function main(): number {
  const args = parseArgs(process.argv.slice(2), { env: 'dev' }, 'npm run synth -- [--env dev|staging|prod|all]');
  const envNames = resolveEnvironmentNames(args.env);
  for (const envName of envNames) {
    const status = run('npx', ['cdk', 'synth', '--quiet', '-c', `env=${envName}`, '-o', `cdk.out/${envName}`]);
    if (status !== 0) {
      console.error(`error: CDK synth of ${envName} failed (exit ${status}); see the findings above`);
      return status;
    }
    console.log(`cdk: synthesized ${envName} into cdk.out/${envName}`);
  }
  const atlas = run('npx', ['cdktf', 'synth'], { ATLAS_ENVIRONMENTS: envNames.join(',') });
  if (atlas !== 0) {
    console.error(`error: Atlas (CDKTF) synth failed (exit ${atlas})`);
    return atlas;
  }
  console.log(`cdktf: synthesized ${envNames.map(atlasStackName).join(', ')} into cdktf.out/stacks`);
  return 0;
}

try {
  process.exitCode = main();
} catch (error) {
  if (error instanceof EnvironmentConfigError || error instanceof Error) {
    console.error(`error: ${error.message}`);
    process.exitCode = 1;
  }
}
