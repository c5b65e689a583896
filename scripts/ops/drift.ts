/**
 * `drift`: has anything changed outside the code? Per CDK stack `cdk drift --fail` (CloudFormation drift
 * detection: the drifted resources and properties are printed), and for Atlas `terraform plan
 * -detailed-exitcode` against the live project (exit 2 when the plan is not empty). Changes nothing; any
 * drift fails the plan. Run daily by .github/workflows/drift.yml.
 */
import type { EnvironmentConfig } from '../../environments';
import { atlasStackName } from '../../lib/handoff';
import { atlasEnv, cdkContext, guard, refuseWithoutAccount, type OpsOptions, type Plan, type StackInfo, type Step } from './steps';

export function planDrift(config: EnvironmentConfig, options: OpsOptions, stacks: readonly StackInfo[]): Plan {
  refuseWithoutAccount('drift', config, options);
  const env = atlasEnv(config, options);
  const terraformDir = `cdktf.out/stacks/${atlasStackName(config.name)}`;
  const steps: Step[] = [guard(config, options)];
  if (stacks.length > 0) {
    steps.push({
      kind: 'command',
      description: `drift of ${stacks.map((s) => s.stackName).join(', ')}: CloudFormation drift detection (one synth), fails when a resource drifted`,
      changes: false,
      argv: ['npx', 'cdk', 'drift', ...cdkContext(config, options, false), ...stacks.map((s) => s.stackName), '--fail'],
    });
  }
  steps.push(
    { kind: 'command', description: `synthesize the Atlas stack ${atlasStackName(config.name)} (CDKTF)`, changes: false, argv: ['npx', 'cdktf', 'synth'], env },
    { kind: 'command', description: `terraform init of ${atlasStackName(config.name)}`, changes: false, argv: ['terraform', `-chdir=${terraformDir}`, 'init', '-input=false'], env },
    {
      kind: 'command',
      description: `drift of ${atlasStackName(config.name)}: terraform plan -detailed-exitcode (exit 2: Atlas differs from the code; the plan shows what)`,
      changes: false,
      argv: ['terraform', `-chdir=${terraformDir}`, 'plan', '-input=false', '-lock=false', '-detailed-exitcode'],
      env,
    },
  );
  return { command: 'drift', environment: config.name, steps };
}
