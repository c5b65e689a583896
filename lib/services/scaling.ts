import { Duration, Stack, TimeZone } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface ServiceScalingProps {
  /** Cluster of the service (its name is part of the scalable target's resource id). */
  readonly cluster: ecs.ICluster;
  /** The service whose desired count is scaled. */
  readonly service: ecs.FargateService;
  /** Lowest task count while the environment is up (parked services use 0). */
  readonly minCapacity: number;
  /** Highest task count (parked services use 0). */
  readonly maxCapacity: number;
}

/** How long a scaling policy waits after it scaled before it scales again. */
export interface Cooldowns {
  /** After a scale-out, before another one. */
  readonly scaleOutCooldown: Duration;
  /** After a scale-in, before another one (longer: removing tasks is the riskier move). */
  readonly scaleInCooldown: Duration;
}

/** Days of the week, as Application Auto Scaling's cron takes them. */
export type Weekday = 'MON' | 'TUE' | 'WED' | 'THU' | 'FRI' | 'SAT' | 'SUN';

/** When a business-hours service runs: from `startHour` to `stopHour` on `weekdays`, in `timeZone`. */
export interface BusinessHours {
  /** Time zone of the hours (DST-aware). */
  readonly timeZone: TimeZone;
  /** Hour (0-23) the usual bounds come back. */
  readonly startHour: number;
  /** Hour (0-23) the service is pinned to 0 tasks. */
  readonly stopHour: number;
  /** Days both schedules fire on. */
  readonly weekdays: readonly Weekday[];
}

/**
 * The scalable target of one ECS service (desired count between min and max) and the policies
 * and schedules attached to it.
 */
export class ServiceScaling extends Construct {
  readonly target: appscaling.ScalableTarget;
  private readonly props: ServiceScalingProps;

  constructor(scope: Construct, id: string, props: ServiceScalingProps) {
    super(scope, id);
    if (props.minCapacity < 0 || props.minCapacity > props.maxCapacity) {
      throw new Error(`${this.node.path}: minCapacity and maxCapacity must satisfy 0 <= minCapacity <= maxCapacity, got ${props.minCapacity}..${props.maxCapacity}`);
    }
    this.props = props;
    this.target = new appscaling.ScalableTarget(this, 'Target', {
      serviceNamespace: appscaling.ServiceNamespace.ECS,
      scalableDimension: 'ecs:service:DesiredCount',
      resourceId: `service/${props.cluster.clusterName}/${props.service.serviceName}`,
      minCapacity: props.minCapacity,
      maxCapacity: props.maxCapacity,
      // The service-linked role Application Auto Scaling creates for ECS: no role of ours to maintain.
      role: iam.Role.fromRoleArn(
        this,
        'ServiceLinkedRole',
        Stack.of(this).formatArn({
          service: 'iam',
          region: '',
          resource: 'role/aws-service-role/ecs.application-autoscaling.amazonaws.com',
          resourceName: 'AWSServiceRoleForApplicationAutoScaling_ECSService',
        }),
      ),
    });
    // No explicit DependsOn on the service: `resourceId` reads the service's name (Fn::GetAtt), so CloudFormation
    // registers the target after the service and deregisters it first; the policies and alarms below reference the
    // target (or the service's name), and follow it.
  }

  /** Running tasks of the service (Container Insights), 1-minute average. */
  runningTaskCount(): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'ECS/ContainerInsights',
      metricName: 'RunningTaskCount',
      dimensionsMap: { ClusterName: this.props.cluster.clusterName, ServiceName: this.props.service.serviceName },
      statistic: 'Average',
      period: Duration.minutes(1),
    });
  }

  /**
   * Target tracking on visible messages ÷ running tasks. The L2 `scaleToTrackMetric` rejects math
   * expressions, so this is the L1 policy with `CustomizedMetricSpecification.Metrics`.
   */
  trackBacklogPerTask(queue: sqs.IQueue, backlogPerTask: number, cooldowns: Cooldowns): appscaling.CfnScalingPolicy {
    return new appscaling.CfnScalingPolicy(this, 'BacklogPerTask', {
      policyName: 'backlog-per-task',
      policyType: 'TargetTrackingScaling',
      scalingTargetId: this.target.scalableTargetId,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: backlogPerTask,
        scaleOutCooldown: cooldowns.scaleOutCooldown.toSeconds(),
        scaleInCooldown: cooldowns.scaleInCooldown.toSeconds(),
        customizedMetricSpecification: {
          metrics: [
            {
              id: 'visible',
              label: 'Visible messages',
              metricStat: {
                metric: { namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: [{ name: 'QueueName', value: queue.queueName }] },
                stat: 'Sum',
              },
              returnData: false,
            },
            {
              id: 'running',
              label: 'Running tasks',
              metricStat: {
                metric: {
                  namespace: 'ECS/ContainerInsights',
                  metricName: 'RunningTaskCount',
                  dimensions: [
                    { name: 'ClusterName', value: this.props.cluster.clusterName },
                    { name: 'ServiceName', value: this.props.service.serviceName },
                  ],
                },
                stat: 'Average',
              },
              returnData: false,
            },
            { id: 'backlogPerTask', label: 'Visible messages per running task', expression: 'visible / running', returnData: true },
          ],
        },
      },
    });
  }

  /**
   * Starts a worker from zero: at 0 tasks the ratio above has no value and target tracking cannot
   * act. This step policy watches the visible messages while no task runs (0 as soon as one does,
   * so it never races target tracking to the maximum) and adds one task.
   */
  startFromZero(queue: sqs.IQueue, cooldowns: Cooldowns): appscaling.StepScalingPolicy {
    const idleBacklog = new cloudwatch.MathExpression({
      label: 'Visible messages while no task runs',
      expression: 'IF(FILL(running, 0) < 1, visible, 0)',
      usingMetrics: {
        visible: queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: Duration.minutes(1) }),
        running: this.runningTaskCount(),
      },
      period: Duration.minutes(1),
    });
    return this.target.scaleOnMetric('StartFromZero', {
      metric: idleBacklog,
      adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      scalingSteps: [
        { upper: 0, change: 0 },
        { lower: 1, change: +1 },
      ],
      cooldown: cooldowns.scaleOutCooldown,
      evaluationPeriods: 1,
      metricAggregationType: appscaling.MetricAggregationType.MAXIMUM,
    });
  }

  /** api: average CPU and ALB requests per target. */
  trackCpuAndRequests(
    requestsLabel: string,
    targets: { cpuPercent: number; requestsPerTarget: number },
    cooldowns: Cooldowns,
  ): void {
    const common = { scaleOutCooldown: cooldowns.scaleOutCooldown, scaleInCooldown: cooldowns.scaleInCooldown };
    this.target.scaleToTrackMetric('Cpu', {
      predefinedMetric: appscaling.PredefinedMetric.ECS_SERVICE_AVERAGE_CPU_UTILIZATION,
      targetValue: targets.cpuPercent,
      ...common,
    });
    this.target.scaleToTrackMetric('Requests', {
      predefinedMetric: appscaling.PredefinedMetric.ALB_REQUEST_COUNT_PER_TARGET,
      resourceLabel: requestsLabel,
      targetValue: targets.requestsPerTarget,
      ...common,
    });
  }

  /**
   * Business hours: at `stopHour` every listed weekday the service is pinned to 0 tasks; at
   * `startHour` its usual bounds come back. Cron in `hours.timeZone` (DST-aware).
   */
  businessHours(hours: BusinessHours): void {
    const weekDay = hours.weekdays.join(',');
    this.schedule(hours.timeZone, { hour: hours.startHour, weekDay }, { hour: hours.stopHour, weekDay });
  }

  /** Weekend stop (always-on environments that allow it): 0 tasks from Saturday 00:00 to Monday 00:00. */
  weekendStop(timeZone: TimeZone): void {
    this.schedule(timeZone, { hour: 0, weekDay: 'MON' }, { hour: 0, weekDay: 'SAT' });
  }

  /** Usual bounds from `start`, pinned to 0 tasks from `stop`; cron in `timeZone` (DST-aware). */
  private schedule(
    timeZone: TimeZone,
    start: { hour: number; weekDay: string },
    stop: { hour: number; weekDay: string },
  ): void {
    this.target.scaleOnSchedule('Start', {
      schedule: appscaling.Schedule.cron({ minute: '0', hour: String(start.hour), weekDay: start.weekDay }),
      timeZone,
      minCapacity: this.props.minCapacity,
      maxCapacity: this.props.maxCapacity,
    });
    this.target.scaleOnSchedule('Stop', {
      schedule: appscaling.Schedule.cron({ minute: '0', hour: String(stop.hour), weekDay: stop.weekDay }),
      timeZone,
      minCapacity: 0,
      maxCapacity: 0,
    });
  }
}
