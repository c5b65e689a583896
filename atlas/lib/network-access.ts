import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { PrivatelinkEndpoint } from '@cdktf/provider-mongodbatlas/lib/privatelink-endpoint';
import { PrivatelinkEndpointService } from '@cdktf/provider-mongodbatlas/lib/privatelink-endpoint-service';
import { ProjectIpAccessList } from '@cdktf/provider-mongodbatlas/lib/project-ip-access-list';
import { Fn, TerraformIterator } from 'cdktf';
import { Construct } from 'constructs';
import type { ResourceNames } from '../../lib/naming';
import type { CdkHandoff } from './cdk-handoff';

/**
 * TCP ports an AWS PrivateLink endpoint to Atlas uses: Atlas maps each cluster node to its own
 * port on the endpoint, from this range ("Port ranges used for private endpoints" in the Atlas
 * documentation). A property of the Atlas service, the same in every environment; the services'
 * security group (CDK) sends to the same range.
 */
import { ATLAS_PRIVATE_ENDPOINT_PORTS } from '../../lib/handoff';
export { ATLAS_PRIVATE_ENDPOINT_PORTS };

export interface AtlasPrivateLinkProps {
  readonly names: ResourceNames;
  readonly handoff: CdkHandoff;
  readonly projectId: string;
  /** Atlas region of the endpoint service (the cluster's region). */
  readonly atlasRegion: string;
  /** AZs the interface endpoint spans (`network.endpointAzCount`): the first N private subnets, one per AZ. */
  readonly endpointAzCount: number;
}

/**
 * Private connectivity for dedicated tiers: the Atlas endpoint service, an AWS interface
 * endpoint in the CDK VPC's private subnets, and the endpoint's own security group, which
 * admits only the services security group on the Atlas endpoint ports and has no egress rule.
 * Traffic never leaves the VPC and the cluster needs no IP access list at all.
 */
export class AtlasPrivateLink extends Construct {
  readonly atlasEndpoint: PrivatelinkEndpoint;
  readonly securityGroup: SecurityGroup;
  readonly vpcEndpoint: VpcEndpoint;
  /** Completes the connection; connection strings list the private endpoint once it exists. */
  readonly endpointService: PrivatelinkEndpointService;

  constructor(scope: Construct, id: string, props: AtlasPrivateLinkProps) {
    super(scope, id);
    const { names, handoff } = props;

    this.atlasEndpoint = new PrivatelinkEndpoint(this, 'atlas-endpoint', {
      projectId: props.projectId,
      providerName: 'AWS',
      region: props.atlasRegion,
    });

    const sgName = names.name('atlas-endpoint');
    this.securityGroup = new SecurityGroup(this, 'security-group', {
      // A prefix, not a fixed name: with create_before_destroy the replacement exists beside the old group.
      namePrefix: `${sgName}-`,
      description: 'MongoDB Atlas PrivateLink endpoint: reachable from the ECS services only',
      vpcId: handoff.vpcId,
      // No egress block: Terraform removes the default allow-all egress rule; the endpoint only answers.
      tags: { Name: sgName },
      lifecycle: { createBeforeDestroy: true },
    });

    new VpcSecurityGroupIngressRule(this, 'from-services', {
      securityGroupId: this.securityGroup.id,
      referencedSecurityGroupId: handoff.servicesSecurityGroupId,
      ipProtocol: 'tcp',
      fromPort: ATLAS_PRIVATE_ENDPOINT_PORTS.from,
      toPort: ATLAS_PRIVATE_ENDPOINT_PORTS.to,
      description: 'MongoDB from the ECS services security group',
      tags: { Name: `${sgName}-from-services` },
    });

    const endpointName = names.name('atlas');
    this.vpcEndpoint = new VpcEndpoint(this, 'vpc-endpoint', {
      vpcId: handoff.vpcId,
      serviceName: this.atlasEndpoint.endpointServiceName,
      vpcEndpointType: 'Interface',
      // One ENI per AZ is billed; N of them survive an AZ loss (the CDK list is ordered by AZ, one subnet each).
      subnetIds: Fn.slice(handoff.privateSubnetIds, 0, props.endpointAzCount),
      securityGroupIds: [this.securityGroup.id],
      // Atlas serves the private hostnames from its own DNS; the endpoint must not claim a private zone.
      privateDnsEnabled: false,
      tags: { Name: endpointName },
    });

    this.endpointService = new PrivatelinkEndpointService(this, 'endpoint-service', {
      projectId: props.projectId,
      privateLinkId: this.atlasEndpoint.privateLinkId,
      endpointServiceId: this.vpcEndpoint.id,
      providerName: 'AWS',
    });
  }
}

export interface NatIpAccessListProps {
  readonly handoff: CdkHandoff;
  readonly projectId: string;
  readonly environment: string;
}

/**
 * Public connectivity for the shared tier (M0 has no PrivateLink): one access-list entry per NAT
 * gateway Elastic IP the CDK network stack publishes, each a single /32 address. Nothing else
 * is admitted; in particular never 0.0.0.0/0.
 */
export class NatIpAccessList extends Construct {
  readonly entries: ProjectIpAccessList;

  constructor(scope: Construct, id: string, props: NatIpAccessListProps) {
    super(scope, id);
    const natIps = TerraformIterator.fromList(props.handoff.natEgressIps);
    this.entries = new ProjectIpAccessList(this, 'nat-egress', {
      forEach: natIps,
      projectId: props.projectId,
      ipAddress: natIps.value,
      comment: `NAT gateway egress of the ${props.environment} VPC (from SSM)`,
    });
  }
}
