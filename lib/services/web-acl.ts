import { ArnFormat, Stack } from 'aws-cdk-lib';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { ResourceNames } from '../naming';
import { retainedUnlessDisposable } from '../core/removal';

export interface ApiWebAclProps {
  readonly names: ResourceNames;
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  /** Requests per client IP per 5 minutes above which the IP is blocked. */
  readonly rateLimitPer5Minutes: number;
  /** Retention of the WAF log group. */
  readonly logRetentionDays: logs.RetentionDays;
  readonly logsKey: kms.IKey;
  readonly disposable: boolean;
}

/** AWS managed rule groups on the api, in evaluation order (cheapest and most decisive first). */
export const MANAGED_RULE_GROUPS = ['AWSManagedRulesAmazonIpReputationList', 'AWSManagedRulesKnownBadInputsRuleSet', 'AWSManagedRulesCommonRuleSet'] as const;

/**
 * A REGIONAL WAFv2 web ACL on the api's load balancer: AWS managed IP-reputation, known-bad-inputs
 * and common rule sets plus a per-IP rate limit, logged to an encrypted CloudWatch log group.
 */
export class ApiWebAcl extends Construct {
  readonly webAcl: wafv2.CfnWebACL;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ApiWebAclProps) {
    super(scope, id);
    const { names } = props;
    if (props.rateLimitPer5Minutes < 10) {
      throw new Error(`${names.prefix}: services.waf.rateLimitPer5Minutes must be at least 10 (the WAF minimum), got ${props.rateLimitPer5Minutes}`);
    }
    const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });

    const rules: wafv2.CfnWebACL.RuleProperty[] = MANAGED_RULE_GROUPS.map((name, priority) => ({
      name,
      priority,
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
      overrideAction: { none: {} },
      visibilityConfig: visibility(name),
    }));
    rules.push({
      name: 'RateLimitPerIp',
      priority: rules.length,
      statement: { rateBasedStatement: { limit: props.rateLimitPer5Minutes, aggregateKeyType: 'IP', evaluationWindowSec: 300 } },
      action: { block: {} },
      visibilityConfig: visibility('RateLimitPerIp'),
    });

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: names.name('api'),
      description: `${names.prefix}: api load balancer`,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      rules,
      visibilityConfig: visibility(names.name('api')),
    });
    new wafv2.CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.loadBalancer.loadBalancerArn,
      webAclArn: this.webAcl.attrArn,
    });

    const logGroupName = names.wafLogGroupName();
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName,
      retention: props.logRetentionDays,
      encryptionKey: props.logsKey,
      removalPolicy: retainedUnlessDisposable(props.disposable),
    });
    const logging = new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      // The log group ARN without the trailing ":*" CloudFormation's Arn attribute carries.
      logDestinationConfigs: [
        Stack.of(this).formatArn({ service: 'logs', resource: 'log-group', resourceName: logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      ],
      // Credentials never reach the logs.
      redactedFields: [{ singleHeader: { Name: 'authorization' } }, { singleHeader: { Name: 'cookie' } }],
    });
    logging.node.addDependency(this.logGroup);
  }
}
