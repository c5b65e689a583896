import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, parse } from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import {
  Stack,
  Validations,
  type App,
  type IPolicyValidationContext,
  type IPolicyValidationPlugin,
  type PolicyValidationPluginReport,
} from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
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
 * Name of CDK's policy-validation plugin for AWS Control Tower's proactive controls
 * (`@cdklabs/cdk-validator-cfnguard`): its findings, and the `cdk-validator-cfnguard::<rule>` acknowledgements in the
 * cloud assembly, carry it.
 */
export const CONTROL_TOWER_PLUGIN = 'cdk-validator-cfnguard';

/** The installed plugin's package directory (its rules and its package.json). */
const PLUGIN_ROOT = dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json'));

/** One bundled Control Tower control: its id (`CT.S3.PR.9`), the Guard rule that checks it, and the rule's file. */
export interface ControlTowerControl {
  readonly id: string;
  readonly ruleName: string;
  /** File name without `.guard`: what the plugin's `disabledRules` takes. */
  readonly file: string;
  /** The CloudFormation resource types the rule evaluates (named in its file); empty: unknown, always run. */
  readonly resourceTypes: readonly string[];
}

let bundledControls: ReadonlyMap<string, ControlTowerControl> | undefined;

/**
 * Every Control Tower control the installed plugin bundles, by id, read from its Guard rule files (each names its
 * rule and, in the rule's message, the control's id).
 */
export function controlTowerControls(): ReadonlyMap<string, ControlTowerControl> {
  if (bundledControls) return bundledControls;
  const root = join(PLUGIN_ROOT, 'rules', 'control-tower', 'cfn-guard');
  const controls = new Map<string, ControlTowerControl>();
  for (const service of readdirSync(root)) {
    for (const file of readdirSync(join(root, service)).filter((name) => name.endsWith('.guard'))) {
      const text = readFileSync(join(root, service, file), 'utf8');
      const ruleNames = new Set([...text.matchAll(/^rule (\w+) when /gm)].map((match) => match[1]));
      const ids = new Set([...text.matchAll(/\[(CT\.[A-Z0-9-]+\.PR\.\d+)\]/g)].map((match) => match[1]));
      if (ruleNames.size !== 1 || ids.size !== 1) {
        throw new Error(`${file}: expected one Control Tower rule and one control id, found rules [${[...ruleNames].join(', ')}] and ids [${[...ids].join(', ')}]`);
      }
      const [id] = ids;
      const resourceTypes = [...new Set([...text.matchAll(/['"](AWS::\w+::\w+)['"]/g)].map((match) => match[1]))];
      controls.set(id, { id, ruleName: [...ruleNames][0], file: parse(file).name, resourceTypes });
    }
  }
  bundledControls = controls;
  return controls;
}

/** The control a Guard rule checks (`s3_bucket_object_lock_enabled_check` -> `CT.S3.PR.9`). */
export function controlOfRule(ruleName: string): ControlTowerControl | undefined {
  return [...controlTowerControls().values()].find((control) => control.ruleName === ruleName);
}

function controlTowerControl(id: string): ControlTowerControl {
  const control = controlTowerControls().get(id);
  if (!control) throw new Error(`${id} is not a Control Tower control bundled with ${CONTROL_TOWER_PLUGIN}`);
  return control;
}

/** Per app: the controls `skipControlBehindParameter` takes out of its Control Tower run. */
const skippedControls = new WeakMap<IConstruct, Set<string>>();

/**
 * The bundled controls that can find nothing in these templates: each evaluates only resource types none of them
 * declares (cfn-guard would SKIP it after parsing it against every template, about 60% of its time here).
 */
export function idleControls(templatePaths: readonly string[]): ControlTowerControl[] {
  const declared = new Set(templatePaths.flatMap((path) => {
    const template = JSON.parse(readFileSync(path, 'utf8')) as { Resources?: Record<string, { Type?: string }> };
    return Object.values(template.Resources ?? {}).map((resource) => resource.Type);
  }));
  return [...controlTowerControls().values()]
    .filter((control) => control.resourceTypes.length > 0 && !control.resourceTypes.some((type) => declared.has(type)));
}

/**
 * AWS Control Tower's proactive controls (the Guard rules Control Tower's CloudFormation hooks run at deploy time),
 * through `@cdklabs/cdk-validator-cfnguard` with its bundled cfn-guard binary: offline, every template of the app.
 * A thin wrapper that runs only the controls that apply to the templates' resource types (`idleControls`: same
 * findings, less than half the time) and lets a control be left out of one app's run (`skipControlBehindParameter`);
 * findings are the plugin's, acknowledged like cdk-nag's (`acknowledgeControl`).
 */
class ControlTowerChecks implements IPolicyValidationPlugin {
  readonly name = CONTROL_TOWER_PLUGIN;
  readonly version = (JSON.parse(readFileSync(join(PLUGIN_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

  constructor(private readonly app: App) {}

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const skipped = [...(skippedControls.get(this.app) ?? [])].map((id) => controlTowerControl(id).file);
    const disabledRules = [...skipped, ...idleControls(context.templatePaths).map((control) => control.file)];
    // cfn-guard's JSON for an environment is hundreds of kB, near Node's default 1 MB buffer for a child's output.
    const report = new CfnGuardValidator({ disabledRules, maxBuffer: 64 * 1024 * 1024 }).validate(context);
    // The plugin gives its violations no severity. Once CDK has removed the acknowledged ones from a report, it
    // re-derives the report's success from the severities left, and a violation without one would not fail synth.
    return { ...report, violations: report.violations.map((violation) => ({ ...violation, severity: 'error' })) };
  }
}

/**
 * Registers the four packs and AWS Control Tower's proactive controls on the app. Any unacknowledged finding fails
 * synth: `cdk synth` exits non-zero and an in-memory `app.synth()` (tests) throws.
 */
export function addComplianceChecks(app: App): NagPack[] {
  const packs = COMPLIANCE_PACKS.map((pack) => pack.create(app));
  Validations.of(app).addPlugins(...packs, new ControlTowerChecks(app));
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

/**
 * Acknowledges ONE Control Tower control (`CT.S3.PR.9`) on ONE construct, as CDK acknowledges a plugin's rule
 * (`cdk-validator-cfnguard::<Guard rule>` in the cloud assembly). Same rule for `reason` as `acknowledge`; for a
 * finding that is an artefact of the rule (a value it cannot see through a parameter or a cross-stack reference),
 * say so and what the deployed value is.
 */
export function acknowledgeControl(construct: IConstruct, id: string, reason: string): void {
  acknowledge(construct, `${CONTROL_TOWER_PLUGIN}::${controlTowerControl(id).ruleName}`, reason);
}

/**
 * For a value the control's rule cannot evaluate because it is a template parameter, where the plugin fails on the
 * rule's result instead of reporting a finding (cdklabs/cdk-validator-cfnguard#178): the control is left out of
 * this app's Control Tower run, and acknowledged on `construct` with `reason` so the cloud assembly records it.
 * Only for a construct whose every value the rule checks is that parameter, and whose parameter itself enforces
 * what the control asks (e.g. an AllowedPattern).
 */
export function skipControlBehindParameter(construct: IConstruct, id: string, reason: string): void {
  acknowledgeControl(construct, id, reason);
  const app = construct.node.root;
  const skipped = skippedControls.get(app) ?? new Set<string>();
  skipped.add(id);
  skippedControls.set(app, skipped);
}

/** CT.CLOUDWATCH.PR.2's minimum: a year. */
const CONTROL_TOWER_LOG_RETENTION_DAYS = 365;

/**
 * The Control Tower controls a log group of the stacks does not meet, or meets where the rule cannot see it:
 * CT.CLOUDWATCH.PR.2 (a year of retention) when it keeps its events less (the specification's per-environment
 * retention), and CT.CLOUDWATCH.PR.3 (a KMS key) when `key` lives in another stack, whose ARN then reaches the template
 * as a weak cross-stack reference the rule cannot resolve. Call it with the key the log group was created with.
 */
export function acknowledgeLogGroupControls(logGroup: logs.LogGroup, key: kms.IKey): void {
  const resource = logGroup.node.defaultChild as logs.CfnLogGroup;
  const days = resource.retentionInDays;
  if (days !== undefined && days < CONTROL_TOWER_LOG_RETENTION_DAYS) {
    acknowledgeControl(
      resource,
      'CT.CLOUDWATCH.PR.2',
      `Kept ${days} days: the specification fixes log retention per environment (logRetentionDays: dev 7, staging 14, prod 30 days), a budget decision. The events are KMS-encrypted and API activity is in CloudTrail; raise logRetentionDays to 365 if an auditor requires a year.`,
    );
  }
  const keyStack = Stack.of(key);
  if (keyStack !== Stack.of(logGroup)) {
    acknowledgeControl(
      resource,
      'CT.CLOUDWATCH.PR.3',
      `Encrypted with the environment's logs key, which lives in ${keyStack.stackName}: its ARN reaches this template as a weak cross-stack reference (Fn::GetStackOutput) that the rule cannot resolve (it accepts a literal key ARN or a key of the same template only). CloudFormation resolves it to the key's ARN on deploy.`,
    );
  }
}
