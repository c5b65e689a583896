import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { EnvironmentConfig, InterfaceEndpointService } from '../../environments';
import { acknowledge } from '../core/compliance';
import { ManagedPolicyRole } from '../core/managed-policy-role';
import type { ResourceNames } from '../naming';

export interface NetworkProps {
  readonly names: ResourceNames;
  /** Region and AZs (explicit, never looked up). */
  readonly availabilityZones: readonly string[];
  readonly network: EnvironmentConfig['network'];
  /** Retention of the flow-log group. */
  readonly logRetentionDays: number;
  /** Key that encrypts the flow-log group. Its policy must let CloudWatch Logs use it. */
  readonly logsKey: kms.IKey;
  /** dev: the flow-log group goes with the stack. */
  readonly disposable: boolean;
}

/** Subnet group names, shared with constructs that select subnets. */
export const SUBNET_GROUPS = {
  /** ALB and NAT gateways only. */
  public: 'public',
  /** Fargate tasks, interface endpoints, AOSS endpoint, Atlas PrivateLink endpoint. */
  private: 'private',
  /** Cache: no route out of the VPC at all. */
  isolated: 'isolated',
} as const;

/**
 * The environment's VPC: public, private-with-egress and isolated subnets over explicit AZs,
 * NAT gateways from config, an S3 gateway endpoint, interface endpoints from config, flow logs
 * to an encrypted log group, and a default security group with no rules.
 */
export class Network extends Construct {
  readonly vpc: ec2.Vpc;
  readonly flowLogGroup: logs.LogGroup;
  /** Security group of interface endpoints: HTTPS from inside the VPC only. */
  readonly endpointSecurityGroup?: ec2.SecurityGroup;
  /** Private subnets of the per-AZ-billed endpoints: the first `network.endpointAzCount` AZs. */
  readonly endpointSubnets: ec2.SubnetSelection;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const { names, network } = props;
    this.endpointSubnets = { subnetGroupName: SUBNET_GROUPS.private, availabilityZones: props.availabilityZones.slice(0, network.endpointAzCount) };
    if (network.natGateways > props.availabilityZones.length) {
      throw new Error(`${names.prefix}: network.natGateways (${network.natGateways}) cannot exceed the ${props.availabilityZones.length} availability zones`);
    }

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      vpcName: names.name('vpc'),
      ipAddresses: ec2.IpAddresses.cidr(network.vpcCidr),
      availabilityZones: [...props.availabilityZones],
      natGateways: network.natGateways,
      restrictDefaultSecurityGroup: true,
      subnetConfiguration: [
        // The internet-facing ALB gets its public addresses from ELB, and NAT gateways from their EIPs:
        // nothing launched here needs an auto-assigned public IP.
        { name: SUBNET_GROUPS.public, subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: SUBNET_GROUPS.private, subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
        { name: SUBNET_GROUPS.isolated, subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      gatewayEndpoints: {
        // Free, and keeps recording uploads/downloads off the NAT gateways.
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
      },
    });

    this.flowLogGroup = new logs.LogGroup(this, 'FlowLogGroup', {
      logGroupName: `/${names.project}/${names.environment}/vpc-flow-logs`,
      retention: props.logRetentionDays as logs.RetentionDays,
      encryptionKey: props.logsKey,
      removalPolicy: props.disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    const flowLogRole = new ManagedPolicyRole(this, 'FlowLogRole', {
      assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com'),
      description: `${names.prefix}: lets VPC Flow Logs write to its log group`,
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup, flowLogRole),
      trafficType: ec2.FlowLogTrafficType[network.flowLogTrafficType],
    });

    if (network.interfaceEndpoints.length > 0) {
      this.endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
        vpc: this.vpc,
        description: `${names.prefix} interface endpoints: HTTPS from inside the VPC`,
        allowAllOutbound: false,
      });
      this.endpointSecurityGroup.addIngressRule(ec2.Peer.ipv4(network.vpcCidr), ec2.Port.tcp(443), 'HTTPS from the VPC');
      for (const service of network.interfaceEndpoints) {
        this.addInterfaceEndpoint(service, this.endpointSecurityGroup);
      }
    }

    this.acknowledgePublicSubnetRoutes();
    this.acknowledgeExplicitAvailabilityZones();
  }

  /** Subnets the Fargate tasks and interface endpoints use. */
  get privateSubnets(): ec2.SubnetSelection {
    return { subnetGroupName: SUBNET_GROUPS.private };
  }

  /** Subnets with no route out of the VPC (cache). */
  get isolatedSubnets(): ec2.SubnetSelection {
    return { subnetGroupName: SUBNET_GROUPS.isolated };
  }

  /** Elastic IPs of the NAT gateways: the egress addresses (Atlas M0 access list). */
  get natEgressIps(): string[] {
    return this.vpc.publicSubnets.map((subnet) => (subnet as ec2.PublicSubnet).node.tryFindChild('EIP'))
      .filter((eip): eip is ec2.CfnEIP => eip instanceof ec2.CfnEIP)
      .map((eip) => eip.attrPublicIp);
  }

  private addInterfaceEndpoint(service: InterfaceEndpointService, securityGroup: ec2.ISecurityGroup): void {
    this.vpc.addInterfaceEndpoint(`${service}Endpoint`, {
      service: ec2.InterfaceVpcEndpointAwsService[service],
      subnets: this.endpointSubnets,
      securityGroups: [securityGroup],
      // The endpoint security group already admits HTTPS from the VPC CIDR; no extra token-based rule.
      open: false,
      privateDnsEnabled: true,
    });
  }

  private acknowledgePublicSubnetRoutes(): void {
    for (const subnet of this.vpc.publicSubnets) {
      const route = subnet.node.tryFindChild('DefaultRoute');
      if (!route) continue;
      for (const id of ['HIPAA.Security-VPCNoUnrestrictedRouteToIGW', 'NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW', 'PCI.DSS.321-VPCNoUnrestrictedRouteToIGW']) {
        acknowledge(
          route,
          id,
          'Public subnets hold only the internet-facing ALB and the NAT gateways, which need a 0.0.0.0/0 route to the internet gateway; no task or data store runs in them (tasks and endpoints use private subnets, the cache isolated ones).',
        );
      }
    }
  }

  private acknowledgeExplicitAvailabilityZones(): void {
    for (const subnet of [...this.vpc.publicSubnets, ...this.vpc.privateSubnets, ...this.vpc.isolatedSubnets]) {
      acknowledge(
        subnet.node.defaultChild as ec2.CfnSubnet,
        'CloudFormation-Validate::W3010',
        'AZs are explicit in the environment config by design: synth must run offline without a context lookup, and any distinct us-east-1 AZs serve the VPC.',
      );
    }
  }

  /** The stack's account and region, for key policies and ARNs. */
  get stack(): Stack {
    return Stack.of(this);
  }
}
