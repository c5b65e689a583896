import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ENVIRONMENT_NAMES } from '../../environments';
import { acknowledge, addComplianceChecks, COMPLIANCE_PACKS } from '../../lib/core/compliance';
import { cdkJsonContext } from '../support/cdk-context';
import { REQUIRED_COMPLIANCE_PACKS } from '../fixtures/seed-requirements';
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
