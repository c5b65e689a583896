import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ResourceNames } from '../../lib/naming';
import { ServiceCluster } from '../../lib/services/cluster';
import { PipelineService, type CapacityMode } from '../../lib/services/pipeline-service';
import { cdkJsonContext } from '../support/cdk-context';

/**
 * PipelineService built alone, for the settings no environment uses: every environment runs ARM64 with its
 * workers on Spot, so X86_64 task definitions and on-demand workers are only synthesized here.
 */
function build(cpuArchitecture: 'ARM64' | 'X86_64', capacity: CapacityMode, onDemandBase: number) {
  const app = new App({ context: cdkJsonContext() });
  const stack = new Stack(app, 'marin-test-services', { env: { account: '123456789012', region: 'us-east-1' } });
  const names = new ResourceNames('marin', 'test');
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['us-east-1a', 'us-east-1b'], natGateways: 0, subnetConfiguration: [{ name: 'private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const cluster = new ServiceCluster(stack, 'Cluster', { names, vpc, services: ['ingestion'], containerInsights: 'enabled', imagesRetained: 10, disposable: true });
  new PipelineService(stack, 'Ingestion', {
    names,
    service: 'ingestion',
    cluster: cluster.cluster,
    capacityProviders: cluster.capacityProviders,
    repository: cluster.repositories.ingestion,
    imageTag: '1.4.2',
    sizing: { taskCpu: 512, taskMemoryMiB: 1024, cpuArchitecture },
    containerUser: '1000:1000',
    capacity,
    onDemandBase,
    taskRole: new iam.Role(stack, 'TaskRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') }),
    subnets: { subnetGroupName: 'private' },
    securityGroups: [new ec2.SecurityGroup(stack, 'Tasks', { vpc })],
    environment: {},
    secrets: {},
    stopTimeoutSeconds: 120,
    logRetentionDays: 7,
    logsKey: new kms.Key(stack, 'LogsKey'),
    disposable: true,
  });
  const json = Template.fromStack(stack).toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, any> }> };
  const only = (type: string) => {
    const found = Object.values(json.Resources).filter((r) => r.Type === type);
    expect(found).toHaveLength(1);
    return found[0].Properties;
  };
  return { taskDefinition: only('AWS::ECS::TaskDefinition'), service: only('AWS::ECS::Service') };
}

test('X86_64 images: the task definition asks for X86_64 Linux', () => {
  expect(build('X86_64', 'spot', 0).taskDefinition.RuntimePlatform).toEqual({ CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' });
  expect(build('ARM64', 'spot', 0).taskDefinition.RuntimePlatform).toEqual({ CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' });
});

test.each([
  ['on-demand worker (workersOnSpot false)', 'on-demand', 0, [{ CapacityProvider: 'FARGATE', Weight: 1 }]],
  ['all Spot', 'spot', 0, [{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }]],
  ['Spot above an on-demand floor of 2', 'spot', 2, [{ CapacityProvider: 'FARGATE', Base: 2, Weight: 0 }, { CapacityProvider: 'FARGATE_SPOT', Weight: 1 }]],
] as const)('capacity: %s', (_label, capacity, base, strategy) => {
  expect(build('ARM64', capacity, base).service.CapacityProviderStrategy).toEqual(strategy);
});

test('an on-demand floor on an on-demand service is refused', () => {
  expect(() => build('ARM64', 'on-demand', 1)).toThrow('marin-test-ingestion: onDemandBase applies to Spot capacity only and cannot be negative, got 1');
});
