/**
 * The container user of every task definition here: a numeric `UID:GID`, both at least 1 (never root, never the
 * root group, never a name the image could map to root). The one definition: the config schema
 * (`services.containerUser`) and the constructs (`containerUser`) both test it.
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
