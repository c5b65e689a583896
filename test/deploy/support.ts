import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadEnvironment, type EnvironmentConfig, type EnvironmentName } from '../../environments';
import { createDeployIdentityApp } from '../../lib/deploy-identity-app';
import { cdkJsonContext } from '../support/cdk-context';

export interface PolicyStatementJson {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

export interface IdentityTemplate {
  readonly template: Template;
  readonly json: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
}

const cache = new Map<string, IdentityTemplate>();

/**
 * The deploy-identity stack of one environment, synthesized in this process with the four cdk-nag packs
 * (`createDeployIdentityApp` registers them): an unacknowledged finding makes `app.synth()` throw.
 */
export function identityTemplate(
  env: EnvironmentName,
  edit: (config: EnvironmentConfig) => EnvironmentConfig = (c) => c,
): IdentityTemplate {
  const config = edit(loadEnvironment(env));
  const key = JSON.stringify(config);
  const cached = cache.get(key);
  if (cached) return cached;
  const app = new App({ context: cdkJsonContext() });
  const stack = createDeployIdentityApp(app, config).identity;
  app.synth();
  const template = Template.fromStack(stack);
  const result = { template, json: template.toJSON() as IdentityTemplate['json'] };
  cache.set(key, result);
  return result;
}

/** The policy document of the managed policy with this name (`marin-{env}-...`). */
export function managedPolicy(identity: IdentityTemplate, name: string): { Statement: PolicyStatementJson[] } {
  const found = Object.values(identity.json.Resources).filter((r) => r.Type === 'AWS::IAM::ManagedPolicy' && r.Properties.ManagedPolicyName === name);
  if (found.length !== 1) throw new Error(`expected one managed policy named ${name}, found ${found.length}`);
  return found[0].Properties.PolicyDocument as { Statement: PolicyStatementJson[] };
}

export const actionsOf = (statement: PolicyStatementJson): string[] =>
  (Array.isArray(statement.Action) ? statement.Action : [statement.Action]);

/** An ARN as text: `Fn::Join` of literals and the account/partition pseudo parameters (rendered 123456789012 / aws). */
export function arnText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if (object.Ref === 'AWS::AccountId') return '123456789012';
    if (object.Ref === 'AWS::Partition') return 'aws';
    if (object.Ref === 'AWS::Region') return 'us-east-1';
    const join = object['Fn::Join'] as [string, unknown[]] | undefined;
    if (join) return join[1].map(arnText).join(join[0]);
  }
  return JSON.stringify(value);
}
