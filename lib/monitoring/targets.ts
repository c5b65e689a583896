import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type { ServiceName } from '../contracts';

/**
 * What the monitoring stack reads from the services stack: the ECS services and the api's load balancer and target
 * group (cdk-monitoring-constructs' Fargate monitor takes the L2). ServicesStack satisfies it structurally.
 */
export interface MonitoredServices {
  readonly services: Record<ServiceName, { readonly service: ecs.FargateService }>;
  readonly apiLoadBalancer: {
    readonly loadBalancer: elbv2.ApplicationLoadBalancer;
    readonly targetGroup: elbv2.ApplicationTargetGroup;
  };
}
