/**
 * Runs (or, with --dry-run, prints) a plan from ./plan.ts. Everything that reaches outside the
 * process — child processes, the AWS identity, the terminal — comes in as `OpsDeps`, so the tests
 * stub AWS and the CLIs completely.
 */
import type { Review } from './review';
import type { CheckResult, GuardStep, Plan, PreflightCheck, StackPolicyGuard, Step } from './steps';

export interface RunResult {
  readonly status: number;
  /** Captured stdout (only when `capture` was requested). */
  readonly stdout: string;
}

export interface RunOptions {
  readonly env?: Readonly<Record<string, string>>;
  /** Capture stdout instead of streaming it to the terminal. */
  readonly capture: boolean;
}

/** Who the current credentials are, and the region the AWS CLI and Terraform will use. */
export interface CallerIdentity {
  readonly account: string;
  readonly arn: string;
  /** undefined when no region is configured anywhere. */
  readonly region?: string;
}

/** A read-only probe of a preflight check: stdout and stderr captured, never streamed. */
export interface ProbeResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface OpsDeps {
  run(argv: readonly string[], options: RunOptions): Promise<RunResult>;
  /**
   * Runs a preflight check's command (read-only, captured); rejects when it cannot be started (the message says why).
   */
  probe(argv: readonly string[]): Promise<ProbeResult>;
  /** The CLI's environment variables (preflight checks of the Atlas credentials). */
  readonly env: Readonly<Record<string, string | undefined>>;
  identity(): Promise<CallerIdentity>;
  /** Asks a question on the terminal; rejects when there is no terminal. */
  prompt(question: string): Promise<string>;
  log(line: string): void;
  error(line: string): void;
}

/** Quotes an argument for display so the printed command can be pasted into a POSIX shell. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function formatCommand(argv: readonly string[], env?: Readonly<Record<string, string>>): string {
  const prefix = env ? Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)} `).join('') : '';
  return prefix + argv.map(shellQuote).join(' ');
}

/** One line per step plus its command(s); the dry-run output and the preamble of a real run. */
export function formatPlan(plan: Plan): string[] {
  const lines = [`plan: ${plan.command} ${plan.environment} (${plan.steps.length} steps; [change] = changes AWS or Atlas)`];
  plan.steps.forEach((step, i) => {
    const tag = step.changes ? '[change]' : '[read]  ';
    lines.push(`  ${String(i + 1).padStart(2)}. ${tag} ${step.description}`);
    for (const command of stepCommands(step)) lines.push(`        ${command}`);
  });
  return lines;
}

function stepCommands(step: Step): string[] {
  switch (step.kind) {
    case 'guard': {
      const check = (c: PreflightCheck): string[] => [`check: ${c.name}`, ...(c.argv ? [`  $ ${formatCommand(c.argv)}`] : [])];
      return [
        ...(step.checks ?? []).filter((c) => !c.needsCredentials).flatMap(check),
        `$ ${formatCommand(['aws', 'sts', 'get-caller-identity', '--output', 'json'])}`,
        ...(step.checks ?? []).filter((c) => c.needsCredentials).flatMap(check),
      ];
    }
    case 'command':
      return [
        ...(step.stackPolicy ? [`  first, only when the review allowed --allow-replace ids: the stack policy below except exactly those ids (NotResource)`] : []),
        `$ ${formatCommand(step.argv, step.env)}`,
        ...(step.skipIfUnchanged ? [`  (skipped when the review of ${step.skipIfUnchanged} finds no changes)`] : []),
        ...(step.stackPolicy ? [`  then, also when it fails or is skipped: $ ${formatCommand(step.stackPolicy.setPolicy([]))}`] : []),
      ];
    case 'review':
      return [`$ ${formatCommand(step.argv, step.env)}`];
    case 'ensure':
      return [`$ ${formatCommand(step.check)}`, ...step.create.map((c) => `  if that fails (missing): $ ${formatCommand(c)}`)];
    case 'confirm':
      return [];
    case 'derive':
      return [
        `$ ${formatCommand(step.argv)}`,
        ...step.then(step.sampleOutput).flatMap((next) => [`  then: ${next.description}`, ...stepCommands(next).map((line) => `    ${line}`)]),
      ];
  }
}

/** The guard's verdict: undefined when the credentials match, else a message that says what to fix. */
export function checkIdentity(
  identity: CallerIdentity,
  expectedAccount: string | undefined,
  expectedRegion: string,
  environment: string,
): string | undefined {
  if (expectedAccount !== undefined && identity.account !== expectedAccount) {
    return `account mismatch: your credentials (${identity.arn}) belong to account ${identity.account}, but ${environment} is account ${expectedAccount}. Switch credentials (AWS_PROFILE=...) or fix --account`;
  }
  if (identity.region === undefined) {
    return `no AWS region configured: ${environment} is in ${expectedRegion}; set AWS_REGION=${expectedRegion}`;
  }
  if (identity.region !== expectedRegion) {
    return `region mismatch: your AWS region is ${identity.region}, but ${environment} is in ${expectedRegion}; set AWS_REGION=${expectedRegion}`;
  }
  return undefined;
}

async function runCheck(check: PreflightCheck, deps: OpsDeps): Promise<string | undefined> {
  let result: CheckResult = { status: 0, stdout: '', stderr: '', env: deps.env };
  if (check.argv) {
    try {
      result = { ...(await deps.probe(check.argv)), env: deps.env };
    } catch (error) {
      result = { status: -1, stdout: '', stderr: '', error: (error as Error).message, env: deps.env };
    }
  }
  return check.verify(result);
}

/**
 * The guard step: the preflight checks that need no credentials, the identity, then those that read AWS.
 * Every check runs (those needing credentials only once the identity passed), each printed ok or FAIL;
 * returns an exit code when anything failed, undefined when the plan may go on.
 */
async function runGuard(step: GuardStep, plan: Plan, deps: OpsDeps): Promise<number | undefined> {
  const checks = step.checks ?? [];
  const failures: string[] = [];
  const report = async (check: PreflightCheck): Promise<void> => {
    const problem = await runCheck(check, deps);
    deps.log(`  ${problem ? 'FAIL' : 'ok  '}  ${check.name}`);
    if (problem) failures.push(`${check.name}: ${problem}`);
  };
  for (const check of checks.filter((c) => !c.needsCredentials)) await report(check);
  let identityProblem: string | undefined;
  let identity: CallerIdentity | undefined;
  try {
    identity = await deps.identity();
    identityProblem = checkIdentity(identity, step.expectedAccount, step.expectedRegion, plan.environment);
  } catch (error) {
    const awsCheck = checks.some((c) => c.argv?.[0] === 'aws' && c.argv[1] === '--version');
    identityProblem =
      (error as Error).name === 'AwsCliError'
        ? `could not check your AWS identity: ${awsCheck ? 'no usable AWS CLI (see the AWS CLI check)' : (error as Error).message}`
        : `could not determine your AWS identity (${(error as Error).message}); log in (aws sso login / AWS_PROFILE) and retry`;
  }
  const later = checks.filter((c) => c.needsCredentials);
  if (identityProblem) {
    failures.push(identityProblem);
    for (const check of later) deps.log(`  skip  ${check.name} (needs the credentials)`);
  } else {
    deps.log(`credentials ok: ${identity!.arn} (account ${identity!.account}, region ${identity!.region})`);
    for (const check of later) await report(check);
  }
  if (failures.length === 0) {
    if (checks.length > 0) deps.log(`preflight ok: ${checks.length} checks passed`);
    return undefined;
  }
  if (failures.length === 1) {
    deps.error(`error: ${failures[0]}`);
    if (checks.length > 0) deps.log('preflight failed: nothing in AWS or Atlas was changed');
  } else {
    deps.error(`error: preflight failed, nothing in AWS or Atlas was changed (${failures.length} problem${failures.length > 1 ? 's' : ''}):`);
    for (const failure of failures) deps.error(`  - ${failure}`);
  }
  return 1;
}

/**
 * Executes a plan step by step and returns the exit code. Stops at the first failure; never runs a
 * changing step before the identity guard has passed.
 */
export async function executePlan(
  plan: Plan,
  deps: OpsDeps,
  options: { dryRun: boolean; onReview?: (key: string, review: Review) => void },
): Promise<number> {
  if (plan.steps.length === 0) {
    deps.log(`nothing to ${plan.command} in ${plan.environment}`);
    return 0;
  }
  for (const line of formatPlan(plan)) deps.log(line);
  if (options.dryRun) {
    deps.log('dry run: nothing was executed');
    return 0;
  }

  let guarded = false;
  const reviews = new Map<string, Review>();
  /**
   * Sets a stack's policy (lifted for `lifted`, or the protective
   * one); a failure is an exit code, with the command to re-run.
   */
  const setPolicy = async (
    policy: StackPolicyGuard,
    lifted: readonly string[],
    label: string,
  ): Promise<number | undefined> => {
    const argv = policy.setPolicy(lifted);
    deps.log(lifted.length > 0 ? `stack policy of ${policy.stackName}: lifted for ${lifted.join(', ')} (this execution only)` : `stack policy of ${policy.stackName}: protective (replace/remove of stateful and fixed-name resources denied)`);
    const result = await deps.run(argv, { capture: false });
    if (result.status === 0) return undefined;
    deps.error(
      lifted.length > 0
        ? `error: ${label}: could not lift the stack policy of ${policy.stackName} (exit ${result.status}); nothing was executed: ${formatCommand(argv)}`
        : `error: ${label}: the protective stack policy of ${policy.stackName} is NOT in place (exit ${result.status}); set it before anything else: ${formatCommand(argv)}`,
    );
    return result.status;
  };
  // Returns an exit code to stop with, or undefined to go on.
  const runSteps = async (steps: readonly Step[], prefix: string): Promise<number | undefined> => {
    for (const [index, step] of steps.entries()) {
      const label = prefix === '' ? `step ${index + 1}/${steps.length}` : `step ${prefix}${index + 1}`;
      deps.log(`\n==> ${label}: ${step.description}`);
      if (step.changes && !guarded) {
        deps.error(`error: ${label} would change ${plan.environment} before the credentials were checked; refusing (the plan has no guard step)`);
        return 1;
      }
      if (step.kind === 'command' && step.skipIfUnchanged !== undefined && reviews.get(step.skipIfUnchanged)?.empty) {
        deps.log(`skipped: the review of ${step.skipIfUnchanged} found nothing to change`);
        if (step.stackPolicy) {
          const status = await setPolicy(step.stackPolicy, [], label);
          if (status !== undefined) return status;
        }
        continue;
      }
      switch (step.kind) {
        case 'guard': {
          const status = await runGuard(step, plan, deps);
          if (status !== undefined) return status;
          guarded = true;
          break;
        }
        case 'confirm': {
          let answer: string;
          try {
            answer = await deps.prompt(`Type "${step.expected}" to continue: `);
          } catch (error) {
            deps.error(`error: ${step.description} needs an answer, but ${(error as Error).message}; run it in a terminal or pass --yes`);
            return 1;
          }
          if (answer.trim() !== step.expected) {
            deps.error(`aborted: expected "${step.expected}", got "${answer.trim()}"; nothing after step ${index} was run`);
            return 1;
          }
          break;
        }
        case 'ensure': {
          const check = await deps.run(step.check, { capture: true });
          if (check.status === 0) {
            deps.log('already in place');
            break;
          }
          for (const create of step.create) {
            const result = await deps.run(create, { capture: false });
            if (result.status !== 0) {
              deps.error(`error: ${label} failed (exit ${result.status}): ${formatCommand(create)}`);
              return result.status;
            }
          }
          break;
        }
        case 'review': {
          const result = await deps.run(step.argv, { env: step.env, capture: true });
          if (result.status !== 0) {
            deps.error(`error: ${label} failed (exit ${result.status}): ${formatCommand(step.argv, step.env)}`);
            return result.status;
          }
          const review = step.review(result.stdout);
          for (const line of review.lines) deps.log(`  ${line}`);
          if (review.problem) {
            deps.error(`refused: ${review.problem}; nothing of ${step.key} was applied`);
            return 1;
          }
          reviews.set(step.key, review);
          options.onReview?.(step.key, review);
          break;
        }
        case 'command': {
          const policy = step.stackPolicy;
          const lifted = policy && step.skipIfUnchanged !== undefined
            ? (reviews.get(step.skipIfUnchanged)?.allowed ?? [])
            : [];
          if (policy && lifted.length > 0) {
            const status = await setPolicy(policy, lifted, label);
            if (status !== undefined) return status;
          }
          const capture = step.verify !== undefined || step.report !== undefined;
          const result = await deps.run(step.argv, { env: step.env, capture });
          // Restored whatever the execution did: a lifted policy must never outlive this one execution.
          const restored = policy ? await setPolicy(policy, [], label) : undefined;
          if (result.status !== 0 && !(step.okExitCodes ?? []).includes(result.status)) {
            deps.error(`error: ${label} failed (exit ${result.status}): ${formatCommand(step.argv, step.env)}`);
            return result.status;
          }
          if (restored !== undefined) return restored;
          for (const line of step.report?.(result.stdout) ?? []) deps.log(line);
          const problem = step.verify?.(result.stdout);
          if (problem) {
            deps.error(`error: ${label}: ${problem}`);
            return 1;
          }
          break;
        }
        case 'derive': {
          const result = await deps.run(step.argv, { capture: true });
          if (result.status !== 0) {
            deps.error(`error: ${label} failed (exit ${result.status}): ${formatCommand(step.argv)}`);
            return result.status;
          }
          let next: readonly Step[];
          try {
            next = step.then(result.stdout);
          } catch (error) {
            deps.error(`error: ${label}: ${(error as Error).message}`);
            return 1;
          }
          if (next.length === 0) deps.log('nothing further to do');
          const status = await runSteps(next, `${prefix}${index + 1}.`);
          if (status !== undefined) return status;
          break;
        }
      }
    }
    return undefined;
  };
  const status = await runSteps(plan.steps, '');
  if (status !== undefined) return status;
  const used = new Set([...reviews.values()].flatMap((review) => review.allowed ?? []));
  const unknown = (plan.allowReplace ?? []).filter((id) => !used.has(id));
  if (unknown.length > 0) {
    deps.error(
      `error: --allow-replace named ${unknown.join(', ')}, which no reviewed change set or plan replaces or removes: ids match whole (copy them from a review's [REFUSED] line); nothing was lifted for them`,
    );
    return 1;
  }
  deps.log(`\n${plan.command} ${plan.environment}: done`);
  return 0;
}
