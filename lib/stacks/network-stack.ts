import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../environments';
import { EncryptionKey } from '../core/encryption-key';
import { retainedUnlessDisposable } from '../core/removal';
import { PipelineStack } from '../core/pipeline-stack';
import { handoffParameterName } from '../handoff';
import { Network } from '../network/network';
import { refreshNames } from '../refresh/names';

export interface NetworkStackProps {
  readonly config: EnvironmentConfig;
}

/**
 * `{project}-{env}-network`: the VPC and the key that encrypts the environment's log groups.
 * Deployed first; changes here are rare and reviewed (a VPC replacement replaces everything in it).
 */
export class NetworkStack extends PipelineStack {
  readonly network: Network;
  /** Encrypts every CloudWatch log group of the environment. */
  readonly logsKey: EncryptionKey;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, { config: props.config, component: 'network' });
    const { config } = props;

    this.logsKey = new EncryptionKey(this, 'LogsKey', {
      aliasName: this.names.name('logs'),
      description: `${this.names.prefix}: CloudWatch Logs encryption`,
      removalPolicy: retainedUnlessDisposable(config.disposableData),
    });
    this.logsKey.allowCloudWatchLogs(this.region, this.account, this.partition);

    const { network } = config;
    this.network = new Network(this, 'Network', {
      names: this.names,
      availabilityZones: config.availabilityZones,
      vpcCidr: network.vpcCidr,
      natGateways: network.natGateways,
      interfaceEndpoints: Object.fromEntries(
        network.interfaceEndpoints.map((service) => [service, ec2.InterfaceVpcEndpointAwsService[service]]),
      ),
      endpointAzCount: network.endpointAzCount,
      flowLogTrafficType: ec2.FlowLogTrafficType[network.flowLogTrafficType],
      flowLogRetention: config.logRetentionDays,
      logsKey: this.logsKey.key,
      removalPolicy: retainedUnlessDisposable(config.disposableData),
      ...(config.refresh.role !== 'none'
        ? { refreshExport: { bucketName: refreshNames(config.project).exportBucket, side: config.refresh.role } }
        : {}),
    });

    // Handoff to the Atlas stack (PrivateLink endpoint placement and the M0 IP access list).
    new ssm.StringParameter(this, 'VpcIdParameter', {
      parameterName: handoffParameterName(this.names, 'vpcId'),
      stringValue: this.network.vpc.vpcId,
      description: 'VPC of the environment (read by the Atlas stack)',
    });
    new ssm.StringListParameter(this, 'PrivateSubnetIdsParameter', {
      parameterName: handoffParameterName(this.names, 'privateSubnetIds'),
      stringListValue: this.network.vpc.selectSubnets(this.network.privateSubnets).subnetIds,
      description: 'Private subnets for PrivateLink endpoints (read by the Atlas stack)',
    });
    new ssm.StringListParameter(this, 'NatEgressIpsParameter', {
      parameterName: handoffParameterName(this.names, 'natEgressIps'),
      stringListValue: [...this.network.natEgressIps],
      description: 'NAT gateway egress addresses (Atlas IP access list where PrivateLink is not available)',
    });
  }
}
