import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as aoss from 'aws-cdk-lib/aws-opensearchserverless';
import { Construct } from 'constructs';
import type { ResourceNames } from '../naming';
import { COST_ALLOCATION_TAG, immutableTags } from '../core/tagging';

export interface VectorSearchProps {
  readonly names: ResourceNames;
  readonly vpc: ec2.IVpc;
  /** Subnets of the AOSS VPC endpoint (the tasks' private subnets). */
  readonly subnets: ec2.SubnetSelection;
  /** The only security group admitted on the endpoint (HTTPS). */
  readonly clientSecurityGroup: ec2.ISecurityGroup;
  /** Customer-managed key of the collection (encryption policy). */
  readonly dataKey: kms.IKey;
  /** Roles that create indexes and write documents (the indexing worker). */
  readonly writers: readonly iam.IRole[];
  /** Roles that only read (the api). */
  readonly readers: readonly iam.IRole[];
  /**
   * `CostCenter` tag of the collection, fixed at its creation (a collection's tags are create-only: a change
   * replaces it, and its fixed name fails the update). The budget counts it.
   */
  readonly collectionCostCenter: string;
  /**
   * OCU redundancy across AZs (doubles the OCU floor). Creation-time: a change replaces the collection.
   * @default true (the OpenSearch Serverless default)
   */
  readonly standbyReplicas?: boolean;
  /**
   * What happens to the collection and its encryption policy when their stack deletes or replaces them.
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Permissions of the data access policy, kept as data so tests can state them. */
export const SEARCH_PERMISSIONS = {
  writers: {
    collection: ['aoss:DescribeCollectionItems', 'aoss:CreateCollectionItems', 'aoss:UpdateCollectionItems'],
    index: ['aoss:CreateIndex', 'aoss:UpdateIndex', 'aoss:DescribeIndex', 'aoss:ReadDocument', 'aoss:WriteDocument'],
  },
  readers: {
    collection: ['aoss:DescribeCollectionItems'],
    index: ['aoss:DescribeIndex', 'aoss:ReadDocument'],
  },
} as const;

/**
 * An OpenSearch Serverless VECTORSEARCH collection reachable only through an AOSS VPC endpoint:
 * encryption policy (object) with the data key, created before the collection; network policy (array) with
 * AllowFromPublic false and the endpoint as the only source; data access policy (array) for the given roles only.
 * `standbyReplicas` cannot change after creation (a change replaces the collection).
 */
export class VectorSearch extends Construct {
  readonly collection: aoss.CfnCollection;
  readonly collectionName: string;
  readonly endpoint: aoss.CfnVpcEndpoint;
  readonly endpointSecurityGroup: ec2.SecurityGroup;
  readonly encryptionPolicy: aoss.CfnSecurityPolicy;
  readonly networkPolicy: aoss.CfnSecurityPolicy;
  readonly accessPolicy: aoss.CfnAccessPolicy;

  constructor(scope: Construct, id: string, props: VectorSearchProps) {
    super(scope, id);
    const { names } = props;
    if (props.writers.length === 0) {
      throw new Error(`${names.prefix}: VectorSearch needs at least one writer role in writers (the indexing task role)`);
    }
    const stack = Stack.of(this);
    this.collectionName = names.name('vectors', 'searchCollection');
    const collectionResource = `collection/${this.collectionName}`;

    this.endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: props.vpc,
      description: `${names.prefix} OpenSearch Serverless endpoint: HTTPS from the services only`,
      allowAllOutbound: false,
    });
    this.endpointSecurityGroup.addIngressRule(props.clientSecurityGroup, ec2.Port.tcp(443), 'ECS tasks of the pipeline');

    this.endpoint = new aoss.CfnVpcEndpoint(this, 'Endpoint', {
      name: names.name('vectors-vpce', 'searchPolicy'),
      vpcId: props.vpc.vpcId,
      subnetIds: props.vpc.selectSubnets(props.subnets).subnetIds,
      securityGroupIds: [this.endpointSecurityGroup.securityGroupId],
    });

    this.encryptionPolicy = new aoss.CfnSecurityPolicy(this, 'EncryptionPolicy', {
      name: names.name('vectors-encryption', 'searchPolicy'),
      type: 'encryption',
      description: `${names.prefix}: the collection is encrypted with the data key`,
      policy: stack.toJsonString({
        Rules: [{ ResourceType: 'collection', Resource: [collectionResource] }],
        AWSOwnedKey: false,
        KmsARN: props.dataKey.keyArn,
      }),
    });

    this.networkPolicy = new aoss.CfnSecurityPolicy(this, 'NetworkPolicy', {
      name: names.name('vectors-network', 'searchPolicy'),
      type: 'network',
      description: `${names.prefix}: the collection and its dashboards only through the VPC endpoint`,
      policy: stack.toJsonString([
        {
          Description: 'VPC endpoint only, never public',
          Rules: [
            { ResourceType: 'collection', Resource: [collectionResource] },
            { ResourceType: 'dashboard', Resource: [collectionResource] },
          ],
          AllowFromPublic: false,
          SourceVPCEs: [this.endpoint.attrId],
        },
      ]),
    });

    const indexResource = `index/${this.collectionName}/*`;
    const grants = [
      { description: 'indexing worker: create indexes, read and write documents', roles: props.writers, permissions: SEARCH_PERMISSIONS.writers },
      { description: 'api: read documents', roles: props.readers, permissions: SEARCH_PERMISSIONS.readers },
    ].filter((grant) => grant.roles.length > 0);
    this.accessPolicy = new aoss.CfnAccessPolicy(this, 'DataAccessPolicy', {
      name: names.name('vectors-access', 'searchPolicy'),
      type: 'data',
      description: `${names.prefix}: the task roles that use the collection, nothing else`,
      policy: stack.toJsonString(
        grants.map((grant) => ({
          Description: grant.description,
          Rules: [
            { ResourceType: 'collection', Resource: [collectionResource], Permission: [...grant.permissions.collection] },
            { ResourceType: 'index', Resource: [indexResource], Permission: [...grant.permissions.index] },
          ],
          Principal: grant.roles.map((role) => role.roleArn),
        })),
      ),
    });

    this.collection = new aoss.CfnCollection(this, 'Collection', {
      name: this.collectionName,
      type: 'VECTORSEARCH',
      description: `${names.prefix}: transcript chunk embeddings`,
      standbyReplicas: (props.standbyReplicas ?? true) ? 'ENABLED' : 'DISABLED',
      // Tags are create-only on a collection (a change replaces it, and its fixed name fails the update):
      // only the tags that never change, and the cost-allocation tag frozen at creation (the budget counts it);
      // the stack's tag aspect skips this type (lib/core/tagging.ts).
      tags: Object.entries({
        ...immutableTags(names.project, names.environment),
        [COST_ALLOCATION_TAG]: props.collectionCostCenter,
      }).map(([key, value]) => ({ key, value })),
    });
    // A collection is created with the encryption policy that matches it at that moment, and cannot change key later.
    this.collection.addResourceDependency(this.encryptionPolicy);
    this.collection.addResourceDependency(this.networkPolicy);
    const removal = props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;
    this.collection.applyRemovalPolicy(removal);
    // The encryption policy binds the key to the retained collection; keep it with the collection.
    this.encryptionPolicy.applyRemovalPolicy(removal);
  }

  get collectionArn(): string {
    return this.collection.attrArn;
  }

  /** The collection's id (the `CollectionId` dimension of its AWS/AOSS metrics). */
  get collectionId(): string {
    return this.collection.attrId;
  }

  get collectionEndpoint(): string {
    return this.collection.attrCollectionEndpoint;
  }
}
