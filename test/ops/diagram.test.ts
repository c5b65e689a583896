import { App, Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { loadEnvironment } from '../../environments';
import { WORKER_NAMES } from '../../lib/contracts';
import { renderDiagram } from '../../scripts/diagram';

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
    for (const worker of WORKER_NAMES) expect(text).toContain(`queue_${worker}[["SQS ${worker}"]] --> worker_${worker}("${worker} worker")`);
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
