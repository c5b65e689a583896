import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge, acknowledgeControl, acknowledgeEach, skipControlBehindParameter } from '../core/compliance';
import { requiredParameter } from '../core/required-parameter';
import type { ResourceNames } from '../naming';
import { CERTIFICATE_ARN_PATTERN } from './rules';

/** Logical id of the deploy-time certificate parameter (HTTPS-only environments without a configured certificate). */
export const CERTIFICATE_PARAMETER = 'ApiCertificateArn';

export interface ApiLoadBalancerProps {
  /** Naming scheme of the environment: load balancer and target group are `{prefix}-api`. */
  readonly names: ResourceNames;
  /** VPC of the load balancer and its target group. */
  readonly vpc: ec2.IVpc;
  /** Public subnets the internet-facing load balancer lives in. */
  readonly publicSubnets: ec2.SubnetSelection;
  /** Port the api container listens on: the target group's port. */
  readonly containerPort: number;
  /**
   * Path the health check requests on the api container (200 is healthy).
   * @default '/health'
   */
  readonly healthCheckPath?: string;
  /**
   * Certificate of the HTTPS listener.
   * @default - none: with `httpsOnly`, a deploy-time `ApiCertificateArn` parameter; otherwise plain HTTP on 80
   */
  readonly certificate?: elbv2.IListenerCertificate;
  /**
   * Listen on 443 only (no port 80 at all, not even a redirect); without `certificate`, the certificate
   * becomes a deploy-time parameter.
   * @default true
   */
  readonly httpsOnly?: boolean;
  /**
   * Plain HTTP only (no `certificate`, `httpsOnly` false): the CIDRs port 80 admits (`::/0` for any IPv6). Then at
   * least one is required: nobody else could reach the api.
   * @default - none
   */
  readonly plainHttpCidrs?: readonly string[];
  /**
   * Deletion protection of the load balancer.
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * Literal name of the access-log bucket (SSE-S3, as ELB requires): logs land under `<prefix>/AWSLogs/...`.
   * A name, not a bucket reference: the bucket's stack owns its policy, including ELB log delivery.
   */
  readonly accessLogsBucketName: string;
  /** Prefix of the access logs in that bucket. */
  readonly accessLogsPrefix: string;
}

/**
 * The api's internet-facing ALB: public subnets, access logs, deletion protection (on unless turned off),
 * invalid headers dropped, desync mitigation, and listeners by certificate and `httpsOnly`:
 *
 * | httpsOnly | certificate | listeners |
 * |---|---|---|
 * | true | configured | 443 only |
 * | true | absent | 443 only, certificate from the `ApiCertificateArn` parameter (a deploy fails early without one) |
 * | false | configured | 443, and 80 redirecting to 443 |
 * | false | absent | 80 forwarding, from `plainHttpCidrs` only (dev: no certificate) |
 */
export class ApiLoadBalancer extends Construct {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly securityGroup: ec2.SecurityGroup;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** The listener that forwards to the api. */
  readonly listener: elbv2.ApplicationListener;
  /** Whether the api is served over HTTPS. */
  readonly https: boolean;
  /** Whether any listener admits 0.0.0.0/0 (HTTPS, its redirect, or a plain-HTTP api made public on purpose). */
  readonly openToInternet: boolean;
  /** Whether the load balancer has deletion protection. */
  readonly deletionProtection: boolean;
  /** `containerPort` of the props: the target group's port, which attach() must register the api on. */
  private readonly containerPort: number;

  constructor(scope: Construct, id: string, props: ApiLoadBalancerProps) {
    super(scope, id);
    const { names } = props;
    this.containerPort = props.containerPort;
    const httpsOnly = props.httpsOnly ?? true;
    this.deletionProtection = props.deletionProtection ?? true;
    const certificateFromParameter = props.certificate === undefined && httpsOnly;
    const certificateArn = props.certificate?.certificateArn
      ?? (certificateFromParameter ? this.certificateParameter() : undefined);
    this.https = certificateArn !== undefined;

    // Plain HTTP (no certificate) admits the configured client CIDRs only; HTTPS, and its port-80 redirect, anyone.
    const plainHttpCidrs = this.https || httpsOnly ? [] : (props.plainHttpCidrs ?? []);
    if (!this.https && !httpsOnly && plainHttpCidrs.length === 0) {
      throw new Error(`${names.prefix}: the api is plain HTTP (no certificate, httpsOnly false) and plainHttpCidrs lists no CIDR; nobody could reach it`);
    }
    this.openToInternet = this.https || plainHttpCidrs.some((block) => block.endsWith('/0'));
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `${names.prefix} api load balancer: ${this.https ? 'HTTPS from the internet' : 'HTTP from the configured CIDRs'}, to the api port only`,
      allowAllOutbound: false,
    });
    if (this.https) {
      this.securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS from the internet');
      if (!httpsOnly) {
        this.securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'HTTP, redirected to HTTPS');
      }
    }
    for (const block of plainHttpCidrs) {
      const peer = block === '::/0' ? ec2.Peer.anyIpv6() : ec2.Peer.ipv4(block);
      this.securityGroup.addIngressRule(peer, ec2.Port.tcp(80), `HTTP (no certificate) from ${block} (services.plainHttpIngress)`);
    }

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      loadBalancerName: names.name('api', 'loadBalancer'),
      vpc: props.vpc,
      vpcSubnets: props.publicSubnets,
      internetFacing: true,
      securityGroup: this.securityGroup,
      deletionProtection: this.deletionProtection,
      dropInvalidHeaderFields: true,
      desyncMitigationMode: elbv2.DesyncMitigationMode.DEFENSIVE,
      http2Enabled: true,
    });
    // Imported by name: the template carries the literal bucket name, and no statement is added here (an
    // imported bucket has no policy to add to); the data stack's bucket policy admits ELB under this prefix.
    this.loadBalancer.logAccessLogs(s3.Bucket.fromBucketName(this, 'AccessLogsBucket', props.accessLogsBucketName), props.accessLogsPrefix);

    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'TargetGroup', {
      targetGroupName: names.name('api', 'targetGroup'),
      vpc: props.vpc,
      targetType: elbv2.TargetType.IP,
      protocol: elbv2.ApplicationProtocol.HTTP,
      port: props.containerPort,
      deregistrationDelay: Duration.seconds(30),
      healthCheck: {
        path: props.healthCheckPath ?? '/health',
        healthyHttpCodes: '200',
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
    });

    if (certificateArn !== undefined) {
      this.listener = this.loadBalancer.addListener('Https', {
        port: 443,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [elbv2.ListenerCertificate.fromArn(certificateArn)],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        open: false,
        defaultAction: elbv2.ListenerAction.forward([this.targetGroup]),
      });
      if (certificateFromParameter) {
        skipControlBehindParameter(
          this.listener.node.defaultChild!,
          'CT.ELASTICLOADBALANCING.PR.2',
          `The certificate is the ${CERTIFICATE_PARAMETER} template parameter (a synth without -c certificateArn), a value the rule cannot resolve; its AllowedPattern admits only an ACM certificate ARN, which is what the control requires, and a release synth names the ARN, where the control runs. Left out of this synth's Control Tower run: plugin 0.0.62 fails on this rule's result for a parameter (cdklabs/cdk-validator-cfnguard#178) instead of reporting it.`,
        );
      }
      if (!httpsOnly) {
        const redirect = this.loadBalancer.addListener('HttpRedirect', {
          port: 80,
          protocol: elbv2.ApplicationProtocol.HTTP,
          open: false,
          defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
        });
        acknowledgeEach(
          redirect.node.defaultChild as elbv2.CfnListener,
          ['HIPAA.Security-ELBv2ACMCertificateRequired', 'NIST.800.53.R5-ELBv2ACMCertificateRequired', 'PCI.DSS.321-ELBv2ACMCertificateRequired'],
          'This port-80 listener never forwards to a target: its only action is a 301 redirect to the HTTPS listener, which uses the ACM certificate. HTTPS-only environments (prod) have no port-80 listener at all.',
        );
      }
    } else {
      this.listener = this.loadBalancer.addListener('Http', {
        port: 80,
        protocol: elbv2.ApplicationProtocol.HTTP,
        open: false,
        defaultAction: elbv2.ListenerAction.forward([this.targetGroup]),
      });
      this.acknowledgePlainHttp(this.listener);
    }

    if (this.openToInternet) acknowledge(
      this.securityGroup.node.defaultChild as ec2.CfnSecurityGroup,
      'AwsSolutions-EC23',
      // Nothing about a WAF: this construct knows of none (ApiWebAcl is a separate, optional construct).
      'Internet-facing api load balancer: clients connect from anywhere, on the listener port only; egress is limited to the api container port.',
    );
  }

  /**
   * Registers the api service with the target group and opens ALB -> api container port, entirely in
   * this stack: the api tasks carry `taskSecurityGroup` (owned here) besides the shared services group.
   * The L2 `attachToApplicationTargetGroup` would also write an ingress rule into the shared group's
   * stack (the data stack), pointing back at this stack: a cross-stack cycle.
   */
  attach(
    service: ecs.FargateService,
    containerName: string,
    taskSecurityGroup: ec2.ISecurityGroup,
    containerPort: number,
  ): void {
    // The target group health-checks and forwards to its own port: any other port would never become healthy.
    if (containerPort !== this.containerPort) {
      throw new Error(`${this.node.path}: attach() containerPort ${containerPort} differs from containerPort ${this.containerPort}, the target group's port`);
    }
    const cfnService = service.node.defaultChild as ecs.CfnService;
    cfnService.loadBalancers = [{ targetGroupArn: this.targetGroup.targetGroupArn, containerName, containerPort }];
    service.node.addDependency(this.targetGroup.loadBalancerAttached);
    // Inline (peer by id): a security group without an inline egress rule gets CloudFormation's allow-all
    // egress, and a separate AWS::EC2::SecurityGroupEgress resource does not remove it.
    this.securityGroup.addEgressRule(ec2.Peer.securityGroupId(taskSecurityGroup.securityGroupId), ec2.Port.tcp(containerPort), 'To the api containers only');
    taskSecurityGroup.addIngressRule(this.securityGroup, ec2.Port.tcp(containerPort), 'From the api load balancer');
  }

  /** `<lb full name>/<target group full name>`, the resource label of ALBRequestCountPerTarget. */
  get requestCountResourceLabel(): string {
    return `${this.loadBalancer.loadBalancerFullName}/${this.targetGroup.targetGroupFullName}`;
  }

  /**
   * An HTTPS-only environment without a configured certificate: the template takes the certificate
   * as a parameter with no default. Offline synth and tests work; `cdk deploy` stops before any
   * change with "The following CloudFormation Parameters are missing a value: ApiCertificateArn",
   * and a malformed or empty value is rejected by the pattern and the template rule.
   */
  private certificateParameter(): string {
    return requiredParameter(this, {
      id: 'CertificateArn',
      logicalId: CERTIFICATE_PARAMETER,
      description: 'ACM certificate of the api HTTPS listener. Supply it with -c certificateArn=arn:aws:acm:... (or --parameters ApiCertificateArn=...).',
      allowedPattern: CERTIFICATE_ARN_PATTERN,
      constraintDescription: 'must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>): this environment is HTTPS-only.',
      ruleId: 'CertificateRequired',
      ruleMessage: 'This environment is HTTPS-only and has no certificate: deploy with -c certificateArn=arn:aws:acm:<region>:<account>:certificate/<id>.',
    });
  }

  /** Plain HTTP only where config allows it (httpsOnly false) and no certificate exists yet. */
  private acknowledgePlainHttp(listener: elbv2.ApplicationListener): void {
    const cfnListener = listener.node.defaultChild as elbv2.CfnListener;
    acknowledgeEach(
      cfnListener,
      ['HIPAA.Security-ALBHttpToHttpsRedirection', 'NIST.800.53.R5-ALBHttpToHttpsRedirection', 'PCI.DSS.321-ALBHttpToHttpsRedirection'],
      'This environment is configured httpsOnly=false and has no certificate yet, so there is no HTTPS listener to redirect to; supplying -c certificateArn turns this listener into a redirect to 443. Prod is HTTPS-only by schema rule.',
    );
    acknowledgeEach(
      cfnListener,
      ['HIPAA.Security-ELBv2ACMCertificateRequired', 'NIST.800.53.R5-ELBv2ACMCertificateRequired', 'PCI.DSS.321-ELBv2ACMCertificateRequired'],
      'No certificate is configured for this non-production environment (httpsOnly=false); the listener serves non-production test traffic only. With -c certificateArn an ACM-certificate HTTPS listener replaces it; prod cannot synthesize without HTTPS.',
    );
    acknowledgeControl(
      cfnListener,
      'CT.ELASTICLOADBALANCING.PR.1',
      'This environment is configured httpsOnly=false and has no certificate yet, so there is no HTTPS listener to redirect to; port 80 admits services.plainHttpIngress.cidrs only. Supplying -c certificateArn turns this listener into a redirect to 443; staging and prod are HTTPS-only by schema rule.',
    );
  }

  /**
   * Findings that follow from config decisions of non-production environments: no deletion protection
   * (`deletionProtection` false) and, with `webAcl` false, no WAF in front of the load balancer.
   */
  acknowledgeConfigDecisions(decisions: { readonly webAcl: boolean }): void {
    const cfnLoadBalancer = this.loadBalancer.node.defaultChild as elbv2.CfnLoadBalancer;
    if (!this.deletionProtection) {
      acknowledgeEach(
        cfnLoadBalancer,
        ['HIPAA.Security-ELBDeletionProtectionEnabled', 'NIST.800.53.R5-ELBDeletionProtectionEnabled'],
        'Disposable environment by config (loadBalancerDeletionProtection=false): the stateless services stack must be deletable in one step; staging and prod enable deletion protection.',
      );
      acknowledgeControl(
        cfnLoadBalancer,
        'CT.ELASTICLOADBALANCING.PR.5',
        'Disposable environment by config (loadBalancerDeletionProtection=false): the stateless services stack must be deletable in one step; staging and prod enable deletion protection.',
      );
    }
    if (!decisions.webAcl) {
      acknowledgeEach(
        cfnLoadBalancer,
        ['NIST.800.53.R5-ALBWAFEnabled', 'PCI.DSS.321-ALBWAFEnabled'],
        'WAF is enabled by config in prod only (services.waf.enabled); this non-production environment serves no customer traffic, holds no production data, and the ALB drops invalid headers and applies desync mitigation.',
      );
    }
  }
}
