import type { EnvironmentConfig } from '../../environments';
import type { CliDeps } from '../../scripts/ops/cli';
import type { CallerIdentity, RunOptions, RunResult } from '../../scripts/ops/execute';
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
}

export interface Stub extends CliDeps {
  readonly calls: Call[];
  readonly out: string[];
  readonly err: string[];
  readonly prompts: string[];
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
    identityCalls: 0,
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
  };
  return stub;
}

/** The commands a stub ran, joined with spaces, e.g. "npx cdk deploy ...". */
export function commandsOf(stub: Stub): string[] {
  return stub.calls.map((call) => call.argv.join(' '));
}
