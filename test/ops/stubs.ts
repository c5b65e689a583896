import type { EnvironmentConfig } from '../../environments';
import type { CliDeps } from '../../scripts/ops/cli';
import type { CallerIdentity, ProbeResult, RunOptions, RunResult } from '../../scripts/ops/execute';
import { stackInventory } from '../../scripts/ops/plan';

export interface Call {
  readonly argv: readonly string[];
  readonly options: RunOptions;
}

export interface StubOptions {
  /** Caller identity the stubbed STS returns, or an Error to throw. */
  readonly identity?: CallerIdentity | Error;
  /** Answer to a typed confirmation, or an Error (no terminal). */
  readonly answer?: string | Error;
  /** Result per command, chosen by the first matching predicate; default exit 0, empty stdout. */
  readonly results?: Array<[(argv: readonly string[]) => boolean, RunResult]>;
  /** Stack components the app defines; default every STACK_COMPONENTS entry. */
  readonly components?: readonly string[];
  /**
   * Answer per preflight probe, chosen by the first matching
   * predicate before PREFLIGHT_OK; an Error: the probe cannot start.
   */
  readonly probes?: Array<[(argv: readonly string[]) => boolean, ProbeResult | Error]>;
  /** The CLI's environment variables; default ATLAS_ENV (Atlas keys and org id set). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The git checkout's branch and commit (null: not a checkout); default TEST_GIT. */
  readonly git?: { branch: string; commit: string } | null;
  /** The clock; default TEST_NOW. */
  readonly now?: string;
}

/** The checkout the stubbed CLI runs in, and its clock. */
export const TEST_GIT = { branch: 'feature-a', commit: '0123456789abcdef0123456789abcdef01234567' };
export const TEST_NOW = '2026-01-05T12:00:00Z';

/** Atlas credentials as an operator exports them (sentinel values). */
export const ATLAS_ENV = { MONGODB_ATLAS_PUBLIC_KEY: 'qzxkpublic', MONGODB_ATLAS_PRIVATE_KEY: 'sentinel-private', TF_VAR_atlas_org_id: '5f1a2b3c4d5e6f7a8b9c0d1e' };

/**
 * What each preflight probe answers when all is well: the tools at their
 * pinned or minimum versions, an issued certificate, pushed images.
 */
export const PREFLIGHT_OK: Array<[(argv: readonly string[]) => boolean, ProbeResult]> = [
  [(argv) => argv[0] === 'node', { status: 0, stdout: 'v20.19.0\n', stderr: '' }],
  [(argv) => argv[1] === 'cdk', { status: 0, stdout: '2.1148.1 (build 0abc123)\n', stderr: '' }],
  [(argv) => argv[0] === 'terraform', { status: 0, stdout: '{"terraform_version":"1.10.0","platform":"linux_amd64"}\n', stderr: '' }],
  [(argv) => argv[0] === 'aws' && argv[1] === '--version', { status: 0, stdout: 'aws-cli/2.9.19 Python/3.11.2 Linux/6.1 source/x86_64.debian.12 prompt/off\n', stderr: '' }],
  [(argv) => argv[1] === 'acm', { status: 0, stdout: 'ISSUED\n', stderr: '' }],
  [(argv) => argv[1] === 'ecr', { status: 0, stdout: '["1.4.2"]\n', stderr: '' }],
];

export interface Stub extends CliDeps {
  readonly calls: Call[];
  readonly out: string[];
  readonly err: string[];
  readonly prompts: string[];
  /** The preflight probes run, joined with spaces. */
  readonly probes: string[];
  identityCalls: number;
}

export const DEFAULT_SG_ID = 'sg-0d5f0d5f0d5f0d5f0';
/** Answers every plan needs to go on: the default security group's id and its two default rules (ingress, egress). */
const DEFAULT_RESULTS: Array<[(argv: readonly string[]) => boolean, RunResult]> = [
  [(argv) => argv[1] === 'ssm' && argv[2] === 'get-parameter', { status: 0, stdout: `${DEFAULT_SG_ID}\n` }],
  [
    (argv) => argv[1] === 'ec2' && argv[2] === 'describe-security-group-rules',
    {
      status: 0,
      stdout: JSON.stringify({
        SecurityGroupRules: [
          { SecurityGroupRuleId: 'sgr-0000000000000000a', GroupId: DEFAULT_SG_ID, IsEgress: false },
          { SecurityGroupRuleId: 'sgr-0000000000000000b', GroupId: DEFAULT_SG_ID, IsEgress: true },
        ],
      }),
    },
  ],
];

/** Stubbed AWS identity, child processes, prompt and inventory; records everything. */
export function stubDeps(options: StubOptions = {}): Stub {
  const stub: Stub = {
    calls: [],
    out: [],
    err: [],
    prompts: [],
    probes: [],
    identityCalls: 0,
    env: options.env ?? ATLAS_ENV,
    async probe(argv) {
      stub.probes.push(argv.join(' '));
      const match = [...(options.probes ?? []), ...PREFLIGHT_OK].find(([predicate]) => predicate(argv));
      if (!match) throw new Error(`the stub has no answer for the probe ${argv.join(' ')}`);
      if (match[1] instanceof Error) throw match[1];
      return match[1];
    },
    async run(argv, runOptions) {
      stub.calls.push({ argv, options: runOptions });
      const match = [...(options.results ?? []), ...DEFAULT_RESULTS].find(([predicate]) => predicate(argv));
      return match ? match[1] : { status: 0, stdout: '' };
    },
    async identity() {
      stub.identityCalls++;
      const identity = options.identity ?? { account: '111111111111', arn: 'arn:aws:sts::111111111111:assumed-role/Ops/me', region: 'us-east-1' };
      if (identity instanceof Error) throw identity;
      return identity;
    },
    async prompt(question) {
      stub.prompts.push(question);
      const answer = options.answer ?? '';
      if (answer instanceof Error) throw answer;
      return answer;
    },
    log: (line) => stub.out.push(line),
    error: (line) => stub.err.push(line),
    inventory: (config: EnvironmentConfig) => stackInventory(config, options.components),
    planId: () => 'r1',
    gitSource: async () => options.git === null ? undefined : (options.git ?? TEST_GIT),
    now: () => options.now ?? TEST_NOW,
  };
  return stub;
}

/** The commands a stub ran, joined with spaces, e.g. "npx cdk deploy ...". */
export function commandsOf(stub: Stub): string[] {
  return stub.calls.map((call) => call.argv.join(' '));
}
