/**
 * Realistic mistakes, one per entry, for `npm run mutation`. Each must be caught ("killed") by at
 * least one test of `tests`. `find` must occur exactly once in `file` (one occurrence keeps the
 * mutation unambiguous); when the code moves on and it no longer does, the runner reports the
 * mutation as "no longer applies" (distinct from "survived"): rewrite `find` against the new code.
 * The first 25 are the hand-made drill of issue 15 (four of them survived before it); the rest
 * extend it.
 */

export interface Edit {
  /** Path from the repository root. */
  readonly file: string;
  /** Exact text to replace; must occur exactly once in the file. */
  readonly find: string;
  readonly replace: string;
}

export interface Mutation extends Edit {
  /** Short kebab-case id, unique. */
  readonly id: string;
  /** What a careless change would break, and why a test must notice. */
  readonly why: string;
  /** Jest paths (files or directories under test/) that should kill it. */
  readonly tests: readonly string[];
  /** Further edits applied together with the main one (a mistake spread over two places). */
  readonly also?: readonly Edit[];
  /** The tests need no CDK synth (Atlas-only, cost-table-only): skips the jest global setup. */
  readonly skipCdkSynth?: boolean;
}

export const MUTATIONS: readonly Mutation[] = [
  {
    id: 'recordings-bucket-public',
    why: 'Call recordings must never be publicly readable: block public access off on the data buckets.',
    file: 'lib/data/data-buckets.ts',
    find: 'blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,',
    replace: 'blockPublicAccess: new s3.BlockPublicAccess({ blockPublicAcls: false, blockPublicPolicy: false, ignorePublicAcls: false, restrictPublicBuckets: false }),',
    tests: ['test/data/buckets.test.ts', 'test/core/compliance.test.ts'],
  },
  {
    id: 'queue-without-dlq',
    why: 'Every queue has a dead-letter queue: a poison message would otherwise loop until it expires.',
    file: 'lib/data/work-queues.ts',
    find: 'deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: queues.maxReceiveCount },',
    replace: '',
    tests: ['test/data/queues.test.ts'],
  },
  {
    id: 'prod-nat-3-to-1',
    why: 'prod is HA across 3 AZs: one NAT gateway makes egress a single point of failure.',
    file: 'environments/prod.ts',
    find: 'natGateways: 3,',
    replace: 'natGateways: 1,',
    tests: ['test/network'],
  },
  {
    id: 'prod-log-retention-30-to-7',
    why: 'Seed: prod keeps logs 30 days.',
    file: 'environments/prod.ts',
    find: 'logRetentionDays: 30,',
    replace: 'logRetentionDays: 7,',
    tests: ['test/network', 'test/environments'],
  },
  {
    id: 'prod-waf-removed',
    why: 'Seed: prod has a WAF in front of the ALB.',
    file: 'environments/prod.ts',
    find: 'waf: { enabled: true,',
    replace: 'waf: { enabled: false,',
    tests: ['test/services/services.test.ts', 'test/environments'],
  },
  {
    id: 's3-star-on-star',
    why: 'Least privilege: a task role granted s3:* on * could read and delete every bucket of the account.',
    file: 'lib/data/service-identities.ts',
    find: 'iam.Grant.addToPrincipal({ grantee: role, actions, resourceArns });',
    replace: "iam.Grant.addToPrincipal({ grantee: role, actions: [...actions, 's3:*'], resourceArns: [...resourceArns, '*'] });",
    tests: ['test/data/identities.test.ts', 'test/core/compliance.test.ts'],
  },
  {
    id: 'cache-tls-off',
    why: 'The cache holds session data: in-transit encryption is required.',
    file: 'lib/data/cache.ts',
    find: 'transitEncryptionEnabled: true,',
    replace: 'transitEncryptionEnabled: false,',
    tests: ['test/data/cache.test.ts'],
  },
  {
    id: 'cache-failover-off',
    why: 'Seed: staging and prod Redis is HA with automatic failover.',
    file: 'lib/data/cache.ts',
    find: 'automaticFailoverEnabled: cache.highAvailability,',
    replace: 'automaticFailoverEnabled: false,',
    tests: ['test/data/cache.test.ts', 'test/environments'],
  },
  {
    id: 'atlas-pit-off',
    why: 'Seed: prod Atlas has continuous backup (point-in-time restore).',
    file: 'atlas/lib/atlas-cluster.ts',
    find: 'pitEnabled: atlas.continuousBackup,',
    replace: 'pitEnabled: false,',
    tests: ['test/atlas'],
    skipCdkSynth: true,
  },
  {
    id: 'prod-atlas-m20-to-m10',
    why: 'Seed: prod Atlas is M20.',
    file: 'environments/prod.ts',
    find: "instanceSize: 'M20',",
    replace: "instanceSize: 'M10',",
    tests: ['test/atlas'],
    skipCdkSynth: true,
  },
  {
    id: 'atlas-shared-state-key',
    why: 'One Terraform state per environment: a shared key lets a dev apply destroy the prod cluster.',
    file: 'atlas/lib/state-backend.ts',
    find: 'return `atlas/${config.name}/terraform.tfstate`;',
    replace: "return 'atlas/terraform.tfstate';",
    tests: ['test/atlas'],
    skipCdkSynth: true,
  },
  {
    id: 'mongodb-secret-renamed-one-side',
    why: 'Seed: services read {env}/audio-pipeline/mongodb-uri; renaming it breaks the Atlas -> services handoff.',
    file: 'lib/handoff.ts',
    find: "mongodbUri: 'mongodb-uri',",
    replace: "mongodbUri: 'mongodb-url',",
    tests: ['test/data/data-stack.test.ts', 'test/atlas', 'test/services/services.test.ts'],
  },
  {
    id: 'api-minimum-3-to-1',
    why: 'Seed: prod runs 3 instances (HA + load balancing); the api floor must not drop to 1.',
    file: 'lib/stacks/services-stack.ts',
    find: 'const apiMin = parked ? 0 : Math.max(services.minCapacity, 1);',
    replace: 'const apiMin = parked ? 0 : 1;',
    tests: ['test/services/services.test.ts'],
  },
  {
    id: 'business-hours-stop-removed',
    why: 'Seed: dev services stop overnight (cost); without the stop schedule they run 24/7.',
    file: 'lib/services/scaling.ts',
    find: "this.target.scaleOnSchedule('Stop', {",
    // A condition that never holds: the stop schedule (business hours and weekend stop) is gone.
    replace: "if (stop.hour < 0) this.target.scaleOnSchedule('Stop', {",
    tests: ['test/services/services.test.ts'],
  },
  {
    id: 'prod-buckets-destroy',
    why: 'Data is never lost by a deploy: prod buckets must be retained.',
    file: 'lib/data/data-buckets.ts',
    find: 'const removalPolicy = retainedUnlessDisposable(props.disposable);',
    replace: 'const removalPolicy = retainedUnlessDisposable(true);',
    tests: ['test/core/data-retention.test.ts', 'test/data/buckets.test.ts'],
  },
  {
    id: 'prod-x86',
    why: 'Graviton (ARM64) is one of the savings that keep prod within budget.',
    file: 'environments/prod.ts',
    find: "cpuArchitecture: 'ARM64',",
    replace: "cpuArchitecture: 'X86_64',",
    tests: ['test/services/services.test.ts', 'test/cost/cost.test.ts'],
  },
  {
    id: 'prod-http-listener',
    why: 'prod is HTTPS-only: a plain HTTP listener would carry customer data unencrypted.',
    file: 'environments/prod.ts',
    find: 'httpsOnly: true,',
    replace: 'httpsOnly: false,',
    tests: ['test/services/services.test.ts'],
  },
  {
    id: 'vague-ack-hides-missing-access-logs',
    why: 'An acknowledgement must name what compensates: here a vague one hides that recordings lost their access logs.',
    file: 'lib/data/data-buckets.ts',
    find: 'serverAccessLogsBucket: this.accessLogs,\n      serverAccessLogsPrefix: `${this.bucketNames.recordings}/`,',
    replace: '',
    also: [
      {
        file: 'lib/data/data-buckets.ts',
        find: "this.transcripts = new s3.Bucket(this, 'Transcripts', {",
        replace:
          "for (const id of ['AwsSolutions-S1', 'HIPAA.Security-S3BucketLoggingEnabled', 'NIST.800.53.R5-S3BucketLoggingEnabled', 'PCI.DSS.321-S3BucketLoggingEnabled']) acknowledge(this.recordings.node.defaultChild as s3.CfnBucket, id, 'Access logging is not needed for this bucket in this environment.');\n    this.transcripts = new s3.Bucket(this, 'Transcripts', {",
      },
    ],
    tests: ['test/data/buckets.test.ts', 'test/core/compliance.test.ts'],
  },
  {
    id: 'compliance-pack-removed',
    why: 'Four cdk-nag packs gate every environment; dropping one (PCI) must fail, not shrink the suite.',
    file: 'lib/core/compliance.ts',
    find: "  { name: 'PCI.DSS.321', create: (app: App) => new PCIDSS321Checks(app) },\n",
    replace: '',
    tests: ['test/core/compliance.test.ts'],
  },
  {
    id: 'prod-flow-logs-reject-only',
    why: 'Flow logs record ALL traffic in every environment (accepted traffic is the audit trail too).',
    file: 'environments/prod.ts',
    find: "flowLogTrafficType: 'ALL',",
    replace: "flowLogTrafficType: 'REJECT',",
    tests: ['test/network'],
  },
  {
    id: 'price-typo-elasticache',
    why: 'A mistyped rate silently moves every estimate; the cost golden file pins each price and line.',
    file: 'scripts/cost/prices.ts',
    find: "'cache.t4g.small': { usd: 0.032,",
    replace: "'cache.t4g.small': { usd: 0.023,",
    tests: ['test/cost'],
  },
  {
    id: 'running-tasks-alarm-threshold',
    why: 'The running-task alarm must fire below the minimum capacity; a threshold of 0 can never fire.',
    file: 'lib/monitoring/pipeline-monitoring.ts',
    find: 'maxRunningTasks: floor,',
    replace: 'maxRunningTasks: 0,',
    tests: ['test/monitoring'],
  },
  {
    id: 'queues-sqs-managed-encryption',
    why: 'Queues carry call metadata: KMS encryption with the data key, not SQS-managed keys.',
    file: 'lib/data/work-queues.ts',
    find: 'encryption: sqs.QueueEncryption.KMS,\n      encryptionMasterKey: props.dataKey,',
    replace: 'encryption: sqs.QueueEncryption.SQS_MANAGED,',
    tests: ['test/data/queues.test.ts'],
  },
  {
    id: 'buckets-unversioned',
    why: 'Versioning protects recordings and transcripts from overwrite and delete.',
    file: 'lib/data/data-buckets.ts',
    find: 'versioned: true,',
    replace: 'versioned: false,',
    tests: ['test/data/buckets.test.ts', 'test/core/compliance.test.ts'],
  },
  {
    id: 'prod-task-memory-halved',
    why: 'Seed: prod tasks are 1024 CPU / 2048 MB.',
    file: 'environments/prod.ts',
    find: 'taskMemoryMiB: 2048,',
    replace: 'taskMemoryMiB: 1024,',
    tests: ['test/services/services.test.ts', 'test/environments'],
  },
  {
    id: 'staging-cache-no-replica',
    why: 'Seed: staging Redis is HA (replica + automatic failover, Multi-AZ).',
    file: 'environments/staging.ts',
    find: 'replicas: 1,',
    replace: 'replicas: 0,',
    tests: ['test/data/cache.test.ts', 'test/environments'],
  },
  {
    id: 'dlq-alarm-threshold-10',
    why: 'A DLQ alarm fires at the first failed message, not the eleventh.',
    file: 'lib/monitoring/pipeline-monitoring.ts',
    find: 'Critical: { maxMessageCount: 0,',
    replace: 'Critical: { maxMessageCount: 10,',
    tests: ['test/monitoring'],
  },
  {
    id: 'alarm-logical-ids-moved',
    why: 'Fixed-name alarms under a new logical id: CloudWatch upserts by name, so the cleanup of the old id deletes the live alarm.',
    file: 'lib/monitoring/pipeline-monitoring.ts',
    find: "overrideLogicalId(logicalIdAt('Alarms',",
    replace: "overrideLogicalId(logicalIdAt('Monitoring',",
    tests: ['test/monitoring/logical-ids.test.ts'],
  },
  {
    id: 'dev-budget-typo',
    why: 'Seed: dev budget is ~$378/month.',
    file: 'environments/dev.ts',
    find: 'budget: { monthlyUsd: 378,',
    replace: 'budget: { monthlyUsd: 3780,',
    tests: ['test/monitoring/monitoring.test.ts', 'test/environments'],
  },
  {
    id: 'prod-stacks-unprotected',
    why: 'Seed: prod has deletion protection; its stacks keep termination protection.',
    file: 'environments/prod.ts',
    find: 'disposableData: false,\n  terminationProtection: true,',
    replace: 'disposableData: false,\n  terminationProtection: false,',
    tests: ['test/core/termination-protection.test.ts'],
  },
  {
    id: 'prod-alarm-looser-than-staging',
    why: 'prod alarms are no looser than staging: a 5 s search-latency threshold would hide a degraded prod index.',
    file: 'environments/prod.ts',
    find: 'searchLatencyMs: 500,',
    replace: 'searchLatencyMs: 5000,',
    tests: ['test/monitoring/alarms.test.ts'],
  },
  {
    id: 'prod-usage-typo',
    why: 'A usage assumption (prod recordings 1000 GB -> 100 GB) silently lowers the estimate; the cost golden file pins it.',
    file: 'environments/prod.ts',
    find: 'recordingsStoredGb: 1000,',
    replace: 'recordingsStoredGb: 100,',
    tests: ['test/cost'],
  },
  {
    id: 'allow-replace-prefix',
    why: '--allow-replace matches whole logical ids: a prefix match lets `--allow-replace S` replace the prod recordings bucket.',
    file: 'scripts/ops/review.ts',
    find: '    const allowed = allowReplace.includes(id);',
    replace: '    const allowed = allowReplace.some((prefix) => id.startsWith(prefix));',
    tests: ['test/ops/review.test.ts'],
  },
  {
    id: 'stack-policy-not-restored-after-failure',
    why: 'A lifted stack policy must never outlive its one execution: restoring it only after a successful execution leaves the bucket unprotected after a failed one.',
    file: 'scripts/ops/execute.ts',
    find: '          const restored = policy ? await setPolicy(policy, [], label) : undefined;\n          if (result.status !== 0) {',
    replace: '          if (result.status !== 0) {',
    also: [{ file: 'scripts/ops/execute.ts', find: '          if (restored !== undefined) return restored;', replace: '          const restored = policy ? await setPolicy(policy, [], label) : undefined;\n          if (restored !== undefined) return restored;' }],
    tests: ['test/ops/cli.test.ts'],
  },
  {
    id: 'stateless-redeploy-no-adopt',
    why: 'After a destroy, the retained ECR repositories and log groups make the re-create of the services stack fail with "already exists" unless it adopts them.',
    file: 'scripts/ops/deploy.ts',
    find: "stacks.every((s) => !s.stateful) ? ['--import-existing-resources'] : []",
    replace: '[]',
    tests: ['test/ops/redeploy.test.ts'],
  },
  {
    id: 'preflight-terraform-any-version',
    why: 'Terraform below 1.10 has no S3-native state locking: a preflight that accepts any version lets a deploy run Atlas unlocked (issue 19).',
    file: 'scripts/ops/preflight.ts',
    find: 'return atLeast(version, MIN_TERRAFORM_VERSION) ? undefined',
    replace: 'return version !== \'\' ? undefined',
    tests: ['test/ops/preflight.test.ts'],
    skipCdkSynth: true,
  },
  {
    id: 'cache-window-overlap-unchecked',
    why: 'ElastiCache refuses a snapshot window that overlaps the maintenance window, but only at deploy time (issue 19).',
    file: 'environments/schema.ts',
    find: "else if (env.cache.snapshotRetentionDays > 0 && typeof maintenance !== 'string' && windowsOverlap(snapshot, maintenance)) {",
    replace: "else if (env.cache.snapshotRetentionDays > 0 && typeof maintenance !== 'string' && windowsOverlap(snapshot, maintenance) && snapshot[0] < 0) {",
    tests: ['test/environments/environments.test.ts'],
    skipCdkSynth: true,
  },
  {
    id: 'diff-read-back-drops-alarm-emails',
    why: 'A diff that forgets the running alarm subscriptions shows their removal on an unchanged environment (issue 19: diff = deploy).',
    file: 'scripts/ops/read-back.ts',
    find: 'return (endpoints as string[]).filter((e) => !committed.has(e));',
    replace: 'return (endpoints as string[]).filter((e) => committed.has(e));',
    tests: ['test/ops/diff-read-back.test.ts', 'test/ops/plan.test.ts'],
  },
  {
    id: 'deploy-role-any-repository',
    why: 'The deploy role must trust exactly this repository and GitHub environment: `repo:<owner>/*` lets any repository of the owner deploy to the account.',
    file: 'lib/deploy/identity.ts',
    find: 'map((environment) => `repo:${owner}/${repository}:environment:${environment}`);',
    replace: 'map(() => `repo:${owner}/*`);',
    tests: ['test/deploy/deploy-identity.test.ts'],
    skipCdkSynth: true,
  },
  {
    id: 'stacks-without-permissions-boundary',
    why: 'Every role the stacks create carries the permissions boundary; without it the execution policy refuses the role create at deploy time, or a role could exceed the boundary.',
    file: 'lib/pipeline-app.ts',
    find: '  for (const stack of Object.values(stacks)) applyPermissionsBoundary(stack, config);\n',
    replace: '',
    tests: ['test/deploy/execution-policy.test.ts'],
  },
  {
    id: 'execution-policy-drops-a-service',
    why: 'The CloudFormation execution policy must cover every service the templates use: without ElastiCache the data stack fails at deploy time.',
    file: 'lib/deploy/identity.ts',
    find: "  'elasticache',\n",
    replace: '',
    tests: ['test/deploy/execution-policy.test.ts'],
  },
];
