import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { COMPLIANCE_PACKS } from '../../lib/core/compliance';
import { ResourceNames } from '../../lib/naming';
import { ApiLoadBalancer, CERTIFICATE_PARAMETER } from '../../lib/services/api-service';
import { cdkJsonContext } from '../support/cdk-context';
import { TEST_CERTIFICATE_ARN as CERT } from '../support/variants';

/**
 * ApiLoadBalancer built alone, in each row of its listener table. Staging and prod are HTTPS-only and dev
 * has no certificate, so no environment synthesizes "HTTPS with the 80 -> 443 redirect": only this test does.
 */
const MODES = [
  { mode: 'HTTP only (no certificate, httpsOnly false)', httpsOnly: false, certificateArn: undefined, listeners: ['80/HTTP/forward'], ingressPorts: [80], https: false, parameter: false },
  { mode: 'HTTPS with the 80 -> 443 redirect (certificate, httpsOnly false)', httpsOnly: false, certificateArn: CERT, listeners: ['443/HTTPS/forward', '80/HTTP/redirect'], ingressPorts: [443, 80], https: true, parameter: false },
  { mode: 'HTTPS only (certificate, httpsOnly true)', httpsOnly: true, certificateArn: CERT, listeners: ['443/HTTPS/forward'], ingressPorts: [443], https: true, parameter: false },
  { mode: 'HTTPS only, certificate as a deploy-time parameter (httpsOnly true, none configured)', httpsOnly: true, certificateArn: undefined, listeners: ['443/HTTPS/forward'], ingressPorts: [443], https: true, parameter: true },
] as const;

function build(httpsOnly: boolean, certificateArn: string | undefined) {
  const app = new App({ context: cdkJsonContext() });
  const stack = new Stack(app, 'marin-test-services', { env: { account: '123456789012', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    natGateways: 0,
    subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }],
  });
  const lb = new ApiLoadBalancer(stack, 'ApiLoadBalancer', {
    names: new ResourceNames('marin', 'test'),
    vpc,
    publicSubnets: { subnetGroupName: 'public' },
    services: { apiContainerPort: 8080, apiHealthCheckPath: '/health', certificateArn, httpsOnly, loadBalancerDeletionProtection: true, plainHttpIngress: { cidrs: ['198.51.100.0/24'], publicPlainHttp: false } },
    accessLogsBucketName: 'marin-test-access-logs',
    accessLogsPrefix: 'alb/marin-test-api',
  });
  lb.acknowledgeConfigDecisions({ loadBalancerDeletionProtection: true, waf: { enabled: false, rateLimitPer5Minutes: 100 } });
  return { app, stack, lb, json: Template.fromStack(stack).toJSON() as { Resources: Record<string, any>; Parameters?: Record<string, any>; Rules?: Record<string, unknown> } };
}

const ofType = (json: { Resources: Record<string, any> }, type: string) => Object.values(json.Resources).filter((r) => r.Type === type);

describe.each(MODES)('ApiLoadBalancer: $mode', (row) => {
  const built = build(row.httpsOnly, row.certificateArn);
  const listeners = ofType(built.json, 'AWS::ElasticLoadBalancingV2::Listener').map((r) => r.Properties);

  test(`listeners ${row.listeners.join(', ')}`, () => {
    expect(listeners.map((l) => `${l.Port}/${l.Protocol}/${l.DefaultActions[0].Type}`).sort()).toEqual([...row.listeners].sort());
    expect(built.lb.https).toBe(row.https);
  });

  // Plain HTTP admits the configured CIDRs only; HTTPS (and its redirect) the internet.
  const source = row.https ? '0.0.0.0/0' : '198.51.100.0/24';
  test(`the load balancer admits ${row.ingressPorts.join(' and ')} from ${source}, nothing else`, () => {
    const group = ofType(built.json, 'AWS::EC2::SecurityGroup').find((g) => String(g.Properties.GroupDescription).includes('api load balancer'));
    expect(group.Properties.SecurityGroupIngress.map((r: any) => `${r.CidrIp}:${r.FromPort}-${r.ToPort}`)).toEqual(row.ingressPorts.map((p) => `${source}:${p}-${p}`));
  });

  test(row.https ? 'HTTPS: TLS 1.3 policy and the certificate' : 'no HTTPS listener, no certificate parameter', () => {
    const https = listeners.filter((l) => l.Protocol === 'HTTPS');
    expect(https).toHaveLength(row.https ? 1 : 0);
    for (const listener of https) {
      expect(listener.SslPolicy).toMatch(/^ELBSecurityPolicy-TLS13/);
      expect(listener.Certificates).toEqual([{ CertificateArn: row.parameter ? { Ref: CERTIFICATE_PARAMETER } : CERT }]);
    }
    expect(Object.keys(built.json.Parameters ?? {}).includes(CERTIFICATE_PARAMETER)).toBe(row.parameter);
    expect(JSON.stringify(built.json.Rules ?? {}).includes('-c certificateArn=')).toBe(row.parameter);
  });

  test('port 80, where it exists, redirects to 443 permanently unless no certificate exists', () => {
    const http = listeners.filter((l) => l.Port === 80);
    expect(http).toHaveLength(row.httpsOnly ? 0 : 1);
    const actions = http.map((l) => l.DefaultActions[0]);
    expect(actions).toEqual(
      row.httpsOnly ? [] : [row.https ? { Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } } : expect.objectContaining({ Type: 'forward' })],
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
