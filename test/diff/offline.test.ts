/**
 * `npm run diff:offline` across a commit that changes package-lock.json (issue 19, item 7): the base is
 * synthesized with its own dependencies, installed once per lockfile into a cache entry keyed by the
 * lockfile's hash. The fixture repositories here are copies of this working tree; the install is injected
 * (it links the installed node_modules, no network) except where the real `npm ci` is checked offline.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cachedDependencies, dependencyCacheKey, diffOffline, InstallError, main, npmCi, type InstallDependencies } from '../../scripts/diff/offline';

const ROOT = join(__dirname, '..', '..');
const LOCKFILE = readFileSync(join(ROOT, 'package-lock.json'), 'utf8');
/** The same dependency tree, formatted differently: another hash, nothing else. */
const COSMETIC_LOCKFILE = JSON.stringify(JSON.parse(LOCKFILE), null, 4) + '\n';

/**
 * A package.json and lockfile in sync whose one dependency is a local tarball that does not exist: the real
 * `npm ci` fails (ENOENT) deterministically, without the network, whatever npm's cache holds.
 */
const UNINSTALLABLE = {
  packageJson: JSON.stringify({ name: 'marin-audio-pipeline-infra', version: '0.1.0', dependencies: { 'missing-pkg': 'file:missing-pkg.tgz' } }),
  lockfile: JSON.stringify({
    name: 'marin-audio-pipeline-infra',
    version: '0.1.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'marin-audio-pipeline-infra', version: '0.1.0', dependencies: { 'missing-pkg': 'file:missing-pkg.tgz' } },
      'node_modules/missing-pkg': { version: '1.0.0', resolved: 'file:missing-pkg.tgz' },
    },
  }),
};

/** Runs `body` with npm in offline mode, so no test can reach the registry. */
async function offlineNpm<T>(body: () => Promise<T>): Promise<T> {
  const saved = process.env.npm_config_offline;
  process.env.npm_config_offline = 'true';
  try {
    return await body();
  } finally {
    if (saved === undefined) delete process.env.npm_config_offline;
    else process.env.npm_config_offline = saved;
  }
}

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'diff-offline-test-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const capture = () => {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: { log: (text: string) => stdout.push(text), error: (text: string) => stderr.push(text) },
  };
};

/**
 * Links the installed node_modules into `dir` (what `npm ci` of a
 * cosmetically different lockfile would produce), counting calls.
 */
function linkingInstall(): InstallDependencies & { dirs: string[] } {
  const dirs: string[] = [];
  const install = async (dir: string) => {
    dirs.push(dir);
    symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(dir, 'node_modules'), 'dir');
  };
  return Object.assign(install, { dirs });
}

function git(cwd: string, ...args: string[]): string {
  const result = spawnSync('git', ['-c', 'user.email=test@example.com', '-c', 'user.name=test', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout.trim();
}

/**
 * A repository with this working tree's app (not its tests or docs) as commit `base`, then `edit` applied
 * as a second commit; node_modules linked to the installed one.
 */
function fixtureRepo(name: string, base: (dir: string) => void, edit: (dir: string) => void): string {
  const dir = join(work, name);
  mkdirSync(dir);
  const files = spawnSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).stdout.split('\n');
  for (const file of files.filter((f) => f !== '' && !/^(test|docs|\.ci)\//.test(f) && existsSync(join(ROOT, f)))) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(ROOT, file), join(dir, file));
  }
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(dir, 'node_modules'), 'dir');
  git(dir, 'init', '-q');
  base(dir);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'base');
  edit(dir);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'head');
  return dir;
}

/** Edits one file by exact text (which must occur once: a moved text fails here, not silently). */
function replaceOnce(file: string, find: string, replace: string): void {
  const text = readFileSync(file, 'utf8');
  expect(text.split(find)).toHaveLength(2);
  writeFileSync(file, text.replace(find, replace));
}

describe('the cache of the base dependencies', () => {
  test('the key is the SHA-256 of the lockfile bytes (16 hex digits), platform, architecture and Node major: another formatting is another key', () => {
    const sha = createHash('sha256').update(readFileSync(join(ROOT, 'package-lock.json'))).digest('hex').slice(0, 16);
    const key = dependencyCacheKey(readFileSync(join(ROOT, 'package-lock.json')));
    expect(key).toBe(`${sha}-${process.platform}-${process.arch}-node${process.versions.node.split('.')[0]}`);
    expect(dependencyCacheKey(LOCKFILE)).toBe(key);
    expect(dependencyCacheKey(COSMETIC_LOCKFILE)).not.toBe(key);
  });

  test('installed once per lockfile into <cache>/<key>, reused after; a failed install leaves nothing; two entries kept, killed partial installs removed', async () => {
    const cacheDir = join(work, 'cache');
    const install = linkingInstall();
    const packageJson = readFileSync(join(ROOT, 'package.json'), 'utf8');
    const get = (lockfile: string) =>
      cachedDependencies({ packageJson, lockfile, cacheDir, install, progress: () => undefined });

    const first = await get(LOCKFILE);
    expect(first).toEqual({ key: dependencyCacheKey(LOCKFILE), reused: false, nodeModules: join(cacheDir, dependencyCacheKey(LOCKFILE), 'node_modules') });
    // The install ran where the base's lockfile was, and the entry keeps it.
    expect(readFileSync(join(cacheDir, first.key, 'package-lock.json'), 'utf8')).toBe(LOCKFILE);
    expect(await get(LOCKFILE)).toMatchObject({ key: first.key, reused: true });
    expect(install.dirs).toHaveLength(1);

    const failing: InstallDependencies = async (dir) => {
      mkdirSync(join(dir, 'node_modules'));
      throw new InstallError('npm ci exited 1');
    };
    await expect(cachedDependencies({ packageJson, lockfile: COSMETIC_LOCKFILE, cacheDir, install: failing, progress: () => undefined })).rejects.toThrow('npm ci exited 1');
    expect(readdirSync(cacheDir).sort()).toEqual([first.key]);

    expect(await get(COSMETIC_LOCKFILE)).toMatchObject({ key: dependencyCacheKey(COSMETIC_LOCKFILE), reused: false });
    // A killed run's partial install is removed once it is hours old, a running one's is left alone.
    mkdirSync(join(cacheDir, '.partial-killed'));
    const yesterday = new Date(Date.now() - 24 * 3600 * 1000);
    utimesSync(join(cacheDir, '.partial-killed'), yesterday, yesterday);
    mkdirSync(join(cacheDir, '.partial-running'));
    await get(COSMETIC_LOCKFILE.replace(/\n$/, '\n\n'));
    expect(install.dirs).toHaveLength(3);
    // The least recently used entry (LOCKFILE's) is pruned: each is a whole dependency tree.
    expect(readdirSync(cacheDir).sort()).toEqual(['.partial-running', dependencyCacheKey(COSMETIC_LOCKFILE), dependencyCacheKey(COSMETIC_LOCKFILE.replace(/\n$/, '\n\n'))].sort());
  });

  test('the real npm ci fails with its exit code, npm\'s own error lines and where the full output is', async () => {
    const dir = join(work, 'uninstallable');
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), UNINSTALLABLE.packageJson);
    writeFileSync(join(dir, 'package-lock.json'), UNINSTALLABLE.lockfile);
    await offlineNpm(() =>
      expect(npmCi(dir, () => undefined)).rejects.toThrow(
        new RegExp(`^npm ci exited 254 \\(full output: ${join(work, 'last-npm-ci.log')}\\):\n[\\s\\S]*npm error code ENOENT\n[\\s\\S]*missing-pkg\\.tgz`),
      ),
    );
    expect(existsSync(join(dir, 'node_modules', 'missing-pkg'))).toBe(false);
  });
});

describe('diff:offline across a change of package-lock.json', () => {
  test('a base whose lockfile differs gets its own dependencies and the replacement report (exit 1 on a stateful replacement), with progress', async () => {
    const repo = fixtureRepo(
      'lockfile-changed',
      (dir) => writeFileSync(join(dir, 'package-lock.json'), COSMETIC_LOCKFILE),
      (dir) => {
        writeFileSync(join(dir, 'package-lock.json'), LOCKFILE);
        // Collection tags are create-only: CloudFormation replaces the collection (data lost).
        replaceOnce(join(dir, 'environments', 'dev.ts'), "collectionCostCenter: 'audio-pipeline-dev'", "collectionCostCenter: 'audio-pipeline-dev-2'");
      },
    );
    const short = git(repo, 'rev-parse', 'HEAD~1').slice(0, 12);
    const install = linkingInstall();
    const { stdout, stderr, out } = capture();
    const status = await diffOffline({ root: repo, base: 'HEAD~1', envNames: ['dev'], ci: true, cacheDir: join(work, 'fixture-cache'), install, out, heartbeatMs: 10_000 });

    expect({ status, stderr: stderr.join('\n') }).toEqual({
      status: 1,
      stderr: expect.stringContaining('error: 1 stateful or fixed-name replacement(s) (!!)'),
    });
    // Installed once, from the base's own lockfile, into its cache entry.
    expect(install.dirs).toHaveLength(1);
    expect(readFileSync(join(work, 'fixture-cache', dependencyCacheKey(COSMETIC_LOCKFILE), 'package-lock.json'), 'utf8')).toBe(COSMETIC_LOCKFILE);
    const lines = stdout.join('\n').split('\n');
    expect(lines).not.toContainEqual(expect.stringContaining('skipped'));
    expect(lines).toEqual(
      expect.arrayContaining([
        `diff:offline: HEAD~1 (${short}) -> working tree, dev`,
        expect.stringMatching(new RegExp(`^diff:offline \\[0:\\d\\d\\] package-lock.json differs from ${short}'s: its dependencies come from npm ci into .*/${dependencyCacheKey(COSMETIC_LOCKFILE)} \\(cached by lockfile\\)$`)),
        expect.stringMatching(new RegExp(`^diff:offline \\[0:\\d\\d\\] installing ${short}'s dependencies \\.\\.\\.$`)),
        expect.stringMatching(new RegExp(`^diff:offline \\[\\d+:\\d\\d\\] installing ${short}'s dependencies: done in \\d+:\\d\\d$`)),
        expect.stringMatching(new RegExp(`^diff:offline \\[\\d+:\\d\\d\\] synthesizing dev at ${short} and in the working tree: done in \\d+:\\d\\d$`)),
        'dev: 1 resource(s) replaced or deleted',
        '  !! replace marin-dev-data/SearchCollectionE9B440CC (AWS::OpenSearchServerless::Collection): Tags [stateful; fixed name Name: marin-dev-vectors]',
      ]),
    );
  }, 600_000); // two synths of dev, each up to minutes on a loaded machine

  test('a base whose npm ci fails stops the command (exit 2) naming the commit, npm output and the fix; nothing is compared', async () => {
    const repo = fixtureRepo(
      'npm-ci-fails',
      (dir) => {
        writeFileSync(join(dir, 'package.json'), UNINSTALLABLE.packageJson);
        writeFileSync(join(dir, 'package-lock.json'), UNINSTALLABLE.lockfile);
      },
      (dir) => {
        writeFileSync(join(dir, 'package.json'), readFileSync(join(ROOT, 'package.json')));
        writeFileSync(join(dir, 'package-lock.json'), LOCKFILE);
      },
    );
    const short = git(repo, 'rev-parse', 'HEAD~1').slice(0, 12);
    const { stdout, stderr, out } = capture();
    // CI's step, against the fixture repository.
    const status = await offlineNpm(() => main(['--base', 'HEAD~1', '--env', 'dev', '--ci'], out, { root: repo, cacheDir: join(work, 'failing-cache') }));
    expect(status).toBe(2);
    expect(stderr.join('\n')).toMatch(
      new RegExp(
        `^error: npm ci of ${short}'s package-lock.json failed, so the base cannot be synthesized with its own dependencies and nothing was compared: npm ci exited 254 [\\s\\S]*npm error code ENOENT[\\s\\S]*` +
          `\nfix: check the registry is reachable and ${short}'s package-lock.json is in sync with its package.json \\(\`git show ${short}:package-lock.json\`\\), then run again$`,
      ),
    );
    expect(stdout.join('\n')).toMatch(new RegExp(`^diff:offline \\[0:\\d\\d\\] installing ${short}'s dependencies \\.\\.\\.$`, 'm'));
    expect(stdout.join('\n')).not.toMatch(/synthesizing|skipped/);
    expect(readdirSync(join(work, 'failing-cache'))).toEqual(['last-npm-ci.log']);
  });

  test('usage: --base is required (exit 2), --help exits 0', async () => {
    const missing = capture();
    expect(await main([], missing.out)).toBe(2);
    expect(missing.stderr.join('\n')).toMatch(/^error: --base <git ref> is required\nusage: npm run diff:offline -- --base <git ref>/);
    const help = capture();
    expect(await main(['--help'], help.out)).toBe(0);
    expect(help.stdout).toEqual(['usage: npm run diff:offline -- --base <git ref> [--env all|dev,staging,prod] [--ci]']);
  });
});
