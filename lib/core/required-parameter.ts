import { CfnParameter, CfnRule, Fn } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/** Every member is required: a required parameter has no sensible default. */
export interface RequiredParameterProps {
  /** Construct id of the parameter. */
  readonly id: string;
  /** Its logical id in the template (the name `--parameters <name>=...` uses). */
  readonly logicalId: string;
  /** What the parameter is, shown by CloudFormation when it asks for the value. */
  readonly description: string;
  /** Pattern CloudFormation checks the value against. */
  readonly allowedPattern: string;
  /** What CloudFormation says when the pattern does not match. */
  readonly constraintDescription: string;
  /** Construct id of the template rule that refuses an empty value. */
  readonly ruleId: string;
  /** What the rule says: the setting to supply. */
  readonly ruleMessage: string;
}

/**
 * A deploy-time value the template cannot do without: a String parameter with no default, so offline
 * synth and tests work while `cdk deploy` stops before any change ("parameters missing a value"), and a
 * template rule that refuses an empty value with a message naming the setting. Returns the value.
 */
export function requiredParameter(scope: Construct, props: RequiredParameterProps): string {
  const parameter = new CfnParameter(scope, props.id, {
    type: 'String',
    description: props.description,
    allowedPattern: props.allowedPattern,
    constraintDescription: props.constraintDescription,
  });
  parameter.overrideLogicalId(props.logicalId);
  new CfnRule(scope, props.ruleId, {
    assertions: [{ assert: Fn.conditionNot(Fn.conditionEquals(parameter.valueAsString, '')), assertDescription: props.ruleMessage }],
  });
  return parameter.valueAsString;
}
