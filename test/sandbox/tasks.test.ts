/** E-invoice and IMS submissions, the task lifecycle (processing → completed / failed), results and retention. */
import { EINVOICE_ZIP, GSTN_ERRORS, ROUTES } from '../../eas/contract';
import { eas, GSTIN_A, login, start, unzip, waitTask, type Harness } from './helpers';

let h: Harness;
let token: string;
beforeAll(async () => {
  h = await start({ sessions: 'all', taskSeconds: 0 });
  token = await login(h.url, { tokenDurationInMins: 360 });
});
afterAll(() => h.sandbox.close());
afterEach(() => h.admin.reset());

const einvoiceBody = { retPeriod: '042024', supplyType: 'B2B', gstin: GSTIN_A, supplierGstin: GSTIN_A, recipientGstin: null };
const submitEinvoice = (body: unknown = einvoiceBody, gstin = GSTIN_A) =>
  eas(h.url, token, ROUTES.einvoiceDownload, { gstin, body });
const submitIms = (section: string, status?: string, gstin = GSTIN_A) =>
  eas(h.url, token, ROUTES.imsInvoices(section, status), { gstin });
const download = (id: string, accept = 'application/zip') =>
  eas(h.url, token, ROUTES.taskDownload(id), { headers: { accept } });

describe('e-invoice download submission', () => {
  it('answers a task id in the v3 envelope', async () => {
    const r = await submitEinvoice();
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      status: '1',
      data: { 'task-id': expect.stringMatching(/^[0-9a-f-]{36}$/) },
      error: null,
      info: null,
      additionalInfo: null,
      alert: null,
    });
  });

  it.each([
    ['neither supplierGstin nor recipientGstin', { ...einvoiceBody, supplierGstin: null }, 'err-param-is-mandatory', 'supplierGstin|recipientGstin'],
    ['no retPeriod', { ...einvoiceBody, retPeriod: undefined }, 'err-param-is-mandatory', 'retPeriod'],
    ['a bad retPeriod', { ...einvoiceBody, retPeriod: '132024' }, 'err-invalid-param-value', 'retPeriod'],
    ['an unknown supplyType', { ...einvoiceBody, supplyType: 'B2C' }, 'err-invalid-param-value', 'supplyType'],
    ['a malformed supplierGstin', { ...einvoiceBody, supplierGstin: 'ABC' }, 'err-invalid-gstin-format', 'supplierGstin'],
    ['no gstin', { ...einvoiceBody, gstin: undefined }, 'err-param-is-mandatory', 'gstin'],
  ])('rejects %s with 400', async (_what, body, message, param) => {
    const r = await submitEinvoice(body);
    expect(r.status).toBe(400);
    expect(r.json.status).toBe('0');
    expect(r.json.error).toMatchObject({ message, type: 'ClientRequest', args: { 'parameter-name': param } });
  });

  it('needs the X-FLYNN-N-GSTIN header', async () => {
    const r = await eas(h.url, token, ROUTES.einvoiceDownload, { body: einvoiceBody });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ message: 'err-param-is-mandatory', args: { 'parameter-name': 'X-FLYNN-N-GSTIN' } });
    const bad = await submitEinvoice(einvoiceBody, '27aapfu0939f1zv');
    expect(bad.json.error.message).toBe('err-invalid-gstin-format');
  });

  it('needs a live GSTN session (RET11402 otherwise)', async () => {
    await h.admin.endSessions([GSTIN_A]);
    const r = await submitEinvoice();
    expect(r.status).toBe(502);
    expect(r.json.error.args['gstn-err']['error-code']).toBe(GSTN_ERRORS.unauthorized.code);
    await h.admin.openSessions([GSTIN_A]);
    expect((await submitEinvoice()).status).toBe(200);
  });
});

describe('IMS submission', () => {
  it('accepts every section with and without a status', async () => {
    for (const [section, status] of [['B2B', 'A'], ['ECOMA', undefined], ['B2BCN', 'N']] as const) {
      const r = await submitIms(section, status);
      expect(r.status).toBe(200);
      expect(typeof r.json.data['task-id']).toBe('string');
    }
  });

  it('section is mandatory; unknown section or status → err-invalid-param-value', async () => {
    const none = await eas(h.url, token, '/enriched/gstn/v1.0/ims-invoices', { gstin: GSTIN_A });
    expect(none.status).toBe(400);
    expect(none.json.error).toMatchObject({ message: 'err-param-is-mandatory', args: { 'parameter-name': 'section' } });
    const bad = await submitIms('B2C');
    expect(bad.json.error).toMatchObject({ message: 'err-invalid-param-value', args: { 'parameter-name': 'section', value: 'B2C' } });
    const status = await submitIms('B2B', 'X');
    expect(status.json.error).toMatchObject({ message: 'err-invalid-param-value', args: { 'parameter-name': 'status' } });
  });
});

describe('task lifecycle', () => {
  it('stays processing for taskPolls status calls, then completes; result routes refuse until then', async () => {
    await h.admin.config({ taskPolls: 2 });
    const id = (await submitIms('B2B')).json.data['task-id'];
    const early = await eas(h.url, token, ROUTES.taskResult(id));
    expect(early.status).toBe(400);
    expect(early.json.error).toMatchObject({ message: 'err-task-not-completed' });
    const statuses: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await eas(h.url, token, ROUTES.taskStatus(id));
      expect(r.json).toEqual({ data: { task: { id, status: expect.any(String) } } });
      statuses.push(r.json.data.task.status);
    }
    expect(statuses).toEqual(['processing', 'processing', 'completed']);
    expect((await eas(h.url, token, ROUTES.taskResult(id))).status).toBe(200);
  });

  it('follows taskSeconds on the sandbox clock', async () => {
    await h.admin.config({ taskSeconds: 30 });
    const id = (await submitEinvoice()).json.data['task-id'];
    expect((await eas(h.url, token, ROUTES.taskStatus(id))).json.data.task.status).toBe('processing');
    expect((await download(id)).json.error.message).toBe('err-task-not-completed');
    await h.admin.advanceClock(31_000);
    expect((await eas(h.url, token, ROUTES.taskStatus(id))).json.data.task.status).toBe('completed');
  });

  it('the e-invoice ZIP holds result.json naming file-1..N, each a JSON array of rows', async () => {
    await h.admin.config({ gstins: { [GSTIN_A]: { einvoiceFiles: 3, einvoiceRecordsPerFile: 7 } } });
    const id = (await submitEinvoice()).json.data['task-id'];
    expect((await waitTask(h.url, token, id)).status).toBe('completed');
    const r = await download(id);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/zip');
    expect(Number(r.headers.get('content-length'))).toBe(r.bytes.length);
    const files = await unzip(r.bytes);
    expect([...files.keys()]).toEqual(['result.json', 'file-1.json', 'file-2.json', 'file-3.json']);
    const result = JSON.parse(files.get(EINVOICE_ZIP.resultFile)!.toString());
    expect(result.status).toBe('1');
    expect(result.data.map((e: { data: string }) => e.data)).toEqual(['file-1.json', 'file-2.json', 'file-3.json']);
    for (const e of result.data) expect(e).toMatchObject({ status: '1', error: null });
    for (let n = 1; n <= 3; n++) {
      const rows = JSON.parse(files.get(EINVOICE_ZIP.dataFile(n))!.toString());
      expect(rows).toHaveLength(7);
      for (const row of rows) {
        expect(row.stin).toBe(GSTIN_A);
        expect(row.SupplyType).toBe('B2B');
        expect(row.Irn).toMatch(/^[0-9a-f]{64}$/);
      }
    }
  });

  it('download needs accept: application/zip; pages are 1..N', async () => {
    const e = (await submitEinvoice()).json.data['task-id'];
    await waitTask(h.url, token, e);
    const noAccept = await download(e, 'application/json');
    expect(noAccept.status).toBe(400);
    expect(noAccept.json.error.message).toBe('err-content-type-not-set-correctly');

    await h.admin.config({ gstins: { [GSTIN_A]: { imsRecords: 10, imsPageSize: 4 } } });
    const i = (await submitIms('B2BA')).json.data['task-id'];
    await waitTask(h.url, token, i);
    const result = await eas(h.url, token, ROUTES.taskResult(i));
    expect(result.json).toMatchObject({ status: '1', data: { pages: 3 } });
    const sizes: number[] = [];
    for (let p = 1; p <= 3; p++) {
      const page = await eas(h.url, token, ROUTES.taskPage(i, p));
      expect(page.status).toBe(200);
      expect(Object.keys(page.json.data)).toEqual(['b2ba']);
      sizes.push(page.json.data.b2ba.length);
    }
    expect(sizes).toEqual([4, 4, 2]);
    for (const p of [0, 4]) {
      const r = await eas(h.url, token, ROUTES.taskPage(i, p));
      expect(r.status).toBe(404);
      expect(r.json.error).toMatchObject({ message: 'err-resource-not-found', args: { 'task-id': i } });
    }
  });

  it('the status filter keeps only records with that action', async () => {
    await h.admin.config({ gstins: { [GSTIN_A]: { imsRecords: 40, imsPageSize: 100 } } });
    const all = (await submitIms('B2B')).json.data['task-id'];
    const acc = (await submitIms('B2B', 'A')).json.data['task-id'];
    await waitTask(h.url, token, all);
    await waitTask(h.url, token, acc);
    const allRecs = (await eas(h.url, token, ROUTES.taskPage(all, 1))).json.data.b2b;
    const accRecs = (await eas(h.url, token, ROUTES.taskPage(acc, 1))).json.data.b2b;
    expect(allRecs).toHaveLength(40);
    expect(accRecs).toEqual(allRecs.filter((r: { action: string }) => r.action === 'A'));
    expect(accRecs.length).toBeGreaterThan(0);
  });

  it('unknown task → 404 err-resource-not-found with the task id', async () => {
    const r = await eas(h.url, token, ROUTES.taskStatus('no-such'));
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ error: { message: 'err-resource-not-found', type: 'ResourceNotFound', args: { 'task-id': 'no-such' } } });
    expect((await eas(h.url, token, ROUTES.taskResult('no-such'))).json.status).toBe('0');
  });

  it('failed tasks: status failed with task.error, results 404', async () => {
    await h.admin.failNextTasks(1);
    const failed = (await submitIms('B2B')).json.data['task-id'];
    const ok = (await submitIms('B2B')).json.data['task-id'];
    const task = await waitTask(h.url, token, failed);
    expect(task.status).toBe('failed');
    expect(task.error).toMatchObject({ message: 'err-gstn-returned-error', args: { 'gstn-err': { 'error-code': GSTN_ERRORS.gstnDown.code } } });
    expect((await eas(h.url, token, ROUTES.taskResult(failed))).status).toBe(404);
    expect((await waitTask(h.url, token, ok)).status).toBe('completed');
  });

  it('retention: results vanish when the clock passes it, or when expired by admin', async () => {
    await h.admin.config({ retentionMs: 60_000 });
    const a = (await submitIms('B2B')).json.data['task-id'];
    const b = (await submitEinvoice()).json.data['task-id'];
    await waitTask(h.url, token, a);
    expect((await eas(h.url, token, ROUTES.taskResult(a))).status).toBe(200);
    await h.admin.expireTasks([b]);
    const gone = await eas(h.url, token, ROUTES.taskStatus(b));
    expect(gone.status).toBe(404);
    expect(gone.json.error.args['task-id']).toBe(b);
    await h.admin.advanceClock(61_000);
    expect((await eas(h.url, token, ROUTES.taskResult(a))).status).toBe(404);
    expect((await eas(h.url, token, ROUTES.taskStatus(a))).status).toBe(404);
  });
});
