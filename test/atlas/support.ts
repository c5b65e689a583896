import { Testing } from 'cdktf';
import { loadEnvironment, type EnvironmentConfig, type EnvironmentName } from '../../environments';
import { AtlasStack } from '../../atlas/lib/atlas-stack';
import { atlasStackName } from '../../lib/handoff';

/** Synthesized Terraform JSON of one Atlas stack (snake_case keys, as Terraform reads them). */
export interface TerraformJson {
  terraform: {
    backend: { s3: Record<string, unknown> };
    required_providers: Record<string, { source: string; version: string }>;
  } & Record<string, unknown>;
  provider: Record<string, Array<Record<string, unknown>>>;
  variable?: Record<string, Record<string, unknown>>;
  data?: Record<string, Record<string, Record<string, any>>>;
  resource: Record<string, Record<string, Record<string, any>>>;
  output?: Record<string, { value: string; sensitive?: boolean }>;
}

/** The environment's config, optionally with changed `atlas` fields (bypassing the schema, to reach the code paths). */
export function atlasConfig(envName: EnvironmentName, atlas: Partial<EnvironmentConfig['atlas']> = {}): EnvironmentConfig {
  const config = loadEnvironment(envName);
  return { ...config, atlas: { ...config.atlas, ...atlas } };
}

export function synthStack(config: EnvironmentConfig): { stack: AtlasStack; raw: string; json: TerraformJson } {
  const app = Testing.app();
  const stack = new AtlasStack(app, atlasStackName(config.name), { config });
  const raw = Testing.synth(stack);
  return { stack, raw, json: JSON.parse(raw) as TerraformJson };
}

/** All resources of a type (empty object when there are none). */
export function resourcesOf(json: TerraformJson, type: string): Record<string, Record<string, any>> {
  return json.resource[type] ?? {};
}

/** The only resource of a type; fails when there are none or several. */
export function onlyResource(json: TerraformJson, type: string): Record<string, any> {
  const all = Object.values(resourcesOf(json, type));
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0];
}

/** `data.aws_ssm_parameter.<id>` of the parameter with this name, for matching references. */
export function ssmReference(json: TerraformJson, parameterName: string): string {
  const entry = Object.entries(json.data?.aws_ssm_parameter ?? {}).find(([, p]) => p.name === parameterName);
  if (!entry) throw new Error(`no aws_ssm_parameter data source reads ${parameterName}`);
  return `data.aws_ssm_parameter.${entry[0]}`;
}

/** Every string in a JSON value, with its path. */
export function allStrings(value: unknown, path = ''): Array<{ path: string; value: string }> {
  if (typeof value === 'string') return [{ path, value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => allStrings(v, `${path}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => allStrings(v, path ? `${path}.${k}` : k));
  return [];
}
