/** GSTR-2B (small and chunked) and Get IRN Details: synchronous GSTN routes. */
import { GSTN_ERRORS, ROUTES } from '../../eas/contract';
import { eas, GSTIN_A, GSTIN_B, login, start, type Harness } from './helpers';

let h: Harness;
let token: string;
beforeAll(async () => {
  h = await start({ sessions: 'all' });
  token = await login(h.url);
});
afterAll(() => h.sandbox.close());
afterEach(() => h.admin.reset());

const gstr2b = (gstin: string, rtnprd: string, fileNum?: number, header = gstin) =>
  eas(h.url, token, ROUTES.gstr2b('v3.0', gstin, rtnprd, fileNum), { gstin: header });
const irn = (value: string, gstin = GSTIN_A) => eas(h.url, token, ROUTES.irnDetails('v1.0', value), { gstin });

/** The document rows of one block: inv/nt/doclist/boe rows, impg rows, and itcrev's nested b2b groups. */
function rowsOf(block: Record<string, any[]> | undefined): unknown[] {
  const out: unknown[] = [];
  for (const [section, rows] of Object.entries(block ?? {})) {
    if (section === 'impg') out.push(...rows);
    else if (section === 'itcrev') for (const nest of rows) for (const g of nest.b2b) out.push(...g.inv);
    else for (const g of rows) out.push(...(g.inv ?? g.nt ?? g.doclist ?? g.boe ?? []));
  }
  return out;
}

/** Documents of an answer (docdata and docRejdata), counted independently of the sandbox. */
function docsIn(d: { docdata?: Record<string, any[]>; docRejdata?: Record<string, any[]> }): number {
  return rowsOf(d.docdata).length + rowsOf(d.docRejdata).length;
}

describe('GSTR-2B', () => {
  it('a small return answers in full: summary and docdata', async () => {
    await h.admin.config({ gstins: { [GSTIN_A]: { gstr2bRecords: 25 } } });
    const r = await gstr2b(GSTIN_A, '052024');
    expect(r.status).toBe(200);
    expect(r.json.status).toBe('1');
    const d = r.json.data.data;
    expect(d).toMatchObject({ gstin: GSTIN_A, rtnprd: '052024', gendt: '14-06-2024' });
    expect(d.fc).toBeUndefined();
    expect(d.itcsumm.itcavl.nonrevsup).toEqual(expect.objectContaining({ igst: expect.any(Number) }));
    expect(docsIn(d)).toBe(25);
    expect(d.docdata.b2b[0]).toEqual(expect.objectContaining({ ctin: expect.any(String), trdnm: expect.any(String), inv: expect.any(Array) }));
  });

  it('a large return is chunked: summary with fc, then file_num=1..fc with every document once', async () => {
    await h.admin.config({ gstins: { [GSTIN_B]: { gstr2bRecords: 23, gstr2bDocsPerFile: 10 } } });
    const first = await gstr2b(GSTIN_B, '122023');
    const d = first.json.data.data;
    expect(d.fc).toBe(3);
    expect(d.docdata).toBeUndefined();
    expect(d.itcsumm).toBeDefined();
    const counts: number[] = [];
    const numbers = new Set<string>();
    for (let f = 1; f <= 3; f++) {
      const part = await gstr2b(GSTIN_B, '122023', f);
      expect(part.status).toBe(200);
      const pd = part.json.data.data;
      counts.push(docsIn(pd));
      for (const doc of [...rowsOf(pd.docdata), ...rowsOf(pd.docRejdata)]) numbers.add(JSON.stringify(doc));
    }
    expect(counts).toEqual([10, 10, 3]);
    expect(numbers.size).toBe(23);
    for (const f of [0, 4]) {
      const r = await gstr2b(GSTIN_B, '122023', f);
      expect(r.status).toBe(404);
      expect(r.json.error.message).toBe('err-resource-not-found');
    }
  });

  it('validates GSTIN, period, return type and api version', async () => {
    const badGstin = await gstr2b('12345', '052024', undefined, GSTIN_A);
    expect(badGstin.status).toBe(400);
    expect(badGstin.json.error).toEqual({ message: 'err-invalid-gstin-format', type: 'ClientRequest', args: { 'parameter-name': 'gstin' } });
    const badPeriod = await gstr2b(GSTIN_A, '2024-05');
    expect(badPeriod.json.error).toMatchObject({ message: 'err-invalid-param-value', args: { 'parameter-name': 'rtnprd' } });
    const version = await eas(h.url, token, ROUTES.gstr2b('v8.0', GSTIN_A, '052024'), { gstin: GSTIN_A });
    expect(version.json.error).toEqual({ message: 'err-invalid-gst-returns-api-version', type: 'ClientRequest', args: { version: 'v8.0' } });
    const type = await eas(h.url, token, `/basic/gstn/v1.0/taxpayerapi/v3.0/returns?gstn_ret_type=gstr1&gstin=${GSTIN_A}&rtnprd=052024`, { gstin: GSTIN_A });
    expect(type.json.error).toMatchObject({ message: 'err-invalid-param-value', args: { 'parameter-name': 'gstn_ret_type' } });
    const noHeader = await eas(h.url, token, ROUTES.gstr2b('v3.0', GSTIN_A, '052024'));
    expect(noHeader.json.error).toMatchObject({ message: 'err-param-is-mandatory', args: { 'parameter-name': 'X-FLYNN-N-GSTIN' } });
  });

  it('a period whose 2B is not generated yet → 502 RET2B1023', async () => {
    const now = new Date((await h.admin.clock()).now);
    const period = `${String(now.getUTCMonth() + 1).padStart(2, '0')}${now.getUTCFullYear()}`;
    const r = await gstr2b(GSTIN_A, period);
    expect(r.status).toBe(502);
    expect(r.json.error.args['gstn-err']['error-code']).toBe(GSTN_ERRORS.notGenerated.code);
  });

  it('no live session → 502 RET11402', async () => {
    await h.admin.endSessions([GSTIN_A]);
    const r = await gstr2b(GSTIN_A, '052024');
    expect(r.status).toBe(502);
    expect(r.json.error).toEqual({
      message: 'err-gstn-returned-error',
      type: 'Gstn',
      args: { 'gstn-err': { 'status-code': '0', 'error-code': 'RET11402', message: 'Unauthorized User' } },
    });
    await h.admin.openSessions([GSTIN_A]);
  });
});

describe('GSTR-2B in its current shape (v4, after IMS)', () => {
  it('serves every section GSTN does: ecom/ecoma, isd/isda doclist, flat impg, nested itcrev, docRejdata and cpSummRej', async () => {
    await h.admin.config({ gstins: { [GSTIN_A]: { gstr2bRecords: 400 } } });
    const d = (await gstr2b(GSTIN_A, '062024')).json.data.data;
    expect(Object.keys(d.docdata).sort()).toEqual(['b2b', 'b2ba', 'cdnr', 'cdnra', 'ecom', 'ecoma', 'impg', 'impgsez', 'isd', 'isda', 'itcrev']);
    expect(d.docdata.impg[0]).toEqual(expect.objectContaining({ boenum: expect.any(String), portcode: expect.any(String) }));
    expect(d.docdata.impg[0].ctin).toBeUndefined();
    expect(d.docdata.isda[0].doclist[0]).toEqual(expect.objectContaining({ odocnum: expect.any(String), doctyp: 'ISDI' }));
    expect(d.docdata.itcrev[0].b2b[0].inv.length).toBeGreaterThan(0);
    expect(rowsOf(d.docRejdata).length).toBeGreaterThan(0);
    expect(Object.keys(d.cpSummRej).length).toBeGreaterThan(0);
    expect(docsIn(d)).toBe(400);
  });
});

describe('IRN details', () => {
  it('answers one e-invoice for any well-formed IRN, the same every time', async () => {
    const value = 'ab'.repeat(32);
    const a = await irn(value);
    expect(a.status).toBe(200);
    expect(a.json.status).toBe('1');
    expect(a.json.data.data).toMatchObject({ Irn: value, Status: 'ACT' });
    expect(a.json.data.data.SignedInvoice.split('.')).toHaveLength(3);
    const b = await irn(value);
    expect(b.bytes.equals(a.bytes)).toBe(true);
    const other = await irn('cd'.repeat(32));
    expect(other.bytes.equals(a.bytes)).toBe(false);
  });

  it('missing irn → err-param-is-mandatory; bad action or irn → err-invalid-param-value', async () => {
    const none = await eas(h.url, token, '/basic/gstn/v1.0/taxpayerapi/v1.0/einvoice?action=IRNDTL', { gstin: GSTIN_A });
    expect(none.status).toBe(400);
    expect(none.json.error).toEqual({ message: 'err-param-is-mandatory', type: 'ClientRequest', args: { 'parameter-name': 'irn' } });
    const action = await eas(h.url, token, `/basic/gstn/v1.0/taxpayerapi/v1.0/einvoice?irn=${'a'.repeat(64)}&action=GETIRN`, { gstin: GSTIN_A });
    expect(action.json.error).toMatchObject({ message: 'err-invalid-param-value', args: { 'parameter-name': 'action' } });
    const short = await irn('abc');
    expect(short.json.error).toMatchObject({ message: 'err-invalid-param-value', args: { 'parameter-name': 'irn' } });
    const version = await eas(h.url, token, ROUTES.irnDetails('v9.9', 'a'.repeat(64)), { gstin: GSTIN_A });
    expect(version.json.error.message).toBe('err-invalid-gst-returns-api-version');
  });
});

describe('unknown routes', () => {
  it('answer 404 err-resource-not-found', async () => {
    const r = await eas(h.url, token, '/enriched/gstn/v1.0/nothing-here');
    expect(r.status).toBe(404);
    expect(r.json.error.message).toBe('err-resource-not-found');
  });
});
