import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnParameter, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ENVIRONMENT_NAMES, loadEnvironment, OFFLINE_ACCOUNT } from '../../environments';
import {
  acknowledge,
  acknowledgeControl,
  addComplianceChecks,
  COMPLIANCE_PACKS,
  controlTowerControls,
  skipControlBehindParameter,
} from '../../lib/core/compliance';
import { createPipelineApp } from '../../lib/pipeline-app';
import { cdkJsonContext, reportOnlyContext } from '../support/cdk-context';
import { REQUIRED_COMPLIANCE_PACKS } from '../fixtures/seed-requirements';
import { kept } from '../support/synth-cache';
import { controlTowerFindings } from '../support/synthesize';
import { nagSummaryOf, validationReportOf } from '../support/templates';
import { SYNTH_VARIANTS, type SynthVariant } from '../support/variants';

test('the gate registers exactly the four required packs', () => {
  // Literal names (test/fixtures): removing a pack from lib/core/compliance.ts must fail here, not shrink the suite.
  expect(COMPLIANCE_PACKS.map((pack) => pack.name)).toEqual([...REQUIRED_COMPLIANCE_PACKS]);
});

/** Each environment as committed (services parked) and as deployed (image tag, certificate, alarm address). */
const SYNTHESIZED = ENVIRONMENT_NAMES.flatMap((envName) =>
  (Object.keys(SYNTH_VARIANTS) as SynthVariant[]).map((variant) => [envName, variant] as const),
);

describe.each(SYNTHESIZED)('compliance gates in %s (%s)', (envName, variant) => {
  test.each(REQUIRED_COMPLIANCE_PACKS)('%s: zero unacknowledged findings', (packName) => {
    const summary = nagSummaryOf(envName, variant);
    expect(Object.keys(summary.packs)).toEqual([...REQUIRED_COMPLIANCE_PACKS]);
    expect(summary.packs[packName]).toEqual([]);
  });

  test('AWS Control Tower\'s proactive controls: zero unacknowledged findings, and the plugin ran', () => {
    expect(nagSummaryOf(envName, variant).controlTower).toEqual([]);
  });

  test('the synth validation report (cdk-nag plugins and CloudFormation validation) has no violations', () => {
    const report = validationReportOf(envName, variant);
    const violations = report.pluginReports.flatMap((plugin) => plugin.violations.map((v) => `${plugin.pluginName}: ${v.ruleName} at ${v.violatingConstructs.map((c) => c.constructPath).join(', ')}`));
    expect(violations).toEqual([]);
  });
});

describe('the gate', () => {
  function nonCompliantApp(): { app: App; bucket: s3.Bucket } {
    const app = new App({ context: cdkJsonContext() });
    addComplianceChecks(app);
    const stack = new Stack(app, 'GateProbe', { env: { region: 'us-east-1' } });
    // No access logging, no TLS-only policy, S3-managed encryption: fails all four packs.
    const bucket = new s3.Bucket(stack, 'CarelessBucket', { removalPolicy: RemovalPolicy.DESTROY, enforceSSL: false });
    return { app, bucket };
  }

  test('fails synth on a non-compliant construct', () => {
    const { app } = nonCompliantApp();
    expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
  });

  test.each(COMPLIANCE_PACKS.map((pack) => [pack.name, pack] as const))('%s reports the non-compliant bucket', (_name, pack) => {
    const { app } = nonCompliantApp();
    const report = pack.create(app).validateScope(app);
    expect(report.success).toBe(false);
    expect(report.violations.some((v) => v.violatingResources.some((r) => (r.constructPath ?? '').includes('CarelessBucket')))).toBe(true);
  });

  test('an acknowledgement removes exactly that finding and no other', () => {
    const { app, bucket } = nonCompliantApp();
    const pack = COMPLIANCE_PACKS[0].create(app);
    const before = pack.validateScope(app).violations.map((v) => v.ruleName);
    expect(before).toEqual(expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']));
    acknowledge(bucket, 'AwsSolutions-S1', 'Probe bucket of the gate test: stands for a bucket whose access is logged elsewhere.');
    const after = pack.validateScope(app).violations.map((v) => v.ruleName);
    expect(after).not.toContain('AwsSolutions-S1');
    expect(after).toContain('AwsSolutions-S10');
  });

  test('an acknowledgement without a specific reason is refused', () => {
    const { bucket } = nonCompliantApp();
    expect(() => acknowledge(bucket, 'AwsSolutions-S1', 'not needed')).toThrow(/needs a specific reason/);
  });
});

describe('the Control Tower gate', () => {
  /** A probe app with the gates, synthesized to read the Control Tower findings (report-only: synth does not throw). */
  function controlTowerFindingsOf(build: (stack: Stack) => void): string[] {
    const outdir = mkdtempSync(join(tmpdir(), 'control-tower-probe-'));
    try {
      const app = new App({ outdir, context: reportOnlyContext() });
      addComplianceChecks(app);
      build(new Stack(app, 'GateProbe', { env: { account: '123456789012', region: 'us-east-1' } }));
      app.synth();
      return controlTowerFindings(outdir);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }
  /** Compliant with the four packs' S3 rules but for Object Lock: versioned, KMS, logged, TLS-only. */
  const lockableBucket = (stack: Stack): s3.Bucket => new s3.Bucket(stack, 'Probe', {
    versioned: true,
    encryption: s3.BucketEncryption.KMS_MANAGED,
    enforceSSL: true,
    serverAccessLogsBucket: new s3.Bucket(stack, 'Logs'),
  });

  test('the bundled controls are read from the plugin: ids, Guard rule names and resource types', () => {
    const controls = controlTowerControls();
    expect(controls.size).toBeGreaterThan(200);
    expect(controls.get('CT.S3.PR.9')).toEqual({ id: 'CT.S3.PR.9', ruleName: 's3_bucket_object_lock_enabled_check', file: 'ct-s3-pr-9', resourceTypes: ['AWS::S3::Bucket'] });
  });

  test('a bucket without Object Lock is a CT.S3.PR.9 finding; acknowledging that control removes it and no other', () => {
    const unlocked = controlTowerFindingsOf((stack) => lockableBucket(stack));
    expect(unlocked).toContain('CT.S3.PR.9 (s3_bucket_object_lock_enabled_check) at GateProbe/Probe/Resource');
    const acknowledged = controlTowerFindingsOf((stack) => acknowledgeControl(
      lockableBucket(stack).node.defaultChild!,
      'CT.S3.PR.9',
      'Probe bucket of the gate test: stands for a bucket whose lock is waived for a documented reason.',
    ));
    expect(acknowledged).toEqual(unlocked.filter((finding) => !finding.startsWith('CT.S3.PR.9 ') || !finding.endsWith('GateProbe/Probe/Resource')));
  });

  test('an unknown control id, or one without a specific reason, is refused', () => {
    const stack = new Stack(new App(), 'Probe');
    expect(() => acknowledgeControl(stack, 'CT.S3.PR.99', 'A reason long enough to pass the length check of acknowledge.')).toThrow(/CT\.S3\.PR\.99 is not a Control Tower control/);
    expect(() => acknowledgeControl(stack, 'CT.S3.PR.9', 'not needed')).toThrow(/needs a specific reason/);
  });

  test('removing Object Lock from prod\'s recordings fails prod\'s synth, naming CT.S3.PR.9 and the bucket', () => {
    const base = loadEnvironment('prod', { account: OFFLINE_ACCOUNT });
    const recordingsObjectLock = { ...base.storage.recordingsObjectLock, enabled: false };
    const config = { ...base, storage: { ...base.storage, recordingsObjectLock } };
    // A whole prod synth: kept per source change (./synth-cache.ts), like the global synth.
    const dir = kept('control-tower-prod-unlocked', { recordingsObjectLock: config.storage.recordingsObjectLock }, (scratch) => {
      let outcome = 'synthesized';
      try {
        createPipelineApp(config, { outdir: join(scratch, 'assembly'), context: cdkJsonContext(), noRelease: true }).app.synth();
      } catch (error) {
        outcome = (error as Error).message;
      }
      writeFileSync(join(scratch, 'outcome.txt'), outcome);
    });
    const outcome = readFileSync(join(dir, 'outcome.txt'), 'utf8');
    expect(outcome).toMatch(/\[CT\.S3\.PR\.9\]: Require that an Amazon S3 bucket has S3 Object Lock activated/);
    expect(outcome).toContain('marin-prod-data/Buckets/Recordings/Resource');
    // The only finding: prod's transcripts and export stay locked.
    expect(outcome.match(/s3_bucket_object_lock_enabled_check/g)).toHaveLength(1);
  });

  describe('a certificate behind a template parameter (plugin 0.0.62, cdklabs/cdk-validator-cfnguard#178)', () => {
    function httpsListener(stack: Stack): elbv2.CfnListener {
      const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, restrictDefaultSecurityGroup: false });
      const loadBalancer = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc });
      const certificateArn = new CfnParameter(stack, 'CertificateArn', { type: 'String' }).valueAsString;
      const listener = loadBalancer.addListener('Https', {
        port: 443,
        certificates: [elbv2.ListenerCertificate.fromArn(certificateArn)],
        defaultAction: elbv2.ListenerAction.fixedResponse(404),
      });
      return listener.node.defaultChild as elbv2.CfnListener;
    }
    const finding = (findings: string[]) => findings.filter((f) => f.startsWith('plugin failed') || f.startsWith('CT.ELASTICLOADBALANCING.PR.2 '));

    test('CT.ELASTICLOADBALANCING.PR.2 makes the plugin fail instead of reporting: when this changes, acknowledge the finding instead', () => {
      expect(finding(controlTowerFindingsOf((stack) => httpsListener(stack)))).toEqual([expect.stringMatching(/^plugin failed: .*Cannot read properties of undefined \(reading 'to'\)/)]);
    });

    test('skipControlBehindParameter leaves that control out of the app\'s run and acknowledges it on the listener', () => {
      let listener: elbv2.CfnListener | undefined;
      expect(finding(controlTowerFindingsOf((stack) => {
        listener = httpsListener(stack);
        skipControlBehindParameter(listener, 'CT.ELASTICLOADBALANCING.PR.2', 'Probe listener of the gate test: its certificate is a template parameter the rule cannot resolve.');
      }))).toEqual([]);
      expect(listener!.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules').map((m) => Object.keys(m.data as object))).toEqual([
        ['cdk-validator-cfnguard::elbv2_acm_certificate_required_check'],
      ]);
    });
  });
});
