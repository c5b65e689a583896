import { CfnOutput, CfnParameter } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { atlasHandoffParameterName, atlasStackName } from '../handoff';
import type { ResourceNames } from '../naming';

/** Logical id of the template parameter that holds the Atlas handoff (`--parameters AtlasHandoff=...` never needed). */
export const ATLAS_HANDOFF_PARAMETER = 'AtlasHandoff';

/**
 * The order with Atlas, enforced by CloudFormation: a parameter of type `AWS::SSM::Parameter::Value<String>` whose
 * default is the SSM parameter the Atlas stack writes once it has stored the connection string (lib/handoff.ts).
 * CloudFormation resolves it when it creates the change set (or creates/updates the stack), as it does CDK's own
 * bootstrap-version parameter, and refuses the operation while the parameter does not exist ("Unable to fetch
 * parameters [/marin/<env>/atlas/mongodb-uri-version-written-by-atlas-<env>] from parameter store for this
 * account."): nothing in the stack changes before Atlas has been applied. The value is shown as an output only, so
 * a new connection string changes no resource of this stack.
 */
export function requireAtlasHandoff(scope: Construct, names: ResourceNames): string {
  const atlasStack = atlasStackName(names.environment);
  const parameter = new CfnParameter(scope, 'AtlasHandoffParameter', {
    type: 'AWS::SSM::Parameter::Value<String>',
    default: atlasHandoffParameterName(names),
    description: `Written by the ${atlasStack} Terraform stack once it has stored the MongoDB connection string. If CloudFormation cannot fetch it, apply ${atlasStack} first (docs/atlas.md).`,
  });
  parameter.overrideLogicalId(ATLAS_HANDOFF_PARAMETER);
  new CfnOutput(scope, 'MongodbUriVersionFromAtlas', {
    value: parameter.valueAsString,
    description: `Id of the mongodb-uri secret version ${atlasStack} wrote, as resolved when this stack last changed`,
  });
  return parameter.valueAsString;
}
