import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { DataMongodbatlasAdvancedCluster } from '@cdktf/provider-mongodbatlas/lib/data-mongodbatlas-advanced-cluster';
import { DatabaseUser } from '@cdktf/provider-mongodbatlas/lib/database-user';
import { Password } from '@cdktf/provider-random/lib/password';
import { Fn, Op, TerraformIterator } from 'cdktf';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../environments';
import type { ResourceNames } from '../../lib/naming';
import type { AtlasCluster } from './atlas-cluster';
import type { CdkHandoff } from './cdk-handoff';
import type { AtlasPrivateLink } from './network-access';

/** Connection options of every URI: retryable writes, majority write concern. */
const COMMON_URI_OPTIONS = 'retryWrites=true&w=majority';
/** MONGODB-AWS: the driver signs with the task role's credentials; users live in `$external` (URL-encoded). */
const IAM_URI_OPTIONS = `authSource=%24external&authMechanism=MONGODB-AWS&${COMMON_URI_OPTIONS}`;
/** SCRAM password users authenticate against `admin`. */
const PASSWORD_URI_OPTIONS = `authSource=admin&${COMMON_URI_OPTIONS}`;

/** Length of the generated password (letters and digits only, so it needs no URI escaping: ~190 bits). */
const PASSWORD_LENGTH = 32;

export interface DatabaseAccessProps {
  readonly config: EnvironmentConfig;
  readonly names: ResourceNames;
  readonly handoff: CdkHandoff;
  readonly atlas: AtlasCluster;
  /** Present where the services connect over PrivateLink: the URI then uses the private-endpoint SRV host. */
  readonly privateLink?: AtlasPrivateLink;
}

/**
 * Database users of the services and the connection string handed to them.
 *
 * - `aws-iam`: one `MONGODB-AWS` user per ECS task role ARN (read from SSM), in `$external`,
 *   `readWrite` on the application database only, scoped to this cluster. No password exists.
 * - `password`: one SCRAM user whose password `random_password` generates at apply time; it is
 *   stored only in the Terraform state (encrypted S3 backend) and in the secret written below.
 *
 * The URI is written as a new version of the CDK-owned `{env}/audio-pipeline/mongodb-uri` secret
 * (located through the ARN CDK publishes); ECS injects it into the tasks.
 */
export class DatabaseAccess extends Construct {
  /** The `mongodb+srv://` URI (an unresolved Terraform expression). */
  readonly connectionString: string;
  readonly secretVersion: SecretsmanagerSecretVersion;
  readonly iamUsers?: DatabaseUser;
  readonly passwordUser?: DatabaseUser;
  /**
   * The staging-refresh task's MONGODB-AWS user: in prod the anonymiser's, `read` only; in staging the
   * loader's, `readWrite` (it replaces the anonymised data). dev has none.
   */
  readonly refreshUser?: DatabaseUser;

  constructor(scope: Construct, id: string, props: DatabaseAccessProps) {
    super(scope, id);
    const { config, names, handoff, atlas } = props;
    const database = config.atlas.databaseName;
    const usePrivateLink = config.atlas.connectivity === 'private-link';
    if (usePrivateLink !== (props.privateLink !== undefined)) {
      throw new Error(`atlas.connectivity is ${config.atlas.connectivity}: pass privateLink exactly when connectivity is private-link`);
    }
    const roles = [{ roleName: 'readWrite', databaseName: database }];
    const scopes = [{ name: atlas.cluster.name, type: 'CLUSTER' }];

    const privateSrv = props.privateLink ? this.privateEndpointSrv(atlas, props.privateLink) : undefined;
    const host = privateSrv ? Fn.element(privateSrv, 0) : atlas.cluster.connectionStrings.get(0).standardSrv;

    if (config.atlas.databaseAuth === 'aws-iam') {
      const taskRoles = TerraformIterator.fromList(handoff.taskRoleArns);
      this.iamUsers = new DatabaseUser(this, 'task-role-users', {
        forEach: taskRoles,
        projectId: atlas.project.id,
        username: taskRoles.value,
        awsIamType: 'ROLE',
        authDatabaseName: '$external',
        roles,
        scopes,
        description: `ECS task role of ${names.prefix} (MONGODB-AWS)`,
      });
      this.connectionString = `${host}/${database}?${IAM_URI_OPTIONS}`;
      if (config.refresh.role !== 'none') {
        const readOnly = config.refresh.role === 'source';
        this.refreshUser = new DatabaseUser(this, 'refresh-task-user', {
          projectId: atlas.project.id,
          username: handoff.refreshTaskRoleArn,
          awsIamType: 'ROLE',
          authDatabaseName: '$external',
          roles: [{ roleName: readOnly ? 'read' : 'readWrite', databaseName: database }],
          scopes,
          description: readOnly
            ? `Staging-refresh anonymiser of ${names.prefix}: read-only (MONGODB-AWS)`
            : `Staging-refresh loader of ${names.prefix}: loads the anonymised export (MONGODB-AWS)`,
        });
      }
    } else {
      const password = new Password(this, 'app-password', { length: PASSWORD_LENGTH, special: false, minUpper: 4, minLower: 4, minNumeric: 4 });
      const username = names.name('app');
      this.passwordUser = new DatabaseUser(this, 'app-user', {
        projectId: atlas.project.id,
        username,
        password: password.result,
        authDatabaseName: 'admin',
        roles,
        scopes,
        description: `Services of ${names.prefix} (password in Secrets Manager only)`,
      });
      const withCredentials = Fn.replace(host, 'mongodb+srv://', `mongodb+srv://${username}:${password.result}@`);
      this.connectionString = `${withCredentials}/${database}?${PASSWORD_URI_OPTIONS}`;
    }

    this.secretVersion = new SecretsmanagerSecretVersion(this, 'mongodb-uri', {
      secretId: handoff.mongodbUriSecretArn,
      secretString: this.connectionString,
      // Users must exist before services can pick up a URI that authenticates as them.
      dependsOn: [this.iamUsers ?? this.passwordUser!],
      // Atlas lists the private-endpoint connection string some minutes after the endpoint service is
      // AVAILABLE. Fail with what to do rather than with element() on an empty list, and never write "".
      lifecycle: privateSrv
        ? {
          precondition: [
            {
              // ">= 1", not "> 0": cdktf 0.21 renders a literal 0 operand as "undefined".
              condition: Op.gte(Fn.lengthOf(privateSrv), 1),
              errorMessage: 'Atlas does not list the private-endpoint connection string for this VPC endpoint yet (it appears a few minutes after the endpoint service is AVAILABLE). Re-run the Atlas deploy in a few minutes; the mongodb-uri secret keeps its previous value meanwhile.',
            },
          ],
        }
        : undefined,
    });
  }

  /**
   * The SRV string of this VPC's private endpoint. It appears on the cluster only once the
   * endpoint service is available, so it is read through a data source that waits for it,
   * and picked by endpoint id (a project can hold endpoints of other VPCs).
   */
  private privateEndpointSrv(atlas: AtlasCluster, privateLink: AtlasPrivateLink): string[] {
    const cluster = new DataMongodbatlasAdvancedCluster(this, 'cluster-after-endpoint', {
      projectId: atlas.project.id,
      name: atlas.cluster.name,
      dependsOn: [privateLink.endpointService],
    });
    const privateEndpoints = cluster.connectionStrings.get(0).privateEndpoint as unknown as string[];
    const endpoints = TerraformIterator.fromList(privateEndpoints);
    const matching = endpoints.forExpressionForList(
      `val.srv_connection_string if contains([for e in val.endpoints : e.endpoint_id], ${privateLink.vpcEndpoint.id})`,
    );
    return matching as unknown as string[];
  }
}
