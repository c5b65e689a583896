import { dev } from './dev';
import { prod } from './prod';
import { EnvironmentConfigError, environmentName, OFFLINE_ACCOUNT, type EnvironmentName } from './names';
import { environmentSchema, type EnvironmentConfig, type EnvironmentInput } from './schema';
import { staging } from './staging';

export * from './names';
export * from './schema';

/** Every environment's declaration. A Record, so forgetting one is a compile error. */
export const ENVIRONMENTS: Record<EnvironmentName, EnvironmentInput> = { dev, staging, prod };

/** Overrides supplied at deploy time (never committed). */
export interface EnvironmentOverrides {
  /** AWS account id of the environment. */
  readonly account?: string;
  /** Image tag to deploy. */
  readonly imageTag?: string;
  /** ACM certificate ARN for the api's HTTPS listener. */
  readonly certificateArn?: string;
  /** Alarm e-mail addresses added to `monitoring.alarmEmails` (deploy-time, so none has to be committed). */
  readonly alarmEmails?: readonly string[];
  /**
   * The staging refresh's other account (prod: the staging account; staging: the prod account), `refresh.peerAccount`.
   */
  readonly refreshPeerAccount?: string;
  /** Image tag of the refresh task (anonymiser in prod, loader in staging), `refresh.imageTag`. */
  readonly refreshImageTag?: string;
}

/**
 * Why a deploy of this environment must not go ahead for want of an alarm destination, or undefined when
 * it may: staging and prod (`monitoring.alarmDestinationRequired`) need at least one address. The monitoring
 * stack then takes an AlarmEmail parameter whose template rule stops any deploy without one.
 * `remedy` names how the caller supplies an address.
 */
export function missingAlarmDestination(config: EnvironmentConfig, remedy = 'Deploy with -c alarmEmails=oncall@example.com[,...]'): string | undefined {
  if (!config.monitoring.alarmDestinationRequired || config.monitoring.alarmEmails.length > 0) return undefined;
  return `${config.name} has no alarm destination: its alarms would reach nobody. ${remedy} or set monitoring.alarmEmails in environments/${config.name}.ts.`;
}

/**
 * Validates an environment declaration. Errors name the environment and every bad field,
 * e.g. `environment "prod" is invalid:\n  - services.taskMemoryMiB: ...`.
 */
export function parseEnvironment(input: unknown, label: string): EnvironmentConfig {
  const result = environmentSchema.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    return `  - ${field}: ${issue.message}`;
  });
  throw new EnvironmentConfigError(`environment "${label}" is invalid:\n${lines.join('\n')}`);
}

/** Loads and validates one environment by name, applying deploy-time overrides. */
export function loadEnvironment(name: string, overrides: EnvironmentOverrides = {}): EnvironmentConfig {
  const declared = ENVIRONMENTS[environmentName(name)];
  if (declared.refresh.role === 'none' && (overrides.refreshPeerAccount !== undefined || overrides.refreshImageTag !== undefined)) {
    throw new EnvironmentConfigError(`environment "${name}" has no staging refresh task (refresh.role: none): drop -c refreshPeerAccount= / -c refreshImageTag=`);
  }
  const merged: EnvironmentInput = {
    ...declared,
    ...(overrides.account !== undefined ? { account: overrides.account } : {}),
    monitoring: {
      ...declared.monitoring,
      ...(overrides.alarmEmails !== undefined
        ? { alarmEmails: [...new Set([...declared.monitoring.alarmEmails, ...overrides.alarmEmails])] }
        : {}),
    },
    refresh: {
      ...declared.refresh,
      ...(overrides.refreshPeerAccount !== undefined ? { peerAccount: overrides.refreshPeerAccount } : {}),
      ...(overrides.refreshImageTag !== undefined ? { imageTag: overrides.refreshImageTag } : {}),
    } as EnvironmentInput['refresh'],
    services: {
      ...declared.services,
      ...(overrides.imageTag !== undefined ? { imageTag: overrides.imageTag } : {}),
      ...(overrides.certificateArn !== undefined ? { certificateArn: overrides.certificateArn } : {}),
    },
  };
  const config = parseEnvironment(merged, name);
  if (config.name !== name) {
    throw new EnvironmentConfigError(`environment "${name}" is invalid:\n  - name: is "${config.name}", must match its file name "${name}"`);
  }
  return config;
}

/**
 * An environment as the offline tools synthesize it (`npm run synth`, the cost report, the diagram): with the
 * placeholder account where the environment refuses to synthesize without one (staging, prod). Synthesize it with
 * `noRelease: true`: offline there is no release.
 */
export function loadOfflineEnvironment(name: string): EnvironmentConfig {
  const config = loadEnvironment(name);
  return config.disposableData ? config : loadEnvironment(name, { account: OFFLINE_ACCOUNT });
}
