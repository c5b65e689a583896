/**
 * What the services' values must be, where AWS or this project's hardening decides it: the one definition the
 * config schema (environments/schema.ts) and the constructs of lib/services/ both apply. No imports: the schema
 * loads it without the constructs.
 */

/**
 * The container user of every task definition here (`services.containerUser`, the constructs' `containerUser`):
 * a numeric `UID:GID`, both at least 1 (never root, never the root group, never a name the image maps to root).
 */
export const NON_ROOT_CONTAINER_USER = /^[1-9]\d{0,9}:[1-9]\d{0,9}$/;

/** The container user of PipelineService and RefreshTask when none is given. */
export const DEFAULT_CONTAINER_USER = '1000:1000';

/** Throws unless `user` is a numeric non-root `UID:GID`; `owner` names the construct in the message. */
export function checkContainerUser(owner: string, user: string): void {
  if (!NON_ROOT_CONTAINER_USER.test(user)) {
    throw new Error(`${owner}: containerUser must be a numeric non-root UID:GID such as 1000:1000, got "${user}"`);
  }
}

/** Seconds between SIGTERM and SIGKILL that Fargate accepts (ECS rejects a stopTimeout outside them at deploy time). */
export const FARGATE_STOP_TIMEOUT_SECONDS = { min: 2, max: 120 } as const;

/** What AWS accepts as an ACM certificate ARN: the parameter's `AllowedPattern`, and the schema's `certificateArn`. */
export const CERTIFICATE_ARN_PATTERN = '^arn:aws[a-z-]*:acm:[a-z0-9-]+:\\d{12}:certificate/[A-Za-z0-9-]+$';

/**
 * Tag of the task definitions while no image has been deployed: never pulled (the service is parked at 0 tasks).
 * Here, not in task-definition.ts, so the services, the refresh task and the tests share it without the constructs.
 */
export const PARKED_IMAGE_TAG = 'not-deployed';
