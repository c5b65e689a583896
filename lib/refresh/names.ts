import type { EnvironmentName } from '../../environments';
import { ResourceNames } from '../naming';

/**
 * The staging refresh path: prod (source) exports anonymised data, staging (target) loads it. The one place
 * both sides, `npm run refresh-staging` and the tests take its names from; each is checked against its AWS limit.
 */
export const REFRESH_SOURCE: EnvironmentName = 'prod';
export const REFRESH_TARGET: EnvironmentName = 'staging';

/** The refresh task of each side: its ECR repository, task definition family, log group and container name. */
export const REFRESH_TASKS = { source: 'anonymiser', target: 'loader' } as const;
export type RefreshSide = keyof typeof REFRESH_TASKS;

export interface RefreshNames {
  /** `{project}-prod-staging-export`: the only place anonymised data crosses from prod to staging. */
  readonly exportBucket: string;
  /** Alias of the export bucket's key (without `alias/`): the loader's key permission is pinned to it. */
  readonly exportKeyAlias: string;
  /** `{project}-prod-anonymiser-task`. */
  readonly anonymiserRole: string;
  /** `{project}-staging-loader-task`: the bucket and key policies name exactly this role. */
  readonly loaderRole: string;
  /** Task definition families (and ECR repositories). */
  readonly anonymiserFamily: string;
  readonly loaderFamily: string;
  /** Staging SSM parameter: the record of the last refresh (JSON), written by `npm run refresh-staging`. */
  readonly lastRunParameter: string;
}

export function refreshNames(project: string): RefreshNames {
  const source = new ResourceNames(project, REFRESH_SOURCE);
  const target = new ResourceNames(project, REFRESH_TARGET);
  return {
    exportBucket: source.name('staging-export', 'bucket'),
    exportKeyAlias: source.name('staging-export'),
    anonymiserRole: source.name(`${REFRESH_TASKS.source}-task`, 'role'),
    loaderRole: target.name(`${REFRESH_TASKS.target}-task`, 'role'),
    anonymiserFamily: source.name(REFRESH_TASKS.source),
    loaderFamily: target.name(REFRESH_TASKS.target),
    lastRunParameter: target.parameterName('refresh/last-run'),
  };
}
