import { App, Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { loadEnvironment } from '../../environments';
import { readFileSync } from 'node:fs';
import { ENVIRONMENT_NAMES, type EnvironmentName } from '../../environments';
import { describeEdges, readDataFlow, type DataFlow, type FlowTemplate } from '../../scripts/data-flow';
import { DIAGRAM_FILE, renderDataFlowSection, renderDiagram } from '../../scripts/diagram';
import { stacksOf } from '../support/templates';

describe('architecture diagram', () => {
  const config = loadEnvironment('dev');

  /** A small app: stacks out of deploy order, a dependency, one concern per stack. */
  function sampleApp(): App {
    const app = new App();
    const services = new Stack(app, 'Services', { stackName: 'marin-dev-services' });
    const network = new Stack(app, 'Network', { stackName: 'marin-dev-network' });
    const queues = new Construct(network, 'Queues');
    new sqs.Queue(queues, 'B');
    new sqs.Queue(queues, 'A');
    new Construct(network, 'Empty');
    new ssm.StringParameter(network, 'VpcIdParameter', { stringValue: 'x' });
    new ssm.StringParameter(network, 'AzParameter', { stringValue: 'y' });
    new sqs.Queue(new Construct(services, 'Workers'), 'Q');
    services.addStackDependency(network);
    return app;
  }

  test('stacks in deploy order, one node per concern with key resources, dependencies and the Atlas hand-offs', () => {
    const text = renderDiagram(sampleApp(), config);
    expect(text.indexOf('subgraph stack_network["marin-dev-network (stateful)"]')).toBeGreaterThan(0);
    expect(text.indexOf('subgraph stack_services["marin-dev-services (stateless)"]')).toBeGreaterThan(text.indexOf('stack_network['));
    expect(text).toContain('    network_Queues["<b>Queues</b><br/>SQS Queue ×2"]');
    expect(text).toContain('    services_Workers["<b>Workers</b><br/>SQS Queue"]');
    expect(text).not.toContain('Empty');
    expect(text).toContain('    network_handoff_parameters["<b>hand-off SSM parameters</b><br/>AzParameter<br/>VpcIdParameter"]');
    expect(text).toContain('  stack_network --> stack_services');
    expect(text).toContain('  stack_network -.->|SSM handoff| atlas_dev');
    expect(text).toContain('  atlas_dev -.->|mongodb-uri secret| stack_services');
  });

  test('deterministic: the same tree renders the same text, without tokens or hashes', () => {
    const first = renderDiagram(sampleApp(), config);
    expect(renderDiagram(sampleApp(), config)).toBe(first);
    expect(first).not.toMatch(/\$\{Token|[0-9A-F]{8}\b/);
  });

  test('cross-stack references become dependency edges', () => {
    const app = new App();
    const network = new Stack(app, 'Network', { stackName: 'marin-dev-network' });
    const data = new Stack(app, 'Data', { stackName: 'marin-dev-data' });
    const queue = new sqs.Queue(new Construct(network, 'Queues'), 'Q');
    new sqs.Queue(new Construct(data, 'Store'), 'R', { queueName: queue.queueName });
    expect(renderDiagram(app, config)).toContain('  stack_network --> stack_data');
  });
});

describe('data-flow picture, read from the synthesized templates', () => {
  const templatesOf = (envName: EnvironmentName): Map<string, FlowTemplate> =>
    new Map(stacksOf(envName).map((stack) => [stack.stackName, structuredClone(stack.json) as FlowTemplate]));
  const flowOf = (envName: EnvironmentName, templates = templatesOf(envName)): DataFlow =>
    readDataFlow(templates, loadEnvironment(envName));
  const edgesOf = (flow: DataFlow): string[] => [...describeEdges(flow).values()];

  describe.each(ENVIRONMENT_NAMES)('%s', (envName) => {
    const edges = edgesOf(flowOf(envName));

    test('the pipeline path, hop by hop', () => {
      expect(edges).toEqual(
        expect.arrayContaining([
          'ALB → api service (port 8080)',
          'client → S3 call-recordings (presigned PUT (signed by api service))',
          'S3 call-recordings → SQS ingestion (ObjectCreated)',
          'SQS ingestion → ingestion service (consume)',
          'ingestion service → SQS transcription (send)',
          `ingestion service → MongoDB Atlas ${loadEnvironment(envName).atlas.instanceSize}, over ${envName === 'dev' ? 'NAT IPs (access list)' : 'PrivateLink'} (MONGODB-AWS (task role))`,
          'SQS transcription → transcription service (consume)',
          'transcription service → S3 transcripts (write)',
          'S3 transcripts → SQS indexing (ObjectCreated)',
          'SQS indexing → indexing service (consume)',
          'indexing service → OpenSearch Serverless vectors (VECTORSEARCH) (index (read/write))',
          'api service → OpenSearch Serverless vectors (VECTORSEARCH) (query (read))',
          'SQS ingestion ⇢ SQS ingestion-dlq (after 5 receives)',
        ]),
      );
      // The transcription worker hands work on through the transcripts bucket's event, not a queue send.
      expect(edges.filter((e) => e.startsWith('transcription service → SQS'))).toEqual([]);
      expect(edges.filter((e) => e.includes('api service → SQS'))).toEqual([]);
    });

    test('WAF only where the environment has one; every service reaches the cache', () => {
      const wafEdges = edges.filter((e) => e.includes('AWS WAF'));
      expect(wafEdges.length > 0).toBe(envName === 'prod');
      for (const service of ['api', 'ingestion', 'transcription', 'indexing']) {
        expect(edges.some((e) => e.startsWith(`${service} service → ElastiCache`))).toBe(true);
      }
    });
  });

  test('the committed diagram shows what the templates say (npm run diagram:check renders the same section)', () => {
    const flows = Object.fromEntries(
      ENVIRONMENT_NAMES.map((name) => [name, flowOf(name)]),
    ) as Record<EnvironmentName, DataFlow>;
    expect(readFileSync(DIAGRAM_FILE, 'utf8')).toContain(renderDataFlowSection(flows));
  });

  test('a bucket notification that targets another queue changes the picture, so the check fails', () => {
    const templates = templatesOf('prod');
    const data = templates.get('marin-prod-data')!;
    const recordings = Object.values(data.Resources!).find((r) => (r.Properties?.BucketName as string) === 'marin-prod-call-recordings')!;
    const notifications = recordings.Properties!.NotificationConfiguration as
      { QueueConfigurations: Array<{ Queue: unknown }> };
    const transcriptionQueue = Object.entries(data.Resources!).find(([, r]) => r.Properties?.QueueName === 'marin-prod-transcription')![0];
    notifications.QueueConfigurations[0].Queue = { 'Fn::GetAtt': [transcriptionQueue, 'Arn'] };

    const edges = edgesOf(flowOf('prod', templates));
    expect(edges).toContain('S3 call-recordings → SQS transcription (ObjectCreated)');
    expect(edges).not.toContain('S3 call-recordings → SQS ingestion (ObjectCreated)');
    const flows = { dev: flowOf('dev'), staging: flowOf('staging'), prod: flowOf('prod', templates) };
    expect(readFileSync(DIAGRAM_FILE, 'utf8')).not.toContain(renderDataFlowSection(flows));
  });

  test('a grant removed from a task role removes its edge', () => {
    const templates = templatesOf('dev');
    const data = templates.get('marin-dev-data')!;
    for (const resource of Object.values(data.Resources!)) {
      if (resource.Type !== 'AWS::IAM::ManagedPolicy') continue;
      const document = resource.Properties!.PolicyDocument as { Statement: Array<{ Action: unknown }> };
      document.Statement = document.Statement.filter((s) => s.Action !== 's3:PutObject' || JSON.stringify(resource.Properties!.Roles).includes('Api'));
    }
    expect(edgesOf(flowOf('dev', templates))).not.toContain('transcription service → S3 transcripts (write)');
  });
});
