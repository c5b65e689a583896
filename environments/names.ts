/**
 * The environment names and the errors of a name that is not one. Kept apart from schema.ts (zod) and the
 * environment files so that a CLI checks its arguments before it loads any schema or CDK module.
 */

/** Names of the environments. Adding one means a file in environments/ and a name here. */
export const ENVIRONMENT_NAMES = ['dev', 'staging', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

/** Thrown for an unknown environment name or an invalid environment file. */
export class EnvironmentConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvironmentConfigError';
  }
}

/** Thrown for a name that is not an environment: a usage error (exit 2), not a bad config (exit 1). */
export class UnknownEnvironmentError extends EnvironmentConfigError {
  constructor(message: string) {
    super(message);
    this.name = 'UnknownEnvironmentError';
  }
}

export function isEnvironmentName(name: string): name is EnvironmentName {
  return (ENVIRONMENT_NAMES as readonly string[]).includes(name);
}

/** `name` as an environment name, or an UnknownEnvironmentError listing the valid ones (and `also`, when given). */
export function environmentName(name: string, also?: string): EnvironmentName {
  if (!isEnvironmentName(name)) {
    const valid = `${ENVIRONMENT_NAMES.join(', ')}${also ? ` (or ${also})` : ''}`;
    throw new UnknownEnvironmentError(`unknown environment "${name}": valid environments are ${valid}`);
  }
  return name;
}

/** Resolves `all` or a comma-separated list of names; fails on the first unknown one. */
export function resolveEnvironmentNames(selection: string): EnvironmentName[] {
  if (selection === 'all') return [...ENVIRONMENT_NAMES];
  return selection.split(',').map((raw) => environmentName(raw.trim(), 'all'));
}

/**
 * Thrown for a missing or unknown deploy input (a context key the app does not read, a staging/prod synth without
 * its account or release): a usage error (exit 2), named so the caller can fix the command line.
 */
export class DeployInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeployInputError';
  }
}

/**
 * The account id offline synth, the cost report and the benchmark name for staging and prod, which refuse to
 * synthesize without one. No one holds credentials for it, so a deploy of such a synth is refused by the CDK CLI.
 */
export const OFFLINE_ACCOUNT = '000000000000';
