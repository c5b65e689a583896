import { ENVIRONMENT_NAMES, type EnvironmentName } from '../../environments';
import { SERVICE_NAMES, type ServiceName } from '../../lib/contracts';
import { inAccount, synthAccount } from '../support/variants';
import { findOne, grantsOf, label, ofType } from './support';

const CONSUME = ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'];
const SEND = ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'];

/** The exact grants of each task role: `action on resource`. Anything more (or less) fails. */
function expectedGrants(env: EnvironmentName): Record<ServiceName, string[]> {
  const recordings = `arn:aws:s3:::marin-${env}-call-recordings/*`;
  const transcripts = `arn:aws:s3:::marin-${env}-transcripts/*`;
  const key = `key:marin-${env}`;
  const collection = `collection:marin-${env}-vectors`;
  const queue = (worker: string) => `queue:marin-${env}-${worker}`;
  const on = (actions: string[], resource: string) => actions.map((action) => `${action} on ${resource}`);
  // Workers protect their own task from scale-in while they hold a message (docs/services.md, the shutdown contract).
  const taskProtection = on(['ecs:GetTaskProtection', 'ecs:UpdateTaskProtection'], inAccount(`arn:aws:ecs:us-east-1:<AWS::AccountId>:task/marin-${env}-cluster/*`, synthAccount(env)));
  return {
    api: [
      ...on(['s3:PutObject'], recordings),
      ...on(['s3:GetObject'], transcripts),
      ...on(['aoss:APIAccessAll'], collection),
      ...on(['kms:Decrypt', 'kms:GenerateDataKey'], key),
    ].sort(),
    ingestion: [
      ...on(['s3:GetObject'], recordings),
      ...on(CONSUME, queue('ingestion')),
      ...on(SEND, queue('transcription')),
      ...taskProtection,
      ...on(['kms:Decrypt', 'kms:GenerateDataKey'], key),
    ].sort(),
    transcription: [
      ...on(['s3:GetObject'], recordings),
      ...on(['s3:PutObject'], transcripts),
      ...on(CONSUME, queue('transcription')),
      ...taskProtection,
      ...on(['kms:Decrypt', 'kms:GenerateDataKey'], key),
    ].sort(),
    indexing: [
      ...on(['s3:GetObject'], transcripts),
      ...on(CONSUME, queue('indexing')),
      ...taskProtection,
      ...on(['aoss:APIAccessAll'], collection),
      ...on(['kms:Decrypt'], key),
    ].sort(),
  };
}

/** kms:ViaService values each role's key use is limited to. */
const KMS_VIA: Record<ServiceName, string[]> = {
  api: ['s3.us-east-1.amazonaws.com'],
  ingestion: ['s3.us-east-1.amazonaws.com', 'sqs.us-east-1.amazonaws.com'],
  transcription: ['s3.us-east-1.amazonaws.com', 'sqs.us-east-1.amazonaws.com'],
  indexing: ['s3.us-east-1.amazonaws.com', 'sqs.us-east-1.amazonaws.com'],
};

describe.each(ENVIRONMENT_NAMES)('task roles in %s', (envName) => {
  const expected = expectedGrants(envName);
  const role = (service: ServiceName) => findOne(envName, 'AWS::IAM::Role', (p) => p.RoleName === `marin-${envName}-${service}-task`);
  const statementsOf = (service: ServiceName) => {
    const [roleId] = role(service);
    const policies = ofType(envName, 'AWS::IAM::ManagedPolicy').filter(([, p]) => p.Properties!.Roles.some((r: any) => r.Ref === roleId));
    expect(policies).toHaveLength(1);
    return policies[0][1].Properties!.PolicyDocument.Statement as Array<Record<string, any>>;
  };

  test('one role per service (and the staging-refresh task) with a deterministic name, assumable only by ECS tasks of this account and region', () => {
    const roles = ofType(envName, 'AWS::IAM::Role');
    // The refresh task's grants: test/refresh/staging-refresh.test.ts.
    const refresh = { dev: [], staging: ['loader'], prod: ['anonymiser'] }[envName];
    expect(roles.map(([, r]) => r.Properties!.RoleName).sort()).toEqual([...SERVICE_NAMES, ...refresh].map((s) => `marin-${envName}-${s}-task`).sort());
    for (const [, r] of roles) {
      expect(r.Properties!.AssumeRolePolicyDocument.Statement).toEqual(inAccount([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:aws:ecs:us-east-1:', { Ref: 'AWS::AccountId' }, ':*']] } },
        } },
      ], synthAccount(envName)));
      expect(r.Properties!.ManagedPolicyArns).toBeUndefined();
      expect(r.Properties!.Policies).toBeUndefined();
    }
    expect(ofType(envName, 'AWS::IAM::Policy')).toEqual([]);
  });

  test.each(SERVICE_NAMES)('%s: exactly its least-privilege actions', (service) => {
    expect(grantsOf(envName, statementsOf(service))).toEqual(expected[service]);
  });

  test.each(SERVICE_NAMES)('%s: no wildcard action, no Deny-less surprises, KMS only through S3/SQS', (service) => {
    const statements = statementsOf(service);
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      for (const action of [statement.Action].flat()) expect(action).not.toMatch(/\*/);
      if ([statement.Action].flat().some((a: string) => a.startsWith('kms:'))) {
        expect([statement.Condition?.StringEquals?.['kms:ViaService']].flat().sort()).toEqual(KMS_VIA[service]);
      }
    }
  });

  test('the services security group: egress to what the design uses only, no ingress of its own', () => {
    const [sgId, sg] = findOne(envName, 'AWS::EC2::SecurityGroup', (p) => String(p.GroupDescription).includes('ECS tasks'));
    expect(sg.Properties!.SecurityGroupIngress).toBeUndefined();
    const rule = (cidr: string, from: number, to: number) => ({ CidrIp: cidr, FromPort: from, ToPort: to, IpProtocol: 'tcp' });
    const inline = (sg.Properties!.SecurityGroupEgress as Array<Record<string, unknown>>)
      .map(({ Description, ...r }) => (expect(Description).toEqual(expect.any(String)), r));
    // HTTPS anywhere (AWS APIs over NAT, S3 via the endpoint, the search endpoint); MongoDB: PrivateLink ports to the
    // two endpoint subnets (staging, prod) or 27017 over NAT (dev, Atlas M0 with the NAT access list).
    expect(inline).toEqual({
      dev: [rule('0.0.0.0/0', 443, 443), rule('0.0.0.0/0', 27017, 27017)],
      staging: [rule('0.0.0.0/0', 443, 443), rule('10.20.16.0/20', 1024, 65535), rule('10.20.32.0/20', 1024, 65535)],
      prod: [rule('0.0.0.0/0', 443, 443), rule('10.30.16.0/20', 1024, 65535), rule('10.30.32.0/20', 1024, 65535)],
    }[envName]);
    // The cache: its port, to its security group only (a separate rule: the peer is a group).
    const separate = ofType(envName, 'AWS::EC2::SecurityGroupEgress').map(([, r]) => r.Properties);
    const [cacheSgId] = findOne(envName, 'AWS::EC2::SecurityGroup', (p) => String(p.GroupDescription).includes(' cache:'));
    expect(separate).toEqual([
      { GroupId: { 'Fn::GetAtt': [sgId, 'GroupId'] }, DestinationSecurityGroupId: { 'Fn::GetAtt': [cacheSgId, 'GroupId'] }, IpProtocol: 'tcp', FromPort: 6380, ToPort: 6380, Description: 'The cache, TLS, its port only' },
    ]);
    expect(label(envName, sg.Properties!.VpcId)).toMatch(new RegExp(`^output:marin-${envName}-network/`));
  });
});
