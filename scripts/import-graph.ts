/**
 * The project's import graph and its rules ("the house"): every TypeScript file's imports, read as text (no
 * compiler needed), checked against the layers the product is built in.
 *
 *   domain/            pure rules: ids, periods, inputs, config types, failure names — imports nothing of ours
 *   eas/  store/       the gateway client and the store — domain only, never Temporal, never each other
 *   activities/        one step each — domain, eas, store
 *   workflows/         the GST process — values from domain/ and workflows/ only; activities as TYPES
 *   temporal/          how we talk to Temporal: connection settings, payload codec, codec server — nothing of ours
 *   client/            the library and CLI — anything below
 *   worker/            the process that runs workflows and activities — anything below
 *   sandbox/           the gateway's stand-in — the EAS contract (eas/contract.ts) and domain/ only
 *   scripts/ bench/    tools at the top — anything
 *
 * Also: no circle of imports, and the workflow bundle (every module reachable by value imports from
 * workflows/index.ts and the bundled workflow interceptors) holds nothing but workflows/ and domain/.
 * `npm run check:imports` prints the findings; test/unit/import-graph.test.ts fails on any.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

export const LAYER_DIRS = ['domain', 'eas', 'store', 'activities', 'workflows', 'temporal', 'client', 'worker', 'sandbox', 'scripts', 'bench'] as const;
export type Layer = (typeof LAYER_DIRS)[number];

/** Which rooms each room may import from (values and types), besides itself. */
const MAY_IMPORT: Record<Layer, readonly Layer[]> = {
  domain: [],
  eas: ['domain'],
  store: ['domain'],
  activities: ['domain', 'eas', 'store'],
  workflows: ['domain'],
  temporal: [],
  client: ['domain', 'eas', 'store', 'workflows', 'temporal'],
  worker: ['domain', 'eas', 'store', 'activities', 'workflows', 'temporal', 'client'],
  sandbox: ['domain', 'eas'],
  scripts: ['domain', 'eas', 'store', 'activities', 'workflows', 'temporal', 'client', 'worker', 'sandbox', 'bench'],
  bench: ['domain', 'eas', 'store', 'activities', 'workflows', 'temporal', 'client', 'worker', 'sandbox', 'scripts'],
};
/** Imports allowed as types only (erased at build: they carry no code). */
const MAY_IMPORT_TYPES: Partial<Record<Layer, readonly Layer[]>> = { workflows: ['activities'] };
/** Rooms that must not use Temporal at all. */
const NO_TEMPORAL: readonly Layer[] = ['domain', 'eas', 'store', 'sandbox'];
/** The sandbox may use only this file of eas/. */
const SANDBOX_EAS_FILES = ['eas/contract.ts'];
/** Packages workflow code may import. */
const WORKFLOW_PACKAGES = ['@temporalio/workflow', '@temporalio/common'];

export interface Import {
  from: string;
  /** A project file (relative, with .ts) or a package name. */
  to: string;
  typeOnly: boolean;
  line: number;
}

export interface Graph {
  files: string[];
  imports: Import[];
}

const IMPORT_RE =
  /(?:^|\n)([ \t]*)(import|export)\s+(type\s+)?(?:([\s\S]*?)\s+from\s+)?['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function listTs(root: string, dir: string, out: string[]): void {
  let entries: string[];
  try {
    entries = readdirSync(path.join(root, dir));
  } catch {
    return;
  }
  for (const name of entries) {
    const rel = path.posix.join(dir, name);
    const st = statSync(path.join(root, rel));
    if (st.isDirectory()) listTs(root, rel, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(rel);
  }
}

function resolveLocal(root: string, fromFile: string, spec: string): string {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(fromFile), spec));
  for (const candidate of [`${base}.ts`, `${base}/index.ts`, base]) {
    try {
      if (statSync(path.join(root, candidate)).isFile()) return candidate;
    } catch {
      /* next */
    }
  }
  return `${base}.ts`;
}

function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** Every import of one file's source text. */
export function parseImports(root: string, file: string, text: string): Import[] {
  const out: Import[] = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[5] ?? m[6] ?? m[7];
    if (!spec) continue;
    const clause = m[4] ?? '';
    // `import { type A, type B } from` carries no value either
    const names = /^\{([\s\S]*)\}$/.exec(clause.trim())?.[1]?.split(',').map((s) => s.trim()).filter(Boolean);
    const allTyped = !!names && names.length > 0 && names.every((n) => n.startsWith('type '));
    const typeOnly = m[5] !== undefined && (!!m[3] || allTyped);
    const line = text.slice(0, m.index ?? 0).split('\n').length + (text[m.index ?? 0] === '\n' ? 1 : 0);
    const to = spec.startsWith('.') ? resolveLocal(root, file, spec) : packageName(spec);
    out.push({ from: file, to, typeOnly, line });
  }
  return out;
}

/** The graph of the product's rooms under `root` (tests are not a room: they may import anything). */
export function readGraph(root: string): Graph {
  const files: string[] = [];
  for (const dir of LAYER_DIRS) listTs(root, dir, files);
  const imports = files.flatMap((f) => parseImports(root, f, readFileSync(path.join(root, f), 'utf8')));
  return { files, imports };
}

export function layerOf(file: string): Layer | undefined {
  const top = file.split('/')[0];
  return (LAYER_DIRS as readonly string[]).includes(top!) ? (top as Layer) : undefined;
}

const isLocal = (to: string) => to.endsWith('.ts');

/** Arrows that break the layers: an import of a room not below, Temporal where it has no place, … */
export function layerViolations(g: Graph): string[] {
  const out: string[] = [];
  for (const i of g.imports) {
    const from = layerOf(i.from);
    if (!from) continue;
    const at = `${i.from}:${i.line}`;
    if (!isLocal(i.to)) {
      if (NO_TEMPORAL.includes(from) && i.to.startsWith('@temporalio/')) out.push(`${at} ${from}/ must not import Temporal (${i.to})`);
      if (from === 'workflows' && !i.typeOnly && i.to.startsWith('@temporalio/') && !WORKFLOW_PACKAGES.includes(i.to)) {
        out.push(`${at} workflow code imports ${i.to} (only ${WORKFLOW_PACKAGES.join(', ')})`);
      }
      continue;
    }
    const to = layerOf(i.to);
    if (!to) {
      out.push(`${at} imports ${i.to}, outside the product's rooms`);
      continue;
    }
    if (to === from) continue;
    const allowed = MAY_IMPORT[from].includes(to) || (i.typeOnly && (MAY_IMPORT_TYPES[from] ?? []).includes(to));
    if (!allowed) out.push(`${at} ${from}/ imports ${i.typeOnly ? 'types from ' : ''}${i.to} (an arrow up or sideways)`);
    else if (from === 'sandbox' && to === 'eas' && !SANDBOX_EAS_FILES.includes(i.to)) {
      out.push(`${at} the sandbox imports ${i.to}; it shares only ${SANDBOX_EAS_FILES.join(', ')} with the client`);
    }
  }
  return out;
}

/** Every circle of imports among project files (types included), each as a list of files. */
export function cycles(g: Graph): string[][] {
  const edges = new Map<string, string[]>();
  for (const i of g.imports) if (isLocal(i.to)) edges.set(i.from, [...(edges.get(i.from) ?? []), i.to]);
  // Tarjan's strongly connected components
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (edges.get(v) ?? []).includes(v)) found.push(comp.sort());
    }
  };
  for (const f of g.files) if (!idx.has(f)) visit(f);
  return found;
}

/** The files a workflow bundle built from `entries` holds: every project file reachable by value imports. */
export function bundled(g: Graph, entries: string[]): string[] {
  const seen = new Set<string>();
  const todo = [...entries];
  while (todo.length) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    for (const i of g.imports) if (i.from === f && !i.typeOnly && isLocal(i.to)) todo.push(i.to);
  }
  return [...seen].sort();
}

/** What the workflow bundle holds that is not workflow or domain code. */
export function bundleViolations(g: Graph, entries: string[]): string[] {
  return bundled(g, entries)
    .filter((f) => !['workflows', 'domain'].includes(layerOf(f) ?? '') && !entries.includes(f))
    .map((f) => `the workflow bundle holds ${f} (only workflows/ and domain/ belong in it)`);
}

/** The entries of the real workflow bundle: the workflows and the workflow interceptors bundled with them. */
export const WORKFLOW_ENTRIES = ['workflows/index.ts', 'worker/workflow-interceptors.ts'];

export function check(root: string): string[] {
  const g = readGraph(root);
  return [
    ...layerViolations(g),
    ...cycles(g).map((c) => `a circle of imports: ${c.join(' → ')}`),
    ...bundleViolations(g, WORKFLOW_ENTRIES),
  ];
}

if (require.main === module) {
  const problems = check(path.resolve(__dirname, process.argv[2] ?? (__dirname.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..')));
  for (const p of problems) console.log(p);
  console.log(problems.length ? `${problems.length} problem(s)` : 'imports: no arrow up, no circle, a clean workflow bundle');
  process.exitCode = problems.length ? 1 : 0;
}
