import { CfnResource, CustomResourceProviderBase, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, type IConstruct } from 'constructs';
import { acknowledge, acknowledgeControl, acknowledgeLogGroupControls } from '../core/compliance';
import { ManagedPolicyRole } from '../core/managed-policy-role';
import type { ResourceNames } from '../naming';
import { dataBucketNames } from '../data/data-buckets';

/**
 * The staging-refresh export bucket as the S3 endpoint must see it:
 * written from the source VPC, read from the target's.
 */
export interface RefreshExportAccess {
  /** `{project}-prod-staging-export` (lib/refresh/names.ts). */
  readonly bucketName: string;
  /**
   * `source`: the anonymiser writes it (a bucket of this account); `target`: the loader reads and lists it (the
   * source's account).
   */
  readonly side: 'source' | 'target';
}

export interface NetworkProps {
  /** The environment's naming scheme: VPC name, flow-log group name, descriptions. */
  readonly names: ResourceNames;
  /**
   * The staging-refresh export bucket, admitted by the S3 gateway endpoint on the side that uses it.
   * @default - none: the endpoint admits only this environment's data buckets and ECR's layer bucket
   */
  readonly refreshExport?: RefreshExportAccess;
  /** The AZs of the VPC, given explicitly (never looked up: synth runs offline). */
  readonly availabilityZones: readonly string[];
  /** CIDR of the VPC, e.g. `10.10.0.0/16`; no default, so two VPCs never overlap by accident. */
  readonly vpcCidr: string;
  /**
   * NAT gateways, in the public subnets of the first AZs; at most one per AZ.
   * @default - one per AZ
   */
  readonly natGateways?: number;
  /**
   * Interface endpoints by construct id prefix (`ECR` -> `ECREndpoint`), like ec2.Vpc's `gatewayEndpoints`:
   * private DNS, in the `endpointAzCount` AZs, behind one security group admitting HTTPS from the VPC CIDR.
   * @default - none (and no endpoint security group)
   */
  readonly interfaceEndpoints?: { readonly [id: string]: ec2.IInterfaceVpcEndpointService };
  /**
   * How many AZs (the first ones) the per-AZ-billed private endpoints span: `endpointSubnets`.
   * @default - every AZ of the VPC
   */
  readonly endpointAzCount?: number;
  /**
   * Traffic the VPC flow log records.
   * @default ec2.FlowLogTrafficType.ALL
   */
  readonly flowLogTrafficType?: ec2.FlowLogTrafficType;
  /**
   * Retention of the flow-log group, and of the log group of the default security group's restriction.
   * @default logs.RetentionDays.TWO_YEARS (CloudWatch Logs' own default in CDK)
   */
  readonly flowLogRetention?: logs.RetentionDays;
  /** Key that encrypts the network's log groups. Its policy must let CloudWatch Logs use it. */
  readonly logsKey: kms.IKey;
  /**
   * What happens to the network's log groups when their stack deletes or replaces them.
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
   */
  readonly removalPolicy?: RemovalPolicy;
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
 * Buckets the S3 gateway endpoint admits: the environment's data buckets the tasks read and write, and the
 * AWS-owned bucket ECR keeps image layers in (`prod-<region>-starport-layer-bucket`, named in the ECR guide,
 * "Minimum Amazon S3 bucket permissions for Amazon ECR"). The access-log bucket is not among them: only AWS
 * log delivery writes it, from outside the VPC.
 */
export function s3EndpointBuckets(names: ResourceNames, region: string): { project: string[]; ecrLayers: string } {
  const data = dataBucketNames(names);
  return { project: [data.recordings, data.transcripts], ecrLayers: `prod-${region}-starport-layer-bucket` };
}

/**
 * Construct id of the stack-level singleton provider behind ec2.Vpc's `restrictDefaultSecurityGroup` (CDK's
 * RestrictDefaultSgProvider): an `AWS::Lambda::Function` (`Handler`) and its `AWS::IAM::Role` (`Role`).
 */
const RESTRICT_DEFAULT_SG_PROVIDER_ID = 'Custom::VpcRestrictDefaultSGCustomResourceProvider';

/**
 * The environment's VPC: public, private-with-egress and isolated subnets over explicit AZs,
 * NAT gateways, an S3 gateway endpoint, optional interface endpoints, flow logs
 * to an encrypted log group. The default security group is closed by the template: CDK's
 * `restrictDefaultSecurityGroup` custom resource, whose Lambda logs to an encrypted, expiring group of its own.
 */
export class Network extends Construct {
  readonly vpc: ec2.Vpc;
  readonly flowLogGroup: logs.LogGroup;
  /** The NAT gateways, one per configured gateway (NAT metrics and alarms are dimensioned by their ids). */
  readonly natGateways: readonly ec2.CfnNatGateway[];
  /** Elastic IPs of the NAT gateways: the egress addresses (Atlas M0 access list). */
  readonly natEgressIps: readonly string[];
  /** The S3 gateway endpoint: every S3 request of the region from the VPC goes through it, and its policy. */
  readonly s3Endpoint: ec2.GatewayVpcEndpoint;
  /** Security group of interface endpoints: HTTPS from inside the VPC only. */
  readonly endpointSecurityGroup?: ec2.SecurityGroup;
  /** Private subnets of the per-AZ-billed endpoints: the first `endpointAzCount` AZs. */
  readonly endpointSubnets: ec2.SubnetSelection;
  /** Where the Lambda that closes the default security group logs (see closeDefaultSecurityGroup). */
  readonly restrictDefaultSecurityGroupLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const { names } = props;
    const azCount = props.availabilityZones.length;
    // Before natGateways, whose check would otherwise report the missing AZs as a NAT gateway count.
    if (azCount < 1) throw new Error(`${names.prefix}: availabilityZones must list at least one AZ, got none`);
    const natGateways = props.natGateways ?? azCount;
    const endpointAzCount = props.endpointAzCount ?? azCount;
    // ec2.Vpc would silently create fewer NAT gateways than asked (or none: private subnets with no egress),
    // and the slice below fewer endpoint AZs.
    if (natGateways < 1 || natGateways > azCount) {
      throw new Error(`${names.prefix}: natGateways (${natGateways}) must be 1 to the ${azCount} availabilityZones`);
    }
    if (endpointAzCount < 1 || endpointAzCount > azCount) {
      throw new Error(`${names.prefix}: endpointAzCount (${endpointAzCount}) must be 1 to the ${azCount} availabilityZones`);
    }
    this.endpointSubnets = {
      subnetGroupName: SUBNET_GROUPS.private,
      availabilityZones: props.availabilityZones.slice(0, endpointAzCount),
    };

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      vpcName: names.name('vpc'),
      ipAddresses: ec2.IpAddresses.cidr(props.vpcCidr),
      availabilityZones: [...props.availabilityZones],
      natGateways,
      // CDK's custom resource revokes the default group's rules when the VPC is created (closeDefaultSecurityGroup).
      restrictDefaultSecurityGroup: true,
      subnetConfiguration: [
        // The internet-facing ALB gets its public addresses from ELB, and NAT gateways from their EIPs:
        // nothing launched here needs an auto-assigned public IP.
        { name: SUBNET_GROUPS.public, subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: SUBNET_GROUPS.private, subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
        { name: SUBNET_GROUPS.isolated, subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
    });
    // Free, and keeps recording uploads/downloads off the NAT gateways. Same construct id as the `gatewayEndpoints`
    // prop used (`S3`), so the logical id, and the deployed endpoint, stay.
    this.s3Endpoint = this.vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
    this.restrictS3Endpoint(names, props.refreshExport);

    // ec2.Vpc creates a NAT gateway and its EIP inside each chosen public subnet (children `NATGateway`, `EIP`)
    // and exposes neither: read them here, once, so nobody else walks the construct tree.
    const publicChildren = <T>(id: string, type: new (...args: never[]) => T): T[] =>
      this.vpc.publicSubnets
        .map((subnet) => subnet.node.tryFindChild(id))
        .filter((child): child is T & IConstruct => child instanceof type);
    this.natGateways = publicChildren('NATGateway', ec2.CfnNatGateway);
    this.natEgressIps = publicChildren('EIP', ec2.CfnEIP).map((eip) => eip.attrPublicIp);
    // Not a config rule: it catches a CDK release that renames those children (natGateways would come back empty).
    if (this.natGateways.length !== natGateways) {
      const created = this.natGateways.length;
      throw new Error(`${names.prefix}: the VPC created ${created} NAT gateways, natGateways is ${natGateways}`);
    }

    const logGroupProps = {
      retention: props.flowLogRetention ?? logs.RetentionDays.TWO_YEARS,
      encryptionKey: props.logsKey,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    };
    this.flowLogGroup = new logs.LogGroup(this, 'FlowLogGroup', { logGroupName: names.logGroupName('vpc-flow-logs'), ...logGroupProps });
    this.restrictDefaultSecurityGroupLogGroup = this.closeDefaultSecurityGroup(
      new logs.LogGroup(this, 'RestrictDefaultSecurityGroupLogGroup', { logGroupName: names.logGroupName('restrict-default-security-group'), ...logGroupProps }),
    );
    for (const group of [this.flowLogGroup, this.restrictDefaultSecurityGroupLogGroup]) {
      acknowledgeLogGroupControls(group, props.logsKey);
    }
    const flowLogRole = new ManagedPolicyRole(this, 'FlowLogRole', {
      // Confused-deputy protection, as the VPC guide's flow-log role trust policy shows: only flow logs of this
      // account and region may assume it.
      assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
        ArnLike: { 'aws:SourceArn': Stack.of(this).formatArn({ service: 'ec2', resource: 'vpc-flow-log', resourceName: '*' }) },
      }),
      description: `${names.prefix}: lets VPC Flow Logs write to its log group`,
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup, flowLogRole),
      trafficType: props.flowLogTrafficType ?? ec2.FlowLogTrafficType.ALL,
    });

    const interfaceEndpoints = Object.entries(props.interfaceEndpoints ?? {});
    if (interfaceEndpoints.length > 0) {
      this.endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
        vpc: this.vpc,
        description: `${names.prefix} interface endpoints: HTTPS from inside the VPC`,
        allowAllOutbound: false,
      });
      this.endpointSecurityGroup.addIngressRule(ec2.Peer.ipv4(props.vpcCidr), ec2.Port.tcp(443), 'HTTPS from the VPC');
      for (const [endpointId, service] of interfaceEndpoints) {
        this.addInterfaceEndpoint(endpointId, service, this.endpointSecurityGroup);
      }
    }

    this.acknowledgePublicSubnetRoutes();
    this.acknowledgeExplicitAvailabilityZones();
  }

  /**
   * The VPC's default security group admits all traffic from itself and all egress, and CloudFormation has no
   * resource that removes rules. `restrictDefaultSecurityGroup` (set above) adds CDK's custom resource
   * `Custom::VpcRestrictDefaultSG`: on create its provider Lambda revokes those two default rules (a rule already
   * gone is skipped), on delete it puts them back. The provider is CDK's own code, a stack-level singleton that
   * runs only when CloudFormation creates, updates or deletes that resource (a deploy of this stack), never on
   * traffic. Two things are tightened here, through the provider's public API and two property overrides:
   *
   * - its logs go to `logGroup` (encrypted with the logs key, expiring) through the function's `LoggingConfig`,
   *   instead of an implicit `/aws/lambda/...` group that never expires and is not encrypted;
   * - its role loses the AWS managed AWSLambdaBasicExecutionRole (logs:CreateLogGroup, CreateLogStream and
   *   PutLogEvents on every log group) and may only write streams of that group; it keeps CDK's statement
   *   (authorize and revoke ingress and egress on this VPC's default security group only).
   *
   * The role carries the permissions boundary like every role of the stacks (CDK's aspect matches the
   * `AWS::IAM::Role` type, not the L2 class). cdk-nag 3 evaluates neither resource: its rules match the L1 classes
   * (`lambda.CfnFunction`, `iam.CfnRole`) and the provider creates plain `CfnResource`s, so the tests assert their
   * shape instead (test/network/network.test.ts). Throws if CDK stops creating the provider as described: a
   * silently unclosed group, or a Lambda logging to an unmanaged group, must not pass synth.
   */
  private closeDefaultSecurityGroup(logGroup: logs.LogGroup): logs.LogGroup {
    const restriction = this.vpc.node.tryFindChild('RestrictDefaultSecurityGroupCustomResource');
    const provider = Stack.of(this).node.tryFindChild(RESTRICT_DEFAULT_SG_PROVIDER_ID);
    const handler = provider?.node.tryFindChild('Handler');
    const role = provider?.node.tryFindChild('Role');
    const isA = (construct: IConstruct | undefined, type: string): construct is CfnResource =>
      construct !== undefined && CfnResource.isCfnResource(construct) && construct.cfnResourceType === type;
    if (!restriction || !(provider instanceof CustomResourceProviderBase) || !isA(handler, 'AWS::Lambda::Function') || !isA(role, 'AWS::IAM::Role')) {
      throw new Error(`${this.node.path}: ec2.Vpc no longer creates ${RESTRICT_DEFAULT_SG_PROVIDER_ID} (Handler, Role) for restrictDefaultSecurityGroup; review how the default security group is closed`);
    }
    handler.addPropertyOverride('LoggingConfig', { LogGroup: logGroup.logGroupName });
    acknowledgeControl(
      handler,
      'CT.LAMBDA.PR.3',
      'CDK\'s provider for restrictDefaultSecurityGroup: it runs only when CloudFormation creates, updates or deletes the restriction (a deploy of this stack), and calls only the EC2 API to revoke or restore the default security group\'s two rules of this VPC. Outside the VPC it needs no subnet, NAT route or endpoint; its role may do nothing else, and it logs to its encrypted, expiring group.',
    );
    role.addPropertyDeletionOverride('ManagedPolicyArns');
    provider.addToRolePolicy({ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: logGroup.logGroupArn });
    return logGroup;
  }

  /**
   * The endpoint policy: this environment's data buckets (by their fixed names: the buckets live in the data stack),
   * for principals of this account, and the ECR layer bucket the tasks pull image layers from (read only). Every other
   * bucket of the region, in any account, is refused through the endpoint; the route to S3's prefix list is more
   * specific than the NAT default route, so S3 in this region cannot be reached around it.
   */
  private restrictS3Endpoint(names: ResourceNames, refreshExport?: RefreshExportAccess): void {
    const { region, account } = Stack.of(this);
    const buckets = s3EndpointBuckets(names, region);
    // The anonymiser writes the export from the source VPC: a bucket of this account like the data buckets.
    if (refreshExport?.side === 'source') buckets.project.push(refreshExport.bucketName);
    this.s3Endpoint.addToPolicy(
      new iam.PolicyStatement({
        sid: 'EnvironmentDataBuckets',
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: buckets.project.map((bucket) => `arn:${Stack.of(this).partition}:s3:::${bucket}/*`),
        conditions: { StringEquals: { 'aws:PrincipalAccount': account } },
      }),
    );
    if (refreshExport?.side === 'target') {
      // The loader reads the export from the target VPC; the bucket is in the source's account, so no account
      // condition on the bucket: the caller is still this account's (the loader role), and the bucket policy names
      // that role exactly.
      this.s3Endpoint.addToPolicy(
        new iam.PolicyStatement({
          sid: 'StagingRefreshExportRead',
          principals: [new iam.AnyPrincipal()],
          actions: ['s3:GetObject', 's3:ListBucket'],
          resources: [`arn:${Stack.of(this).partition}:s3:::${refreshExport.bucketName}`, `arn:${Stack.of(this).partition}:s3:::${refreshExport.bucketName}/*`],
          conditions: { StringEquals: { 'aws:PrincipalAccount': account } },
        }),
      );
    }
    this.s3Endpoint.addToPolicy(
      new iam.PolicyStatement({
        sid: 'EcrImageLayers',
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:GetObject'],
        resources: [`arn:${Stack.of(this).partition}:s3:::${buckets.ecrLayers}/*`],
      }),
    );
  }

  /** Subnets the Fargate tasks and interface endpoints use. */
  get privateSubnets(): ec2.SubnetSelection {
    return { subnetGroupName: SUBNET_GROUPS.private };
  }

  /** Subnets with no route out of the VPC (cache). */
  get isolatedSubnets(): ec2.SubnetSelection {
    return { subnetGroupName: SUBNET_GROUPS.isolated };
  }

  private addInterfaceEndpoint(
    id: string,
    service: ec2.IInterfaceVpcEndpointService,
    securityGroup: ec2.ISecurityGroup,
  ): void {
    this.vpc.addInterfaceEndpoint(`${id}Endpoint`, {
      service,
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
