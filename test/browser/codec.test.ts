/**
 * Payload encryption as an operator sees it: a download runs with GST_PAYLOAD_KEYS on worker and client; its
 * history holds only ciphertext; the Web UI of a dev server started with `--ui-codec-endpoint` (as `npm start`
 * does when keys are set) shows the input and result decoded, through the codec server, in headless Chromium.
 *
 * No Chromium: in CI (CI set) the test fails and says how to install it; locally it is skipped with a warning.
 */
import { randomBytes } from 'node:crypto';
import { Client } from '@temporalio/client';
import type { Page } from 'playwright-core';
import { startGstr2bDownload } from '../../client/start';
import { ensureSearchAttributes, freePort, startDevServer, type DevServer } from '../../scripts/temporal-server';
import { AesGcmCodec, parsePayloadKeys } from '../../temporal/codec';
import { startCodecServer, type CodecServer } from '../../temporal/codec-server';
import type { DownloadSummary } from '../../workflows/types';
import { encodingOf, findPayloads } from '../fixtures/payloads';
import { Harness } from '../integration/harness';
import { artifactPath, browserMissing, inCi, launchBrowser, type Browser } from './helpers';

jest.setTimeout(180_000);

const missing = browserMissing();
if (missing && !inCi()) console.warn(`SKIPPED test/browser/codec.test.ts: ${missing}`);
const suite = missing && !inCi() ? describe.skip : describe;

const GSTIN = '01AABCE2207R1Z5';
const NAMESPACE = 'default';

suite('Web UI with the codec server', () => {
  const codec = new AesGcmCodec(parsePayloadKeys(`ui1:${randomBytes(32).toString('base64')}`));
  let server: DevServer | undefined;
  let codecServer: CodecServer | undefined;
  let h: Harness | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const decodeCalls: string[] = [];

  beforeAll(async () => {
    if (missing) throw new Error(`CI=${process.env.CI}: the Web UI test needs a browser, and there is none here: ${missing}`);
    const uiPort = await freePort();
    codecServer = await startCodecServer({ codec, corsOrigins: [`http://127.0.0.1:${uiPort}`], log: (l) => decodeCalls.push(l) });
    server = await startDevServer({ headless: false, uiPort, uiCodecEndpoint: codecServer.url, namespace: NAMESPACE });
    h = await Harness.create({ address: server.address });
    await ensureSearchAttributes(h.connection, NAMESPACE);
    await h.startWorker({}, { worker: { payloadCodec: codec } });
    browser = await launchBrowser();
    page = await browser.context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    if (h) {
      await h.stopWorkers();
      await h.close();
    }
    await server?.stop();
    await codecServer?.close();
  });

  test('history payloads are ciphertext; the Web UI shows them decoded through the codec server', async () => {
    const client = new Client({ connection: h!.connection, namespace: NAMESPACE, dataConverter: { payloadCodecs: [codec] } });
    // an id without the GSTIN or period, so what the page shows of them comes from decoded payloads
    const workflowId = `codec-ui-${Date.now()}`;
    const { handle } = await startGstr2bDownload(client, { gstin: GSTIN, retPeriod: '032020' }, { taskQueue: h!.taskQueue, gstinChecksum: 'off', workflowId });
    const summary = (await handle.result()) as DownloadSummary;
    expect(summary.kind).toBe('gstr2b');

    // Without the keys (the run's plain client), every user payload of the history is ciphertext.
    const history = await h!.client.workflow.getHandle(workflowId).fetchHistory();
    const user = findPayloads(history).filter((f) => !f.searchAttribute && !f.sdkMarkerData && !f.header);
    expect(user.length).toBeGreaterThan(3);
    for (const f of user) {
      expect([f.path, encodingOf(f.payload)]).toEqual([f.path, 'binary/encrypted']);
      expect(Buffer.from(f.payload.data!).toString('latin1')).not.toContain(GSTIN);
    }

    // The Web UI asks the codec server (from the browser, across origins) and shows the plain input and result.
    const decodes: number[] = [];
    page.on('response', (r) => {
      if (r.url().startsWith(`${codecServer!.url}/decode`)) decodes.push(r.status());
    });
    await page.goto(`${server!.uiUrl}/namespaces/${NAMESPACE}/workflows/${workflowId}`);
    const text = await (async () => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const t = await page.locator('main').innerText();
        if (t.includes('"retPeriod"') && t.includes(GSTIN)) return t;
        if (Date.now() > deadline) throw new Error(`the decoded input did not appear on the workflow page:\n${t.slice(0, 3000)}`);
        await page.waitForTimeout(500);
      }
    })();
    expect(text).toContain('"retPeriod": "032020"');
    expect(text).not.toContain('binary/encrypted');
    expect(decodes.length).toBeGreaterThan(0);
    expect(decodes.every((s) => s === 200)).toBe(true);
    expect(decodeCalls.some((l) => /^decode \d+ payload/.test(l))).toBe(true);
    await page.screenshot({ path: await artifactPath('webui-codec-decoded.png'), fullPage: true });
  });
});
