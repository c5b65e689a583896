import { ENVIRONMENT_NAMES } from '../../environments';
import { allResources } from '../support/templates';

/**
 * CloudFormation gives a VPC security group an allow-all egress rule unless the group declares at
 * least one inline `SecurityGroupEgress` rule; separate AWS::EC2::SecurityGroupEgress resources add
 * to it and never remove it. So every group must declare its egress inline (CDK's "no traffic"
 * placeholder rule counts: it is what `allowAllOutbound: false` with no other rule renders).
 */
describe.each(ENVIRONMENT_NAMES)('security group egress in %s', (envName) => {
  const groups = allResources(envName).filter((r) => r.type === 'AWS::EC2::SecurityGroup');

  test('the environment has security groups', () => {
    expect(groups.length).toBeGreaterThanOrEqual(4);
  });

  test('every security group declares its egress inline (no implicit allow-all)', () => {
    const implicit = groups.filter((g) =>
      !Array.isArray(g.properties.SecurityGroupEgress) || g.properties.SecurityGroupEgress.length === 0,
    );
    expect(implicit.map((g) => `${g.stack}/${g.logicalId}`)).toEqual([]);
  });
});
