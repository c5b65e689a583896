import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { ENVIRONMENT_NAMES, loadEnvironment, type EnvironmentName } from '../../environments';
import {
  readFlow, renderDocument, stacksOf, writeOrCheck, type SynthesizedEnvironment, type Template,
} from '../../scripts/diagram';
import { assemblyDir } from '../support/templates';

/** Each environment as the global setup synthesized it (the same app `npm run diagram` builds), copied to edit. */
function environments(): Record<EnvironmentName, SynthesizedEnvironment> {
  const synthesized = (name: EnvironmentName): SynthesizedEnvironment => ({
    config: loadEnvironment(name),
    stacks: stacksOf(new CloudAssembly(assemblyDir(name)))
      .map((stack) => ({ ...stack, template: structuredClone(stack.template) })),
  });
  return { dev: synthesized('dev'), staging: synthesized('staging'), prod: synthesized('prod') };
}
const edgesOf = (env: SynthesizedEnvironment): string[] => [...readFlow(env).edges.values()];
const resourcesOf = (env: SynthesizedEnvironment, stack: string): Record<string, { Type: string; Properties?: any }> =>
  (env.stacks.find((s) => s.name === stack)!.template as Required<Template>).Resources;

describe('architecture diagram, generated from the synthesized templates', () => {
  const envs = environments();
  const document = renderDocument(envs);

  test('names every stack in dependency order, with Atlas between the stateful and the stateless stacks', () => {
    const stacks = ['network<br/>stateful', 'data<br/>stateful', 'services<br/>stateless', 'monitoring<br/>stateless'];
    const positions = stacks.map((s) => document.indexOf(`["marin-prod-${s}"]`));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(document).toContain('  stack_network --> stack_data');
    expect(document).toContain('  stack_data -.->|SSM hand-off| atlas_prod');
    expect(document).toContain('  atlas_prod -.->|mongodb-uri secret| stack_services');
    expect(document).toContain('  subgraph stack_data["marin-prod-data"]');
  });

  describe.each(ENVIRONMENT_NAMES)('%s', (name) => {
    const config = loadEnvironment(name);
    const atlas = `MongoDB Atlas ${config.atlas.instanceSize}, over ${name === 'dev' ? 'NAT IPs (access list)' : 'PrivateLink'}`;

    test('the pipeline, hop by hop', () => {
      const edges = edgesOf(envs[name]);
      expect(edges).toEqual(expect.arrayContaining([
        'ALB → api service (port 8080)',
        'client → S3 call-recordings (presigned PUT (signed by api service))',
        'S3 call-recordings → SQS ingestion (ObjectCreated)',
        'SQS ingestion → ingestion service (consume)',
        'SQS ingestion ⇢ SQS ingestion-dlq (after 5 receives)',
        'ingestion service → SQS transcription (send)',
        `ingestion service → ${atlas} (MONGODB-AWS (task role))`,
        'SQS transcription → transcription service (consume)',
        'transcription service → S3 transcripts (write)',
        'S3 transcripts → SQS indexing (ObjectCreated)',
        'SQS indexing → indexing service (consume)',
        'indexing service → OpenSearch Serverless vectors (VECTORSEARCH) (index (read/write))',
        'api service → OpenSearch Serverless vectors (VECTORSEARCH) (query (read))',
      ]));
      // The transcription worker hands work on through the transcripts bucket's event, not a queue send.
      expect(edges.filter((e) => /^(transcription|api) service → SQS/.test(e))).toEqual([]);
      for (const service of ['api', 'ingestion', 'transcription', 'indexing']) {
        expect(edges).toContain(`${service} service → ElastiCache valkey ${config.cache.nodeType}, TLS (port 6380)`);
      }
      expect(edges.some((e) => e.includes('AWS WAF'))).toBe(name === 'prod');
    });
  });

  test('dev and staging are drawn by their differences from prod', () => {
    expect(document).toContain('- **dev**:\n  - has client → ALB (HTTP 80)');
    expect(document).toContain('  - lacks client → AWS WAF (HTTPS 443)');
    expect(document).toContain('  - has loader task (on demand) → S3 transcripts (write)');
  });

  test('an edge is there because the template has it: retargeting a bucket notification moves it', () => {
    const prod = environments().prod;
    const data = resourcesOf(prod, 'marin-prod-data');
    const recordings = Object.values(data).find((r) => r.Properties?.BucketName === 'marin-prod-call-recordings')!;
    const transcription = Object.keys(data).find((id) => data[id].Properties?.QueueName === 'marin-prod-transcription')!;
    recordings.Properties.NotificationConfiguration.QueueConfigurations[0].Queue = { 'Fn::GetAtt': [transcription, 'Arn'] };

    const edges = edgesOf(prod);
    expect(edges).toContain('S3 call-recordings → SQS transcription (ObjectCreated)');
    expect(edges).not.toContain('S3 call-recordings → SQS ingestion (ObjectCreated)');
    expect(renderDocument({ ...envs, prod })).not.toBe(document);
  });

  test('a grant removed from a task role removes its edge', () => {
    const dev = environments().dev;
    const policy = Object.values(resourcesOf(dev, 'marin-dev-data'))
      .find((r) => r.Type === 'AWS::IAM::ManagedPolicy' && r.Properties.Description.endsWith('/TranscriptionTaskRole'))!;
    const statements = policy.Properties.PolicyDocument.Statement as Array<{ Action: unknown }>;
    policy.Properties.PolicyDocument.Statement = statements.filter((s) => s.Action !== 's3:PutObject');
    expect(edgesOf(envs.dev)).toContain('transcription service → S3 transcripts (write)');
    expect(edgesOf(dev)).not.toContain('transcription service → S3 transcripts (write)');
  });

  test('deterministic: the same templates render the same text, without tokens or hashes', () => {
    expect(renderDocument(environments())).toBe(document);
    expect(document).not.toMatch(/\$\{Token|[0-9A-F]{8}\b|«/);
  });

  describe('--check', () => {
    const dir = mkdtempSync(join(tmpdir(), 'diagram-test-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    beforeEach(() => {
      jest.spyOn(console, 'log').mockImplementation(() => undefined);
      jest.spyOn(console, 'error').mockImplementation(() => undefined);
    });
    afterEach(() => jest.restoreAllMocks());

    test('fails (exit 1) on a stale or missing file, and leaves it as it was', () => {
      const file = join(dir, 'stale.md');
      const stale = document.replace('SQS ingestion', 'SQS ingest');
      writeFileSync(file, stale);
      expect(writeOrCheck(document, true, file)).toBe(1);
      expect(console.error).toHaveBeenCalledWith(expect.stringMatching(/^error: docs\/architecture-diagram\.md is stale/));
      expect(readFileSync(file, 'utf8')).toBe(stale);
      expect(writeOrCheck(document, true, join(dir, 'missing.md'))).toBe(1);
    });

    test('passes (exit 0) on a current file; without --check the file is rewritten', () => {
      const file = join(dir, 'current.md');
      expect(writeOrCheck(document, false, file)).toBe(0);
      expect(readFileSync(file, 'utf8')).toBe(document);
      expect(writeOrCheck(document, true, file)).toBe(0);
    });
  });
});
