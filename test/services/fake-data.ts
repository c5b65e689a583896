/**
 * TEST-ONLY stand-in for the data stack: a throwaway stack with real KMS/S3/SQS/IAM/Secrets
 * resources implementing `PipelineData`, so the services stack can be synthesized and nag-checked
 * before (or without) the real data stack. Its own findings are ignored; only `Services/...` counts.
 */
import { App, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as aoss from 'aws-cdk-lib/aws-opensearchserverless';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Template } from 'aws-cdk-lib/assertions';
import type { Construct } from 'constructs';
import { loadEnvironment, type EnvironmentName, type EnvironmentOverrides } from '../../environments';
import { SERVICE_NAMES, WORKER_NAMES, type PipelineData, type ServiceName, type WorkerName, type WorkQueue } from '../../lib/contracts';
import { COMPLIANCE_PACKS } from '../../lib/core/compliance';
import { ManagedPolicyRole } from '../../lib/core/managed-policy-role';
import { PipelineStack } from '../../lib/core/pipeline-stack';
import { applyStandardTags } from '../../lib/core/tagging';
import { NetworkStack } from '../../lib/stacks/network-stack';
import { ServicesStack } from '../../lib/stacks/services-stack';
import { reportOnlyContext } from '../support/cdk-context';

class FakeDataStack extends PipelineStack implements PipelineData {
  readonly dataKey: kms.Key;
  readonly recordingsBucket: s3.Bucket;
  readonly transcriptsBucket: s3.Bucket;
  readonly queues: Record<WorkerName, WorkQueue>;
  readonly taskRoles: Record<ServiceName, iam.IRole>;
  readonly refreshTaskRole?: iam.IRole;
  readonly servicesSecurityGroup: ec2.SecurityGroup;
  readonly secrets: PipelineData['secrets'];
  readonly cache = { port: 6379, replicationGroupId: 'marin-fake-cache', memberIds: ['marin-fake-cache-001'] };
  readonly search: PipelineData['search'];

  constructor(scope: Construct, network: NetworkStack, envName: EnvironmentName, overrides: EnvironmentOverrides) {
    super(scope, `marin-${envName}-data`, { config: loadEnvironment(envName, overrides), component: 'data' });
    this.dataKey = new kms.Key(this, 'Key', { enableKeyRotation: true, removalPolicy: RemovalPolicy.DESTROY });
    this.recordingsBucket = new s3.Bucket(this, 'Recordings', { encryptionKey: this.dataKey, enforceSSL: true, removalPolicy: RemovalPolicy.DESTROY });
    this.transcriptsBucket = new s3.Bucket(this, 'Transcripts', { encryptionKey: this.dataKey, enforceSSL: true, removalPolicy: RemovalPolicy.DESTROY });
    const queues = {} as Record<WorkerName, WorkQueue>;
    for (const worker of WORKER_NAMES) {
      const deadLetterQueue = new sqs.Queue(this, `${worker}Dlq`, { encryptionMasterKey: this.dataKey });
      const queue = new sqs.Queue(this, `${worker}Queue`, { encryptionMasterKey: this.dataKey, deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 3 } });
      queues[worker] = { queue, deadLetterQueue };
    }
    this.queues = queues;
    const roles = {} as Record<ServiceName, iam.IRole>;
    for (const service of SERVICE_NAMES) {
      roles[service] = new ManagedPolicyRole(this, `${service}TaskRole`, {
        roleName: this.names.name(`${service}-task`, 'role'),
        assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      });
    }
    this.taskRoles = roles;
    this.refreshTaskRole = new ManagedPolicyRole(this, 'RefreshTaskRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    this.servicesSecurityGroup = new ec2.SecurityGroup(this, 'ServicesSg', { vpc: network.network.vpc, allowAllOutbound: false, description: 'fake services sg' });
    this.servicesSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS');
    const secret = (id: string) =>
      new secretsmanager.Secret(this, id, { encryptionKey: this.dataKey, removalPolicy: RemovalPolicy.DESTROY });
    this.secrets = { mongodbUri: secret('MongodbUri'), redisEndpoint: secret('RedisEndpoint'), redisAuth: secret('RedisAuth') };
    const collection = new aoss.CfnCollection(this, 'Collection', { name: 'marin-fake-vectors', type: 'VECTORSEARCH' });
    this.search = {
      collection,
      collectionName: collection.name,
      collectionArn: collection.attrArn,
      collectionEndpoint: collection.attrCollectionEndpoint,
    };
  }
}

export interface ServicesSynth {
  readonly stack: ServicesStack;
  readonly template: Template;
  /** Unacknowledged findings under the services stack, as "RuleId at path", all packs. */
  readonly findings: string[];
}

/** Synthesizes network + fake data + services for one environment and returns the services template. */
export function synthServicesWithFakeData(
  envName: EnvironmentName,
  overrides: EnvironmentOverrides = {},
): ServicesSynth {
  const config = loadEnvironment(envName, overrides);
  const app = new App({ context: reportOnlyContext() });
  applyStandardTags(app, config);
  const network = new NetworkStack(app, `marin-${envName}-network`, { config });
  const data = new FakeDataStack(app, network, envName, overrides);
  const stack = new ServicesStack(app, `marin-${envName}-services`, { config, network, data });
  const template = Template.fromStack(stack);
  // The packs run once, over the services stack only (the stand-in is not under test).
  const findings = COMPLIANCE_PACKS.flatMap((pack) =>
    pack
      .create(app)
      .validateScope(stack)
      .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`)),
  );
  return { stack, template, findings };
}
