/**
 * `deploy`: stateful CDK stacks -> Atlas (CDKTF) -> stateless CDK stacks -> post-deploy checks.
 *
 * Reviewed environments (termination-protected: staging and prod) apply exactly what was reviewed:
 * per CDK stack a named CloudFormation change set is prepared, described, refused when it replaces
 * or removes a stateful or fixed-name resource (unless --allow-replace names it), confirmed and then
 * executed by name; Atlas is planned into a saved Terraform plan file, shown, checked the same way,
 * confirmed and applied from that file. Stacks go one at a time, because a change set is computed
 * against the current outputs of the stacks before it.
 */
import { SERVICE_NAMES } from '../../lib/contracts';
import { atlasStackName, MONGODB_URI_PLACEHOLDER_PREFIX, mongodbUriPlaceholder, SECRET_NAMES } from '../../lib/handoff';
import { ResourceNames } from '../../lib/naming';
import { DEFAULT_SECURITY_GROUP_PARAMETER } from '../../lib/network/default-security-group';
import {
  defaultSecurityGroupIdArgv,
  describeDefaultSecurityGroupRulesArgv,
  revokeDefaultSecurityGroupRulesArgv,
  type SecurityGroupRule,
} from './default-security-group';
import { missingAlarmDestination, type EnvironmentConfig } from '../../environments';
import { PROTECTED_TERRAFORM_TYPES } from '../../lib/core/resource-kinds';
import { alarmAddressCheck, atlasCredentialsCheck, certificateCheck, imageChecks, inputCheck, toolChecks, touches } from './preflight';
import { takeLeaseStep } from './lease';
import { reviewChangeSet, reviewTerraformPlan } from './review';
import { LOGICAL_ID, setStackPolicyArgv } from './stack-policy';
import {
  atlasEnv,
  cdkContext,
  confirm,
  guard,
  RefusalError,
  refuseWithoutAccount,
  type CommandStep,
  type DeployBundle,
  type DeriveStep,
  type OpsOptions,
  type Plan,
  type PreflightCheck,
  type StackInfo,
  type Step,
} from './steps';

/** Whether deploys of this environment go through reviewed change sets and a saved Terraform plan. */
export function isReviewed(config: Pick<EnvironmentConfig, 'terminationProtection'>): boolean {
  // The environments whose stacks are protected from deletion are the ones whose data must survive a deploy.
  return config.terminationProtection;
}

/** What a reviewed deploy names its artefacts after: change set, assembly directory and Terraform plan file. */
export interface ReviewedArtefacts {
  /** CloudFormation change set name, one per stack (`[a-zA-Z][-a-zA-Z0-9]*`). */
  readonly changeSetName: string;
  /** Cloud assembly the change sets are prepared from and executed against. */
  readonly assemblyDir: string;
  /** Directory of the synthesized Atlas stack (Terraform's working directory). */
  readonly terraformDir: string;
  /** Saved Terraform plan, relative to terraformDir. */
  readonly planFile: string;
}

export function reviewedArtefacts(config: EnvironmentConfig, planId: string, bundle?: string): ReviewedArtefacts {
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(planId)) throw new Error(`plan id "${planId}" must be 1-63 of a-z 0-9 -, starting with a letter`);
  const changeSetName = `${ResourceNames.of(config).prefix}-${planId}`;
  // A plan bundle (--prepare-only --bundle <dir>) holds the
  // assembly and the Atlas stack in one directory: one artifact.
  return {
    changeSetName,
    assemblyDir: bundle ? `${bundle}/assembly` : `cdk.out/reviewed/${changeSetName}`,
    terraformDir: `${bundle ? `${bundle}/cdktf.out` : 'cdktf.out'}/stacks/${atlasStackName(config.name)}`,
    planFile: `${changeSetName}.tfplan`,
  };
}

/**
 * The bundle.json that `deploy --prepare-only` writes once every
 * change set and the plan were prepared and passed review.
 */
export function deployBundle(
  config: EnvironmentConfig,
  options: OpsOptions,
  stacks: readonly StackInfo[],
): DeployBundle {
  const artefacts = reviewedArtefacts(config, options.planId!, options.bundle);
  return {
    version: 1,
    environment: config.name,
    account: (options.account ?? config.account)!,
    ...(options.commit ? { commit: options.commit } : {}),
    ...(options.imageTag ? { imageTag: options.imageTag } : {}),
    ...(options.certificateArn ? { certificateArn: options.certificateArn } : {}),
    ...(options.alarmEmails && options.alarmEmails.length > 0 ? { alarmEmails: options.alarmEmails } : {}),
    planId: options.planId!,
    ...(options.allowReplace && options.allowReplace.length > 0 ? { allowReplace: options.allowReplace } : {}),
    ...artefacts,
    stacks: stacks.map((s) => s.stackName),
  };
}

/**
 * Reads a bundle.json for `deploy --execute`: refuses another environment, another commit or image tag than
 * the one this job releases, and a bundle whose stacks are not this environment's.
 */
export function readDeployBundle(text: string, config: EnvironmentConfig, options: Pick<OpsOptions, 'commit' | 'imageTag'>, stacks: readonly StackInfo[]): DeployBundle {
  let bundle: DeployBundle;
  try {
    bundle = JSON.parse(text) as DeployBundle;
  } catch {
    throw new RefusalError('the plan bundle\'s bundle.json is not JSON: download the artifact of the prepare job unchanged');
  }
  if (bundle.version !== 1) throw new RefusalError(`plan bundle version ${String(bundle.version)} is not 1: prepare it again with this commit`);
  if (bundle.environment !== config.name) throw new RefusalError(`the plan bundle was prepared for ${bundle.environment}, not ${config.name}: download ${config.name}'s artifact`);
  if (options.commit && bundle.commit !== options.commit) throw new RefusalError(`the plan bundle was prepared from commit ${bundle.commit ?? '(none)'}, not ${options.commit}: execute only what was prepared for this release`);
  if (options.imageTag && bundle.imageTag !== options.imageTag) throw new RefusalError(`the plan bundle deploys image tag ${bundle.imageTag ?? '(none)'}, not ${options.imageTag}: execute only what was prepared for this release`);
  const expected = stacks.map((s) => s.stackName);
  if (JSON.stringify(bundle.stacks) !== JSON.stringify(expected)) throw new RefusalError(`the plan bundle holds stacks ${bundle.stacks.join(', ')}, expected ${expected.join(', ')}`);
  const artefacts = reviewedArtefacts(config, bundle.planId, bundle.assemblyDir.replace(/\/assembly$/, ''));
  for (const key of ['changeSetName', 'assemblyDir', 'terraformDir', 'planFile'] as const) {
    if (bundle[key] !== artefacts[key]) throw new RefusalError(`the plan bundle's ${key} "${bundle[key]}" is not "${artefacts[key]}": download the artifact of the prepare job unchanged`);
  }
  return bundle;
}

/**
 * Without an image tag the services are parked at 0 tasks (see docs/services.md). In staging and prod a
 * deploy for an unrelated change would therefore stop every service: it must name the release to run,
 * or say explicitly that parking is intended (first deploy, before any image is pushed).
 */
export function imageTagProblem(config: EnvironmentConfig, options: OpsOptions, stacks: readonly StackInfo[], command = 'deploy'): string | undefined {
  if (!config.terminationProtection || !stacks.some((s) => s.component === 'services')) return undefined;
  if (options.imageTag ?? config.services.imageTag) {
    return options.parkServices ? '--park-services and --image-tag contradict each other: pick one' : undefined;
  }
  if (options.parkServices) return undefined;
  return `refusing to ${command} ${config.name} without --image-tag: without one every service is set to 0 tasks. Pass --image-tag <tag of the release that should run> (see the running task definition: aws ecs describe-services --cluster ${ResourceNames.of(config).name('cluster')} --services ${ResourceNames.of(config).name('api')}), or --park-services for a first deploy before any image exists`;
}

/**
 * An HTTPS-only environment (staging, prod) without a certificate would stop half way: CloudFormation
 * parameters are checked only when the services stack deploys ("The following CloudFormation Parameters
 * are missing a value: ApiCertificateArn"), after the stateful stacks and Atlas have changed.
 */
export function certificateProblem(config: EnvironmentConfig, options: OpsOptions, stacks: readonly StackInfo[], command = 'deploy'): string | undefined {
  if (!config.services.httpsOnly || !stacks.some((s) => s.component === 'services')) return undefined;
  if (options.certificateArn ?? config.services.certificateArn) return undefined;
  return `refusing to ${command} ${config.name} without --certificate-arn: ${config.name} is HTTPS-only, and the services stack cannot be created without the ACM certificate of the api (arn:aws:acm:${config.region}:<account>:certificate/<id>)`;
}

/**
 * Staging and prod alarms must reach someone. The monitoring template refuses an empty address too (a
 * template rule, for raw `cdk deploy`), but only when that stack deploys, after everything else changed.
 */
export function alarmDestinationProblem(config: EnvironmentConfig, options: OpsOptions, stacks: readonly StackInfo[], command = 'deploy'): string | undefined {
  if (!stacks.some((s) => s.component === 'monitoring')) return undefined;
  if (options.alarmEmails && options.alarmEmails.length > 0) return undefined;
  const missing = missingAlarmDestination(config, 'Pass --alarm-email oncall@example.com[,...]');
  return missing ? `refusing to ${command}: ${missing}` : undefined;
}

/** The release inputs deploy requires (image tag, certificate, alarm address): refused before any plan is made. */
export function requireReleaseInputs(config: EnvironmentConfig, options: OpsOptions, stacks: readonly StackInfo[], command = 'deploy'): void {
  for (const problem of [imageTagProblem, certificateProblem, alarmDestinationProblem]) {
    const refusal = problem(config, options, stacks, command);
    if (refusal) throw new RefusalError(refusal);
  }
}

/**
 * Deploy's preflight: the tools, the Atlas credentials, the alarm addresses in effect and, with the
 * credentials, the certificate and the release's images (./preflight.ts). `inputs` adds the release-input
 * refusals as checks (doctor reports them instead of refusing).
 */
export function deployPreflight(
  config: EnvironmentConfig,
  options: OpsOptions,
  stacks: readonly StackInfo[],
  inputs = false,
): PreflightCheck[] {
  const checks: PreflightCheck[] = [...toolChecks(), atlasCredentialsCheck(config)];
  if (inputs) {
    checks.push(inputCheck('an image tag (or --park-services)', imageTagProblem(config, options, stacks, 'deploy')));
    checks.push(inputCheck('a certificate for HTTPS', certificateProblem(config, options, stacks, 'deploy')));
  }
  if (touches(stacks, 'monitoring')) checks.push(alarmAddressCheck(config, options, inputs ? alarmDestinationProblem(config, options, stacks, 'deploy') : undefined));
  const certificateArn = options.certificateArn ?? config.services.certificateArn;
  if (certificateArn && touches(stacks, 'services')) checks.push(certificateCheck(config, options, certificateArn));
  const tag = options.imageTag ?? config.services.imageTag;
  if (tag && touches(stacks, 'services')) checks.push(...imageChecks(config, tag));
  return checks;
}

/**
 * A stateless stack re-created after a destroy adopts what the destroy retained under a fixed name (ECR
 * repositories, `/marin/{env}/ecs/*` and `aws-waf-logs-*` log groups): CloudFormation imports a named
 * resource with a Retain/RetainExceptOnCreate policy instead of failing with "already exists". On a stack
 * that already manages them the flag changes nothing. Stateful stacks are never destroyed outside dev.
 */
function adoptRetained(stacks: readonly StackInfo[]): string[] {
  return stacks.length > 0 && stacks.every((s) => !s.stateful) ? ['--import-existing-resources'] : [];
}

/**
 * --allow-replace: whole CloudFormation logical ids (alphanumeric) or whole addresses of a protected
 * Terraform type, in reviewed environments only (dev applies directly and refuses nothing).
 */
function checkAllowReplace(config: EnvironmentConfig, options: OpsOptions): void {
  const values = options.allowReplace ?? [];
  if (values.length === 0) return;
  if (!isReviewed(config)) {
    throw new RefusalError(`--allow-replace applies to reviewed deploys (staging, prod) only: ${config.name} applies directly and refuses no replacement, so ${values.join(', ')} would lift nothing`);
  }
  const address = new RegExp(`^(${PROTECTED_TERRAFORM_TYPES.join('|')})\\.[A-Za-z0-9_-]+(\\[[^\\]]+\\])?$`);
  const bad = values.filter((value) => !LOGICAL_ID.test(value) && !address.test(value));
  if (bad.length > 0) {
    throw new RefusalError(
      `refusing --allow-replace ${bad.join(', ')}: each value must be a whole CloudFormation logical id (letters and digits, e.g. StorageRecordingsBucket6E1A2B3C) or a whole Terraform address of ${PROTECTED_TERRAFORM_TYPES.join(', ')} (e.g. mongodbatlas_advanced_cluster.atlas-cluster_cluster_4A1B2C3D), as the review prints it`,
    );
  }
}

function cdkDeploy(
  config: EnvironmentConfig,
  options: OpsOptions,
  stacks: readonly StackInfo[],
  label: string,
  approved: boolean,
  force: boolean,
): CommandStep {
  return {
    kind: 'command',
    description: `deploy ${label} CDK stacks: ${stacks.map((s) => s.stackName).join(', ')}`,
    changes: true,
    argv: [
      'npx', 'cdk', 'deploy', ...cdkContext(config, options, true), ...stacks.map((s) => s.stackName),
      // Exactly these stacks: the order between the groups is this plan's job.
      '--exclusively',
      // Weak cross-stack references (Fn::GetStackOutput) are resolved only when the consumer stack is
      // updated: force the update so replaced data-stack resources reach the services.
      ...(force ? ['--force'] : []),
      ...adoptRetained(stacks),
      // Unconfirmed runs keep the CDK's own prompt for IAM/security-group broadening.
      '--require-approval', approved ? 'never' : 'broadening',
    ],
  };
}

/**
 * prepare -> describe/review -> confirm -> execute, for one CDK stack
 * (only the first two with --prepare-only, the last three with --execute).
 */
function reviewedStack(
  config: EnvironmentConfig,
  options: OpsOptions,
  stack: StackInfo,
  artefacts: ReviewedArtefacts,
  force: boolean,
): Step[] {
  const { changeSetName, assemblyDir } = artefacts;
  const prepare: Step[] = options.executeBundle
    ? []
    : [
      {
        kind: 'command',
        description: `prepare change set ${changeSetName} of ${stack.stackName} (CloudFormation computes it; nothing is executed)`,
        changes: true,
        argv: [
          'npx', 'cdk', 'deploy', ...cdkContext(config, options, true), stack.stackName, '--exclusively',
          '--method=prepare-change-set', '--change-set-name', changeSetName, '--output', assemblyDir,
          ...(force ? ['--force'] : []),
          ...adoptRetained([stack]),
          // The change set is reviewed below, before anything is executed.
          '--require-approval', 'never',
        ],
      },
    ];
  const steps: Step[] = [
    ...prepare,
    {
      kind: 'review',
      description: `review change set ${changeSetName} of ${stack.stackName}: refuse replacing or removing stateful or fixed-name resources`,
      changes: false,
      argv: ['aws', 'cloudformation', 'describe-change-set', '--stack-name', stack.stackName, '--change-set-name', changeSetName, '--region', config.region, '--output', 'json'],
      key: stack.stackName,
      review: (stdout) => reviewChangeSet(stdout, options.allowReplace ?? []),
    },
  ];
  if (options.prepareOnly) return steps;
  if (!options.yes) steps.push(confirm(config, `execute change set ${changeSetName} on ${stack.stackName} as reviewed above`));
  steps.push({
    kind: 'command',
    description: `CloudFormation executes the reviewed change set ${changeSetName} on ${stack.stackName} (cdk: no new synth, waits for the stack)`,
    changes: true,
    argv: ['npx', 'cdk', 'deploy', '-a', assemblyDir, stack.stackName, '--method=execute-change-set', '--change-set-name', changeSetName, '--require-approval', 'never'],
    skipIfUnchanged: stack.stackName,
    // Set at the first create, re-applied on every deploy, lifted only for the ids the review allowed.
    stackPolicy: {
      stackName: stack.stackName,
      setPolicy: (lifted) => setStackPolicyArgv(stack.stackName, config.region, lifted),
    },
  });
  return steps;
}

/** synth -> init -> plan -out -> show -> review -> confirm -> apply <planfile>, for the Atlas stack. */
function reviewedAtlas(config: EnvironmentConfig, options: OpsOptions, artefacts: ReviewedArtefacts): Step[] {
  const { terraformDir, planFile } = artefacts;
  const env = atlasEnv(config, options);
  const terraform = (...args: string[]): string[] => ['terraform', `-chdir=${terraformDir}`, ...args];
  const key = atlasStackName(config.name);
  const output = terraformDir.replace(/\/stacks\/[^/]+$/, '');
  const steps: Step[] = [
    ...(options.executeBundle
      ? []
      : [{ kind: 'command' as const, description: `synthesize the Atlas stack ${key} (CDKTF) into ${terraformDir}`, changes: false, argv: ['npx', 'cdktf', 'synth', ...(output === 'cdktf.out' ? [] : ['--output', output])], env }]),
    { kind: 'command', description: `terraform init of ${key} (state: the account's S3 bucket)`, changes: false, argv: terraform('init', '-input=false'), env },
    ...(options.executeBundle
      ? []
      : [
        { kind: 'command' as const, description: `plan ${key} into the saved plan ${planFile}`, changes: false, argv: terraform('plan', '-input=false', `-out=${planFile}`), env },
        { kind: 'command' as const, description: `show the saved plan ${planFile}`, changes: false, argv: terraform('show', planFile), env },
      ]),
    {
      kind: 'review',
      description: `review the saved plan ${planFile}: refuse destroying or replacing the project, cluster, backup schedule or private endpoint`,
      changes: false,
      argv: terraform('show', '-json', planFile),
      env,
      key,
      review: (stdout) => reviewTerraformPlan(stdout, options.allowReplace ?? []),
    },
  ];
  if (options.prepareOnly) return steps;
  if (!options.yes) steps.push(confirm(config, `apply the saved plan ${planFile} to ${key} as reviewed above`));
  steps.push({
    kind: 'command',
    description: `Terraform applies the reviewed saved plan ${planFile} to ${key} (no new plan)`,
    changes: true,
    argv: terraform('apply', '-input=false', planFile),
    env,
    skipIfUnchanged: key,
  });
  return steps;
}

/** Example outputs for the dry run and the real-tool tests: an id as SSM returns it, and a new VPC's default rules. */
const SAMPLE_GROUP_ID = 'sg-0123456789abcdef0';
const SAMPLE_DEFAULT_RULES: { SecurityGroupRules: SecurityGroupRule[] } = {
  SecurityGroupRules: [
    { SecurityGroupRuleId: 'sgr-0aaaaaaaaaaaaaaa1', GroupId: SAMPLE_GROUP_ID, IsEgress: false },
    { SecurityGroupRuleId: 'sgr-0aaaaaaaaaaaaaaa2', GroupId: SAMPLE_GROUP_ID, IsEgress: true },
  ],
};

/**
 * After the network stack: remove every rule of the VPC's default security group (the templates have no
 * resource that can, and CDK's own way is a Lambda outside the VPC; the commands: ./default-security-group.ts).
 * Idempotent: a closed group yields no revoke command.
 */
function closeDefaultSecurityGroup(config: EnvironmentConfig): DeriveStep {
  const parameter = ResourceNames.of(config).parameterName(DEFAULT_SECURITY_GROUP_PARAMETER);
  return {
    kind: 'derive',
    description: `close the VPC's default security group (id from ${parameter})`,
    changes: true,
    argv: defaultSecurityGroupIdArgv(config.region, parameter),
    sampleOutput: `${SAMPLE_GROUP_ID}\n`,
    then: (stdout) => {
      const groupId = stdout.trim();
      return [
        {
          kind: 'derive',
          description: `list the rules of the default security group ${groupId}`,
          changes: true,
          argv: describeDefaultSecurityGroupRulesArgv(config.region, groupId),
          sampleOutput: JSON.stringify(SAMPLE_DEFAULT_RULES),
          then: (rules) => {
            const described = JSON.parse(rules) as { SecurityGroupRules: SecurityGroupRule[] };
            return revokeDefaultSecurityGroupRulesArgv(config.region, groupId, described).map(
              (argv): CommandStep => ({ kind: 'command', description: `revoke ${argv[2] === 'revoke-security-group-ingress' ? 'ingress' : 'egress'} rules of ${groupId}`, changes: true, argv }),
            );
          },
        },
      ];
    },
  };
}

function secretHasCurrentVersion(secretId: string): (stdout: string) => string | undefined {
  return (stdout) => {
    let stages: Record<string, string[]> | null;
    try {
      stages = JSON.parse(stdout) as Record<string, string[]> | null;
    } catch {
      return `could not read the versions of ${secretId}: ${stdout.trim() || '(no output)'}`;
    }
    const current = Object.values(stages ?? {}).some((labels) => labels.includes('AWSCURRENT'));
    return current ? undefined : `secret ${secretId} has no AWSCURRENT version: the stack that writes it has not set a value`;
  };
}

/** The CDK placeholder is a current version too: the value itself must have been replaced by the Atlas stack. */
function secretIsNotPlaceholder(secretId: string, placeholder: string): (stdout: string) => string | undefined {
  return (stdout) =>
    stdout.trim() === placeholder || stdout.includes(MONGODB_URI_PLACEHOLDER_PREFIX)
      ? `secret ${secretId} still holds the CDK placeholder: the Atlas stack did not write the connection string (re-run the Atlas step: npx cdktf deploy atlas-<env>)`
      : undefined;
}

/** Secrets whose current value the services read at start-up (the hand-off contract's secrets). */
export const CHECKED_SECRETS = Object.values(SECRET_NAMES);

function postDeployChecks(config: EnvironmentConfig, stacks: readonly StackInfo[]): CommandStep[] {
  const names = ResourceNames.of(config);
  const components = stacks.map((s) => s.component);
  const checks: CommandStep[] = [];
  if (components.includes('data')) {
    for (const secret of CHECKED_SECRETS) {
      const secretId = names.secretName(secret);
      checks.push({
        kind: 'command',
        description: `check: secret ${secretId} has a current value`,
        changes: false,
        argv: ['aws', 'secretsmanager', 'describe-secret', '--secret-id', secretId, '--region', config.region, '--query', 'VersionIdsToStages', '--output', 'json'],
        verify: secretHasCurrentVersion(secretId),
      });
    }
    const mongodbUri = names.secretName(SECRET_NAMES.mongodbUri);
    checks.push({
      kind: 'command',
      description: `check: secret ${mongodbUri} holds the connection string written by Atlas, not the CDK placeholder`,
      changes: false,
      argv: ['aws', 'secretsmanager', 'get-secret-value', '--secret-id', mongodbUri, '--region', config.region, '--query', 'SecretString', '--output', 'text'],
      verify: secretIsNotPlaceholder(mongodbUri, mongodbUriPlaceholder(config.name)),
    });
  }
  if (components.includes('services')) {
    checks.push({
      kind: 'command',
      description: 'check: every ECS service reached a steady state',
      changes: false,
      argv: [
        'aws', 'ecs', 'wait', 'services-stable', '--cluster', names.name('cluster'),
        '--services', ...SERVICE_NAMES.map((service) => names.name(service)), '--region', config.region,
      ],
    });
  }
  return checks;
}

/** Shared environments: the lease step, or a refusal when the deploy cannot say which branch and commit it is. */
function leaseStep(config: EnvironmentConfig, options: OpsOptions): Step {
  const commit = options.commit ?? options.gitCommit;
  if (!options.branch || !commit || !options.now) {
    throw new RefusalError(
      `refusing to deploy ${config.name} without naming the branch and commit: ${config.name} is shared by branches and a deploy takes its lease. Run from a git checkout, or pass --branch <name> --commit <sha>`,
    );
  }
  return takeLeaseStep(config, {
    branch: options.branch,
    commit,
    imageTag: options.imageTag ?? config.services.imageTag ?? 'parked (no image tag)',
    now: options.now,
    takeOver: options.takeOver === true,
  });
}

export function planDeploy(config: EnvironmentConfig, options: OpsOptions, stacks: readonly StackInfo[]): Plan {
  refuseWithoutAccount('deploy', config, options);
  requireReleaseInputs(config, options, stacks);
  checkAllowReplace(config, options);
  const stateful = stacks.filter((s) => s.stateful);
  const stateless = stacks.filter((s) => !s.stateful);
  // First, before anything changes: the preflight and the credentials.
  const steps: Step[] = [guard(config, options, deployPreflight(config, options, stacks))];
  if ((options.prepareOnly || options.executeBundle) && !isReviewed(config)) {
    throw new RefusalError(`${config.name} deploys directly (no reviewed change sets): --prepare-only and --execute are for staging and prod`);
  }
  if (options.prepareOnly && !options.bundle) throw new RefusalError('--prepare-only needs --bundle <dir>: the directory the pipeline uploads as the artifact');
  // Shared staging: the lease is taken by the run that changes the environment (not by --prepare-only,
  // which only computes change sets; its --execute half takes it).
  if (config.deployLease.enabled && !options.prepareOnly) steps.push(leaseStep(config, options));
  if (isReviewed(config)) {
    const bundle = options.executeBundle;
    const planId = bundle?.planId ?? options.planId;
    if (!planId) throw new Error('a reviewed deploy needs a plan id (options.planId) to name its change sets and plan file');
    const artefacts = bundle ?? reviewedArtefacts(config, planId, options.bundle);
    for (const stack of stateful) {
      steps.push(...reviewedStack(config, options, stack, artefacts, false));
      if (stack.component === 'network' && !options.prepareOnly) steps.push(closeDefaultSecurityGroup(config));
    }
    steps.push(...reviewedAtlas(config, options, artefacts));
    // Force the stateless stacks after a stateful deploy (weak references), as the direct path does.
    for (const stack of stateless) steps.push(...reviewedStack(config, options, stack, artefacts, stateful.length > 0));
  } else {
    const approved = options.yes;
    if (stateful.length > 0) steps.push(cdkDeploy(config, options, stateful, 'stateful', approved, false));
    if (stateful.some((s) => s.component === 'network')) steps.push(closeDefaultSecurityGroup(config));
    steps.push({
      kind: 'command',
      description: `deploy the Atlas stack (CDKTF): ${atlasStackName(config.name)}`,
      changes: true,
      argv: ['npx', 'cdktf', 'deploy', atlasStackName(config.name), ...(approved ? ['--auto-approve'] : [])],
      env: atlasEnv(config, options),
    });
    if (stateless.length > 0) steps.push(cdkDeploy(config, options, stateless, 'service', approved, stateful.length > 0));
  }
  if (!options.prepareOnly) steps.push(...postDeployChecks(config, stacks));
  return { command: 'deploy', environment: config.name, steps, ...(options.allowReplace?.length ? { allowReplace: options.allowReplace } : {}) };
}
