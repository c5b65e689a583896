import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/**
 * Who may assume an ECS task role: ECS tasks of this account and region only (confused-deputy protection, the
 * trust policy of the ECS guide's "task IAM role"; ECS sends the task ARN as aws:SourceArn, a cluster cannot be named).
 */
export function ecsTaskRolePrincipal(scope: IConstruct): iam.IPrincipal {
  const stack = Stack.of(scope);
  return new iam.ServicePrincipal('ecs-tasks.amazonaws.com').withConditions({
    StringEquals: { 'aws:SourceAccount': stack.account },
    ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'ecs', resource: '*' }) },
  });
}

/**
 * Who may assume an ECS execution role: ECS of this account. aws:SourceArn is documented for task roles only, not
 * for the execution role the agent assumes; a condition on a key the service does not send would stop every task
 * from starting, so it waits for the first dev deploy (README, "Before the first real deploy").
 */
export function ecsExecutionRolePrincipal(scope: IConstruct): iam.IPrincipal {
  return new iam.ServicePrincipal('ecs-tasks.amazonaws.com').withConditions({ StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } });
}
