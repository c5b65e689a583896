import { Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import type { ServiceName } from '../contracts';
import { pascalCase, type ResourceNames } from '../naming';
import { retainedUnlessDisposable } from '../core/removal';

export interface ServiceClusterProps {
  readonly names: ResourceNames;
  readonly vpc: ec2.IVpc;
  /** Services that get an image repository each. */
  readonly services: readonly ServiceName[];
  /** `enhanced`: Container Insights with enhanced observability (task- and container-level metrics). */
  readonly containerInsights: 'enabled' | 'enhanced';
  /** Images each repository keeps. */
  readonly imagesRetained: number;
  /** dev: repositories (and their images) are deleted with the stack; otherwise they are retained. */
  readonly disposable: boolean;
}

/**
 * The ECS cluster (Fargate and Fargate Spot capacity providers, Container Insights) and one ECR
 * repository per service: scan on push, immutable tags, AES-256 at rest, lifecycle-trimmed.
 */
export class ServiceCluster extends Construct {
  readonly cluster: ecs.Cluster;
  readonly repositories: Record<ServiceName, ecr.Repository>;
  /** FARGATE and FARGATE_SPOT associated with the cluster; every service depends on it. */
  readonly capacityProviders: ecs.CfnClusterCapacityProviderAssociations;

  constructor(scope: Construct, id: string, props: ServiceClusterProps) {
    super(scope, id);
    const { names } = props;
    if (!Number.isInteger(props.imagesRetained) || props.imagesRetained < 1) {
      throw new Error(`${names.prefix}: services.imagesRetained must be a positive integer, got ${props.imagesRetained}`);
    }

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      // The data stack scopes the workers' task protection to this name (lib/stacks/data-stack.ts).
      clusterName: names.name('cluster'),
      vpc: props.vpc,
      containerInsightsV2: props.containerInsights === 'enhanced' ? ecs.ContainerInsights.ENHANCED : ecs.ContainerInsights.ENABLED,
    });
    // Declared here rather than with `enableFargateCapacityProviders` (which an aspect adds at synth time) so
    // the services can depend on it: a strategy naming a provider not yet associated fails the deploy.
    this.capacityProviders = new ecs.CfnClusterCapacityProviderAssociations(this, 'CapacityProviders', {
      cluster: this.cluster.clusterName,
      capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
      defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
    });

    const repositories = {} as Record<ServiceName, ecr.Repository>;
    for (const service of props.services) {
      repositories[service] = imageRepository(this, `${pascalCase(service)}Repository`, {
        repositoryName: names.name(service),
        imagesRetained: props.imagesRetained,
        disposable: props.disposable,
      });
    }
    this.repositories = repositories;
  }
}

export interface ImageRepositoryProps {
  readonly repositoryName: string;
  /** Tagged images kept; older ones expire (untagged layers after a day). */
  readonly imagesRetained: number;
  /** dev: the repository and its images go with the stack; elsewhere it is retained. */
  readonly disposable: boolean;
}

/** An ECR repository of the application team's images, for a service or the staging-refresh task. */
export function imageRepository(scope: Construct, id: string, props: ImageRepositoryProps): ecr.Repository {
  return new ecr.Repository(scope, id, {
    repositoryName: props.repositoryName,
    imageScanOnPush: true,
    // A tag always names the same image: what was tested is what runs, and a rollback is exact.
    imageTagMutability: ecr.TagMutability.IMMUTABLE,
    // Images hold code, not pipeline data: AES-256 keeps them readable independent of the data key's lifecycle.
    encryption: ecr.RepositoryEncryption.AES_256,
    lifecycleRules: [
      { rulePriority: 1, description: 'Untagged layers from failed or superseded pushes', tagStatus: ecr.TagStatus.UNTAGGED, maxImageAge: Duration.days(1) },
      { rulePriority: 2, description: `Keep the newest ${props.imagesRetained} images`, tagStatus: ecr.TagStatus.ANY, maxImageCount: props.imagesRetained },
    ],
    removalPolicy: retainedUnlessDisposable(props.disposable),
    // dev only: CloudFormation deletes the images with the repository (no custom resource involved).
    emptyOnDelete: props.disposable,
  });
}
