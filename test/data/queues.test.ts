import { ENVIRONMENT_NAMES, loadEnvironment } from '../../environments';
import { WORKER_NAMES } from '../../lib/contracts';
import { inAccount, synthAccount } from '../support/variants';
import { findOne, label, ofType } from './support';

const DAY = 86_400;
/**
 * Per environment: work-queue retention (s), maxReceiveCount, visibility timeout (s) > processing timeout 300 + stop
 * timeout 120.
 */
const EXPECTED = {
  dev: { retention: 4 * DAY, maxReceiveCount: 5, visibility: 480 },
  staging: { retention: 4 * DAY, maxReceiveCount: 5, visibility: 480 },
  prod: { retention: 4 * DAY, maxReceiveCount: 5, visibility: 480 },
} as const;

describe.each(ENVIRONMENT_NAMES)('work queues in %s', (envName) => {
  const expected = EXPECTED[envName];
  const config = loadEnvironment(envName);
  const account = synthAccount(envName);
  const queues = ofType(envName, 'AWS::SQS::Queue');
  const byName = (name: string) => findOne(envName, 'AWS::SQS::Queue', (p) => p.QueueName === name);

  test('three work queues and three dead-letter queues, named {project}-{env}-<worker>[-dlq]', () => {
    expect(queues.map(([, q]) => q.Properties!.QueueName).sort()).toEqual(
      WORKER_NAMES.flatMap((worker) => [`marin-${envName}-${worker}`, `marin-${envName}-${worker}-dlq`]).sort(),
    );
  });

  test.each(WORKER_NAMES)('%s: redrives to its own DLQ after maxReceiveCount, retention and visibility from config', (worker) => {
    const [, queue] = byName(`marin-${envName}-${worker}`);
    const [dlqId, dlq] = byName(`marin-${envName}-${worker}-dlq`);
    expect(queue.Properties!.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: expected.maxReceiveCount });
    expect(queue.Properties!.MessageRetentionPeriod).toBe(expected.retention);
    expect(queue.Properties!.VisibilityTimeout).toBe(expected.visibility);
    expect(queue.Properties!.VisibilityTimeout).toBeGreaterThan(config.queues.workerProcessingTimeoutSeconds);
    expect(queue.Properties!.ReceiveMessageWaitTimeSeconds).toBe(20);
    expect(dlq.Properties!.MessageRetentionPeriod).toBe(14 * DAY);
    expect(dlq.Properties!.RedrivePolicy).toBeUndefined();
  });

  test.each(WORKER_NAMES)('%s DLQ accepts redrive from exactly its source queue, named by ARN (no reference: no cycle)', (worker) => {
    const [, dlq] = byName(`marin-${envName}-${worker}-dlq`);
    expect(dlq.Properties!.RedriveAllowPolicy).toEqual({
      redrivePermission: 'byQueue',
      sourceQueueArns: [
        inAccount({ 'Fn::Join': ['', ['arn:aws:sqs:us-east-1:', { Ref: 'AWS::AccountId' }, `:marin-${envName}-${worker}`]] }, account),
      ],
    });
  });

  test('no queue without a DLQ: every queue either redrives to a DLQ or is the DLQ of exactly one queue', () => {
    const dlqTargets = queues.map(([, q]) => q.Properties!.RedrivePolicy?.deadLetterTargetArn?.['Fn::GetAtt']?.[0]).filter(Boolean);
    for (const [logicalId, queue] of queues) {
      const isDlq = dlqTargets.filter((target) => target === logicalId).length === 1;
      const name = queue.Properties!.QueueName;
      const covered = Boolean(queue.Properties!.RedrivePolicy) !== isDlq;
      expect({ queue: name, covered }).toEqual({ queue: name, covered: true });
    }
  });

  test('no queue without KMS encryption under the data key', () => {
    for (const [, queue] of queues) {
      expect(label(envName, queue.Properties!.KmsMasterKeyId)).toBe(`key:marin-${envName}`);
      expect(queue.Properties!.SqsManagedSseEnabled).toBeUndefined();
    }
  });

  test('no queue without a TLS-only queue policy', () => {
    const policies = ofType(envName, 'AWS::SQS::QueuePolicy');
    for (const [logicalId] of queues) {
      const policy = policies.find(([, p]) => p.Properties!.Queues.some((q: any) => q.Ref === logicalId));
      expect(policy?.[1].Properties!.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([{ Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } }, Effect: 'Deny', Principal: { AWS: '*' }, Resource: { 'Fn::GetAtt': [logicalId, 'Arn'] } }]),
      );
    }
  });

  test('only the two notified queues admit S3, and nothing else is allowed by a queue policy', () => {
    const allowed = ofType(envName, 'AWS::SQS::QueuePolicy').flatMap(([, p]) =>
      p.Properties!.PolicyDocument.Statement.filter((s: any) => s.Effect === 'Allow').map((s: any) => `${s.Principal.Service} ${s.Action} ${label(envName, s.Resource)}`),
    );
    expect(allowed.sort()).toEqual([`s3.amazonaws.com sqs:SendMessage queue:marin-${envName}-indexing`, `s3.amazonaws.com sqs:SendMessage queue:marin-${envName}-ingestion`]);
  });
});
