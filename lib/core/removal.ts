import { RemovalPolicy } from 'aws-cdk-lib';

/**
 * The one place that decides what happens to a stateful resource when its stack deletes or replaces it.
 *
 * - disposable (dev): deleted with the stack.
 * - otherwise: retained on update (replacement) and on stack deletion, but NOT when the stack's first
 *   create rolls back (`DeletionPolicy: RetainExceptOnCreate`). A plain `Retain` would leave the
 *   fixed-name resources of a failed first deploy behind, and the retry would then fail with
 *   "already exists"; a resource that never held data is safe to delete.
 */
export function retainedUnlessDisposable(disposable: boolean): RemovalPolicy {
  return disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;
}

/**
 * The same decision for a resource that can take a final snapshot (an ElastiCache replication group): disposable
 * (dev) deletes it with the stack; otherwise CloudFormation snapshots it before deleting or replacing it.
 */
export function snapshottedUnlessDisposable(disposable: boolean): RemovalPolicy {
  return disposable ? RemovalPolicy.DESTROY : RemovalPolicy.SNAPSHOT;
}
