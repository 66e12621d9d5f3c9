/**
 * The house's rules, checked over the real import graph (scripts/import-graph.ts), and the checker itself shown to
 * catch each kind of break on small trees made here.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { bundled, check, readGraph, WORKFLOW_ENTRIES } from '../../scripts/import-graph';

const ROOT = path.resolve(__dirname, '../..');

test('the project: no arrow up, no circle, and only workflows/ and domain/ in the workflow bundle', () => {
  expect(check(ROOT)).toEqual([]);
  const inBundle = bundled(readGraph(ROOT), WORKFLOW_ENTRIES);
  expect(inBundle).toContain('domain/inputs.ts');
  expect(inBundle.some((f) => f.startsWith('eas/') || f.startsWith('client/') || f.startsWith('activities/'))).toBe(false);
});

describe('the checker catches', () => {
  let dir: string;
  const tree = (files: Record<string, string>) => {
    dir = mkdtempSync(path.join(tmpdir(), 'gst-imports-'));
    for (const [f, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      writeFileSync(path.join(dir, f), text);
    }
    return check(dir);
  };
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const base = {
    'domain/ids.ts': 'export const x = 1;\n',
    'eas/contract.ts': "import { x } from '../domain/ids';\nexport const y = x;\n",
    'activities/index.ts': "import { y } from '../eas/contract';\nexport function createActivities() { return { y }; }\nexport type Activities = ReturnType<typeof createActivities>;\n",
    'workflows/index.ts': "import type { Activities } from '../activities';\nimport { x } from '../domain/ids';\nexport const w = x;\n",
    'worker/workflow-interceptors.ts': "import { w } from '../workflows';\nexport const i = w;\n",
  };

  test('nothing in a tree that keeps the rules (a type-only import of activities from workflows is fine)', () => {
    expect(tree(base)).toEqual([]);
  });

  test('an arrow up: eas/ importing activities/', () => {
    const problems = tree({ ...base, 'eas/client.ts': "import { createActivities } from '../activities';\nexport const c = createActivities;\n" });
    expect(problems).toEqual([expect.stringMatching(/^eas\/client\.ts:1 eas\/ imports activities\/index\.ts \(an arrow up/)]);
  });

  test('Temporal in eas/ or domain/', () => {
    const problems = tree({ ...base, 'domain/ids.ts': "import { sleep } from '@temporalio/workflow';\nexport const x = sleep;\n" });
    expect(problems).toEqual([expect.stringContaining('domain/ must not import Temporal')]);
  });

  test('a circle', () => {
    const problems = tree({
      ...base,
      'workflows/a.ts': "import { b } from './b';\nexport const a = 1 + b;\n",
      'workflows/b.ts': "import type { a } from './a';\nexport const b = 2;\n",
    });
    expect(problems).toEqual(['a circle of imports: workflows/a.ts → workflows/b.ts']);
  });

  test('an eas/ or client/ value in the workflow bundle', () => {
    const problems = tree({
      ...base,
      'workflows/index.ts': "import { y } from '../eas/contract';\nimport { ids } from '../client/ids';\nexport const w = [y, ids];\n",
      'client/ids.ts': "export const ids = 1;\n",
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('workflows/ imports eas/contract.ts'),
        expect.stringContaining('workflows/ imports client/ids.ts'),
        'the workflow bundle holds client/ids.ts (only workflows/ and domain/ belong in it)',
        'the workflow bundle holds eas/contract.ts (only workflows/ and domain/ belong in it)',
      ]),
    );
  });

  test('a value import of activities from workflow code (a type import is not enough)', () => {
    const problems = tree({ ...base, 'workflows/index.ts': "import { createActivities } from '../activities';\nexport const w = createActivities;\n" });
    expect(problems).toEqual(expect.arrayContaining([expect.stringContaining('workflows/ imports activities/index.ts')]));
  });

  test('the sandbox using worker logic beyond the EAS contract', () => {
    const problems = tree({ ...base, 'sandbox/server.ts': "import { createActivities } from '../activities';\nimport { y } from '../eas/contract';\nexport const s = [createActivities, y];\n" });
    expect(problems).toEqual([expect.stringContaining('sandbox/ imports activities/index.ts')]);
  });
});
