/**
 * Replays the recorded histories in test/histories/ against today's workflow code: a change that would
 * break downloads already running (non-determinism) fails here. See docs/replay.md and
 * test/integration/record-histories.test.ts (the recorder). The histories are the "before" corpus: never
 * re-record them.
 */
import { bundleWorkflowCode, Worker, type BundleOptions, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as workflows from '../workflows';

jest.setTimeout(180_000);

const DIR = path.resolve(__dirname, 'histories');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));
const noop = () => undefined;
const logger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop };
const ROOT = path.resolve(__dirname, '..');
const NONDETERMINISM = /[Nn]ondeterminism|DeterminismViolation/;

function load(file: string): unknown {
  return JSON.parse(readFileSync(path.join(DIR, file), 'utf8'));
}

function workflowType(file: string): string {
  return (load(file) as any).events[0].workflowExecutionStartedEventAttributes.workflowType.name;
}

/**
 * A webpack hook that bundles `drifted` wherever workflow code imports `real` (both paths from the repo root),
 * except from `drifted` itself, which may re-export the real module and override one thing.
 */
function replaceModule(real: string, drifted: string): NonNullable<BundleOptions['webpackConfigHook']> {
  const [from, to] = [path.join(ROOT, real), path.join(ROOT, drifted)];
  const plugin = {
    apply(compiler: any) {
      compiler.hooks.normalModuleFactory.tap('replay-drift', (factory: any) => {
        factory.hooks.afterResolve.tap('replay-drift', (data: any) => {
          const c = data.createData;
          if (c.resource !== from || data.contextInfo.issuer === to) return;
          // its identity (request) and directory (context) too: the drifted module is its own module, and resolves
          // its own imports (the real module among them) from where it is
          for (const key of ['resource', 'request', 'userRequest']) c[key] = String(c[key]).split(from).join(to);
          c.context = path.dirname(to);
        });
      });
    },
  };
  return (config) => ({ ...config, plugins: [...(config.plugins ?? []), plugin] });
}

test('there is a recorded history for each workflow type the worker runs', () => {
  const exported = Object.entries(workflows)
    .filter(([, v]) => typeof v === 'function')
    .map(([name]) => name)
    .sort();
  expect(exported).toContain('syncReturnPeriod');
  const recorded = new Set(files.map(workflowType));
  expect(exported.filter((t) => !recorded.has(t))).toEqual([]);
  // and no history of a type the worker no longer runs (it could not replay)
  expect([...recorded].filter((t) => !exported.includes(t))).toEqual([]);
});

describe('today’s workflows replay every recorded history', () => {
  let bundle: WorkflowBundleWithSourceMap;
  beforeAll(async () => {
    bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger });
  });
  test.each(files)('%s', async (file) => {
    await expect(Worker.runReplayHistory({ workflowBundle: bundle }, load(file))).resolves.toBeUndefined();
  });
});

test('a non-deterministic change to a workflow is caught by the replay', async () => {
  const drifted = await bundleWorkflowCode({ workflowsPath: require.resolve('./fixtures/replay-drift'), logger });
  const replay = Worker.runReplayHistory({ workflowBundle: drifted }, load('gstr2b-3-files.json'));
  await expect(replay).rejects.toThrow(NONDETERMINISM);
});

// A domain/ module is bundled into the workflows: editing one of its rules changes how recorded runs replay, so the
// edit needs `patched()` like any workflow change. Each case bundles the REAL workflows with one domain module drifted.
// `breaks`: a recorded run the drifted rule rejects; `still`: one it does not touch.
describe.each([
  {
    real: 'domain/gst.ts',
    drifted: 'test/fixtures/domain-drift/gst.ts',
    breaks: 'ims-session-refresh-and-resubmit.json',
    still: 'ims-30-pages-run1.json',
  },
  {
    real: 'domain/periods.ts',
    drifted: 'test/fixtures/domain-drift/periods.ts',
    breaks: 'einvoice-3-polls.json',
    still: 'gstr2b-3-files.json',
  },
])('a changed rule in $real is caught by the replay', ({ real, drifted, breaks, still }) => {
  let bundle: WorkflowBundleWithSourceMap;
  beforeAll(async () => {
    const webpackConfigHook = replaceModule(real, drifted);
    bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger, webpackConfigHook });
  });
  test(`${breaks} no longer replays`, async () => {
    await expect(Worker.runReplayHistory({ workflowBundle: bundle }, load(breaks))).rejects.toThrow(NONDETERMINISM);
  });
  test(`${still} (untouched by the rule) still replays: the bundling itself changes nothing`, async () => {
    await expect(Worker.runReplayHistory({ workflowBundle: bundle }, load(still))).resolves.toBeUndefined();
  });
});
