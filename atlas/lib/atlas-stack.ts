import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { MongodbatlasProvider } from '@cdktf/provider-mongodbatlas/lib/provider';
import { SsmParameter } from '@cdktf/provider-aws/lib/ssm-parameter';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { Fn, TerraformOutput, TerraformStack, TerraformVariable, type TerraformProvider } from 'cdktf';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../environments';
import { standardTags } from '../../lib/core/tagging';
import { atlasHandoffParameterName, atlasStackName } from '../../lib/handoff';
import { ResourceNames } from '../../lib/naming';
import { AtlasCluster } from './atlas-cluster';
import { CdkHandoff } from './cdk-handoff';
import { DatabaseAccess } from './database-access';
import { AtlasPrivateLink, NatIpAccessList } from './network-access';
import { configureStateBackend } from './state-backend';
import { pinProviderVersions } from './versions';

export interface AtlasStackProps {
  /** The validated environment (the same file the CDK app reads). */
  readonly config: EnvironmentConfig;
}

/** Terraform variable holding the Atlas organization id (TF_VAR_atlas_org_id; never committed). */
export const ATLAS_ORG_ID_VARIABLE = 'atlas_org_id';

/**
 * The MongoDB Atlas side of one environment (`atlas-{env}`), deployed between the CDK stateful
 * stacks (which publish its inputs in SSM) and the CDK service stacks (which read the secret it
 * writes). Providers carry no credentials: the Atlas provider reads MONGODB_ATLAS_PUBLIC_KEY /
 * MONGODB_ATLAS_PRIVATE_KEY (or its AWS Secrets Manager settings) from the environment at plan
 * time, so synth needs neither credentials nor network.
 */
export class AtlasStack extends TerraformStack {
  readonly config: EnvironmentConfig;
  readonly names: ResourceNames;
  readonly handoff: CdkHandoff;
  readonly atlas: AtlasCluster;
  readonly privateLink?: AtlasPrivateLink;
  readonly accessList?: NatIpAccessList;
  readonly databaseAccess: DatabaseAccess;
  /** The handoff the services stack requires: written once the connection string is (lib/handoff.ts). */
  readonly servicesHandoff: SsmParameter;

  constructor(scope: Construct, id: string, props: AtlasStackProps) {
    super(scope, id);
    const { config } = props;
    this.config = config;
    this.names = ResourceNames.of(config);
    const tags = { ...standardTags(config), ManagedBy: 'cdktf' };

    configureStateBackend(this, config);
    const providers: TerraformProvider[] = [
      new MongodbatlasProvider(this, 'mongodbatlas', {}),
      new AwsProvider(this, 'aws', { region: config.region, defaultTags: [{ tags }], ...(config.account ? { allowedAccountIds: [config.account] } : {}) }),
    ];
    if (config.atlas.databaseAuth === 'password') {
      providers.push(new RandomProvider(this, 'random', {}));
    }
    pinProviderVersions(this, providers);

    const orgId = new TerraformVariable(this, ATLAS_ORG_ID_VARIABLE, {
      type: 'string',
      nullable: false,
      description: 'MongoDB Atlas organization id (24 hex characters); supply as TF_VAR_atlas_org_id, never commit it',
    });
    orgId.addValidation({
      condition: Fn.can(Fn.regex('^[0-9a-f]{24}$', orgId.stringValue)),
      errorMessage: 'atlas_org_id must be the 24-hex-character Atlas organization id.',
    });

    this.handoff = new CdkHandoff(this, 'cdk-handoff', { names: this.names });
    this.atlas = new AtlasCluster(this, 'atlas', { config, names: this.names, orgId: orgId.stringValue, tags });

    if (config.atlas.connectivity === 'private-link') {
      this.privateLink = new AtlasPrivateLink(this, 'private-link', {
        names: this.names,
        handoff: this.handoff,
        projectId: this.atlas.project.id,
        atlasRegion: config.atlas.region,
        endpointAzCount: config.network.endpointAzCount,
      });
    } else {
      this.accessList = new NatIpAccessList(this, 'access-list', { handoff: this.handoff, projectId: this.atlas.project.id, environment: config.name });
    }

    this.databaseAccess = new DatabaseAccess(this, 'database-access', {
      config,
      names: this.names,
      handoff: this.handoff,
      atlas: this.atlas,
      privateLink: this.privateLink,
    });

    // Last: its value is the id of the secret version just written, so Terraform writes it only after that version
    // exists. The services template requires it (an SSM-typed parameter): CloudFormation refuses to change the
    // services stack until this stack has been applied once.
    this.servicesHandoff = new SsmParameter(this, 'services-handoff', {
      name: atlasHandoffParameterName(this.names),
      type: 'String',
      // An identifier, not a secret: shown in plans and in the services stack's output.
      insecureValue: this.databaseAccess.secretVersion.versionId,
      description: `Written by ${atlasStackName(config.name)} after it stored the MongoDB connection string (the id of the mongodb-uri secret version). ${this.names.stackName('services')} requires it: CloudFormation refuses to change that stack until it exists.`,
    });

    new TerraformOutput(this, 'project_id', { value: this.atlas.project.id, description: 'Atlas project of the environment' });
    new TerraformOutput(this, 'cluster_name', { value: this.atlas.cluster.name });
    new TerraformOutput(this, 'mongodb_uri_secret_arn', {
      value: this.handoff.mongodbUriSecretArn,
      description: 'Secret holding the connection string (the value itself is never an output)',
    });
  }
}
