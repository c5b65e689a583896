/**
 * The tools the operator CLI runs, their minimum versions, and the one AWS CLI it runs.
 *
 * The AWS CLI is resolved once per process (`resolveAwsCli`): `AWS_CLI` when set, else the first `aws` on
 * PATH. It must be v2 at or above MIN_AWS_CLI_VERSION, the version every command of the plans and of
 * docs/runbook.md is checked against (test/ops/real-tools.test.ts resolves the same binary with the same
 * function). A v1 first on PATH (a pyenv or pip shim, common) is an error naming the v2 installs it hides.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/** package.json `engines.node`. */
export const MIN_NODE_VERSION = '20.19.0';
/** The CDK CLI the plans' flags and selectors are checked with (package.json devDependencies `aws-cdk`). */
export const MIN_CDK_CLI_VERSION = '2.1148.1';
/** S3-native state locking (`use_lockfile`). */
export const MIN_TERRAFORM_VERSION = '1.10.0';
/**
 * Debian bookworm's awscli (what .ci/run installs, the oldest v2 the commands are checked against). Every
 * aws command the plans and the runbook use exists in it; `sqs start-message-move-task` (2.13+) does not,
 * so the runbook's redrive uses receive/send/delete (README "Decisions").
 */
export const MIN_AWS_CLI_VERSION = '2.9.19';

/** `1.10.2` -> [1, 10, 2]; undefined when `text` holds no dotted version. */
export function parseVersion(text: string): number[] | undefined {
  const match = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)] : undefined;
}

/** Whether `version` (dotted) is at least `minimum`. */
export function atLeast(version: string, minimum: string): boolean {
  const a = parseVersion(version);
  const b = parseVersion(minimum)!;
  if (!a) return false;
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return true;
}

/** The version an `aws --version` prints (`aws-cli/2.9.19 Python/3.11.2 ...`). */
export function awsCliVersion(output: string): string | undefined {
  return /aws-cli\/(\d+\.\d+\.\d+)/.exec(output)?.[1];
}

export interface AwsCli {
  /** Absolute path of the binary every `aws` step runs. */
  readonly binary: string;
  readonly version: string;
  /** Why this one: `AWS_CLI` or the first on PATH. */
  readonly source: string;
}

export class AwsCliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AwsCliError';
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Every `aws` on PATH, in PATH order. */
export function awsOnPath(path: string | undefined): string[] {
  const seen = new Set<string>();
  return (path ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '')
    .map((dir) => join(dir, 'aws'))
    .filter(isExecutable)
    .filter((binary) => {
      // /bin and /usr/bin are one directory on merged-/usr systems: one binary, listed once.
      const real = realpathSync(binary);
      if (seen.has(real)) return false;
      seen.add(real);
      return true;
    });
}

/** Runs `<binary> --version`; stdout and stderr together (v1 prints its version on stderr). */
export type VersionProbe = (binary: string) => string;

const probeVersion: VersionProbe = (binary) => {
  const result = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return `${result.stdout ?? ''}${result.stderr ?? ''}`;
};

const INSTALL = `install AWS CLI v2 >= ${MIN_AWS_CLI_VERSION} (Debian/Ubuntu: apt-get install awscli; elsewhere AWS's installer for v2) and put it first on PATH, or set AWS_CLI=/path/to/aws`;

/**
 * The AWS CLI every `aws` step runs: `AWS_CLI` (an absolute path) when set, else the first `aws` on PATH.
 * Throws AwsCliError, naming the binary, its version and the fix, unless it is v2 at or above the minimum.
 */
export function resolveAwsCli(
  env: Readonly<Record<string, string | undefined>> = process.env,
  probe: VersionProbe = probeVersion,
): AwsCli {
  const chosen = env.AWS_CLI
    ? { binary: env.AWS_CLI, source: 'AWS_CLI' }
    : (() => {
      const first = awsOnPath(env.PATH)[0];
      return first ? { binary: first, source: 'the first aws on PATH' } : undefined;
    })();
  if (!chosen) throw new AwsCliError(`no AWS CLI found: no aws on PATH and AWS_CLI is not set; ${INSTALL}`);
  if (!isAbsolute(chosen.binary) || !isExecutable(chosen.binary)) throw new AwsCliError(`AWS_CLI=${chosen.binary} is not an executable file (it must be an absolute path); ${INSTALL}`);
  const version = awsCliVersion(probe(chosen.binary));
  if (version !== undefined && version.startsWith('2.') && atLeast(version, MIN_AWS_CLI_VERSION)) return { ...chosen, version };
  const others = awsOnPath(env.PATH)
    .filter((binary) => binary !== chosen.binary)
    .map((binary) => ({ binary, version: awsCliVersion(probe(binary)) }))
    .filter((o) => o.version?.startsWith('2.') && atLeast(o.version, MIN_AWS_CLI_VERSION));
  const found = version === undefined ? 'does not say which AWS CLI it is (aws --version)' : `is AWS CLI ${version}`;
  const hint = others.length > 0 ? ` (a usable v2 is further down PATH: ${others.map((o) => `${o.binary} ${o.version}`).join(', ')}; AWS_CLI=${others[0].binary} picks it)` : '';
  throw new AwsCliError(`${chosen.binary} (${chosen.source}) ${found}; the operator CLI needs AWS CLI v2 >= ${MIN_AWS_CLI_VERSION}: ${INSTALL}${hint}`);
}
