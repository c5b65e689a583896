/** `destroy`: never prod; staging: stateless stacks only; dev: stateless stacks, or all with --all-including-data. */
import { atlasStackName } from '../../lib/handoff';
import type { EnvironmentConfig } from '../../environments';
import { atlasEnv, cdkContext, confirm, guard, RefusalError, requireAccount, requireAtlasAccount, type CommandStep, type OpsOptions, type Plan, type StackInfo, type Step } from './steps';

/**
 * prod: refused. staging: stateless stacks only, never Atlas or stateful stacks. dev: stateless
 * stacks, and with --all-including-data also Atlas and the stateful stacks. Reverse deploy order.
 */
export function planDestroy(config: EnvironmentConfig, options: OpsOptions, stacks: readonly StackInfo[]): Plan {
  if (config.name === 'prod') {
    throw new RefusalError('refusing to destroy prod: production is never torn down by this tool. Remove a prod stack through a reviewed change (CloudFormation console, termination protection off) instead');
  }
  if (options.allIncludingData && !config.disposableData) {
    throw new RefusalError(
      `refusing to destroy stateful stacks or Atlas in ${config.name}: its data is not disposable. \`destroy --env ${config.name}\` without --all-including-data removes the stateless stacks only`,
    );
  }
  requireAccount(config, options, 'destroy');
  if (options.allIncludingData) requireAtlasAccount(config, options, 'destroy');
  const reversed = [...stacks].reverse();
  const stateless = reversed.filter((s) => !s.stateful);
  const stateful = options.allIncludingData ? reversed.filter((s) => s.stateful) : [];
  const targets = [
    ...stateless.map((s) => s.stackName),
    ...(options.allIncludingData ? [atlasStackName(config.name), ...stateful.map((s) => s.stackName)] : []),
  ];
  // Nothing to remove (e.g. no stateless stack exists yet): an empty plan, which the executor reports.
  if (targets.length === 0) return { command: 'destroy', environment: config.name, steps: [] };
  const steps: Step[] = [guard(config, options)];
  if (!options.yes) steps.push(confirm(config, `destroy ${targets.join(', ')}`));

  const cdkDestroy = (group: readonly StackInfo[], label: string): Step[] => [
    ...(config.terminationProtection
      ? group.map((s): CommandStep => ({
        kind: 'command',
        description: `turn off termination protection of ${s.stackName}`,
        changes: true,
        argv: ['aws', 'cloudformation', 'update-termination-protection', '--no-enable-termination-protection', '--stack-name', s.stackName, '--region', config.region],
      }))
      : []),
    {
      kind: 'command',
      description: `destroy ${label} CDK stacks: ${group.map((s) => s.stackName).join(', ')}`,
      changes: true,
      argv: ['npx', 'cdk', 'destroy', ...cdkContext(config, options, false), ...group.map((s) => s.stackName), '--exclusively', '--force'],
    },
  ];

  if (stateless.length > 0) steps.push(...cdkDestroy(stateless, 'stateless'));
  if (options.allIncludingData) {
    steps.push({
      kind: 'command',
      description: `destroy the Atlas stack (CDKTF): ${atlasStackName(config.name)}`,
      changes: true,
      argv: ['npx', 'cdktf', 'destroy', atlasStackName(config.name), '--auto-approve'],
      env: atlasEnv(config, options),
    });
    if (stateful.length > 0) steps.push(...cdkDestroy(stateful, 'stateful'));
  }
  return { command: 'destroy', environment: config.name, steps };
}
