import { ENVIRONMENT_NAMES } from '../../environments';
import { dataResources, findOne, label, ofType } from './support';

/** The seed's environment table, plus snapshots (prod >= 7 days) and the deletion behaviour. */
const EXPECTED = {
  // Seed tip for dev: delete unused snapshots.
  dev: { nodeType: 'cache.t4g.micro', nodes: 1, ha: false, azs: ['us-east-1a'], snapshotDays: 0, snapshotWindow: undefined, deletion: 'Delete' },
  staging: { nodeType: 'cache.t4g.small', nodes: 2, ha: true, azs: ['us-east-1a', 'us-east-1b'], snapshotDays: 3, snapshotWindow: '03:00-04:00', deletion: 'Snapshot' },
  prod: { nodeType: 'cache.t4g.medium', nodes: 2, ha: true, azs: ['us-east-1a', 'us-east-1b'], snapshotDays: 7, snapshotWindow: '03:00-04:00', deletion: 'Snapshot' },
} as const;

describe.each(ENVIRONMENT_NAMES)('cache in %s', (envName) => {
  const expected = EXPECTED[envName];
  const groups = ofType(envName, 'AWS::ElastiCache::ReplicationGroup');
  const [, group] = groups[0];
  const p = group.Properties!;

  test(`one replication group: ${expected.nodes} x ${expected.nodeType}, HA ${expected.ha}`, () => {
    expect(groups).toHaveLength(1);
    expect(p.ReplicationGroupId).toBe(`marin-${envName}-cache`);
    expect(p.Engine).toBe('valkey');
    expect(p.EngineVersion).toBe('8.0');
    expect(p.CacheNodeType).toBe(expected.nodeType);
    expect(p.NumCacheClusters).toBe(expected.nodes);
    expect(p.AutomaticFailoverEnabled).toBe(expected.ha);
    expect(p.MultiAZEnabled).toBe(expected.ha);
    expect(p.PreferredCacheClusterAZs).toEqual(expected.azs);
    // Where there is a replica it is in another AZ than the primary.
    expect(new Set(p.PreferredCacheClusterAZs).size).toBe(expected.nodes);
    expect(p.NumNodeGroups).toBeUndefined();
  });

  test('TLS required in transit, AUTH token from the redis-auth secret, at rest under the data key', () => {
    expect(p.TransitEncryptionEnabled).toBe(true);
    expect(p.TransitEncryptionMode).toBe('required');
    expect(label(envName, p.AuthToken)).toBe(`{{resolve:secretsmanager:secret:${envName}/audio-pipeline/redis-auth:SecretString:::}}`);
    expect(p.AtRestEncryptionEnabled).toBe(true);
    expect(label(envName, p.KmsKeyId)).toBe(`key:marin-${envName}`);
    expect(p.Port).toBe(6380);
  });

  test('in the isolated subnets, behind a security group that admits only the services on the cache port', () => {
    const [subnetGroupId, subnetGroup] = findOne(envName, 'AWS::ElastiCache::SubnetGroup', () => true);
    expect(p.CacheSubnetGroupName).toEqual({ Ref: subnetGroupId });
    const subnets = subnetGroup.Properties!.SubnetIds.map((s: unknown) => label(envName, s));
    expect(subnets).toHaveLength(envName === 'prod' ? 3 : 2);
    for (const subnet of subnets) expect(subnet).toMatch(/isolatedSubnet/);

    expect(p.SecurityGroupIds).toHaveLength(1);
    const sgId = p.SecurityGroupIds[0]['Fn::GetAtt'][0];
    const ingress = ofType(envName, 'AWS::EC2::SecurityGroupIngress').filter(([, r]) => r.Properties!.GroupId['Fn::GetAtt']?.[0] === sgId);
    expect(ingress.map(([, r]) => `${r.Properties!.IpProtocol} ${r.Properties!.FromPort}-${r.Properties!.ToPort} from ${label(envName, r.Properties!.SourceSecurityGroupId)}`)).toEqual([
      `tcp 6380-6380 from sg:marin-${envName} ECS tasks: admitted by the cache, the search endpoint and the Atlas endpoint`,
    ]);
    const sg = dataResources(envName)[sgId];
    expect(sg.Type).toBe('AWS::EC2::SecurityGroup');
    expect(sg.Properties!.SecurityGroupIngress).toBeUndefined();
    expect(sg.Properties!.SecurityGroupEgress).toEqual([{ CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic', FromPort: 252, IpProtocol: 'icmp', ToPort: 86 }]);
  });

  test(`snapshots kept ${expected.snapshotDays} day(s) in the configured window; maintenance window from config`, () => {
    expect(p.SnapshotRetentionLimit).toBe(expected.snapshotDays);
    expect(p.SnapshotWindow).toBe(expected.snapshotWindow);
    expect(p.PreferredMaintenanceWindow).toBe('sun:05:00-sun:06:00');
  });

  test(`DeletionPolicy ${expected.deletion}`, () => {
    expect(group.DeletionPolicy).toBe(expected.deletion);
    expect(group.UpdateReplacePolicy).toBe(expected.deletion);
  });

  test('slow and engine logs to KMS-encrypted log groups with the environment retention', () => {
    expect(p.LogDeliveryConfigurations.map((c: any) => `${c.LogType} ${c.LogFormat} ${c.DestinationType} ${label(envName, c.DestinationDetails.CloudWatchLogsDetails.LogGroup)}`)).toEqual([
      expect.stringMatching(/^slow-log json cloudwatch-logs AWS::Logs::LogGroup:/),
      expect.stringMatching(/^engine-log json cloudwatch-logs AWS::Logs::LogGroup:/),
    ]);
    const groupsByName = ofType(envName, 'AWS::Logs::LogGroup').map(([, g]) => g.Properties!);
    expect(groupsByName.map((g) => g.LogGroupName).sort()).toEqual([`/marin/${envName}/cache/engine-log`, `/marin/${envName}/cache/slow-log`]);
    for (const g of groupsByName) {
      expect(g.RetentionInDays).toBe({ dev: 7, staging: 14, prod: 30 }[envName]);
      expect(label(envName, g.KmsKeyId)).toMatch(new RegExp(`^output:marin-${envName}-network/`));
    }
  });

  test('redis-endpoint secret: JSON {host, port, tls} from the replication group, under the data key', () => {
    const [, secret] = findOne(envName, 'AWS::SecretsManager::Secret', (props) => props.Name === `${envName}/audio-pipeline/redis-endpoint`);
    expect(JSON.parse(label(envName, secret.Properties!.SecretString))).toEqual({ host: `cache:marin-${envName}-cache.PrimaryEndPoint.Address`, port: 6380, tls: true });
    expect(label(envName, secret.Properties!.KmsKeyId)).toBe(`key:marin-${envName}`);
  });

  test('redis-auth secret: generated, 64 characters without punctuation (nothing Redis AUTH forbids), under the data key', () => {
    const [, secret] = findOne(envName, 'AWS::SecretsManager::Secret', (props) => props.Name === `${envName}/audio-pipeline/redis-auth`);
    expect(secret.Properties!.GenerateSecretString)
      .toEqual({ PasswordLength: 64, ExcludePunctuation: true, IncludeSpace: false });
    expect(secret.Properties!.SecretString).toBeUndefined();
    expect(label(envName, secret.Properties!.KmsKeyId)).toBe(`key:marin-${envName}`);
  });
});
