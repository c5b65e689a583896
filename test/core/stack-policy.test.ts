import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stackPolicy } from '../../lib/core/stack-policy';
import { allResources } from '../support/templates';

// The policy operators set once per stateful stack (README, "Once per account") is the committed file, and it denies
// replacing or removing everything the stateful stacks retain: a data type dropped from resource-kinds.ts, or a
// retained kind never listed there, fails here because staging and prod still retain its resources.
const committed = JSON.parse(readFileSync(join(__dirname, '..', '..', 'stack-policy.json'), 'utf8')) as unknown;

test('stack-policy.json is the policy lib/core/stack-policy.ts defines', () => {
  expect(committed).toEqual(stackPolicy());
});

test.each(['staging', 'prod'] as const)('%s: every retained resource of the network and data stacks is denied Update:Replace and Update:Delete', (envName) => {
  const [allow, deny] = stackPolicy().Statement;
  expect(allow).toEqual({ Effect: 'Allow', Action: 'Update:*', Principal: '*', Resource: '*' });
  expect(deny.Action).toEqual(['Update:Replace', 'Update:Delete']);
  const denied = deny.Condition!.StringEquals.ResourceType;
  const stateful = allResources(envName).filter((r) => /-(network|data)$/.test(r.stack));
  const retained = stateful.filter((r) => ['Retain', 'Snapshot'].includes(r.updateReplacePolicy ?? ''));
  expect(retained.length).toBeGreaterThan(10);
  expect(retained.filter((r) => !denied.includes(r.type)).map((r) => `${r.stack}/${r.logicalId} (${r.type})`)).toEqual([]);
  // The VPC and its subnets hold no data but everything with data sits in them.
  expect(stateful.filter((r) => ['AWS::EC2::VPC', 'AWS::EC2::Subnet'].includes(r.type) && !denied.includes(r.type))).toEqual([]);
});
