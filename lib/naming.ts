import type { EnvironmentConfig } from '../environments';

/**
 * AWS name limits of the resource kinds this project names explicitly. The naming test checks
 * every explicit physical name in the synthesized templates against this table.
 */
export const NAME_LIMITS = {
  bucket: { max: 63, pattern: /^[a-z0-9][a-z0-9-]*[a-z0-9]$/ },
  queue: { max: 80, pattern: /^[A-Za-z0-9_-]+$/ },
  role: { max: 64, pattern: /^[\w+=,.@-]+$/ },
  loadBalancer: { max: 32, pattern: /^[A-Za-z0-9-]+$/ },
  targetGroup: { max: 32, pattern: /^[A-Za-z0-9-]+$/ },
  searchCollection: { max: 28, pattern: /^[a-z][a-z0-9-]{2,27}$/ },
  searchPolicy: { max: 32, pattern: /^[a-z][a-z0-9-]{2,31}$/ },
  cacheReplicationGroup: { max: 40, pattern: /^[a-z][a-z0-9-]*$/ },
  generic: { max: 255, pattern: /^[A-Za-z0-9/_.-]+$/ },
} as const;

export type NameKind = keyof typeof NAME_LIMITS;

/**
 * `call-transcription` -> `CallTranscription`: the one PascalCase of the project, for construct ids
 * (logical ids derive from them, so changing it renames resources).
 */
export function pascalCase(value: string): string {
  return value
    .split(/[-_]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** Thrown when a physical name would break an AWS limit; fails synth instead of deploy. */
export class NameTooLongError extends Error {}

/**
 * Produces every physical name: `{project}-{environment}-{resource}` (`marin-prod-call-recordings`),
 * checked against the AWS limit of its kind at synth, so an over-long name never reaches CloudFormation.
 */
export class ResourceNames {
  readonly prefix: string;

  constructor(
    readonly project: string,
    readonly environment: string,
  ) {
    this.prefix = `${project}-${environment}`;
  }

  static of(config: Pick<EnvironmentConfig, 'project' | 'name'>): ResourceNames {
    return new ResourceNames(config.project, config.name);
  }

  /** `{project}-{env}-{resource}`, validated for the given kind. */
  name(resource: string, kind: NameKind = 'generic'): string {
    const value = `${this.prefix}-${resource}`;
    const limit = NAME_LIMITS[kind];
    if (value.length > limit.max) {
      throw new NameTooLongError(`name "${value}" is ${value.length} characters; ${kind} names allow at most ${limit.max}`);
    }
    if (!limit.pattern.test(value)) {
      throw new NameTooLongError(`name "${value}" does not match the ${kind} naming rule ${limit.pattern}`);
    }
    return value;
  }

  /** Secrets Manager name as the seed specifies: `{env}/audio-pipeline/{name}`. */
  secretName(name: string): string {
    return `${this.environment}/audio-pipeline/${name}`;
  }

  /** SSM parameter path for values handed from the CDK app to the Atlas stack and operators. */
  parameterName(name: string): string {
    return `/${this.project}/${this.environment}/${name}`;
  }

  /** CloudFormation stack name. */
  stackName(component: string): string {
    return this.name(component, 'generic');
  }

  /** CloudWatch Logs group of one source: `/{project}/{env}/{source}`, e.g. `/marin/prod/ecs/api`. */
  logGroupName(source: string): string {
    return `/${this.project}/${this.environment}/${source}`;
  }

  /** The WAF log group: WAF delivers only to groups whose name starts with `aws-waf-logs-`. */
  wafLogGroupName(): string {
    return `aws-waf-logs-${this.prefix}`;
  }
}
