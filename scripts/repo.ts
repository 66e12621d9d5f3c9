/** Where the repo is, whatever the cwd: used for `.env`, `.temporal/` (binaries, dev.db, cluster state). */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * The folder holding package.json, found by walking up from `from` (this file's folder by default). Works both for
 * the sources (`scripts/`) and the compiled code (`dist/scripts/`), and does not depend on the cwd.
 */
export function findRepoRoot(from: string = __dirname): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json found in ${from} or any folder above it`);
    dir = parent;
  }
}

/** The project's cache of built binaries, `<repo>/.temporal/bin` (git-ignored). */
export function binCacheDir(root: string = findRepoRoot()): string {
  return join(root, '.temporal', 'bin');
}
