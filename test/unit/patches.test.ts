/**
 * The rule of workflows/patches.ts, checked on the source: only that module asks `patched()`, and every workflow
 * decides its epoch before its first await (its first statement). A `patched()` after the config's local activity
 * is what broke replays on another worker (see the module's comment).
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as workflows from '../../workflows';
import { EPOCHS } from '../../workflows/patches';

const DIR = path.resolve(__dirname, '../../workflows');
const sources = readdirSync(DIR)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => ({ file: f, text: readFileSync(path.join(DIR, f), 'utf8') }));

test('no workflow module but workflows/patches.ts calls patched() or deprecatePatch()', () => {
  const callers = sources
    .filter((s) => s.file !== 'patches.ts')
    .filter((s) => /\b(patched|deprecatePatch)\s*\(/.test(s.text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')))
    .map((s) => s.file);
  expect(callers).toEqual([]);
});

test('every workflow the worker runs decides its epoch as its first statement', () => {
  const types = Object.entries(workflows).filter(([, v]) => typeof v === 'function').map(([name]) => name);
  expect(types.length).toBeGreaterThanOrEqual(6);
  const late = types.filter((name) => {
    const src = sources.find((s) => new RegExp(`export async function ${name}\\(`).test(s.text));
    if (!src) return true;
    const body = src.text.slice(src.text.indexOf(`export async function ${name}(`));
    const first = body.slice(body.indexOf('{\n') + 2).trimStart();
    return !first.startsWith('decidePatchesUpFront();');
  });
  expect(late).toEqual([]);
});

test('epochs: markers and change ids are unique, and no change id is an epoch marker', () => {
  const markers = EPOCHS.map((e) => e.marker as string);
  const changes = EPOCHS.flatMap((e) => [...e.changes] as string[]);
  expect(new Set(markers).size).toBe(markers.length);
  expect(new Set(changes).size).toBe(changes.length);
  expect(changes.filter((c) => markers.includes(c))).toEqual([]);
});
