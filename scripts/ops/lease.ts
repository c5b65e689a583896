/**
 * The deploy lease of a shared environment (staging, `deployLease.enabled`): which branch, commit and image tag
 * it holds and until when, in one SSM parameter (`/{project}/{env}/deploy/lease`, JSON) that the operator CLI
 * reads and writes. Pure: the planner turns it into steps; nothing here touches AWS.
 *
 * A deploy reads the lease first. Held by another branch and not expired: refused, naming holder and expiry,
 * unless `--take-over`. Otherwise (free, expired, same branch, or taken over) the deploy writes its own lease
 * (now + deployLease.hours) before it changes anything else. The pipeline uses the same steps.
 */
import type { EnvironmentConfig } from '../../environments';
import { ResourceNames } from '../../lib/naming';
import type { CommandStep, DeriveStep } from './steps';

export interface DeployLease {
  readonly branch: string;
  readonly commit: string;
  /** Image tag of the release. */
  readonly image: string;
  /** ISO 8601 UTC. */
  readonly takenAt: string;
  readonly expiresAt: string;
}

/** What a deploy knows about itself when it asks for the lease. */
export interface LeaseRequest {
  readonly branch: string;
  readonly commit: string;
  readonly imageTag: string;
  /** ISO 8601 UTC: the planner's clock (injected, so the planner stays pure). */
  readonly now: string;
  readonly takeOver: boolean;
}

export function leaseParameterName(config: Pick<EnvironmentConfig, 'project' | 'name'>): string {
  return ResourceNames.of(config).parameterName('deploy/lease');
}

/**
 * Prints the lease's JSON, or `None` when there is none (get-parameters,
 * unlike get-parameter, does not fail on a missing name).
 */
export function readLeaseArgv(config: EnvironmentConfig): string[] {
  return ['aws', 'ssm', 'get-parameters', '--names', leaseParameterName(config), '--region', config.region, '--query', 'Parameters[0].Value', '--output', 'text'];
}

export function writeLeaseArgv(config: EnvironmentConfig, lease: DeployLease): string[] {
  return [
    'aws', 'ssm', 'put-parameter', '--name', leaseParameterName(config), '--type', 'String', '--overwrite',
    '--description', `Deploy lease of ${config.name} (npm run deploy): branch, commit, image tag, expiry`,
    '--value', JSON.stringify(lease), '--region', config.region,
  ];
}

/** The lease in `stdout` of readLeaseArgv, or undefined when there is none. Throws on a value that is not a lease. */
export function parseLease(stdout: string): DeployLease | undefined {
  const text = stdout.trim();
  if (text === '' || text === 'None') return undefined;
  let value: Partial<DeployLease>;
  try {
    value = JSON.parse(text) as Partial<DeployLease>;
  } catch {
    throw new Error(`the deploy lease parameter does not hold JSON: ${text.slice(0, 200)}`);
  }
  for (const field of ['branch', 'commit', 'image', 'takenAt', 'expiresAt'] as const) {
    if (typeof value[field] !== 'string') throw new Error(`the deploy lease parameter has no "${field}": ${text.slice(0, 200)}`);
  }
  return value as DeployLease;
}

export function describeLease(lease: DeployLease): string {
  return `branch ${lease.branch} (commit ${lease.commit.slice(0, 12)}, image ${lease.image}) until ${lease.expiresAt}`;
}

/** Refusal message when `current` keeps `request` out, else undefined (free, expired, same branch, or taken over). */
export function leaseRefusal(
  config: EnvironmentConfig,
  current: DeployLease | undefined,
  request: LeaseRequest,
): string | undefined {
  if (!current || current.branch === request.branch || request.takeOver) return undefined;
  if (Date.parse(current.expiresAt) <= Date.parse(request.now)) return undefined;
  return `${config.name} is leased to ${describeLease(current)}; a deploy of branch ${request.branch} would replace the release someone is testing. Wait for the lease to expire, ask its holder, or pass --take-over to take it`;
}

export function newLease(config: EnvironmentConfig, request: LeaseRequest): DeployLease {
  const expires = new Date(Date.parse(request.now) + config.deployLease.hours * 3_600_000);
  return { branch: request.branch, commit: request.commit, image: request.imageTag, takenAt: request.now, expiresAt: expires.toISOString().replace(/\.\d{3}Z$/, 'Z') };
}

/** A lease another branch holds for a few more hours: the dry run shows the refusal path's input too (tests). */
export const SAMPLE_LEASE_OUTPUT = 'None\n';

/** Read the lease, refuse (throw) or take it: the first changing step of a deploy of a shared environment. */
export function takeLeaseStep(config: EnvironmentConfig, request: LeaseRequest): DeriveStep {
  return {
    kind: 'derive',
    description: `take the ${config.name} deploy lease (${leaseParameterName(config)}) for branch ${request.branch} for ${config.deployLease.hours} h: refused while another branch holds it${request.takeOver ? ' (--take-over: taken regardless)' : ' (unless --take-over)'}`,
    changes: true,
    argv: readLeaseArgv(config),
    sampleOutput: SAMPLE_LEASE_OUTPUT,
    then: (stdout): CommandStep[] => {
      const current = parseLease(stdout);
      const refusal = leaseRefusal(config, current, request);
      if (refusal) throw new Error(refusal);
      const lease = newLease(config, request);
      const previous = current && current.branch !== request.branch ? ` (taking it from ${describeLease(current)})` : '';
      return [{ kind: 'command', description: `record the lease: ${describeLease(lease)}${previous}`, changes: true, argv: writeLeaseArgv(config, lease) }];
    },
  };
}
