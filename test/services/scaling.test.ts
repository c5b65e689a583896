import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { ServiceScaling } from '../../lib/services/scaling';

/** One service's scalable target, built alone: the schedules are a property of the construct. */
function scalingOf(configure: (scaling: ServiceScaling) => void) {
  const stack = new Stack(new App(), 'Scaling', { env: { account: '123456789012', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['us-east-1a', 'us-east-1b'], natGateways: 0 });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
  const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Task');
  taskDefinition.addContainer('app', { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:latest') });
  const service = new ecs.FargateService(stack, 'Service', { cluster, taskDefinition });
  configure(new ServiceScaling(stack, 'Scaling', { cluster, service, minCapacity: 1, maxCapacity: 4 }));
  return Template.fromStack(stack).findResources('AWS::ApplicationAutoScaling::ScalableTarget');
}

test('weekend stop (staging option): 0 tasks from Saturday 00:00 to Monday 00:00 in the timezone, usual bounds otherwise', () => {
  const [target] = Object.values(scalingOf((s) => s.weekendStop('America/New_York')));
  expect(target.Properties.ScheduledActions).toEqual([
    { ScheduledActionName: 'Start', Schedule: 'cron(0 0 ? * MON *)', Timezone: 'America/New_York', ScalableTargetAction: { MinCapacity: 1, MaxCapacity: 4 } },
    { ScheduledActionName: 'Stop', Schedule: 'cron(0 0 ? * SAT *)', Timezone: 'America/New_York', ScalableTargetAction: { MinCapacity: 0, MaxCapacity: 0 } },
  ]);
});

test('without a schedule the target has no scheduled actions', () => {
  const [target] = Object.values(scalingOf(() => undefined));
  expect(target.Properties.ScheduledActions).toBeUndefined();
});
