/**
 * scripts/bootstrap.js (runs first in every npm script): when node_modules is missing or stale against the
 * lockfile, and when dist/ is older than the sources. Plain JS, so it is loaded with require.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const bootstrap = require('../../scripts/bootstrap.js') as {
  depsState(root: string): 'current' | 'missing' | 'stale';
  buildStaleness(root: string): string | undefined;
  scanSources(root: string): { count: number; newest: number };
  BUILD_STAMP: string;
  DEPS_STAMP: string;
};

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'bootstrap-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function write(rel: string, content: unknown): string {
  const file = path.join(root, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

const lock = (a: string) => ({
  lockfileVersion: 3,
  packages: {
    '': { name: 'x' },
    'node_modules/a': { version: a },
    'node_modules/native-arm64': { version: '1.0.0', optional: true }, // another platform's: never installed here
  },
});

describe('dependencies', () => {
  test('missing node_modules, then a current install (stamped), then a lockfile change the install lacks', () => {
    write('package-lock.json', lock('1.0.0'));
    expect(bootstrap.depsState(root)).toBe('missing');

    write('node_modules/.package-lock.json', { packages: { 'node_modules/a': { version: '1.0.0' } } });
    expect(bootstrap.depsState(root)).toBe('current');
    const stamp = readFileSync(path.join(root, 'node_modules', bootstrap.DEPS_STAMP), 'utf8').trim();
    expect(stamp).toMatch(/^[0-9a-f]{64}$/);

    write('package-lock.json', lock('1.0.1'));
    expect(bootstrap.depsState(root)).toBe('stale');
  });

  test('the stamp is the fast path: it matches the lockfile, so the install is not read again', () => {
    write('package-lock.json', lock('1.0.0'));
    write('node_modules/.package-lock.json', { packages: { 'node_modules/a': { version: '1.0.0' } } });
    expect(bootstrap.depsState(root)).toBe('current');
    // npm's own record gone: only the stamp can say "current" now
    rmSync(path.join(root, 'node_modules', '.package-lock.json'));
    expect(bootstrap.depsState(root)).toBe('current');
    rmSync(path.join(root, 'node_modules', bootstrap.DEPS_STAMP));
    expect(bootstrap.depsState(root)).toBe('stale');
  });
});

describe('build', () => {
  function stampBuild(startedAt: number) {
    write('dist/workflow-bundle.js', '');
    write(bootstrap.BUILD_STAMP, { startedAt, count: bootstrap.scanSources(root).count });
  }

  beforeEach(() => {
    write('tsconfig.json', { include: ['src'] });
    write('src/a.ts', 'export const a = 1;');
    write('src/deep/b.ts', 'export const b = 1;');
    write('dist/old.js', ''); // outputs are not inputs
    write('docs/x.json', '{}');
  });

  test('never built → stale; built after the last edit → current', () => {
    expect(bootstrap.buildStaleness(root)).toBe('dist/ has not been built');
    stampBuild(Date.now() + 1000);
    expect(bootstrap.buildStaleness(root)).toBeUndefined();
  });

  test('a source edited after the build started → stale, naming the file', () => {
    const started = Date.now();
    stampBuild(started);
    const later = new Date(started + 5000);
    utimesSync(path.join(root, 'src/deep/b.ts'), later, later);
    expect(bootstrap.buildStaleness(root)).toBe(`${path.join('src', 'deep', 'b.ts')} changed since the last build`);
  });

  test('a file added or removed → stale; the bundle missing → stale', () => {
    stampBuild(Date.now() + 60_000);
    const added = write('src/c.ts', '');
    utimesSync(added, new Date(0), new Date(0)); // old mtime (e.g. restored from git): the count still tells
    expect(bootstrap.buildStaleness(root)).toMatch(/^source files were added or removed \(3 → 4\)$/);
    rmSync(added);
    expect(bootstrap.buildStaleness(root)).toBeUndefined();
    rmSync(path.join(root, 'dist/workflow-bundle.js'));
    expect(bootstrap.buildStaleness(root)).toBe('dist/workflow-bundle.js is missing');
  });

  test('a folder outside tsconfig\'s include (compiled because something imports it) is an input too', () => {
    const started = Date.now();
    stampBuild(started);
    const lib = write('domain/rules.ts', '');
    const later = new Date(started + 5000);
    utimesSync(lib, later, later);
    expect(bootstrap.buildStaleness(root)).toMatch(/^source files were added or removed/);
    stampBuild(started + 10_000);
    expect(bootstrap.buildStaleness(root)).toBeUndefined();
  });

  test('tsconfig.json itself is an input', () => {
    const started = Date.now();
    stampBuild(started);
    const later = new Date(started + 5000);
    utimesSync(path.join(root, 'tsconfig.json'), later, later);
    expect(bootstrap.buildStaleness(root)).toBe('tsconfig.json changed since the last build');
  });
});
