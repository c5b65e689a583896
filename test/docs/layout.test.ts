import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** The first word of each entry line of the README's Layout block: a file, or a folder ending in `/`. */
export function layoutEntries(readme: string): string[] {
  const section = readme.slice(readme.indexOf('## Layout'), readme.indexOf('\n## ', readme.indexOf('## Layout') + 1));
  const code = section.slice(section.indexOf('```') + 3, section.lastIndexOf('```'));
  return code.split('\n').filter((line) => line !== '' && !line.startsWith(' ')).map((line) => line.split(/\s+/)[0]);
}

/** Source files no Layout entry covers. */
export function uncovered(files: readonly string[], entries: readonly string[]): string[] {
  const roots = ['bin/', 'environments/', 'lib/', 'atlas/', 'scripts/', 'test/', 'docs/', '.ci/', '.github/'];
  return files.filter((f) => roots.some((r) => f.startsWith(r)) && !entries.some((e) => (e.endsWith('/') ? f.startsWith(e) : f === e)));
}

describe('README Layout matches the tree', () => {
  const entries = layoutEntries(readFileSync(join(ROOT, 'docs', 'layout.md'), 'utf8'));
  const files = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);

  test('every source file is under an entry of the Layout', () => {
    expect(uncovered(files, entries)).toEqual([]);
  });

  test('every entry exists', () => {
    const missing = entries.filter((e) => !files.some((f) => (e.endsWith('/') ? f.startsWith(e) : f === e)));
    expect(missing).toEqual([]);
  });

  test('a new file outside every entry is reported', () => {
    expect(uncovered([...files, 'scripts/new-tool.ts'], entries)).toEqual(['scripts/new-tool.ts']);
  });
});
