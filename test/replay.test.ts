/**
 * Replays the recorded histories in test/histories/ against today's workflow code: a change that would
 * break downloads already running (non-determinism) fails here. See test/integration/record-histories.test.ts.
 */
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

jest.setTimeout(120_000);

const DIR = path.resolve(__dirname, 'histories');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));
const noop = () => undefined;
const logger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop };

function load(file: string): unknown {
  return JSON.parse(readFileSync(path.join(DIR, file), 'utf8'));
}

test('there is a recorded history for each workflow type', () => {
  const types = new Set(files.map((f) => (load(f) as any).events[0].workflowExecutionStartedEventAttributes.workflowType.name));
  expect([...types].sort()).toEqual(['downloadEinvoices', 'downloadGstr2b', 'downloadImsInvoices', 'getIrnDetails']);
});

describe('today’s workflows replay every recorded history', () => {
  let bundle: Awaited<ReturnType<typeof bundleWorkflowCode>>;
  beforeAll(async () => {
    bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger });
  });
  test.each(files)('%s', async (file) => {
    await expect(Worker.runReplayHistory({ workflowBundle: bundle }, load(file))).resolves.toBeUndefined();
  });
});

test('a non-deterministic change is caught by the replay', async () => {
  const drifted = await bundleWorkflowCode({ workflowsPath: require.resolve('./fixtures/replay-drift'), logger });
  await expect(Worker.runReplayHistory({ workflowBundle: drifted }, load('gstr2b-3-files.json'))).rejects.toThrow(/[Nn]ondeterminism|DeterminismViolation/);
});
