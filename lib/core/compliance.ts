import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks, type NagPack } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** The cdk-nag packs every environment must pass. */
export const COMPLIANCE_PACKS = [
  { name: 'AwsSolutions', create: (app: App) => new AwsSolutionsChecks(app) },
  { name: 'HIPAA.Security', create: (app: App) => new HIPAASecurityChecks(app) },
  { name: 'NIST.800.53.R5', create: (app: App) => new NIST80053R5Checks(app) },
  { name: 'PCI.DSS.321', create: (app: App) => new PCIDSS321Checks(app) },
] as const;

/**
 * Registers the four packs on the app. Any unacknowledged finding fails synth: `cdk synth`
 * exits non-zero and an in-memory `app.synth()` (tests) throws.
 */
export function addComplianceChecks(app: App): NagPack[] {
  const packs = COMPLIANCE_PACKS.map((pack) => pack.create(app));
  Validations.of(app).addPlugins(...packs);
  return packs;
}

/**
 * Acknowledges ONE finding on ONE construct. `reason` must say what compensates or why the
 * rule does not apply here; restating the rule is not a reason.
 */
export function acknowledge(construct: IConstruct, id: string, reason: string): void {
  if (reason.trim().length < 40) {
    throw new Error(`acknowledgement of ${id} on ${construct.node.path} needs a specific reason (what compensates, or why the rule does not apply)`);
  }
  Validations.of(construct).acknowledge({ id, reason });
}

/** Acknowledges the same finding of several packs that test one fact (e.g. log-group KMS in HIPAA, NIST and PCI). */
export function acknowledgeEach(construct: IConstruct, ids: readonly string[], reason: string): void {
  for (const id of ids) acknowledge(construct, id, reason);
}
