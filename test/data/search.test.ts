import { ENVIRONMENT_NAMES, type EnvironmentName } from '../../environments';
import { SEARCH_PERMISSIONS } from '../../lib/data/vector-search';
import { allResources } from '../support/templates';
import { dataResources, findOne, label, ofType, parseJoinedJson } from './support';

const EXPECTED = {
  dev: { standby: 'DISABLED', deletion: 'Delete', replace: 'Delete' },
  // Standby replicas double the OCU floor; off in staging against its budget (docs/data-plane.md).
  staging: { standby: 'DISABLED', deletion: 'RetainExceptOnCreate', replace: 'Retain' },
  // Seed: prod is 24/7 HA, so its search survives an AZ loss (issue 12).
  prod: { standby: 'ENABLED', deletion: 'RetainExceptOnCreate', replace: 'Retain' },
} as const;

/** Every AOSS security/access policy of every stack of the environment, parsed. */
function aossPolicies(envName: EnvironmentName) {
  return allResources(envName)
    .filter((r) => r.type === 'AWS::OpenSearchServerless::SecurityPolicy' || r.type === 'AWS::OpenSearchServerless::AccessPolicy')
    .map((r) => ({
      type: r.properties.Type as string,
      name: r.properties.Name as string,
      document: JSON.parse(label(envName, r.properties.Policy)),
    }));
}

describe.each(ENVIRONMENT_NAMES)('vector search in %s', (envName) => {
  const expected = EXPECTED[envName];
  const collectionName = `marin-${envName}-vectors`;
  const [, collection] = findOne(envName, 'AWS::OpenSearchServerless::Collection', () => true);
  const policy = (type: string) => findOne(envName, type === 'data' ? 'AWS::OpenSearchServerless::AccessPolicy' : 'AWS::OpenSearchServerless::SecurityPolicy', (p) => p.Type === type);

  test(`VECTORSEARCH collection ${collectionName} (<= 28 chars), standby replicas ${expected.standby}`, () => {
    expect(collection.Properties!.Name).toBe(collectionName);
    expect(collection.Properties!.Type).toBe('VECTORSEARCH');
    expect(collection.Properties!.StandbyReplicas).toBe(expected.standby);
  });

  test('encryption policy: an object naming the collection and the data key; created before the collection', () => {
    const [encryptionId, encryption] = policy('encryption');
    const document = parseJoinedJson(envName, encryption.Properties!.Policy);
    expect(Array.isArray(document)).toBe(false);
    expect(document).toEqual({ Rules: [{ ResourceType: 'collection', Resource: [`collection/${collectionName}`] }], AWSOwnedKey: false, KmsARN: `key:marin-${envName}` });
    expect(collection.DependsOn).toContain(encryptionId);
  });

  test('network policy: an array, never public, the AOSS VPC endpoint as the only source', () => {
    const [networkId, network] = policy('network');
    const document = parseJoinedJson(envName, network.Properties!.Policy);
    expect(Array.isArray(document)).toBe(true);
    expect(document).toEqual([
      {
        Description: 'VPC endpoint only, never public',
        Rules: [
          { ResourceType: 'collection', Resource: [`collection/${collectionName}`] },
          { ResourceType: 'dashboard', Resource: [`collection/${collectionName}`] },
        ],
        AllowFromPublic: false,
        SourceVPCEs: [`vpce:marin-${envName}-vectors-vpce`],
      },
    ]);
    expect(collection.DependsOn).toContain(networkId);
  });

  test('no AOSS policy anywhere in the environment allows public access or a service-wide source', () => {
    const network = aossPolicies(envName).filter((p) => p.type === 'network');
    expect(network.length).toBeGreaterThan(0);
    for (const p of network) {
      for (const entry of p.document) {
        expect(entry.AllowFromPublic).toBe(false);
        expect(entry.SourceServices).toBeUndefined();
        expect(entry.SourceVPCEs.length).toBeGreaterThan(0);
      }
    }
  });

  test('data access policy: an array granting only the indexing (write) and api (read) task roles, no aoss:* wildcard', () => {
    const [, access] = policy('data');
    const document = parseJoinedJson(envName, access.Properties!.Policy);
    expect(Array.isArray(document)).toBe(true);
    const grants = document.map((entry: any) => ({
      principals: entry.Principal,
      rules: entry.Rules.map((rule: any) => `${rule.ResourceType} ${rule.Resource.join(',')}: ${rule.Permission.join(',')}`),
    }));
    expect(grants).toEqual([
      {
        principals: [`role:marin-${envName}-indexing-task`],
        rules: [`collection collection/${collectionName}: ${SEARCH_PERMISSIONS.writers.collection.join(',')}`, `index index/${collectionName}/*: ${SEARCH_PERMISSIONS.writers.index.join(',')}`],
      },
      {
        principals: [`role:marin-${envName}-api-task`],
        rules: [`collection collection/${collectionName}: ${SEARCH_PERMISSIONS.readers.collection.join(',')}`, `index index/${collectionName}/*: ${SEARCH_PERMISSIONS.readers.index.join(',')}`],
      },
    ]);
    for (const p of aossPolicies(envName).filter((q) => q.type === 'data')) {
      for (const entry of p.document) for (const rule of entry.Rules) for (const permission of rule.Permission) expect(permission).not.toBe('aoss:*');
    }
    expect(SEARCH_PERMISSIONS.readers.index).not.toContain('aoss:WriteDocument');
  });

  test('the AOSS VPC endpoint: private subnets of 2 AZs (network.endpointAzCount), a security group admitting only the services on 443', () => {
    const [, endpoint] = findOne(envName, 'AWS::OpenSearchServerless::VpcEndpoint', () => true);
    expect(endpoint.Properties!.Name).toBe(`marin-${envName}-vectors-vpce`);
    const subnets = endpoint.Properties!.SubnetIds.map((s: unknown) => label(envName, s));
    expect(subnets).toHaveLength(2);
    expect(subnets.map((s: string) => s.match(/privateSubnet\d/)?.[0])).toEqual(['privateSubnet1', 'privateSubnet2']);
    const sgId = endpoint.Properties!.SecurityGroupIds[0]['Fn::GetAtt'][0];
    const ingress = ofType(envName, 'AWS::EC2::SecurityGroupIngress').filter(([, r]) => r.Properties!.GroupId['Fn::GetAtt']?.[0] === sgId);
    expect(ingress.map(([, r]) => `${r.Properties!.IpProtocol} ${r.Properties!.FromPort} from ${label(envName, r.Properties!.SourceSecurityGroupId)}`)).toEqual([
      `tcp 443 from sg:marin-${envName} ECS tasks: admitted by the cache, the search endpoint and the Atlas endpoint`,
    ]);
    expect(dataResources(envName)[sgId].Properties!.SecurityGroupIngress).toBeUndefined();
  });

  test(`DeletionPolicy ${expected.deletion} on the collection and its encryption policy`, () => {
    const [, encryption] = policy('encryption');
    for (const resource of [collection, encryption]) {
      expect(resource.DeletionPolicy).toBe(expected.deletion);
      expect(resource.UpdateReplacePolicy).toBe(expected.replace);
    }
  });
});
