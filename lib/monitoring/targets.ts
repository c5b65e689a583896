import type { ServiceName } from '../contracts';

/**
 * What the monitoring stack reads from the services stack: only the names CloudWatch metrics are
 * dimensioned by. ServicesStack satisfies it structurally; tests may pass a fake.
 */
export interface MonitoredServices {
  readonly cluster: { readonly cluster: { readonly clusterName: string } };
  readonly services: Record<ServiceName, { readonly service: { readonly serviceName: string } }>;
  readonly apiLoadBalancer: {
    readonly loadBalancer: { readonly loadBalancerFullName: string };
    readonly targetGroup: { readonly targetGroupFullName: string };
  };
}
