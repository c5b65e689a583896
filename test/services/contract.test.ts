import { synthServicesWithFakeData } from './fake-data';

// The services stack takes `PipelineData` (lib/contracts.ts), not the DataStack class: any
// implementation of the interface must do. A stand-in with other internals proves it.
test('ServicesStack depends only on the PipelineData contract: synthesizes cleanly against a stand-in', () => {
  const { template, findings } = synthServicesWithFakeData('staging', { imageTag: '1.4.2' });
  expect(findings).toEqual([]);
  template.resourceCountIs('AWS::ECS::Service', 4);
});
