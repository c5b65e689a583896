/**
 * CDKTF entry point for the MongoDB Atlas side stacks (`atlas-dev`, `atlas-staging`, `atlas-prod`),
 * and the only place in atlas/ that reads the process environment.
 * ATLAS_ENVIRONMENTS=dev,prod limits which stacks are synthesized (default: all three).
 * ATLAS_ACCOUNT=<12-digit id> is the AWS account of the environment (as `-c account=` for the CDK app): it names
 * the state bucket (`{bucketPrefix}-{account}`), and the AWS provider refuses credentials of any other account.
 * Every deploy sets it (README, "Deploying"); offline synth leaves it unset.
 */
import { resolveEnvironmentNames } from '../environments/names';
import { expectedErrorExitCode } from '../scripts/lib/cli';
import { atlasStackName } from '../lib/handoff';

const account = process.env.ATLAS_ACCOUNT || undefined;
if (account === undefined) {
  // A note, not an error: offline synth (npm run synth, the tests) has no account by design; every deploy
  // sets it (README, "Deploying"), and terraform init stops on the empty bucket name if one forgets.
  process.stdout.write('atlas: note: ATLAS_ACCOUNT is not set: the S3 backend bucket is empty (terraform init will stop). Set ATLAS_ACCOUNT=<12-digit id> to deploy.\n');
}

async function synth(): Promise<void> {
  const envNames = resolveEnvironmentNames(process.env.ATLAS_ENVIRONMENTS ?? 'all');
  // cdktf, the providers and the schemas load only once the names are known good: a typo fails fast.
  const [{ App }, { loadEnvironment }, { AtlasStack }] = await Promise.all([
    import('cdktf'),
    import('../environments'),
    import('./lib/atlas-stack'),
  ]);
  const app = new App();
  for (const envName of envNames) {
    new AtlasStack(app, atlasStackName(envName), { config: loadEnvironment(envName, { account }) });
  }
  app.synth();
}

synth().catch((error: unknown) => {
  // An unknown environment or a bad config value: one line naming it (the CDKTF CLI repeats it), no stack trace.
  const code = expectedErrorExitCode(error);
  if (code === undefined) throw error;
  console.error(`error: ${(error as Error).message} (ATLAS_ENVIRONMENTS=${process.env.ATLAS_ENVIRONMENTS ?? 'all'})`);
  process.exitCode = code;
});
