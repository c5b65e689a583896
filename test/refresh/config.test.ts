/** The staging refresh config: each bad value fails naming the environment and field. */
import { ENVIRONMENTS, loadEnvironment, parseEnvironment, type EnvironmentName } from '../../environments';

describe('refresh config', () => {
  const broken: Array<[EnvironmentName, string, (input: any) => void, RegExp]> = [
    ['prod', 'the target role', (c) => (c.refresh = { role: 'target', taskCpu: 1024, taskMemoryMiB: 2048 }), /environment "prod" is invalid:\n {2}- refresh\.role: prod is the source side of the staging refresh .*set it to 'source'/],
    ['staging', 'no refresh', (c) => (c.refresh = { role: 'none' }), /refresh\.role: staging is the target side/],
    ['prod', 'an export kept 30 days', (c) => (c.refresh.exportExpireAfterDays = 30), /refresh\.exportExpireAfterDays/],
    ['prod', 'a peer account that is not an account id', (c) => (c.refresh.peerAccount = '1234'), /refresh\.peerAccount: must be a 12-digit AWS account id/],
    ['staging', 'a task size Fargate does not have', (c) => (c.refresh.taskMemoryMiB = 1024), /refresh\.taskMemoryMiB: 1024 MiB is not a Fargate size for 1024 CPU/],
    ['prod', 'password auth (the task role is the database user)', (c) => (c.atlas.databaseAuth = 'password'), /atlas\.databaseAuth: the refresh task authenticates to Atlas as its task role/],
    ['dev', 'refresh usage without a refresh task', (c) => (c.usage.refreshRunsPerMonth = 4), /usage\.refreshRunsPerMonth: dev has no refresh task/],
  ];
  test.each(broken)('%s with %s fails naming the field', (env, _label, breakIt, message) => {
    const input = structuredClone(ENVIRONMENTS[env]);
    breakIt(input);
    expect(() => parseEnvironment(input, env)).toThrow(message);
  });

  test('-c refreshPeerAccount= and -c refreshImageTag= reach the config; dev refuses them (it has no refresh)', () => {
    expect(loadEnvironment('prod', { refreshPeerAccount: '222222222222', refreshImageTag: '2.0.1' }).refresh).toMatchObject({ peerAccount: '222222222222', imageTag: '2.0.1' });
    expect(() => loadEnvironment('dev', { refreshPeerAccount: '222222222222' })).toThrow('environment "dev" has no staging refresh task (refresh.role: none): drop -c refreshPeerAccount= / -c refreshImageTag=');
  });
});
