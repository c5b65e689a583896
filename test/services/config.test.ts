import { ENVIRONMENTS, loadEnvironment, parseEnvironment } from '../../environments';

describe('services config validation', () => {
  const broken: Array<[string, 'dev' | 'prod', (input: any) => void, RegExp]> = [
    ['on-demand base without Spot', 'dev', (c) => { c.services.workersOnSpot = false; c.services.workerOnDemandBase = 1; }, /services\.workerOnDemandBase: only applies when workersOnSpot is true/],
    ['on-demand base above the maximum', 'dev', (c) => (c.services.workerOnDemandBase = 3), /services\.workerOnDemandBase: cannot exceed maxCapacity \(2\)/],
    ['a health check path that is not absolute', 'dev', (c) => (c.services.apiHealthCheckPath = 'health'), /services\.apiHealthCheckPath: must be an absolute path/],
    ['no image retained', 'dev', (c) => (c.services.imagesRetained = 0), /services\.imagesRetained/],
    ['a CPU target of 100%', 'dev', (c) => (c.services.autoscaling.apiCpuTargetPercent = 100), /services\.autoscaling\.apiCpuTargetPercent/],
    ['a backlog target of 0', 'dev', (c) => (c.services.autoscaling.workerBacklogPerTask = 0), /services\.autoscaling\.workerBacklogPerTask/],
    ['a WAF rate limit below the WAF minimum', 'prod', (c) => (c.services.waf.rateLimitPer5Minutes = 5), /services\.waf\.rateLimitPer5Minutes/],
    ['an image tag with a slash', 'dev', (c) => (c.services.imageTag = 'release/1.0'), /services\.imageTag: must be a valid image tag/],
    ['containers as root', 'prod', (c) => (c.services.containerUser = '0:0'), /services\.containerUser: must be a numeric non-root UID:GID such as 1000:1000/],
    ['containers in the root group', 'dev', (c) => (c.services.containerUser = '1000:0'), /services\.containerUser: must be a numeric non-root UID:GID/],
    ['a user name instead of a UID:GID', 'dev', (c) => (c.services.containerUser = 'app'), /services\.containerUser: must be a numeric non-root UID:GID/],
    ['a UID without a GID', 'dev', (c) => (c.services.containerUser = '1000'), /services\.containerUser: must be a numeric non-root UID:GID/],
  ];
  test.each(broken)('%s fails, naming environment and field', (_label, envName, breakIt, message) => {
    const input = structuredClone(ENVIRONMENTS[envName]);
    breakIt(input);
    expect(() => parseEnvironment(input, envName)).toThrow(new RegExp(`^environment "${envName}" is invalid:`));
    expect(() => parseEnvironment(input, envName)).toThrow(message);
  });

  test('containers run as 1000:1000 unless an environment sets services.containerUser', () => {
    expect(['dev', 'staging', 'prod'].map((envName) => loadEnvironment(envName).services.containerUser)).toEqual(['1000:1000', '1000:1000', '1000:1000']);
    const input = structuredClone(ENVIRONMENTS.dev);
    (input.services as any).containerUser = '10001:10001';
    expect(parseEnvironment(input, 'dev').services.containerUser).toBe('10001:10001');
  });

  test('deploy-time image tag and certificate are validated', () => {
    expect(loadEnvironment('prod', { imageTag: '1.4.2' }).services.imageTag).toBe('1.4.2');
    expect(() => loadEnvironment('dev', { imageTag: 'bad tag' })).toThrow(/services\.imageTag: must be a valid image tag/);
  });
});
