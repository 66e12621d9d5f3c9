/**
 * The Temporal Web UI as an operator uses it: downloads started through the client library carry our search
 * attributes, and the UI's workflow list filtered by `GstGstin = "…"` (and `… AND GstStage = "POLLING"`) shows
 * exactly those downloads. Headless Chromium (Debian's package) drives the real UI of a dev server this file
 * starts itself (the run's shared server is headless). Screenshots land in test-artifacts/.
 *
 * No Chromium: in CI (CI set) the test fails and says how to install it; locally it is skipped with a warning.
 */
import type { Page } from 'playwright-core';
import { startGstr2bDownload, startImsDownload } from '../../client/start';
import { ensureSearchAttributes, startDevServer, type DevServer } from '../../scripts/temporal-server';
import { Harness, waitFor } from '../integration/harness';
import { artifactPath, browserMissing, inCi, launchBrowser, workflowListUrl, type Browser } from './helpers';

jest.setTimeout(180_000);

const missing = browserMissing();
if (missing && !inCi()) console.warn(`SKIPPED test/browser/webui.test.ts: ${missing}`);
const suite = missing && !inCi() ? describe.skip : describe;

const GSTIN = '01AABCE2207R1Z5';
const OTHER_GSTIN = '27AAPFU0939F1ZV';
const NAMESPACE = 'default';

suite('Temporal Web UI', () => {
  let server: DevServer | undefined;
  let h: Harness | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const ids = { gstr2b: '', ims: '', other: '' };

  beforeAll(async () => {
    if (missing) throw new Error(`CI=${process.env.CI}: the Web UI test needs a browser, and there is none here: ${missing}`);
    server = await startDevServer({ headless: false, namespace: NAMESPACE });
    // Tasks take 10 minutes in this sandbox, so an async download stays in POLLING while the UI is looked at.
    h = await Harness.create({ address: server.address, sandbox: { taskSeconds: 600 } });
    await ensureSearchAttributes(h.connection, NAMESPACE);
    await h.startWorker();
    browser = await launchBrowser();
    page = await browser.context.newPage();

    const opts = { taskQueue: h.taskQueue, gstinChecksum: 'off' as const };
    const gstr2b = await startGstr2bDownload(h.client, { gstin: GSTIN, retPeriod: '032020' }, opts);
    const other = await startGstr2bDownload(h.client, { gstin: OTHER_GSTIN, retPeriod: '092024' }, opts);
    const ims = await startImsDownload(h.client, { gstin: GSTIN, section: 'B2B' }, opts);
    ids.gstr2b = gstr2b.workflowId;
    ids.other = other.workflowId;
    ids.ims = ims.workflowId;
    await gstr2b.handle.result();
    await other.handle.result();
    // visibility has caught up: the finished GSTR-2B is DONE and the IMS download is polling
    const count = (q: string) => h!.client.workflow.count(q).then((c) => c.count);
    await waitFor(async () => (await count(`GstGstin = "${GSTIN}" AND GstStage = "POLLING"`)) === 1, 'IMS download POLLING in visibility');
    await waitFor(async () => (await count(`GstGstin = "${GSTIN}" AND GstStage = "DONE"`)) === 1, 'GSTR-2B download DONE in visibility');
  });

  afterAll(async () => {
    await browser?.close();
    if (h) {
      await h.stopWorkers();
      await h.client.workflow.getHandle(ids.ims).terminate('web UI test done').catch(() => undefined);
      await h.close();
    }
    await server?.stop();
  });

  const row = (workflowId: string) => page.getByRole('link', { name: workflowId, exact: true });

  test('filtering the workflow list by GstGstin shows that GSTIN\'s downloads and no other', async () => {
    await page.goto(workflowListUrl(server!.uiUrl!, NAMESPACE, `GstGstin = "${GSTIN}"`));
    await row(ids.gstr2b).waitFor({ state: 'visible', timeout: 30_000 });
    await row(ids.ims).waitFor({ state: 'visible', timeout: 30_000 });
    expect(await row(ids.gstr2b).isVisible()).toBe(true);
    expect(await row(ids.ims).isVisible()).toBe(true);
    expect(await page.getByText(ids.other).count()).toBe(0);
    // the filter the UI applied is the one in the URL
    expect(await page.getByText(`"${GSTIN}"`).first().isVisible()).toBe(true);
    await page.screenshot({ path: await artifactPath('webui-filter-by-gstin.png') });

    // the same list without the filter does show the other GSTIN's download, so its absence above is the filter
    await page.goto(`${server!.uiUrl}/namespaces/${NAMESPACE}/workflows`);
    await row(ids.other).waitFor({ state: 'visible', timeout: 30_000 });
  });

  test('GstGstin AND GstStage = "POLLING" leaves only the download still polling; its page shows type and attributes', async () => {
    await page.goto(workflowListUrl(server!.uiUrl!, NAMESPACE, `GstGstin = "${GSTIN}" AND GstStage = "POLLING"`));
    await row(ids.ims).waitFor({ state: 'visible', timeout: 30_000 });
    expect(await row(ids.gstr2b).count()).toBe(0);
    await page.screenshot({ path: await artifactPath('webui-filter-polling.png') });

    await row(ids.ims).click();
    await page.getByText('downloadImsInvoices').first().waitFor({ state: 'visible', timeout: 30_000 });
    await page.getByRole('tab', { name: 'Search Attributes' }).click();
    // the tab shows the attributes as JSON; the workflow upserted these itself (Tracker), the client set them at start
    const shown = await waitFor(async () => {
      const text = await page.locator('main').innerText();
      return text.includes('"GstStage": "POLLING"') && text;
    }, 'GstStage POLLING on the Search Attributes tab');
    expect(shown).toContain(`"GstGstin": "${GSTIN}"`);
    expect(shown).toContain('"GstDownloadKind": "ims"');
    await page.screenshot({ path: await artifactPath('webui-ims-search-attributes.png'), fullPage: true });
  });
});
