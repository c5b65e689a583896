import { Testing } from 'cdktf';
import { ENVIRONMENT_NAMES, loadEnvironment } from '../../environments';
import { ATLAS_PRIVATE_ENDPOINT_PORTS } from '../../atlas/lib/network-access';
import { atlasStackName, handoffParameterName } from '../../lib/handoff';
import { ResourceNames } from '../../lib/naming';
import { atlasConfig, onlyResource, resourcesOf, ssmReference, synthStack } from './support';

/** The requirements per environment: these values are asserted exactly. */
const IGNORE_AUTO_SCALED_TIER = ['replication_specs[0].region_configs[0].electable_specs[0].instance_size'];
const EXPECTED = {
  dev: {
    tier: 'M0', provider: 'TENANT', backingProvider: 'AWS', nodeCount: undefined, version: undefined, backup: false, protection: false, privateLink: false, endpointSubnets: 0,
    clusterBackupFlags: [undefined, undefined, undefined, undefined],
    clusterLifecycle: { prevent_destroy: false },
    autoScaling: undefined,
  },
  staging: {
    tier: 'M10', provider: 'AWS', backingProvider: undefined, nodeCount: 3, version: '8.0', backup: true, protection: false, privateLink: true, endpointSubnets: 2,
    clusterBackupFlags: [true, true, false, true],
    clusterLifecycle: { prevent_destroy: true, ignore_changes: IGNORE_AUTO_SCALED_TIER },
    autoScaling: { compute_enabled: true, compute_scale_down_enabled: true, compute_min_instance_size: 'M10', compute_max_instance_size: 'M20', disk_gb_enabled: true },
  },
  prod: {
    tier: 'M20', provider: 'AWS', backingProvider: undefined, nodeCount: 3, version: '8.0', backup: true, protection: true, privateLink: true, endpointSubnets: 2,
    clusterBackupFlags: [true, true, true, true],
    clusterLifecycle: { prevent_destroy: true, ignore_changes: IGNORE_AUTO_SCALED_TIER },
    autoScaling: { compute_enabled: true, compute_scale_down_enabled: true, compute_min_instance_size: 'M20', compute_max_instance_size: 'M30', disk_gb_enabled: true },
  },
} as const;

/**
 * The Atlas backup schedule per environment (seed: prod "continuous with 30-day retention"): hourly snapshots kept
 * as long as the PIT window, snapshots at 07:00 UTC (02:00/03:00 New York), weekly on Sunday (7), monthly on
 * the last day (40); Terraform refuses to destroy it.
 */
const BACKUP_SCHEDULE = {
  dev: undefined,
  staging: {
    restore_window_days: 2,
    reference_hour_of_day: 7,
    reference_minute_of_hour: 0,
    policy_item_hourly: { frequency_interval: 6, retention_unit: 'days', retention_value: 2 },
    policy_item_daily: { frequency_interval: 1, retention_unit: 'days', retention_value: 7 },
    lifecycle: { prevent_destroy: true },
  },
  prod: {
    restore_window_days: 30,
    reference_hour_of_day: 7,
    reference_minute_of_hour: 0,
    policy_item_hourly: { frequency_interval: 6, retention_unit: 'days', retention_value: 30 },
    policy_item_daily: { frequency_interval: 1, retention_unit: 'days', retention_value: 30 },
    policy_item_weekly: [{ frequency_interval: 7, retention_unit: 'weeks', retention_value: 8 }],
    policy_item_monthly: [{ frequency_interval: 40, retention_unit: 'months', retention_value: 12 }],
    lifecycle: { prevent_destroy: true },
  },
} as const;

describe.each(ENVIRONMENT_NAMES)('atlas-%s', (envName) => {
  const config = loadEnvironment(envName);
  const names = ResourceNames.of(config);
  const expected = EXPECTED[envName];
  const { json, raw } = synthStack(config);
  const param = (key: Parameters<typeof handoffParameterName>[1]) =>
    ssmReference(json, handoffParameterName(names, key));

  describe('state and providers', () => {
    test.each([
      ['no account (offline synth): an empty bucket, so terraform init stops', undefined, ''],
      ['the account: marin-terraform-state-<account>, the bucket the bootstrap creates', '123456789012', 'marin-terraform-state-123456789012'],
    ])('S3 backend with %s; one key per environment, encrypted, S3-native locking only', (_label, account, bucket) => {
      const backend = account === undefined
        ? json.terraform.backend.s3
        : synthStack(loadEnvironment(envName, { account })).json.terraform.backend.s3;
      expect(backend).toEqual({ bucket, key: `atlas/${envName}/terraform.tfstate`, region: 'us-east-1', encrypt: true, use_lockfile: true });
    });

    test('providers are pinned to exact versions (the ones the bindings were generated from)', () => {
      expect(json.terraform.required_providers).toEqual({
        mongodbatlas: { source: 'mongodb/mongodbatlas', version: '1.41.1' },
        aws: { source: 'aws', version: '6.25.0' },
      });
    });

    test('the terraform block holds only what the HCL exit path can render', () => {
      expect(Object.keys(json.terraform).sort()).toEqual(['backend', 'required_providers']);
    });

    test('providers carry no credentials; AWS works in the environment region with the standard tags', () => {
      expect(json.provider.mongodbatlas).toEqual([{}]);
      expect(json.provider.aws).toEqual([
        {
          region: 'us-east-1',
          default_tags: [{ tags: { Project: 'marin', Environment: envName, ManagedBy: 'cdktf', ...config.tags } }],
        },
      ]);
    });
  });

  describe('project and cluster', () => {
    test('one project, in the organization given as a Terraform variable', () => {
      const project = onlyResource(json, 'mongodbatlas_project');
      expect(project.name).toBe(`marin-${envName}-audio-pipeline`);
      expect(project.org_id).toBe('${var.atlas_org_id}');
      expect(json.variable?.atlas_org_id).toMatchObject({ type: 'string', nullable: false });
      expect(json.variable?.atlas_org_id.default).toBeUndefined();
    });

    test(`replica set ${expected.tier} on ${expected.provider} in US_EAST_1`, () => {
      const cluster = onlyResource(json, 'mongodbatlas_advanced_cluster');
      expect(cluster.name).toBe(`marin-${envName}-mongodb`);
      expect(cluster.cluster_type).toBe('REPLICASET');
      expect(cluster.replication_specs).toHaveLength(1);
      const regions = cluster.replication_specs[0].region_configs;
      expect(regions).toHaveLength(1);
      expect(regions[0].provider_name).toBe(expected.provider);
      expect(regions[0].backing_provider_name).toBe(expected.backingProvider);
      expect(regions[0].region_name).toBe('US_EAST_1');
      expect(regions[0].priority).toBe(7);
      expect(regions[0].electable_specs).toEqual({
        instance_size: expected.tier,
        ...(expected.nodeCount ? { node_count: expected.nodeCount } : {}),
      });
      expect(cluster.mongo_db_major_version).toBe(expected.version);
    });

    test(`backup: ${expected.backup ? 'cloud backup + PIT, snapshots retained on cluster deletion' : 'none (shared tier: nothing sent)'}; termination protection ${expected.protection}`, () => {
      const cluster = onlyResource(json, 'mongodbatlas_advanced_cluster');
      expect([
        cluster.backup_enabled,
        cluster.pit_enabled,
        cluster.termination_protection_enabled,
        cluster.retain_backups_enabled,
      ]).toEqual(expected.clusterBackupFlags);
    });

    test(`backup schedule: ${JSON.stringify(BACKUP_SCHEDULE[envName] && { pit: BACKUP_SCHEDULE[envName].restore_window_days, hour: BACKUP_SCHEDULE[envName].reference_hour_of_day })}`, () => {
      const schedules = Object.values(resourcesOf(json, 'mongodbatlas_cloud_backup_schedule'));
      const projectKey = Object.keys(resourcesOf(json, 'mongodbatlas_project'))[0];
      expect(schedules).toEqual(BACKUP_SCHEDULE[envName] === undefined ? [] : [{ project_id: `\${mongodbatlas_project.${projectKey}.id}`, cluster_name: '${mongodbatlas_advanced_cluster.atlas_cluster_1FF2F389.name}', ...BACKUP_SCHEDULE[envName] }]);
    });

    test('Terraform refuses to destroy the project and cluster outside dev; with compute auto-scaling it leaves the tier to Atlas', () => {
      expect(onlyResource(json, 'mongodbatlas_project').lifecycle).toEqual({ prevent_destroy: envName !== 'dev' });
      expect(onlyResource(json, 'mongodbatlas_advanced_cluster').lifecycle).toEqual(expected.clusterLifecycle);
    });

    test(`auto-scaling: ${JSON.stringify(expected.autoScaling)}`, () => {
      const cluster = onlyResource(json, 'mongodbatlas_advanced_cluster');
      expect(cluster.replication_specs[0].region_configs[0].auto_scaling).toEqual(expected.autoScaling);
    });
  });

  describe('network access', () => {
    if (expected.privateLink) {
      test('PrivateLink: Atlas endpoint, interface endpoint in the private subnets, endpoint service', () => {
        expect(onlyResource(json, 'mongodbatlas_privatelink_endpoint')).toMatchObject({ provider_name: 'AWS', region: 'US_EAST_1' });
        const vpce = onlyResource(json, 'aws_vpc_endpoint');
        expect(vpce).toMatchObject({
          vpc_endpoint_type: 'Interface',
          private_dns_enabled: false,
          vpc_id: `\${${param('vpcId')}.insecure_value}`,
          // The first network.endpointAzCount private subnets (one per AZ).
          subnet_ids: `\${slice(split(",", ${param('privateSubnetIds')}.insecure_value), 0, ${expected.endpointSubnets})}`,
          service_name: '${mongodbatlas_privatelink_endpoint.private-link_atlas-endpoint_7A408111.endpoint_service_name}',
        });
        expect(vpce.security_group_ids).toEqual(['${aws_security_group.private-link_security-group_F50A15DF.id}']);
        expect(onlyResource(json, 'mongodbatlas_privatelink_endpoint_service')).toMatchObject({
          provider_name: 'AWS',
          endpoint_service_id: '${aws_vpc_endpoint.private-link_vpc-endpoint_7E6C5B21.id}',
          private_link_id: '${mongodbatlas_privatelink_endpoint.private-link_atlas-endpoint_7A408111.private_link_id}',
        });
      });

      test('the endpoint security group admits only the services security group, on the Atlas ports, and has no egress', () => {
        const sg = onlyResource(json, 'aws_security_group');
        // name_prefix, not name: create_before_destroy would otherwise collide with the old group's name
        expect(sg.name).toBeUndefined();
        expect(sg.name_prefix).toBe(`marin-${envName}-atlas-endpoint-`);
        expect(sg.lifecycle).toEqual({ create_before_destroy: true });
        expect(sg.ingress).toBeUndefined();
        expect(sg.egress).toBeUndefined();
        const rules = Object.values(resourcesOf(json, 'aws_vpc_security_group_ingress_rule'));
        expect(rules).toEqual([
          expect.objectContaining({
            security_group_id: '${aws_security_group.private-link_security-group_F50A15DF.id}',
            referenced_security_group_id: `\${${param('servicesSecurityGroupId')}.insecure_value}`,
            ip_protocol: 'tcp',
            from_port: ATLAS_PRIVATE_ENDPOINT_PORTS.from,
            to_port: ATLAS_PRIVATE_ENDPOINT_PORTS.to,
          }),
        ]);
        expect(rules[0].cidr_ipv4).toBeUndefined();
        expect(rules[0].cidr_ipv6).toBeUndefined();
        expect(resourcesOf(json, 'aws_vpc_security_group_egress_rule')).toEqual({});
      });

      test('no IP access list at all', () => {
        expect(resourcesOf(json, 'mongodbatlas_project_ip_access_list')).toEqual({});
      });
    } else {
      test('no PrivateLink resources (M0 has none)', () => {
        for (const type of ['mongodbatlas_privatelink_endpoint', 'mongodbatlas_privatelink_endpoint_service', 'aws_vpc_endpoint', 'aws_security_group']) {
          expect(resourcesOf(json, type)).toEqual({});
        }
      });

      test('IP access list: one /32 entry per NAT egress address read from SSM', () => {
        const entry = onlyResource(json, 'mongodbatlas_project_ip_access_list');
        expect(entry.for_each).toBe(`\${toset(split(",", ${param('natEgressIps')}.insecure_value))}`);
        expect(entry.ip_address).toBe('${each.value}');
        expect(entry.cidr_block).toBeUndefined();
        expect(entry.aws_security_group).toBeUndefined();
      });
    }

    test('nothing is open to the internet: no 0.0.0.0/0 or ::/0, no CIDR access-list entries', () => {
      expect(raw).not.toMatch(/0\.0\.0\.0|::\/0/);
      expect(raw).not.toContain('cidr_block');
    });
  });

  describe('database users (AWS IAM)', () => {
    test('one MONGODB-AWS user per task role ARN, readWrite on the application database only, scoped to the cluster', () => {
      const user = resourcesOf(json, 'mongodbatlas_database_user')['database-access_task-role-users_F34B8789'];
      expect(user).toMatchObject({
        for_each: `\${toset(split(",", ${param('taskRoleArns')}.insecure_value))}`,
        username: '${each.value}',
        aws_iam_type: 'ROLE',
        auth_database_name: '$external',
        roles: [{ role_name: 'readWrite', database_name: 'audio_pipeline' }],
        scopes: [{ name: '${mongodbatlas_advanced_cluster.atlas_cluster_1FF2F389.name}', type: 'CLUSTER' }],
      });
      expect(user.password).toBeUndefined();
      expect(resourcesOf(json, 'random_password')).toEqual({});
    });

    // The staging refresh (docs/staging-refresh.md): the anonymiser may only read prod; the loader writes staging.
    const REFRESH_USER = { dev: undefined, staging: 'readWrite', prod: 'read' } as const;
    test(`staging-refresh user: ${REFRESH_USER[envName] ?? 'none'}`, () => {
      const users = Object.entries(resourcesOf(json, 'mongodbatlas_database_user'));
      const refreshUsers = users.filter(([id]) => id.includes('refresh-task-user'));
      expect(users).toHaveLength(REFRESH_USER[envName] ? 2 : 1);
      if (!REFRESH_USER[envName]) {
        expect(refreshUsers).toEqual([]);
        return;
      }
      expect(refreshUsers).toHaveLength(1);
      const [, user] = refreshUsers[0];
      expect(user).toMatchObject({
        username: `\${${param('refreshTaskRoleArn')}.insecure_value}`,
        aws_iam_type: 'ROLE',
        auth_database_name: '$external',
        scopes: [{ name: '${mongodbatlas_advanced_cluster.atlas_cluster_1FF2F389.name}', type: 'CLUSTER' }],
      });
      expect(user.roles).toEqual([{ role_name: REFRESH_USER[envName], database_name: 'audio_pipeline' }]);
      expect(user.password).toBeUndefined();
    });
  });

  describe('handoff', () => {
    test('reads every input from the SSM parameters CDK publishes, nothing else', () => {
      const read = Object.values(json.data?.aws_ssm_parameter ?? {}).map((p) => p.name).sort();
      const keys = expected.privateLink
        ? (['vpcId', 'privateSubnetIds', 'servicesSecurityGroupId', 'taskRoleArns', 'mongodbUriSecretArn'] as const)
        : (['natEgressIps', 'taskRoleArns', 'mongodbUriSecretArn'] as const);
      const refresh = config.refresh.role === 'none' ? [] : (['refreshTaskRoleArn'] as const);
      expect(read).toEqual([...keys, ...refresh].map((k) => handoffParameterName(names, k)).sort());
    });

    test('writes a version of the CDK-owned mongodb-uri secret, after the users exist', () => {
      const version = onlyResource(json, 'aws_secretsmanager_secret_version');
      expect(version.secret_id).toBe(`\${${param('mongodbUriSecretArn')}.insecure_value}`);
      expect(version.depends_on).toEqual(['mongodbatlas_database_user.database-access_task-role-users_F34B8789']);
      expect(resourcesOf(json, 'aws_secretsmanager_secret')).toEqual({});
    });

    test(expected.privateLink ? 'the URI is the private-endpoint SRV string of this VPC endpoint, with MONGODB-AWS' : 'the URI is the standard SRV string, with MONGODB-AWS', () => {
      const uri: string = onlyResource(json, 'aws_secretsmanager_secret_version').secret_string;
      expect(uri).toMatch(/\/audio_pipeline\?authSource=%24external&authMechanism=MONGODB-AWS&retryWrites=true&w=majority$/);
      if (expected.privateLink) {
        expect(uri).toContain('data.mongodbatlas_advanced_cluster.database-access_cluster-after-endpoint_06467D11.connection_strings[0].private_endpoint');
        expect(uri).toContain('val.srv_connection_string if contains([for e in val.endpoints : e.endpoint_id], aws_vpc_endpoint.private-link_vpc-endpoint_7E6C5B21.id)');
        expect(uri).not.toContain('standard_srv');
        expect(json.data?.mongodbatlas_advanced_cluster['database-access_cluster-after-endpoint_06467D11'].depends_on).toEqual([
          'mongodbatlas_privatelink_endpoint_service.private-link_endpoint-service_F40E3516',
        ]);
        // Until Atlas lists this endpoint's string, apply stops with a clear message instead of element() on [].
        const [precondition] = onlyResource(json, 'aws_secretsmanager_secret_version').lifecycle.precondition;
        expect(precondition.condition).toMatch(/^\$\{\(length\(\[ for key, val in toset\(data\.mongodbatlas_advanced_cluster.*\]\) >= 1\)\}$/);
        expect(precondition.error_message).toMatch(/Re-run the Atlas deploy in a few minutes/);
      } else {
        expect(onlyResource(json, 'aws_secretsmanager_secret_version').lifecycle).toBeUndefined();
        expect(uri).toMatch(/^\$\{mongodbatlas_advanced_cluster\.atlas_cluster_1FF2F389\.connection_strings\[0\]\.standard_srv\}\//);
      }
    });

    // The services template requires this parameter (test/services/atlas-handoff.test.ts): it exists = handoff done.
    test('writes its handoff for CDK after the secret value: a String parameter holding the version id of the mongodb-uri version it wrote', () => {
      const [versionKey, ...others] = Object.keys(resourcesOf(json, 'aws_secretsmanager_secret_version'));
      expect(others).toEqual([]);
      const parameter = onlyResource(json, 'aws_ssm_parameter');
      // A reference, not depends_on: Terraform cannot know the value, so cannot write the parameter, before the
      // version exists.
      expect(parameter).toEqual({
        name: expect.stringMatching(new RegExp(`^/marin/${envName}/atlas/.*mongodb-uri.*${atlasStackName(envName)}`)),
        type: 'String',
        insecure_value: `\${aws_secretsmanager_secret_version.${versionKey}.version_id}`,
        description: expect.stringContaining(`marin-${envName}-services`),
      });
      // Written by this stack, never read by it; and not one of the names the CDK stacks publish.
      const read = Object.values(json.data?.aws_ssm_parameter ?? {}).map((p) => p.name);
      expect(read).not.toContain(parameter.name);
      expect(Object.keys(resourcesOf(json, 'aws_ssm_parameter'))).toHaveLength(1);
    });

    test('outputs identify the secret, never its value', () => {
      expect(Object.keys(json.output ?? {}).sort()).toEqual(['cluster_name', 'mongodb_uri_secret_arn', 'project_id']);
      expect(JSON.stringify(json.output)).not.toContain('secret_string');
    });
  });

  test('`cdktf synth --hcl` renders a terraform block Terraform accepts', () => {
    const app = Testing.app();
    const { AtlasStack } = require('../../atlas/lib/atlas-stack');
    const hcl: string = Testing.synthHcl(new AtlasStack(app, atlasStackName(envName), { config }));
    const terraformBlock = hcl.slice(hcl.indexOf('terraform {'), hcl.indexOf('\nprovider '));
    expect(terraformBlock).toMatch(/use_lockfile\s*=\s*true/);
    expect(terraformBlock).toMatch(/version\s*=\s*"1\.41\.1"/);
    expect(terraformBlock).not.toMatch(/^\s*\d+\s*=/m);
  });
});

describe('password fallback (databaseAuth: password)', () => {
  const { json, raw } = synthStack(atlasConfig('dev', { databaseAuth: 'password' }));

  test('Terraform generates the password (letters and digits, 32 characters)', () => {
    expect(onlyResource(json, 'random_password')).toEqual({ length: 32, special: false, min_upper: 4, min_lower: 4, min_numeric: 4 });
    expect(json.terraform.required_providers.random).toEqual({ source: 'hashicorp/random', version: '3.7.2' });
  });

  test('one SCRAM user, readWrite on the application database, password from random_password', () => {
    const user = onlyResource(json, 'mongodbatlas_database_user');
    expect(user).toMatchObject({
      username: 'marin-dev-app',
      auth_database_name: 'admin',
      password: '${random_password.database-access_app-password_870800C8.result}',
      roles: [{ role_name: 'readWrite', database_name: 'audio_pipeline' }],
    });
    expect(user.aws_iam_type).toBeUndefined();
    expect(user.for_each).toBeUndefined();
  });

  test('the credentials reach only the secret value', () => {
    const uri: string = onlyResource(json, 'aws_secretsmanager_secret_version').secret_string;
    expect(uri).toContain('mongodb+srv://marin-dev-app:${random_password.database-access_app-password_870800C8.result}@');
    expect(uri).toMatch(/\/audio_pipeline\?authSource=admin&retryWrites=true&w=majority$/);
    expect(uri).not.toContain('MONGODB-AWS');
    const references = raw.match(/random_password\.database-access_app-password_870800C8\.result/g) ?? [];
    expect(references).toHaveLength(2); // the user's password and the secret value
    expect(JSON.stringify(json.output)).not.toContain('random_password');
  });
});

describe('construct guards', () => {
  test('a shared tier cannot have backup or termination protection', () => {
    expect(() => synthStack(atlasConfig('dev', { continuousBackup: true, backupRetentionDays: 1, pointInTimeWindowDays: 1 }))).toThrow(
      'atlas.instanceSize M0 is a shared tier: set continuousBackup and terminationProtection to false, or choose M10 or larger',
    );
  });
});

describe('state backend variants', () => {
  test('teams on Terraform < 1.10 turn use_lockfile off and configure a DynamoDB table', () => {
    const config = loadEnvironment('prod');
    const { json } = synthStack({ ...config, terraformState: { ...config.terraformState, useLockfile: false, dynamodbTable: 'terraform-state-lock' } });
    expect(json.terraform.backend.s3.use_lockfile).toBeUndefined();
    expect(json.terraform.backend.s3).toMatchObject({ dynamodb_table: 'terraform-state-lock', encrypt: true });
  });
});
