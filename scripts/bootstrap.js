#!/usr/bin/env node
'use strict';
/**
 * Runs first in every npm script (`npm start`, `npm test`, `npm run cli`, …), so a fresh clone needs nothing
 * typed before them. Plain Node, no dependency and no TypeScript: it runs before either is there.
 *
 *   1. Dependencies: `npm ci` when node_modules is missing or does not match package-lock.json. Fast path: the
 *      lockfile's sha256 equals the one stored in node_modules after the last good install or check.
 *   2. Build (unless --deps): `tsc` + the workflow bundle when dist/ is older than the sources, i.e. a source
 *      file changed after the last build started, or a file was added or removed. `--build` always builds.
 *      The build writes dist/.build-stamp.json, which is what "current" is measured against.
 *
 * Usage: node scripts/bootstrap.js [--deps | --build]. When everything is current it prints nothing and takes
 * a few tens of milliseconds.
 */
const { createHash } = require('node:crypto');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const DEPS_STAMP = '.gst-lock.sha256';
const BUILD_STAMP = path.join('dist', '.build-stamp.json');
/** Besides tsconfig's folders: files whose change means a rebuild. */
const BUILD_INPUTS = ['tsconfig.json', 'package-lock.json'];
/** Folders that hold no build input (outputs, caches, data, docs). Every other folder's .ts/.json files count. */
const SKIP_DIRS = new Set(['node_modules', 'dist', 'data', 'docs', 'deploy', 'test-artifacts']);

function say(line) {
  process.stderr.write(`bootstrap: ${line}\n`);
}

function sha256(file) {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/**
 * 'current' | 'missing' | 'stale'. Without a stamp (node_modules installed by a plain `npm ci`, e.g. in CI),
 * npm's own record of what it installed (node_modules/.package-lock.json) is compared with the lockfile:
 * every non-optional package at the locked version.
 */
function depsState(root = ROOT) {
  const nm = path.join(root, 'node_modules');
  if (!fs.existsSync(nm)) return 'missing';
  const hash = sha256(path.join(root, 'package-lock.json'));
  let stamp;
  try {
    stamp = fs.readFileSync(path.join(nm, DEPS_STAMP), 'utf8').trim();
  } catch {
    /* no stamp yet */
  }
  if (stamp === hash) return 'current';
  if (!installedMatchesLock(root)) return 'stale';
  writeDepsStamp(root, hash);
  return 'current';
}

function installedMatchesLock(root) {
  let lock;
  let installed;
  try {
    lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
    installed = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', '.package-lock.json'), 'utf8'));
  } catch {
    return false;
  }
  for (const [key, meta] of Object.entries(lock.packages ?? {})) {
    if (!key.startsWith('node_modules/') || meta.optional || meta.link) continue;
    if (installed.packages?.[key]?.version !== meta.version) return false;
  }
  return true;
}

function writeDepsStamp(root, hash) {
  try {
    fs.writeFileSync(path.join(root, 'node_modules', DEPS_STAMP), `${hash}\n`);
  } catch {
    /* a read-only node_modules: checked the slow way next time */
  }
}

function run(command, args, what) {
  const r = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    say(`${what} failed (${r.error ? r.error.message : `exit ${r.status ?? r.signal}`})`);
    process.exit(r.status || 1);
  }
}

function ensureDeps() {
  const state = depsState();
  if (state === 'current') return;
  const nm = path.join(ROOT, 'node_modules');
  if (state === 'stale' && fs.lstatSync(nm).isSymbolicLink()) {
    // npm ci would empty the folder the link points at, which belongs to another checkout.
    say(`node_modules links to ${fs.realpathSync(nm)}, which does not match package-lock.json; run "npm ci" there, or "rm node_modules && npm ci" here`);
    process.exit(1);
  }
  const hash = sha256(path.join(ROOT, 'package-lock.json'));
  say(`node_modules is ${state === 'missing' ? 'missing' : 'older than package-lock.json'}: npm ci`);
  const started = Date.now();
  // Under `npm run`, npm_execpath is the npm that runs us; otherwise npm from PATH.
  const npmCli = process.env.npm_execpath;
  if (npmCli && /\.c?js$/.test(npmCli)) run(process.execPath, [npmCli, 'ci', '--no-audit', '--no-fund'], 'npm ci');
  else run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['ci', '--no-audit', '--no-fund'], 'npm ci');
  writeDepsStamp(ROOT, hash);
  say(`dependencies installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * The folders with sources: every top-level folder but SKIP_DIRS and hidden ones (tsconfig's "include" is not
 * enough: tsc also compiles what those files import from elsewhere).
 */
function sourceDirs(root) {
  return fs
    .readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !SKIP_DIRS.has(e.name))
    .map((e) => e.name);
}

/** Count of build inputs and the newest one (mtime in ms, path). */
function scanSources(root = ROOT) {
  let count = 0;
  let newest = 0;
  let newestFile = '';
  const see = (file) => {
    const mtime = fs.statSync(file).mtimeMs;
    count++;
    if (mtime > newest) [newest, newestFile] = [mtime, file];
  };
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith('.')) walk(full);
      } else if (/\.(ts|json)$/.test(entry.name)) see(full);
    }
  };
  for (const dir of sourceDirs(root)) walk(path.join(root, dir));
  for (const file of BUILD_INPUTS) if (fs.existsSync(path.join(root, file))) see(path.join(root, file));
  return { count, newest, newestFile: path.relative(root, newestFile) };
}

/** Why dist/ must be rebuilt, or undefined when it is current. */
function buildStaleness(root = ROOT) {
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(path.join(root, BUILD_STAMP), 'utf8'));
  } catch {
    return 'dist/ has not been built';
  }
  if (!fs.existsSync(path.join(root, 'dist', 'workflow-bundle.js'))) return 'dist/workflow-bundle.js is missing';
  const now = scanSources(root);
  if (now.count !== stamp.count) return `source files were added or removed (${stamp.count} → ${now.count})`;
  if (now.newest > stamp.startedAt) return `${now.newestFile} changed since the last build`;
  return undefined;
}

function build(why) {
  if (why) say(`${why}: building`);
  const started = Date.now();
  // Inputs are counted before compiling: a file saved during the build makes the next run build again.
  const { count } = scanSources();
  fs.rmSync(path.join(ROOT, BUILD_STAMP), { force: true });
  run(process.execPath, [require.resolve('typescript/bin/tsc', { paths: [ROOT] }), '-p', 'tsconfig.json'], 'tsc');
  run(process.execPath, [path.join(ROOT, 'dist', 'scripts', 'build-bundle.js')], 'workflow bundle');
  fs.writeFileSync(path.join(ROOT, BUILD_STAMP), `${JSON.stringify({ startedAt: started, count })}\n`);
  if (why) say(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function main(argv) {
  ensureDeps();
  if (argv.includes('--deps')) return;
  if (argv.includes('--build')) return build(undefined);
  const why = buildStaleness();
  if (why) build(why);
}

module.exports = { depsState, scanSources, buildStaleness, BUILD_STAMP, DEPS_STAMP };

if (require.main === module) main(process.argv.slice(2));
