import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { acknowledgeLogGroupControls } from '../core/compliance';
import type { ResourceNames } from '../naming';

export interface ApiWebAclProps {
  /** Naming scheme of the environment: the web ACL is `{prefix}-api`, its log group the WAF-prefixed name. */
  readonly names: ResourceNames;
  /** The load balancer the web ACL is associated with. */
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  /**
   * Requests per client IP per 5 minutes above which the IP is blocked; WAF accepts 10 and more.
   * @default 2000
   */
  readonly rateLimitPer5Minutes?: number;
  /**
   * Retention of the WAF log group.
   * @default logs.RetentionDays.TWO_YEARS
   */
  readonly logRetention?: logs.RetentionDays;
  /** Key of the WAF log group. */
  readonly logsKey: kms.IKey;
  /**
   * What happens to the log group when its stack deletes or replaces it.
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
   */
  readonly removalPolicy?: RemovalPolicy;
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
    const rateLimit = props.rateLimitPer5Minutes ?? 2000;
    if (rateLimit < 10) {
      throw new Error(`${names.prefix}: rateLimitPer5Minutes must be at least 10 (the WAF minimum), got ${rateLimit}`);
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
      statement: { rateBasedStatement: { limit: rateLimit, aggregateKeyType: 'IP', evaluationWindowSec: 300 } },
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
      retention: props.logRetention ?? logs.RetentionDays.TWO_YEARS,
      encryptionKey: props.logsKey,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    acknowledgeLogGroupControls(this.logGroup, props.logsKey);
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
