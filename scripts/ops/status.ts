/**
 * `status`: what an environment runs and who holds it. Reads only: the deploy lease (shared environments),
 * the last staging refresh (staging), and the ECS services' task definitions and task counts.
 */
import { SERVICE_NAMES } from '../../lib/contracts';
import { ResourceNames } from '../../lib/naming';
import { refreshNames, REFRESH_TARGET } from '../../lib/refresh/names';
import type { EnvironmentConfig } from '../../environments';
import { describeLease, leaseParameterName, parseLease, readLeaseArgv } from './lease';
import { guard, type CommandStep, type OpsOptions, type Plan, type Step } from './steps';

/** The lease as one line a person reads: holder and expiry, or free / expired. */
export function leaseReport(config: EnvironmentConfig, now: string): (stdout: string) => string[] {
  return (stdout) => {
    const lease = parseLease(stdout);
    if (!lease) return [`deploy lease of ${config.name}: free (no deploy has taken it)`];
    const expired = Date.parse(lease.expiresAt) <= Date.parse(now);
    return [`deploy lease of ${config.name}: ${expired ? 'expired, was held by' : 'held by'} ${describeLease(lease)} (taken ${lease.takenAt})`];
  };
}

export function planStatus(config: EnvironmentConfig, options: OpsOptions): Plan {
  const names = ResourceNames.of(config);
  const steps: Step[] = [guard(config, options)];
  if (config.deployLease.enabled) {
    steps.push({
      kind: 'command',
      description: `read the deploy lease ${leaseParameterName(config)}: which branch, commit and image tag hold ${config.name}, until when`,
      changes: false,
      argv: readLeaseArgv(config),
      report: leaseReport(config, options.now ?? new Date().toISOString()),
    } satisfies CommandStep);
  }
  if (config.name === REFRESH_TARGET) {
    const parameter = refreshNames(config.project).lastRunParameter;
    steps.push({
      kind: 'command',
      description: `read the record of the last staging refresh (${parameter}): run id, prod data as of, when, by whom`,
      changes: false,
      argv: ['aws', 'ssm', 'get-parameters', '--names', parameter, '--region', config.region, '--query', 'Parameters[0].Value', '--output', 'text'],
      report: (stdout) => [`last staging refresh: ${stdout.trim() === 'None' || stdout.trim() === '' ? 'none recorded' : stdout.trim()}`],
    } satisfies CommandStep);
  }
  steps.push({
    kind: 'command',
    description: `the ECS services of ${config.name}: task definition (image revision), desired and running tasks`,
    changes: false,
    argv: [
      'aws', 'ecs', 'describe-services', '--cluster', names.name('cluster'), '--services', ...SERVICE_NAMES.map((s) => names.name(s)),
      '--region', config.region, '--query', 'services[].[serviceName,taskDefinition,desiredCount,runningCount]', '--output', 'table',
    ],
  });
  return { command: 'status', environment: config.name, steps };
}
