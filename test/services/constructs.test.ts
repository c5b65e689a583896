import { App, Duration, RemovalPolicy, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sm from 'aws-cdk-lib/aws-secretsmanager';
import { COMPLIANCE_PACKS } from '../../lib/core/compliance';
import { ResourceNames } from '../../lib/naming';
import { ApiLoadBalancer, CERTIFICATE_PARAMETER, type ApiLoadBalancerProps } from '../../lib/services/api-service';
import { ServiceCluster, type ServiceClusterProps } from '../../lib/services/cluster';
import { PipelineService, type PipelineServiceProps } from '../../lib/services/pipeline-service';
import { RefreshTask } from '../../lib/services/refresh-task';
import { ServiceScaling } from '../../lib/services/scaling';
import { ApiWebAcl } from '../../lib/services/web-acl';
import { cdkJsonContext } from '../support/cdk-context';
import { TEST_CERTIFICATE_ARN as CERT } from '../support/variants';

/**
 * Every construct of lib/services/ built alone in a bare stack from its props: with only the required props
 * (each documented default, in the template), with the settings no environment uses (X86_64, on-demand workers,
 * HTTPS with the 80 -> 443 redirect), and with the props each constructor refuses.
 */

type Resource = {
  Type: string;
  Properties: Record<string, any>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};
type Json = { Resources: Record<string, Resource>; Parameters?: Record<string, any>; Rules?: Record<string, unknown> };

const names = new ResourceNames('marin', 'test');

function bareStack(id = 'marin-test-services') {
  const app = new App({ context: cdkJsonContext() });
  const stack = new Stack(app, id, { env: { account: '123456789012', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    natGateways: 0,
    subnetConfiguration: [
      { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
      { name: 'private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    ],
  });
  return { app, stack, vpc };
}

const jsonOf = (stack: Stack) => Template.fromStack(stack).toJSON() as Json;
const ofType = (json: Json, type: string) => Object.values(json.Resources).filter((r) => r.Type === type);
function only(json: Json, type: string): Resource {
  const found = ofType(json, type);
  expect(found).toHaveLength(1);
  return found[0];
}
/** The removal policy RETAIN_ON_UPDATE_OR_DELETE, as CloudFormation reads it. */
const RETAINED = { DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' };
const removalOf = (r: Resource) => ({ DeletionPolicy: r.DeletionPolicy, UpdateReplacePolicy: r.UpdateReplacePolicy });

describe('ServiceCluster', () => {
  function build(props: Partial<ServiceClusterProps> = {}) {
    const { stack, vpc } = bareStack();
    new ServiceCluster(stack, 'Cluster', { names, vpc, ...props });
    return jsonOf(stack);
  }

  describe('defaults (names and vpc only)', () => {
    const json = build();
    const repositories = ofType(json, 'AWS::ECR::Repository');

    test('one repository per service of SERVICE_NAMES', () => {
      expect(repositories.map((r) => r.Properties.RepositoryName)).toEqual([
        'marin-test-api',
        'marin-test-ingestion',
        'marin-test-transcription',
        'marin-test-indexing',
      ]);
    });

    test('containerInsights: ENABLED', () => {
      expect(only(json, 'AWS::ECS::Cluster').Properties.ClusterSettings).toEqual([
        { Name: 'containerInsights', Value: 'enabled' },
      ]);
    });

    test('imagesRetained: 10 tagged images per repository', () => {
      for (const repository of repositories) {
        const rules = JSON.parse(repository.Properties.LifecyclePolicy.LifecyclePolicyText).rules;
        expect(rules[1]).toEqual({
          rulePriority: 2,
          description: 'Keep the newest 10 images',
          selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 10 },
          action: { type: 'expire' },
        });
      }
    });

    test('removalPolicy: RETAIN_ON_UPDATE_OR_DELETE, images kept with the repository', () => {
      for (const repository of repositories) {
        expect(removalOf(repository)).toEqual(RETAINED);
        expect(repository.Properties.EmptyOnDelete).toBe(false);
      }
    });
  });

  test('removalPolicy DESTROY deletes each repository with its images; ENHANCED insights; the services given', () => {
    const json = build({
      removalPolicy: RemovalPolicy.DESTROY,
      containerInsights: ecs.ContainerInsights.ENHANCED,
      services: ['api'],
    });
    const repository = only(json, 'AWS::ECR::Repository');
    expect(removalOf(repository)).toEqual({ DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    expect(repository.Properties.EmptyOnDelete).toBe(true);
    expect(only(json, 'AWS::ECS::Cluster').Properties.ClusterSettings).toEqual([
      { Name: 'containerInsights', Value: 'enhanced' },
    ]);
  });

  test.each([0, 2.5])(
    'imagesRetained %p is refused (an ECR lifecycle count is a positive integer)',
    (imagesRetained) => {
      expect(() => build({ imagesRetained })).toThrow(
        `marin-test-api: imagesRetained must be a positive integer (an ECR lifecycle count), got ${imagesRetained}`,
      );
    },
  );
});

describe('PipelineService', () => {
  function build(props: Partial<PipelineServiceProps> = {}) {
    const { stack, vpc } = bareStack();
    const cluster = new ServiceCluster(stack, 'Cluster', { names, vpc, services: ['ingestion'] });
    new PipelineService(stack, 'Ingestion', {
      names,
      service: 'ingestion',
      cluster: cluster.cluster,
      capacityProviders: cluster.capacityProviders,
      repository: cluster.repositories.ingestion,
      taskRole: new iam.Role(stack, 'TaskRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') }),
      subnets: { subnetGroupName: 'private' },
      securityGroups: [new ec2.SecurityGroup(stack, 'Tasks', { vpc })],
      logsKey: new kms.Key(stack, 'LogsKey'),
      ...props,
    });
    const json = jsonOf(stack);
    const taskDefinition = only(json, 'AWS::ECS::TaskDefinition').Properties;
    return {
      taskDefinition,
      container: taskDefinition.ContainerDefinitions[0],
      service: only(json, 'AWS::ECS::Service').Properties,
      logGroup: only(json, 'AWS::Logs::LogGroup'),
    };
  }

  describe('defaults (only the required props)', () => {
    const built = build();

    test('cpu 256, memoryLimitMiB 512 (the task and the container hard limit), cpuArchitecture X86_64', () => {
      expect(built.taskDefinition.Cpu).toBe('256');
      expect(built.taskDefinition.Memory).toBe('512');
      expect(built.container.Memory).toBe(512);
      expect(built.taskDefinition.RuntimePlatform).toEqual({
        CpuArchitecture: 'X86_64',
        OperatingSystemFamily: 'LINUX',
      });
    });

    test('no environment, secrets, port mapping or health check grace period', () => {
      expect(built.container.Environment).toBeUndefined();
      expect(built.container.Secrets).toBeUndefined();
      expect(built.container.PortMappings).toBeUndefined();
      expect(built.service.HealthCheckGracePeriodSeconds).toBeUndefined();
    });

    test('log group: logRetention TWO_YEARS (731 days), removalPolicy RETAIN_ON_UPDATE_OR_DELETE', () => {
      expect(built.logGroup.Properties.RetentionInDays).toBe(731);
      expect(removalOf(built.logGroup)).toEqual(RETAINED);
    });
  });

  test.each([
    ['on-demand worker (workersOnSpot false)', 'on-demand', 0, [{ CapacityProvider: 'FARGATE', Weight: 1 }]],
    [
      'Spot above an on-demand floor of 2',
      'spot',
      2,
      [
        { CapacityProvider: 'FARGATE', Base: 2, Weight: 0 },
        { CapacityProvider: 'FARGATE_SPOT', Weight: 1 },
      ],
    ],
  ] as const)('capacity: %s', (_label, capacity, onDemandBase, strategy) => {
    expect(build({ imageTag: '1.4.2', capacity, onDemandBase }).service.CapacityProviderStrategy).toEqual(strategy);
  });

  test('the props given land as given', () => {
    const built = build({
      imageTag: '1.4.2',
      healthCheckGracePeriod: Duration.seconds(60),
      containerPort: 8080,
      stopTimeout: Duration.seconds(30),
      containerUser: '10001:10001',
    });
    expect(built.service.DesiredCount).toBeUndefined();
    expect(built.service.HealthCheckGracePeriodSeconds).toBe(60);
    expect(built.container.PortMappings).toEqual([{ ContainerPort: 8080, Protocol: 'tcp' }]);
    expect(built.container.StopTimeout).toBe(30);
    expect(built.container.User).toBe('10001:10001');
  });

  test('an on-demand floor on an on-demand service is refused', () => {
    expect(() => build({ capacity: 'on-demand', onDemandBase: 1 })).toThrow(
      'marin-test-ingestion: onDemandBase applies to Spot capacity only and cannot be negative, got 1',
    );
    expect(() => build({ capacity: 'spot', onDemandBase: -1 })).toThrow(
      'marin-test-ingestion: onDemandBase applies to Spot capacity only and cannot be negative, got -1',
    );
  });

  test.each([1, 121])('stopTimeout %p s is refused (Fargate allows 2 to 120)', (seconds) => {
    expect(() => build({ stopTimeout: Duration.seconds(seconds) })).toThrow(
      `marin-test-ingestion: stopTimeout must be between 2 and 120 seconds (Fargate limit), got ${seconds}`,
    );
  });

  test('a stopTimeout of no whole seconds is refused, naming the prop', () => {
    expect(() => build({ stopTimeout: Duration.millis(2500) })).toThrow(
      'marin-test-ingestion: stopTimeout must be a whole number of seconds, got 2.5 s',
    );
  });

  test.each(['0:0', '1000:0', 'app', '1000'])(
    'containerUser %p is refused (numeric, non-root UID:GID only)',
    (containerUser) => {
      expect(() => build({ containerUser })).toThrow(
        `marin-test-ingestion: containerUser must be a numeric non-root UID:GID such as 1000:1000, got "${containerUser}"`,
      );
    },
  );
});

describe('RefreshTask', () => {
  function build(props: { containerUser?: string; removalPolicy?: RemovalPolicy } = {}) {
    const { stack } = bareStack();
    new RefreshTask(stack, 'StagingRefreshTask', {
      names,
      side: 'target',
      taskRole: new iam.Role(stack, 'TaskRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') }),
      mongodbUri: new sm.Secret(stack, 'MongodbUri'),
      logsKey: new kms.Key(stack, 'LogsKey'),
      ...props,
    });
    return jsonOf(stack);
  }

  describe('defaults (only the required props)', () => {
    const json = build();
    const taskDefinition = only(json, 'AWS::ECS::TaskDefinition').Properties;
    const container = taskDefinition.ContainerDefinitions[0];

    test('cpu 256, memoryLimitMiB 512, cpuArchitecture X86_64, containerUser 1000:1000, image not-deployed', () => {
      expect([taskDefinition.Cpu, taskDefinition.Memory, container.Memory]).toEqual(['256', '512', 512]);
      expect(taskDefinition.RuntimePlatform).toEqual({ CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' });
      expect(container.User).toBe('1000:1000');
      expect(JSON.stringify(container.Image)).toContain(':not-deployed');
    });

    test('imagesRetained 10; log group TWO_YEARS (731 days); repository and log group RETAIN_ON_UPDATE_OR_DELETE', () => {
      const repository = only(json, 'AWS::ECR::Repository');
      expect(JSON.parse(repository.Properties.LifecyclePolicy.LifecyclePolicyText).rules[1].selection.countNumber).toBe(
        10,
      );
      expect(repository.Properties.EmptyOnDelete).toBe(false);
      const logGroup = only(json, 'AWS::Logs::LogGroup');
      expect(logGroup.Properties.RetentionInDays).toBe(731);
      expect([removalOf(repository), removalOf(logGroup)]).toEqual([RETAINED, RETAINED]);
    });
  });

  test('removalPolicy DESTROY reaches the repository (with its images) and the log group', () => {
    const json = build({ removalPolicy: RemovalPolicy.DESTROY });
    expect(only(json, 'AWS::ECR::Repository').Properties.EmptyOnDelete).toBe(true);
    expect(
      ofType(json, 'AWS::ECR::Repository')
        .concat(ofType(json, 'AWS::Logs::LogGroup'))
        .map((r) => r.DeletionPolicy),
    ).toEqual(['Delete', 'Delete']);
  });

  test('a root container user is refused', () => {
    expect(() => build({ containerUser: '0:0' })).toThrow(
      'marin-test-loader: containerUser must be a numeric non-root UID:GID such as 1000:1000, got "0:0"',
    );
  });
});

/**
 * ApiLoadBalancer in the row of its listener table no environment synthesizes: staging and prod are HTTPS-only
 * and dev has no certificate, so "HTTPS with the 80 -> 443 redirect" is synthesized only here (the other rows,
 * per environment: services.test.ts).
 */
describe('ApiLoadBalancer', () => {
  function build(props: Partial<ApiLoadBalancerProps> = {}) {
    const { app, stack, vpc } = bareStack();
    const lb = new ApiLoadBalancer(stack, 'ApiLoadBalancer', {
      names,
      vpc,
      publicSubnets: { subnetGroupName: 'public' },
      containerPort: 8080,
      accessLogsBucketName: 'marin-test-access-logs',
      accessLogsPrefix: 'alb/marin-test-api',
      ...props,
    });
    return { app, stack, vpc, lb, json: jsonOf(stack) };
  }

  const MODES = [
    {
      mode: 'HTTPS with the 80 -> 443 redirect (certificate, httpsOnly false)',
      httpsOnly: false,
      certificateArn: CERT,
      listeners: ['443/HTTPS/forward', '80/HTTP/redirect'],
      ingressPorts: [443, 80],
      https: true,
      parameter: false,
    },
  ] as const;

  describe.each(MODES)('$mode', (row) => {
    const built = build({
      httpsOnly: row.httpsOnly,
      certificate: row.certificateArn !== undefined ? elbv2.ListenerCertificate.fromArn(row.certificateArn) : undefined,
      plainHttpCidrs: ['198.51.100.0/24'],
    });
    built.lb.acknowledgeConfigDecisions({ webAcl: false });
    const listeners = ofType(built.json, 'AWS::ElasticLoadBalancingV2::Listener').map((r) => r.Properties);

    test(`listeners ${row.listeners.join(', ')}`, () => {
      expect(listeners.map((l) => `${l.Port}/${l.Protocol}/${l.DefaultActions[0].Type}`).sort()).toEqual(
        [...row.listeners].sort(),
      );
      expect(built.lb.https).toBe(row.https);
    });

    // Plain HTTP admits the configured CIDRs only; HTTPS (and its redirect) the internet.
    const source = row.https ? '0.0.0.0/0' : '198.51.100.0/24';
    test(`the load balancer admits ${row.ingressPorts.join(' and ')} from ${source}, nothing else`, () => {
      const group = ofType(built.json, 'AWS::EC2::SecurityGroup').find((g) =>
        String(g.Properties.GroupDescription).includes('api load balancer'),
      );
      expect(group?.Properties.SecurityGroupIngress.map((r: any) => `${r.CidrIp}:${r.FromPort}-${r.ToPort}`)).toEqual(
        row.ingressPorts.map((p) => `${source}:${p}-${p}`),
      );
    });

    test(
      row.https ? 'HTTPS: TLS 1.3 policy and the certificate' : 'no HTTPS listener, no certificate parameter',
      () => {
        const https = listeners.filter((l) => l.Protocol === 'HTTPS');
        expect(https).toHaveLength(row.https ? 1 : 0);
        for (const listener of https) {
          expect(listener.SslPolicy).toMatch(/^ELBSecurityPolicy-TLS13/);
          expect(listener.Certificates).toEqual([
            { CertificateArn: row.parameter ? { Ref: CERTIFICATE_PARAMETER } : CERT },
          ]);
        }
        expect(Object.keys(built.json.Parameters ?? {}).includes(CERTIFICATE_PARAMETER)).toBe(row.parameter);
        expect(JSON.stringify(built.json.Rules ?? {}).includes('-c certificateArn=')).toBe(row.parameter);
      },
    );

    test('port 80, where it exists, redirects to 443 permanently unless no certificate exists', () => {
      const http = listeners.filter((l) => l.Port === 80);
      expect(http).toHaveLength(row.httpsOnly ? 0 : 1);
      const actions = http.map((l) => l.DefaultActions[0]);
      expect(actions).toEqual(
        row.httpsOnly
          ? []
          : [
            row.https
              ? { Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } }
              : expect.objectContaining({ Type: 'forward' }),
          ],
      );
    });

    test('no unacknowledged cdk-nag finding on the load balancer in any pack', () => {
      const findings = COMPLIANCE_PACKS.flatMap((pack) =>
        pack
          .create(built.app)
          .validateScope(built.app)
          .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`)),
      ).filter((f) => f.includes(' at marin-test-services/ApiLoadBalancer/'));
      expect(findings).toEqual([]);
    });
  });

  test('the internet-facing EC23 acknowledgement claims no WAF (the load balancer knows of none)', () => {
    const { lb } = build({ certificate: elbv2.ListenerCertificate.fromArn(CERT) });
    const acknowledged = (lb.securityGroup.node.defaultChild as ec2.CfnSecurityGroup).node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    expect(acknowledged.filter(([id]) => id.endsWith('AwsSolutions-EC23')).map(([, reason]) => reason)).toEqual([
      'Internet-facing api load balancer: clients connect from anywhere, on the listener port only; egress is limited to the api container port.',
    ]);
  });

  test('attach() with a container port other than containerPort is refused, naming both', () => {
    const { stack, vpc, lb } = build();
    const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Task');
    const image = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:latest');
    taskDefinition.addContainer('api', { image, portMappings: [{ containerPort: 8080 }] });
    const service = new ecs.FargateService(stack, 'Service', {
      cluster: new ecs.Cluster(stack, 'Cluster', { vpc }),
      taskDefinition,
      vpcSubnets: { subnetGroupName: 'private' },
      circuitBreaker: { enable: true, rollback: true },
      minHealthyPercent: 100,
    });
    const tasks = new ec2.SecurityGroup(stack, 'Tasks', { vpc });
    expect(() => lb.attach(service, 'api', tasks, 9090)).toThrow(
      'marin-test-services/ApiLoadBalancer: attach() containerPort 9090 differs from containerPort 8080, the target group\'s port',
    );
    expect(() => lb.attach(service, 'api', tasks, 8080)).not.toThrow();
  });

  test('plain HTTP with no CIDR is refused: nobody could reach the api', () => {
    expect(() => build({ httpsOnly: false })).toThrow(
      'marin-test: the api is plain HTTP (no certificate, httpsOnly false) and plainHttpCidrs lists no CIDR; nobody could reach it',
    );
  });
});

describe('ServiceScaling', () => {
  function scalingOf(configure: (scaling: ServiceScaling) => void, bounds = { minCapacity: 1, maxCapacity: 4 }) {
    const { stack, vpc } = bareStack('Scaling');
    const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
    const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Task');
    taskDefinition.addContainer('app', {
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:latest'),
    });
    const service = new ecs.FargateService(stack, 'Service', {
      cluster,
      taskDefinition,
      vpcSubnets: { subnetGroupName: 'private' },
      // As PipelineService sets them: without, CDK reports two warnings on every synth of this stack.
      circuitBreaker: { enable: true, rollback: true },
      minHealthyPercent: 100,
    });
    configure(new ServiceScaling(stack, 'Scaling', { cluster, service, ...bounds }));
    return Template.fromStack(stack).findResources('AWS::ApplicationAutoScaling::ScalableTarget');
  }

  /** The two scheduled actions of a parked schedule: the usual bounds (1-4) at `start`, none at `stop`. */
  const startAndStop = (start: string, stop: string, timezone: string) => [
    { ScheduledActionName: 'Start', Schedule: start, Timezone: timezone, ScalableTargetAction: { MinCapacity: 1, MaxCapacity: 4 } },
    { ScheduledActionName: 'Stop', Schedule: stop, Timezone: timezone, ScalableTargetAction: { MinCapacity: 0, MaxCapacity: 0 } },
  ];

  test('weekend stop (staging option): 0 tasks from Saturday 00:00 to Monday 00:00 in the timezone, usual bounds otherwise', () => {
    const [target] = Object.values(scalingOf((s) => s.weekendStop(TimeZone.AMERICA_NEW_YORK)));
    expect(target.Properties.ScheduledActions).toEqual(startAndStop('cron(0 0 ? * MON *)', 'cron(0 0 ? * SAT *)', 'America/New_York'));
  });

  test.each([
    [3, 2],
    [-1, 2],
  ])('capacity bounds %p..%p are refused', (minCapacity, maxCapacity) => {
    expect(() => scalingOf(() => undefined, { minCapacity, maxCapacity })).toThrow(
      `Scaling/Scaling: minCapacity and maxCapacity must satisfy 0 <= minCapacity <= maxCapacity, got ${minCapacity}..${maxCapacity}`,
    );
  });
});

describe('ApiWebAcl', () => {
  function build(props: { rateLimitPer5Minutes?: number } = {}) {
    const { stack } = bareStack();
    const loadBalancer = elbv2.ApplicationLoadBalancer.fromApplicationLoadBalancerAttributes(stack, 'Lb', {
      loadBalancerArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/marin-test-api/1',
      securityGroupId: 'sg-12345678',
    });
    new ApiWebAcl(stack, 'ApiWebAcl', { names, loadBalancer, logsKey: new kms.Key(stack, 'LogsKey'), ...props });
    return jsonOf(stack);
  }

  test('defaults: rateLimitPer5Minutes 2000; log group TWO_YEARS (731 days), RETAIN_ON_UPDATE_OR_DELETE', () => {
    const json = build();
    const rules = only(json, 'AWS::WAFv2::WebACL').Properties.Rules;
    expect(rules.find((r: any) => r.Name === 'RateLimitPerIp').Statement.RateBasedStatement).toEqual({
      Limit: 2000,
      AggregateKeyType: 'IP',
      EvaluationWindowSec: 300,
    });
    const logGroup = only(json, 'AWS::Logs::LogGroup');
    expect(logGroup.Properties.RetentionInDays).toBe(731);
    expect(removalOf(logGroup)).toEqual(RETAINED);
  });

  test('a rate limit below 10 is refused (the WAF minimum)', () => {
    expect(() => build({ rateLimitPer5Minutes: 5 })).toThrow(
      'marin-test: rateLimitPer5Minutes must be at least 10 (the WAF minimum), got 5',
    );
  });
});
