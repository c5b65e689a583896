import { ENVIRONMENT_NAMES, ENVIRONMENTS, EnvironmentConfigError, FARGATE_SIZES, loadEnvironment, missingAlarmDestination, parseEnvironment, resolveEnvironmentNames } from '../../environments';

describe('errors', () => {
  test('an unknown environment lists the valid names', () => {
    expect(() => loadEnvironment('production')).toThrow(EnvironmentConfigError);
    expect(() => loadEnvironment('production')).toThrow('unknown environment "production": valid environments are dev, staging, prod');
  });

  test('a selection with an unknown name fails; all expands to the three', () => {
    expect(resolveEnvironmentNames('all')).toEqual(['dev', 'staging', 'prod']);
    expect(resolveEnvironmentNames('dev,prod')).toEqual(['dev', 'prod']);
    expect(() => resolveEnvironmentNames('dev,qa')).toThrow('unknown environment "qa"');
  });

  const broken: Array<[string, (input: any) => void, RegExp]> = [
    ['wrong type', (c) => (c.services.taskCpu = '256'), /services\.taskCpu/],
    ['invalid Fargate memory for the CPU', (c) => (c.services.taskMemoryMiB = 3000), /services\.taskMemoryMiB: 3000 MiB is not a Fargate size for 256 CPU/],
    ['missing field', (c) => delete c.cache.nodeType, /cache\.nodeType/],
    ['unknown field (a typo never goes unnoticed)', (c) => (c.cache.nodeTyp = 'x'), /cache: Unrecognized key: "nodeTyp"/],
    ['log retention CloudWatch does not accept', (c) => (c.logRetentionDays = 10), /logRetentionDays: must be one of 1, 3, 5, 7, 14, 30, 60, .*, 3653 \(days CloudWatch Logs accepts\)/],
    ['a cache node type typo', (c) => (c.cache.nodeType = 'cache.t4g.mcro'), /cache\.nodeType: "cache\.t4g\.mcro" is not a known node type: must be one of cache\.t4g\.micro, cache\.t4g\.small, cache\.t4g\.medium, /],
    ['AZ outside the region', (c) => (c.availabilityZones = ['us-east-1a', 'us-west-2a']), /availabilityZones\.1: us-west-2a is not in region us-east-1/],
    ['more NAT gateways than AZs', (c) => (c.network.natGateways = 3), /network\.natGateways: cannot exceed the 2 availability zones/],
    ['HA cache without a replica', (c) => (c.cache.highAvailability = true), /cache\.replicas: highAvailability .* needs at least one replica/],
    ['M0 over PrivateLink', (c) => (c.atlas.connectivity = 'private-link'), /atlas\.connectivity: M0 does not support PrivateLink/],
    ['business hours ending before they start', (c) => (c.uptime.stopHour = 7), /uptime\.stopHour: must be after startHour/],
    ['account that is not 12 digits', (c) => (c.account = '1234'), /account: must be a 12-digit AWS account id/],
    ['capacity bounds out of order', (c) => (c.services.minCapacity = 3), /services\.minCapacity: 3 is above maxCapacity \(2\): lower it or raise maxCapacity/],
    ['CORS wildcard origin', (c) => (c.storage.corsAllowedOrigins = ['https://*']), /storage\.corsAllowedOrigins\.0: must be an https origin without wildcards/],
    ['endpoints in more AZs than the VPC has', (c) => (c.network.endpointAzCount = 3), /network\.endpointAzCount: cannot exceed the 2 availability zones/],
    ['a worker floor above the ceiling', (c) => (c.services.workerMinCapacity = 3), /services\.workerMinCapacity: cannot exceed maxCapacity \(2\)/],
    ['a weekend stop on business hours', (c) => (c.uptime.weekendStop = true), /uptime\.weekendStop: only applies to always-on environments/],
  ];
  test.each(broken)('dev with %s fails naming environment and field', (_label, breakIt, message) => {
    const input = structuredClone(ENVIRONMENTS.dev);
    breakIt(input);
    expect(() => parseEnvironment(input, 'dev')).toThrow(/^environment "dev" is invalid:/);
    expect(() => parseEnvironment(input, 'dev')).toThrow(message);
  });

  // Issue 19: what synth accepted and only CloudFormation (or Application Auto Scaling) refused at deploy time.
  const deployTime: Array<[string, (input: any) => void, RegExp]> = [
    ['a timezone that is no IANA name', (c) => (c.uptime.timezone = 'America/NewYork'), /uptime\.timezone: "America\/NewYork" is not an IANA timezone name .*: use one such as America\/New_York/],
    ['a timezone in the wrong case', (c) => (c.uptime.timezone = 'america/new_york'), /uptime\.timezone: "america\/new_york" is not an IANA timezone name/],
    ['a Redis OSS version with the Valkey engine', (c) => (c.cache.engineVersion = '7.1'), /cache\.engineVersion: "7\.1" is not a valkey version/],
    ['a snapshot window overlapping the maintenance window', (c) => (c.cache.snapshotWindow = '05:30-06:30'), /cache\.snapshotWindow: 05:30-06:30 \(daily, UTC\) overlaps the maintenance window sun:05:00-sun:06:00: ElastiCache refuses the replication group; move one of them/],
    ['a snapshot window overlapping across midnight and the week', (c) => { c.cache.maintenanceWindow = 'sat:23:30-sun:00:30'; c.cache.snapshotWindow = '23:00-00:00'; }, /cache\.snapshotWindow: 23:00-00:00 \(daily, UTC\) overlaps the maintenance window sat:23:30-sun:00:30/],
    ['a snapshot window shorter than an hour', (c) => (c.cache.snapshotWindow = '03:00-03:30'), /cache\.snapshotWindow: 03:00-03:30 lasts 30 minutes: ElastiCache needs at least 60/],
    ['a maintenance window shorter than an hour', (c) => (c.cache.maintenanceWindow = 'sun:05:00-sun:05:30'), /cache\.maintenanceWindow: sun:05:00-sun:05:30 lasts 30 minutes: ElastiCache needs 60 minutes to 24 hours/],
    ['a window hour past 23', (c) => (c.cache.snapshotWindow = '24:00-01:00'), /cache\.snapshotWindow: 24:00-01:00 has an hour above 23 or a minute above 59/],
  ];
  test.each(deployTime)('staging with %s fails at synth, naming the field and the fix', (_label, breakIt, message) => {
    const input = structuredClone(ENVIRONMENTS.staging);
    breakIt(input);
    expect(() => parseEnvironment(input, 'staging')).toThrow(message);
  });

  test('windows that touch but do not overlap, another IANA zone and a Redis OSS version are accepted', () => {
    const input = structuredClone(ENVIRONMENTS.staging) as any;
    input.cache.maintenanceWindow = 'sun:05:00-sun:06:00';
    input.cache.snapshotWindow = '04:00-05:00';
    input.uptime.timezone = 'Europe/Berlin';
    expect(parseEnvironment(input, 'staging').cache.snapshotWindow).toBe('04:00-05:00');
    input.cache.engine = 'redis';
    input.cache.engineVersion = '7.1';
    expect(parseEnvironment(input, 'staging').cache.engineVersion).toBe('7.1');
  });

  test('staging: endpoints in 2 AZs at least, alarms that reach someone', () => {
    const input = structuredClone(ENVIRONMENTS.staging) as any;
    input.network.endpointAzCount = 1;
    input.monitoring.alarmDestinationRequired = false;
    expect(() => parseEnvironment(input, 'staging')).toThrow(/network\.endpointAzCount: staging and prod need endpoints in at least 2 AZs/);
    expect(() => parseEnvironment(input, 'staging')).toThrow(/monitoring\.alarmDestinationRequired: staging and prod alarms must reach someone: set it to true/);
  });

  describe('plain-HTTP api ingress (issue 21)', () => {
    const withPlainHttp = (envName: 'dev' | 'staging', plain: unknown) => {
      const input = structuredClone(ENVIRONMENTS[envName]) as any;
      input.services.httpsOnly = false;
      input.services.plainHttpIngress = plain;
      return () => parseEnvironment(input, envName);
    };
    test('dev as committed: one documentation CIDR, not public', () => {
      expect(loadEnvironment('dev').services.plainHttpIngress).toEqual({ cidrs: ['203.0.113.0/24'], publicPlainHttp: false });
    });
    test('required while the api is plain HTTP', () => {
      expect(withPlainHttp('dev', undefined)).toThrow(/services\.plainHttpIngress: is required while the api is plain HTTP \(httpsOnly false, no certificate\)/);
    });
    test.each(['0.0.0.0/0', '::/0'])('%s without publicPlainHttp is refused, naming the entry', (block) => {
      expect(withPlainHttp('dev', { cidrs: ['203.0.113.0/24', block] })).toThrow(new RegExp(`services\.plainHttpIngress\.cidrs\.1: ${block.replace(/[./]/g, '\$&')} opens the plain-HTTP api to the whole internet`));
    });
    test('publicPlainHttp needs a reason', () => {
      expect(withPlainHttp('dev', { cidrs: ['0.0.0.0/0'], publicPlainHttp: true })).toThrow(/services\.plainHttpIngress\.reason: is required with publicPlainHttp: true/);
    });
    test('publicPlainHttp with a reason is accepted in dev (disposable, internal)', () => {
      expect(withPlainHttp('dev', { cidrs: ['0.0.0.0/0'], publicPlainHttp: true, reason: 'a public demo with synthetic calls only' })).not.toThrow();
    });
    test('publicPlainHttp is refused in an environment holding real data', () => {
      expect(withPlainHttp('staging', { cidrs: ['0.0.0.0/0'], publicPlainHttp: true, reason: 'a public demo with synthetic calls only' })).toThrow(
        /services\.plainHttpIngress\.publicPlainHttp: is refused: staging holds real data \(retained data, DataClassification confidential\)/,
      );
      const devWithRealData = structuredClone(ENVIRONMENTS.dev) as any;
      devWithRealData.tags.DataClassification = 'confidential';
      devWithRealData.services.plainHttpIngress = { cidrs: ['0.0.0.0/0'], publicPlainHttp: true, reason: 'a public demo with synthetic calls only' };
      expect(() => parseEnvironment(devWithRealData, 'dev')).toThrow(/publicPlainHttp: is refused: dev holds real data \(DataClassification confidential\)/);
    });
    test('IPv6 CIDRs other than ::/0 are refused (the load balancer is IPv4-only)', () => {
      expect(withPlainHttp('dev', { cidrs: ['2001:db8::/32'] })).toThrow(/services\.plainHttpIngress\.cidrs\.0: must be an IPv4 CIDR such as 203\.0\.113\.0\/24/);
    });
  });

  test('staging or prod cannot be disposable', () => {
    const input = structuredClone(ENVIRONMENTS.staging);
    (input as any).disposableData = true;
    expect(() => parseEnvironment(input, 'staging')).toThrow(/disposableData: only dev may have disposable data/);
  });

  const prodRules: Array<[string, (input: any) => void, RegExp]> = [
    ['two AZs', (c) => { c.availabilityZones = ['us-east-1a', 'us-east-1b']; c.network.natGateways = 2; }, /availabilityZones: prod needs at least 3 AZs/],
    ['a single NAT gateway', (c) => (c.network.natGateways = 1), /network\.natGateways: prod needs one NAT gateway per AZ/],
    ['no termination protection', (c) => (c.terminationProtection = false), /terminationProtection: prod stacks must have termination protection/],
    ['plain HTTP allowed', (c) => (c.services.httpsOnly = false), /services\.httpsOnly: prod must be HTTPS-only/],
    ['no standby replicas on search', (c) => (c.search.standbyReplicas = false), /search\.standbyReplicas: prod search must survive an AZ loss/],
    ['a weekend stop', (c) => (c.uptime.weekendStop = true), /uptime\.weekendStop: prod runs 24\/7/],
  ];
  test.each(prodRules)('prod with %s fails', (_label, breakIt, message) => {
    const input = structuredClone(ENVIRONMENTS.prod);
    breakIt(input);
    expect(() => parseEnvironment(input, 'prod')).toThrow(message);
  });

  test('deploy-time alarm e-mails are validated and added to the configured ones', () => {
    expect(loadEnvironment('prod', { alarmEmails: ['oncall@example.com'] }).monitoring.alarmEmails).toEqual(['oncall@example.com']);
    expect(() => loadEnvironment('prod', { alarmEmails: ['not-an-address'] })).toThrow(/monitoring\.alarmEmails\.0: must be an e-mail address/);
  });

  test('deploy-time overrides are validated too', () => {
    expect(loadEnvironment('prod', { account: '123456789012' }).account).toBe('123456789012');
    expect(() => loadEnvironment('prod', { account: 'abc' })).toThrow(/environment "prod" is invalid:\n {2}- account: must be a 12-digit AWS account id/);
    expect(() => loadEnvironment('prod', { certificateArn: 'not-an-arn' })).toThrow(/services\.certificateArn: must be an ACM certificate ARN/);
  });
});

describe('alarm destinations (issue 12)', () => {
  test.each([
    ['dev', undefined],
    ['staging', 'staging has no alarm destination: its alarms would reach nobody. Deploy with -c alarmEmails=oncall@example.com[,...] or set monitoring.alarmEmails in environments/staging.ts.'],
    ['prod', 'prod has no alarm destination: its alarms would reach nobody. Deploy with -c alarmEmails=oncall@example.com[,...] or set monitoring.alarmEmails in environments/prod.ts.'],
  ] as const)('%s without an address: %s', (envName, message) => {
    expect(missingAlarmDestination(loadEnvironment(envName))).toBe(message);
  });

  test.each(ENVIRONMENT_NAMES)('%s with -c alarmEmails may deploy', (envName) => {
    expect(missingAlarmDestination(loadEnvironment(envName, { alarmEmails: ['oncall@example.com'] }))).toBeUndefined();
  });
});

test('Fargate memory sizes for 1 vCPU are 2-8 GB in 1 GB steps (7168, not 7144)', () => {
  expect(FARGATE_SIZES[1024]).toEqual([2048, 3072, 4096, 5120, 6144, 7168, 8192]);
});
