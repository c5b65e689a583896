/**
 * The order with Atlas, enforced by CloudFormation: the services template takes the parameter the Atlas stack writes
 * as an `AWS::SSM::Parameter::Value<String>` parameter. CloudFormation resolves such a parameter when it creates the
 * change set (or creates/updates the stack) and refuses the operation with a ValidationError ("Unable to fetch
 * parameters [<name>] from parameter store for this account.") while the parameter does not exist, before anything
 * changes; an executed change set keeps the value resolved at its creation. Both sides are read from what they
 * synthesize: the services templates from the global synth, the parameter's name from the Atlas stack's Terraform JSON.
 */
import { ENVIRONMENT_NAMES, loadEnvironment } from '../../environments';
import { atlasStackName } from '../../lib/handoff';
import { onlyResource, synthStack } from '../atlas/support';
import { stackOf } from '../support/templates';
import type { SynthVariant } from '../support/variants';

/** CDK's own SSM-typed parameter (the bootstrap version check), in every template of the default synthesizer. */
const CDK_BOOTSTRAP_VERSION = '/cdk-bootstrap/hnb659fds/version';
const SSM_STRING = 'AWS::SSM::Parameter::Value<String>';

interface CfnParameterJson {
  Type: string;
  Default?: unknown;
  Description?: string;
  NoEcho?: boolean;
  AllowedValues?: unknown;
}

interface CfnTemplate {
  Parameters?: Record<string, CfnParameterJson>;
  Outputs?: Record<string, { Value: unknown; Description?: string }>;
  Resources: Record<string, unknown>;
  Rules?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
}

describe.each(ENVIRONMENT_NAMES)('%s: the services stack refuses to change before Atlas has written its handoff', (envName) => {
  const atlas = synthStack(loadEnvironment(envName)).json;
  /** The one SSM parameter the Atlas stack writes (its name as Terraform will create it). */
  const written = () => onlyResource(atlas, 'aws_ssm_parameter').name as string;

  test.each<SynthVariant>(['committed', 'deployed'])('%s template: an SSM-typed parameter whose default is exactly the name atlas stack writes', (variant) => {
    const template = stackOf(envName, 'services', variant).json as unknown as CfnTemplate;
    const ssmTyped = Object.entries(template.Parameters ?? {}).filter(([, p]) => p.Type.startsWith('AWS::SSM::Parameter::Value') && p.Default !== CDK_BOOTSTRAP_VERSION);
    expect(ssmTyped).toHaveLength(1);
    const [, parameter] = ssmTyped[0];
    expect(parameter.Type).toBe(SSM_STRING);
    expect(parameter.Default).toBe(written());
    // Nothing narrows or hides the value: CloudFormation fetches it, and any fetched value is accepted.
    expect(parameter.AllowedValues).toBeUndefined();
    expect(parameter.NoEcho).toBeUndefined();
  });

  test('the value is used (an output of the template), so no clean-up can drop the parameter as unused', () => {
    const template = stackOf(envName, 'services', 'deployed').json as unknown as CfnTemplate;
    const [[logicalId]] = Object.entries(template.Parameters ?? {}).filter(([, p]) => p.Default === written());
    const outputs = Object.values(template.Outputs ?? {}).filter((o) => JSON.stringify(o.Value) === `{"Ref":"${logicalId}"}`);
    expect(outputs).toHaveLength(1);
    // Only the output reads it: a resource property would change resources whenever Atlas writes a new URI.
    expect(JSON.stringify(template.Resources)).not.toContain(`"Ref":"${logicalId}"`);
  });

  test('the parameter\'s name and description tell an operator which stack has not been applied', () => {
    const template = stackOf(envName, 'services', 'deployed').json as unknown as CfnTemplate;
    const [[, parameter]] = Object.entries(template.Parameters ?? {}).filter(([, p]) => p.Default === written());
    // CloudFormation's error shows only the name: it names the Atlas stack to apply.
    expect(written()).toContain(atlasStackName(envName));
    expect(written()).toMatch(new RegExp(`^/marin/${envName}/atlas/`));
    expect(parameter.Description).toContain(atlasStackName(envName));
  });
});
