/**
 * What the Web UI shows for a download: a fixed one-line summary and the inputs (static, set at start by the
 * client library), and current details that follow the download's stage and pages (set by the workflow).
 */
import type { WorkflowHandle } from '@temporalio/client';
import { startGstr2bDownload } from '../../client';
import { Harness } from './harness';

jest.setTimeout(120_000);

let h: Harness;
beforeAll(async () => {
  h = await Harness.create();
  await h.startWorker();
});
afterAll(() => h?.close());

const currentDetails = async (handle: WorkflowHandle) =>
  ((await handle.query('__temporal_workflow_metadata')) as { currentDetails?: string }).currentDetails ?? '';

test('static summary and details from the client, current details from the workflow', async () => {
  const gstin = '27AAACR5055K1Z7';
  await h.admin.config({ gstins: { [gstin]: { gstr2bRecords: 90, gstr2bDocsPerFile: 30 } } });
  const { handle } = await startGstr2bDownload(h.client, { gstin, retPeriod: '082025' }, { taskQueue: h.taskQueue, gstinChecksum: 'off' });
  const desc = await handle.describe();
  expect(await desc.staticSummary()).toBe(`GSTR-2B · ${gstin} · period 082025`);
  expect(JSON.parse((await desc.staticDetails())!.replace(/^```json\n|\n```$/g, ''))).toEqual({ gstin, retPeriod: '082025' });

  await handle.result();
  const details = await currentDetails(handle);
  expect(details).toContain(`**gstr2b** ${gstin} · period 082025 · stage **DONE**`);
  expect(details).toMatch(/3\/3 files/);
});
