import { Match } from 'aws-cdk-lib/assertions';
import { ENVIRONMENT_NAMES, loadEnvironment } from '../../environments';
import { SERVICE_NAMES, WORKER_NAMES } from '../../lib/contracts';
import { CERTIFICATE_PARAMETER } from '../../lib/services/api-service';
import { PARKED_IMAGE_TAG } from '../../lib/services/rules';
import { stackOf } from '../support/templates';
import { TEST_CERTIFICATE_ARN as CERT, inAccount, synthAccount } from '../support/variants';
import { deployedShape, resourcesOf, type DeployedShape } from './support';

/** The requirements per environment, in one table. */
const EXPECTED = {
  dev: { cpu: '256', memory: '512', workerMin: 0, apiMin: 1, max: 2, retention: 7, insights: 'enabled', waf: false, schedules: true, spot: [{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }], retained: false, lbProtection: 'false', images: 10 },
  staging: { cpu: '512', memory: '1024', workerMin: 1, apiMin: 2, max: 4, retention: 14, insights: 'enabled', waf: false, schedules: false, spot: [{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }], retained: true, lbProtection: 'true', images: 20 },
  // Issue 12: prod workers scale from a floor of 1, every worker task on Spot; standard Container Insights.
  prod: { cpu: '1024', memory: '2048', workerMin: 1, apiMin: 3, max: 6, retention: 30, insights: 'enabled', waf: true, schedules: false, spot: [{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }], retained: true, lbProtection: 'true', images: 50 },
} as const;

const EXEC_ROLE_ACTIONS = [
  'ecr:BatchCheckLayerAvailability',
  'ecr:BatchGetImage',
  'ecr:GetAuthorizationToken',
  'ecr:GetDownloadUrlForLayer',
  'kms:Decrypt',
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  'secretsmanager:DescribeSecret',
  'secretsmanager:GetSecretValue',
];

function serviceNamed(json: DeployedShape['json'], envName: string, service: string) {
  const found = resourcesOf(json, 'AWS::ECS::Service').find(([, r]) => r.Properties.ServiceName === `marin-${envName}-${service}`);
  if (!found) throw new Error(`no ECS service marin-${envName}-${service}`);
  return found;
}

function scalableTargetOf(json: DeployedShape['json'], serviceLogicalId: string) {
  const found = resourcesOf(json, 'AWS::ApplicationAutoScaling::ScalableTarget').find(([, r]) => JSON.stringify(r.Properties.ResourceId).includes(`"${serviceLogicalId}"`));
  if (!found) throw new Error(`no scalable target for ${serviceLogicalId}`);
  return found[1];
}

describe.each(ENVIRONMENT_NAMES)('services in %s (committed config: no image tag, parked)', (envName) => {
  const stack = stackOf(envName, 'services');
  const { template, json } = stack;
  const config = loadEnvironment(envName);
  const expected = EXPECTED[envName];
  const shape = json as unknown as DeployedShape['json'];

  test('the committed config carries no image tag, so the services are parked at 0 tasks and cannot scale', () => {
    expect(config.services.imageTag).toBeUndefined();
    for (const service of SERVICE_NAMES) {
      const [logicalId, resource] = serviceNamed(shape, envName, service);
      expect(resource.Properties.DesiredCount).toBe(0);
      const target = scalableTargetOf(shape, logicalId);
      expect([target.Properties.MinCapacity, target.Properties.MaxCapacity]).toEqual([0, 0]);
      expect(target.Properties.ScheduledActions).toBeUndefined();
    }
    const images = resourcesOf(shape, 'AWS::ECS::TaskDefinition').map(([, r]) => JSON.stringify(r.Properties.ContainerDefinitions[0].Image));
    expect(images).toHaveLength(4);
    for (const image of images) expect(image).toContain(`:${PARKED_IMAGE_TAG}`);
  });

  test(`cluster marin-${envName}-cluster with Container Insights ${expected.insights} and Fargate + Spot providers`, () => {
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterName: `marin-${envName}-cluster`,
      ClusterSettings: [{ Name: 'containerInsights', Value: expected.insights }],
    });
    template.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', { CapacityProviders: ['FARGATE', 'FARGATE_SPOT'] });
  });

  test('one ECR repository per service: scan on push, immutable tags, lifecycle, retained outside dev', () => {
    const repositories = resourcesOf(shape, 'AWS::ECR::Repository');
    expect(repositories.map(([, r]) => r.Properties.RepositoryName).sort()).toEqual(SERVICE_NAMES.map((s) => `marin-${envName}-${s}`).sort());
    for (const [, repository] of repositories) {
      expect(repository.Properties.ImageScanningConfiguration).toEqual({ ScanOnPush: true });
      expect(repository.Properties.ImageTagMutability).toBe('IMMUTABLE');
      // AES-256 is ECR's default: CloudFormation omits the configuration (KMS would show here).
      expect(repository.Properties.EncryptionConfiguration).toBeUndefined();
      const rules = JSON.parse(repository.Properties.LifecyclePolicy.LifecyclePolicyText).rules;
      expect(rules.map((r: any) => r.selection)).toEqual([
        { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 1, countUnit: 'days' },
        { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: expected.images },
      ]);
      expect(repository.DeletionPolicy).toBe(expected.retained ? 'RetainExceptOnCreate' : 'Delete');
      expect(repository.Properties.EmptyOnDelete).toBe(!expected.retained);
    }
  });

  test(`task size ${expected.cpu}/${expected.memory} on ${config.services.cpuArchitecture}, family per service`, () => {
    const definitions = resourcesOf(shape, 'AWS::ECS::TaskDefinition');
    expect(definitions.map(([, r]) => r.Properties.Family).sort()).toEqual(SERVICE_NAMES.map((s) => `marin-${envName}-${s}`).sort());
    for (const [, definition] of definitions) {
      expect(definition.Properties).toMatchObject({
        Cpu: expected.cpu,
        Memory: expected.memory,
        NetworkMode: 'awsvpc',
        RequiresCompatibilities: ['FARGATE'],
        RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      });
    }
  });

  test('task roles are the data stack\'s; the execution role is this stack\'s, per service', () => {
    for (const [, definition] of resourcesOf(shape, 'AWS::ECS::TaskDefinition')) {
      expect(definition.Properties.TaskRoleArn['Fn::GetStackOutput'].StackName).toBe(`marin-${envName}-data`);
      expect(definition.Properties.ExecutionRoleArn['Fn::GetAtt'][1]).toBe('Arn');
    }
    const roles = resourcesOf(shape, 'AWS::IAM::Role');
    expect(roles.map(([, r]) => r.Properties.RoleName).sort()).toEqual(SERVICE_NAMES.map((s) => `marin-${envName}-${s}-exec`).sort());
    for (const [, role] of roles) {
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': inAccount({ Ref: 'AWS::AccountId' }, synthAccount(envName)) } } }]);
      expect(role.Properties.Policies).toBeUndefined();
    }
    expect(resourcesOf(shape, 'AWS::IAM::Policy')).toEqual([]);
  });

  test('execution roles: exactly pull own image, write own log group, read the three secrets; only GetAuthorizationToken on *', () => {
    const policies = resourcesOf(shape, 'AWS::IAM::ManagedPolicy');
    expect(policies).toHaveLength(4);
    for (const [logicalId, policy] of policies) {
      const statements = policy.Properties.PolicyDocument.Statement as Array<{
        Action: string | string[];
        Resource: unknown;
        Condition?: unknown;
      }>;
      const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();
      expect(actions).toEqual(EXEC_ROLE_ACTIONS);
      expect(actions.filter((a) => a.includes('*'))).toEqual([]);
      const wildcard = statements.filter((s) => s.Resource === '*').flatMap((s) => s.Action);
      expect(wildcard).toEqual(['ecr:GetAuthorizationToken']);
      const service = SERVICE_NAMES.find((s) => logicalId.toLowerCase().startsWith(s))!;
      const pull = statements.find((s) => JSON.stringify(s.Action).includes('ecr:BatchGetImage'))!;
      expect(JSON.stringify(pull.Resource)).toMatch(new RegExp(`Cluster${service}Repository`, 'i'));
      const logsStatement = statements.find((s) => JSON.stringify(s.Action).includes('logs:PutLogEvents'))!;
      expect(JSON.stringify(logsStatement.Resource)).toMatch(new RegExp(`"${service}LogGroup`, 'i'));
      const secrets = statements.find((s) => JSON.stringify(s.Action).includes('secretsmanager:GetSecretValue'))!;
      expect(secrets.Resource).toHaveLength(3);
      const decrypt = statements.find((s) => s.Action === 'kms:Decrypt')!;
      expect(decrypt.Condition).toEqual({ StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' } });
    }
  });

  test('every service: private subnets, no public IP, circuit breaker with rollback, shared services security group', () => {
    for (const service of SERVICE_NAMES) {
      const [, resource] = serviceNamed(shape, envName, service);
      const network = resource.Properties.NetworkConfiguration.AwsvpcConfiguration;
      expect(network.AssignPublicIp).toBe('DISABLED');
      expect(network.Subnets).toHaveLength(config.availabilityZones.length);
      for (const subnet of network.Subnets) expect(subnet['Fn::GetStackOutput'].OutputName).toMatch(/privateSubnet/);
      expect(network.SecurityGroups[0]['Fn::GetStackOutput'].StackName).toBe(`marin-${envName}-data`);
      expect(resource.Properties.DeploymentConfiguration).toEqual({
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        MaximumPercent: 200,
        MinimumHealthyPercent: 100,
      });
      expect(resource.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^ClusterCapacityProviders/)]));
    }
  });

  test('api on on-demand Fargate; workers on the configured Spot mix', () => {
    expect(serviceNamed(shape, envName, 'api')[1].Properties.CapacityProviderStrategy).toEqual([{ CapacityProvider: 'FARGATE', Weight: 1 }]);
    for (const worker of WORKER_NAMES) {
      expect(serviceNamed(shape, envName, worker)[1].Properties.CapacityProviderStrategy).toEqual(expected.spot);
    }
  });

  test('containers: names, queue and bucket variables, the three ECS secrets, 120 s stop timeout', () => {
    for (const [, definition] of resourcesOf(shape, 'AWS::ECS::TaskDefinition')) {
      const container = definition.Properties.ContainerDefinitions[0];
      expect(definition.Properties.ContainerDefinitions).toHaveLength(1);
      expect(container.StopTimeout).toBe(120);
      expect(container.Secrets.map((s: any) => s.Name)).toEqual(['MONGODB_URI', 'REDIS_ENDPOINT', 'REDIS_AUTH_TOKEN']);
      const variables = Object.fromEntries(container.Environment.map((e: any) => [e.Name, e.Value]));
      expect(variables.APP_ENV).toBe(envName);
      for (const name of ['RECORDINGS_BUCKET', 'TRANSCRIPTS_BUCKET', 'INGESTION_QUEUE_URL', 'TRANSCRIPTION_QUEUE_URL', 'INDEXING_QUEUE_URL', 'SEARCH_ENDPOINT', 'SEARCH_COLLECTION', 'CACHE_PORT']) {
        expect(variables[name]).toBeDefined();
      }
      if (container.Name === 'api') {
        expect(variables.PORT).toBe(String(config.services.apiContainerPort));
        expect(container.PortMappings).toEqual([{ ContainerPort: config.services.apiContainerPort, Protocol: 'tcp' }]);
      } else {
        expect(JSON.stringify(variables.QUEUE_URL)).toMatch(new RegExp(`Queues${container.Name}Queue`, 'i'));
        expect(container.PortMappings).toBeUndefined();
      }
    }
  });

  test(`containers run as 1000:1000 on a read-only root filesystem, writable /tmp from the task volume only, ${expected.memory} MiB hard limit`, () => {
    const definitions = resourcesOf(shape, 'AWS::ECS::TaskDefinition');
    expect(definitions).toHaveLength(4);
    for (const [, definition] of definitions) {
      const container = definition.Properties.ContainerDefinitions[0];
      expect({
        name: container.Name,
        user: container.User,
        readonly: container.ReadonlyRootFilesystem,
        memory: container.Memory,
        mounts: container.MountPoints,
        volumes: definition.Properties.Volumes,
      }).toEqual({
        name: container.Name,
        user: '1000:1000',
        readonly: true,
        memory: Number(expected.memory),
        mounts: [{ ContainerPath: '/tmp', ReadOnly: false, SourceVolume: 'tmp' }],
        // A bind mount on the task's ephemeral storage: no host path, no EFS/Docker volume.
        volumes: [{ Name: 'tmp' }],
      });
      expect(container.Privileged).toBeUndefined();
    }
  });

  test('the api listens on an unprivileged port (>= 1024), as a non-root process must', () => {
    const api = resourcesOf(shape, 'AWS::ECS::TaskDefinition').map(([, d]) => d.Properties.ContainerDefinitions[0]).find((c) => c.Name === 'api');
    expect(api.PortMappings).toEqual([{ ContainerPort: 8080, Protocol: 'tcp' }]);
  });

  test('no bucket policy in this stack: the access-log bucket\'s policy, ELB delivery included, is the data stack\'s', () => {
    expect(resourcesOf(shape, 'AWS::S3::BucketPolicy')).toEqual([]);
  });

  test(`one KMS-encrypted log group per service (/marin/${envName}/ecs/<service>), ${expected.retention} days; every log group expires`, () => {
    const groups = resourcesOf(shape, 'AWS::Logs::LogGroup');
    for (const service of SERVICE_NAMES) {
      template.hasResource('AWS::Logs::LogGroup', {
        Properties: { LogGroupName: `/marin/${envName}/ecs/${service}`, RetentionInDays: expected.retention, KmsKeyId: Match.anyValue() },
        DeletionPolicy: expected.retained ? 'RetainExceptOnCreate' : 'Delete',
      });
    }
    expect(groups).toHaveLength(expected.waf ? 5 : 4);
  });

  test(`ALB marin-${envName}-api: internet-facing in public subnets, logs, deletion protection ${expected.lbProtection}, invalid headers dropped`, () => {
    const [[, lb]] = resourcesOf(shape, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(lb.Properties.Name).toBe(`marin-${envName}-api`);
    expect(lb.Properties.Scheme).toBe('internet-facing');
    for (const subnet of lb.Properties.Subnets) expect(subnet['Fn::GetStackOutput'].OutputName).toMatch(/publicSubnet/);
    const attributes = Object.fromEntries(lb.Properties.LoadBalancerAttributes.map((a: any) => [a.Key, a.Value]));
    expect(attributes).toMatchObject({
      'deletion_protection.enabled': expected.lbProtection,
      'routing.http.drop_invalid_header_fields.enabled': 'true',
      'routing.http.desync_mitigation_mode': 'defensive',
      'access_logs.s3.enabled': 'true',
      'access_logs.s3.prefix': `alb/marin-${envName}-api`,
    });
    // The literal, deterministic name: reviewers and policy tools resolve it without the data stack's outputs.
    expect(attributes['access_logs.s3.bucket']).toBe(`marin-${envName}-access-logs`);
  });

  test('target group: IP targets on the api port with a health check; name within 32', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Name: `marin-${envName}-api`,
      TargetType: 'ip',
      Protocol: 'HTTP',
      Port: config.services.apiContainerPort,
      HealthCheckPath: config.services.apiHealthCheckPath,
      Matcher: { HttpCode: '200' },
    });
    const [[, api]] = [serviceNamed(shape, envName, 'api')];
    expect(api.Properties.LoadBalancers).toEqual([{ ContainerName: 'api', ContainerPort: config.services.apiContainerPort, TargetGroupArn: Match.anyValue() }].map((l) => ({ ...l, TargetGroupArn: api.Properties.LoadBalancers[0].TargetGroupArn })));
    expect(api.Properties.HealthCheckGracePeriodSeconds).toBe(60);
  });

  test('security groups: ALB -> api task port only; api tasks admit only the ALB', () => {
    const groups = resourcesOf(shape, 'AWS::EC2::SecurityGroup');
    expect(groups).toHaveLength(2);
    const alb = groups.find(([id]) => id.startsWith('ApiLoadBalancerSecurityGroup'))![1];
    const ingressPorts = alb.Properties.SecurityGroupIngress.map((r: any) => `${r.CidrIp}:${r.FromPort}-${r.ToPort}`);
    // dev has no certificate: plain HTTP from its configured CIDR only, never the internet (issue 21).
    expect(ingressPorts).toEqual({ dev: ['203.0.113.0/24:80-80'], staging: ['0.0.0.0/0:443-443'], prod: ['0.0.0.0/0:443-443'] }[envName]);
    // Inline: without an inline egress rule CloudFormation keeps its default allow-all egress, whatever else says.
    expect(resourcesOf(shape, 'AWS::EC2::SecurityGroupEgress')).toEqual([]);
    const egress = alb.Properties.SecurityGroupEgress;
    expect(egress).toEqual([expect.objectContaining({ IpProtocol: 'tcp', FromPort: config.services.apiContainerPort, ToPort: config.services.apiContainerPort })]);
    expect(JSON.stringify(egress[0].DestinationSecurityGroupId)).toContain('ApiTaskSecurityGroup');
    const ingress = resourcesOf(shape, 'AWS::EC2::SecurityGroupIngress').map(([, r]) => r.Properties);
    expect(ingress).toEqual([expect.objectContaining({ IpProtocol: 'tcp', FromPort: config.services.apiContainerPort, ToPort: config.services.apiContainerPort })]);
    expect(JSON.stringify(ingress[0].SourceSecurityGroupId)).toContain('ApiLoadBalancerSecurityGroup');
    expect(JSON.stringify(ingress[0].GroupId)).toContain('ApiTaskSecurityGroup');
  });

  const httpsOnly = envName !== 'dev';
  test(httpsOnly ? `${envName}: HTTPS only; no certificate configured, so the template requires one at deploy` : 'no certificate configured: plain HTTP listener only', () => {
    const listeners = resourcesOf(shape, 'AWS::ElasticLoadBalancingV2::Listener').map(([, r]) => r.Properties);
    expect(config.services.httpsOnly).toBe(httpsOnly);
    if (httpsOnly) {
      expect(listeners.map((l) => [l.Port, l.Protocol])).toEqual([[443, 'HTTPS']]);
      expect(listeners[0].Certificates).toEqual([{ CertificateArn: { Ref: CERTIFICATE_PARAMETER } }]);
      expect(listeners[0].SslPolicy).toMatch(/^ELBSecurityPolicy-TLS13/);
      const parameter = shape.Parameters![CERTIFICATE_PARAMETER] as Record<string, unknown>;
      expect(parameter).toMatchObject({ Type: 'String', AllowedPattern: expect.stringContaining(':acm:') });
      expect(parameter.Default).toBeUndefined();
      const rules = JSON.stringify(shape.Rules);
      expect(rules).toContain(`{"Ref":"${CERTIFICATE_PARAMETER}"}`);
      expect(rules).toContain('-c certificateArn=');
    } else {
      expect(listeners.map((l) => [l.Port, l.Protocol])).toEqual([[80, 'HTTP']]);
      expect(shape.Parameters?.[CERTIFICATE_PARAMETER]).toBeUndefined();
    }
  });

  test(expected.waf ? 'WAF web ACL on the ALB: managed rule groups, rate limit, logging' : 'no WAF', () => {
    if (!expected.waf) {
      for (const type of ['AWS::WAFv2::WebACL', 'AWS::WAFv2::WebACLAssociation', 'AWS::WAFv2::LoggingConfiguration']) template.resourceCountIs(type, 0);
      return;
    }
    const [[, acl]] = resourcesOf(shape, 'AWS::WAFv2::WebACL');
    expect(acl.Properties.Scope).toBe('REGIONAL');
    expect(acl.Properties.DefaultAction).toEqual({ Allow: {} });
    const rules = acl.Properties.Rules.map((r: any) => r.Statement.ManagedRuleGroupStatement?.Name ?? 'rate');
    expect(rules).toEqual(['AWSManagedRulesAmazonIpReputationList', 'AWSManagedRulesKnownBadInputsRuleSet', 'AWSManagedRulesCommonRuleSet', 'rate']);
    const rate = acl.Properties.Rules.find((r: any) => r.Statement.RateBasedStatement);
    expect(rate.Statement.RateBasedStatement).toMatchObject({ Limit: config.services.waf.rateLimitPer5Minutes, AggregateKeyType: 'IP' });
    expect(rate.Action).toEqual({ Block: {} });
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', { ResourceArn: { Ref: Match.stringLikeRegexp('^ApiLoadBalancer') } });
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: `aws-waf-logs-marin-${envName}`, RetentionInDays: expected.retention, KmsKeyId: Match.anyValue() });
    const [[, logging]] = resourcesOf(shape, 'AWS::WAFv2::LoggingConfiguration');
    expect(JSON.stringify(logging.Properties.LogDestinationConfigs)).toContain(`:log-group:aws-waf-logs-marin-${envName}"`);
  });
});

describe.each(ENVIRONMENT_NAMES)('services in %s as deployed (image tag and, outside dev, a certificate)', (envName) => {
  const expected = EXPECTED[envName];
  const config = loadEnvironment(envName);
  let deployed: DeployedShape;
  beforeAll(() => {
    deployed = deployedShape(envName);
  });

  test('zero cdk-nag findings and a clean validation report', () => {
    expect(deployed.findings).toEqual([]);
    expect(deployed.validation).toEqual([]);
  });

  // A DesiredCount would reset an autoscaled service (say 6 tasks at a peak) to it on every deploy.
  test('no DesiredCount once a service runs an image: autoscaling owns the count', () => {
    for (const service of SERVICE_NAMES) {
      const [, resource] = serviceNamed(deployed.json, envName, service);
      expect(resource.Properties).not.toHaveProperty('DesiredCount');
    }
    for (const [, definition] of resourcesOf(deployed.json, 'AWS::ECS::TaskDefinition')) {
      expect(JSON.stringify(definition.Properties.ContainerDefinitions[0].Image)).toContain(':1.4.2');
    }
  });

  test(`capacity: api ${expected.apiMin}-${expected.max}, workers ${expected.workerMin}-${expected.max}`, () => {
    for (const service of SERVICE_NAMES) {
      const [logicalId] = serviceNamed(deployed.json, envName, service);
      const target = scalableTargetOf(deployed.json, logicalId);
      expect([target.Properties.MinCapacity, target.Properties.MaxCapacity]).toEqual([service === 'api' ? expected.apiMin : expected.workerMin, expected.max]);
      expect(target.Properties.RoleARN).toBe(
        `arn:aws:iam::${synthAccount(envName, 'deployed')}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService`,
      );
    }
  });

  test('workers: target tracking on visible messages ÷ running tasks, plus a start-from-zero step policy', () => {
    const policies = resourcesOf(deployed.json, 'AWS::ApplicationAutoScaling::ScalingPolicy').map(([, r]) => r.Properties);
    const backlog = policies.filter((p) => p.PolicyName === 'backlog-per-task');
    expect(backlog).toHaveLength(3);
    for (const policy of backlog) {
      const configuration = policy.TargetTrackingScalingPolicyConfiguration;
      expect(configuration.TargetValue).toBe(config.services.autoscaling.workerBacklogPerTask);
      const metrics = configuration.CustomizedMetricSpecification.Metrics;
      expect(metrics.map((m: any) => m.Expression ?? `${m.MetricStat.Metric.Namespace}/${m.MetricStat.Metric.MetricName}`)).toEqual([
        'AWS/SQS/ApproximateNumberOfMessagesVisible',
        'ECS/ContainerInsights/RunningTaskCount',
        'visible / running',
      ]);
      expect(metrics.map((m: any) => m.ReturnData)).toEqual([false, false, true]);
    }
    const steps = policies.filter((p) => p.PolicyType === 'StepScaling');
    expect(steps).toHaveLength(3);
    for (const step of steps) {
      expect(step.StepScalingPolicyConfiguration).toMatchObject({ AdjustmentType: 'ChangeInCapacity', StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }] });
    }
    const alarms = resourcesOf(deployed.json, 'AWS::CloudWatch::Alarm').map(([, r]) => r.Properties);
    expect(alarms).toHaveLength(3);
    for (const alarm of alarms) {
      expect(alarm.Metrics[0].Expression).toBe('IF(FILL(running, 0) < 1, visible, 0)');
      expect(alarm).toMatchObject({ ComparisonOperator: 'GreaterThanOrEqualToThreshold', Threshold: 1 });
    }
  });

  test('api: target tracking on CPU and ALB requests per target', () => {
    const tracking = resourcesOf(deployed.json, 'AWS::ApplicationAutoScaling::ScalingPolicy')
      .map(([, r]) => r.Properties.TargetTrackingScalingPolicyConfiguration)
      .filter((c) => c?.PredefinedMetricSpecification);
    expect(tracking.map((c) => [c.PredefinedMetricSpecification.PredefinedMetricType, c.TargetValue]).sort()).toEqual([
      ['ALBRequestCountPerTarget', config.services.autoscaling.apiRequestsPerTarget],
      ['ECSServiceAverageCPUUtilization', config.services.autoscaling.apiCpuTargetPercent],
    ]);
  });

  test(expected.schedules ? 'business hours: every service stops at 0 and restarts on weekday mornings in the configured timezone' : '24/7: no scheduled actions', () => {
    const targets = resourcesOf(deployed.json, 'AWS::ApplicationAutoScaling::ScalableTarget');
    expect(targets).toHaveLength(4);
    for (const [logicalId, target] of targets) {
      if (!expected.schedules) {
        expect(target.Properties.ScheduledActions).toBeUndefined();
        continue;
      }
      const min = logicalId.startsWith('ApiScaling') ? expected.apiMin : expected.workerMin;
      const days = config.uptime.weekdays.join(',');
      expect(target.Properties.ScheduledActions).toEqual([
        { ScheduledActionName: 'Start', Schedule: `cron(0 ${config.uptime.startHour} ? * ${days} *)`, Timezone: config.uptime.timezone, ScalableTargetAction: { MinCapacity: min, MaxCapacity: expected.max } },
        { ScheduledActionName: 'Stop', Schedule: `cron(0 ${config.uptime.stopHour} ? * ${days} *)`, Timezone: config.uptime.timezone, ScalableTargetAction: { MinCapacity: 0, MaxCapacity: 0 } },
      ]);
    }
  });

  // HTTPS with the 80 -> 443 redirect (no environment has it): constructs.test.ts.
  test(envName === 'dev' ? 'no certificate: HTTP forward only' : 'certificate from config: HTTPS listener only (HTTPS-only: no port 80 at all), no parameter', () => {
    const listeners = resourcesOf(deployed.json, 'AWS::ElasticLoadBalancingV2::Listener').map(([, r]) => r.Properties);
    const summary = listeners.map((l) => `${l.Port}/${l.Protocol}/${l.DefaultActions[0].Type}`).sort();
    if (envName === 'dev') {
      expect(summary).toEqual(['80/HTTP/forward']);
      return;
    }
    expect(summary).toEqual(['443/HTTPS/forward']);
    const https = listeners.find((l) => l.Port === 443)!;
    expect(https.Certificates).toEqual([{ CertificateArn: CERT }]);
    expect(deployed.json.Parameters?.[CERTIFICATE_PARAMETER]).toBeUndefined();
    const sg = resourcesOf(deployed.json, 'AWS::EC2::SecurityGroup').find(([id]) => id.startsWith('ApiLoadBalancerSecurityGroup'))![1];
    expect(sg.Properties.SecurityGroupIngress.map((r: any) => r.FromPort)).toEqual([443]);
  });
});
