import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { SERVICE_NAMES, type ServiceName } from '../contracts';
import { pascalCase, type ResourceNames } from '../naming';

export interface ServiceClusterProps {
  /** Naming scheme of the environment: the cluster is `{prefix}-cluster`, each repository `{prefix}-{service}`. */
  readonly names: ResourceNames;
  /** VPC of the cluster. */
  readonly vpc: ec2.IVpc;
  /**
   * Services that get an image repository each.
   * @default SERVICE_NAMES (the api and the three workers)
   */
  readonly services?: readonly ServiceName[];
  /**
   * Container Insights level; `ENHANCED` adds task- and container-level metrics.
   * @default ecs.ContainerInsights.ENABLED
   */
  readonly containerInsights?: ecs.ContainerInsights;
  /**
   * Tagged images each repository keeps.
   * @default 10
   */
  readonly imagesRetained?: number;
  /**
   * What happens to the repositories (and, with `DESTROY`, their images) when the stack deletes them.
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
   */
  readonly removalPolicy?: RemovalPolicy;
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

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      // The data stack scopes the workers' task protection to this name (lib/stacks/data-stack.ts).
      clusterName: names.name('cluster'),
      vpc: props.vpc,
      containerInsightsV2: props.containerInsights ?? ecs.ContainerInsights.ENABLED,
    });
    // Declared here rather than with `enableFargateCapacityProviders` (which an aspect adds at synth time) so
    // the services can depend on it: a strategy naming a provider not yet associated fails the deploy.
    this.capacityProviders = new ecs.CfnClusterCapacityProviderAssociations(this, 'CapacityProviders', {
      cluster: this.cluster.clusterName,
      capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
      defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
    });

    const repositories = {} as Record<ServiceName, ecr.Repository>;
    for (const service of props.services ?? SERVICE_NAMES) {
      repositories[service] = imageRepository(this, `${pascalCase(service)}Repository`, {
        repositoryName: names.name(service),
        imagesRetained: props.imagesRetained,
        removalPolicy: props.removalPolicy,
      });
    }
    this.repositories = repositories;
  }
}

export interface ImageRepositoryProps {
  /** Physical name of the repository. */
  readonly repositoryName: string;
  /**
   * Tagged images kept; older ones expire (untagged layers after a day). A positive integer (an ECR lifecycle count).
   * @default 10
   */
  readonly imagesRetained?: number;
  /**
   * What happens to the repository when its stack deletes it; `DESTROY` also deletes its images
   * (CloudFormation's `EmptyOnDelete`, no custom resource).
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** An ECR repository of the application team's images, for a service or the staging-refresh task. */
export function imageRepository(scope: Construct, id: string, props: ImageRepositoryProps): ecr.Repository {
  const imagesRetained = props.imagesRetained ?? 10;
  if (!Number.isInteger(imagesRetained) || imagesRetained < 1) {
    throw new Error(`${props.repositoryName}: imagesRetained must be a positive integer (an ECR lifecycle count), got ${imagesRetained}`);
  }
  const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;
  return new ecr.Repository(scope, id, {
    repositoryName: props.repositoryName,
    imageScanOnPush: true,
    // A tag always names the same image: what was tested is what runs, and a rollback is exact.
    imageTagMutability: ecr.TagMutability.IMMUTABLE,
    // Images hold code, not pipeline data: AES-256 keeps them readable independent of the data key's lifecycle.
    encryption: ecr.RepositoryEncryption.AES_256,
    lifecycleRules: [
      {
        rulePriority: 1,
        description: 'Untagged layers from failed or superseded pushes',
        tagStatus: ecr.TagStatus.UNTAGGED,
        maxImageAge: Duration.days(1),
      },
      {
        rulePriority: 2,
        description: `Keep the newest ${imagesRetained} images`,
        tagStatus: ecr.TagStatus.ANY,
        maxImageCount: imagesRetained,
      },
    ],
    removalPolicy,
    // Deleted with the stack: CloudFormation deletes the images with the repository (no custom resource involved).
    emptyOnDelete: removalPolicy === RemovalPolicy.DESTROY,
  });
}
