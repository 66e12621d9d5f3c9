/** GSTN's answers on demand (/__sandbox/answers), real fixtures served verbatim, and 2B regeneration. */
import { ROUTES } from '../../eas/contract';
import { fixtureBytes } from '../fixtures/gstn';
import { call, eas, GSTIN_A, GSTIN_B, login, start, type Harness } from './helpers';

let h: Harness;
let token: string;
beforeAll(async () => {
  h = await start({ sessions: 'all', taskSeconds: 0 });
  token = await login(h.url);
});
afterAll(() => h.sandbox.close());
afterEach(() => h.admin.reset());

const gstr2b = (gstin: string, rtnprd: string) => eas(h.url, token, ROUTES.gstr2b('v3.0', gstin, rtnprd), { gstin });
const gstnCode = (r: { json: any }) => r.json.error?.args?.['gstn-err']?.['error-code'];
const admin = (method: string, path: string, body?: unknown) =>
  call(`${h.url}/__sandbox/${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

describe('answers', () => {
  it('no-data, not-generated, not-applicable and AUTH4037 for the next `times` 2B calls, then the return again', async () => {
    const cases: Array<[string, string]> = [['no-data', 'RET2B1016'], ['not-generated', 'GTR2B-002'], ['not-applicable', 'GTR2B-001'], ['api-access-disabled', 'AUTH4037']];
    for (const [answer, code] of cases) {
      await h.admin.answer({ gstin: GSTIN_A, kind: 'gstr2b', period: '052024', answer, times: 2 });
      for (let i = 0; i < 2; i++) {
        const r = await gstr2b(GSTIN_A, '052024');
        expect(r.status).toBe(502);
        expect(r.json.error.message).toBe('err-gstn-returned-error');
        expect(gstnCode(r)).toBe(code);
      }
      expect((await gstr2b(GSTIN_A, '052024')).status).toBe(200);
    }
  });

  it('matches only its GSTIN and period; without times it lasts until DELETE', async () => {
    await h.admin.answer({ gstin: GSTIN_A, kind: 'gstr2b', period: '052024', answer: 'no-data' });
    expect((await gstr2b(GSTIN_A, '062024')).status).toBe(200);
    expect((await gstr2b(GSTIN_B, '052024')).status).toBe(200);
    for (let i = 0; i < 3; i++) expect(gstnCode(await gstr2b(GSTIN_A, '052024'))).toBe('RET2B1016');
    expect((await admin('DELETE', 'answers')).json).toEqual({ answers: [] });
    expect((await gstr2b(GSTIN_A, '052024')).status).toBe(200);
  });

  it('queued: status_cd "2" with a token and est minutes (a string, as GSTN sends it)', async () => {
    await h.admin.answer({ gstin: GSTIN_A, kind: 'gstr2b', period: '052024', answer: 'queued', est: 3, times: 1 });
    const q = await gstr2b(GSTIN_A, '052024');
    expect(q.status).toBe(200);
    expect(q.json.status).toBe('1');
    expect(q.json.data).toEqual({ status_cd: '2', est: '3', token: expect.stringMatching(/^\w{20,}$/) });
    expect((await gstr2b(GSTIN_A, '052024')).json.data.data.docdata).toBeDefined();
  });

  it('fixture:<name> serves the real file verbatim inside the EAS envelope', async () => {
    await h.admin.answer({ gstin: GSTIN_A, kind: 'gstr2b', period: '032020', answer: 'fixture:gstr2b-v4-all-sections', times: 1 });
    const r = await gstr2b(GSTIN_A, '032020');
    expect(r.status).toBe(200);
    const file = fixtureBytes('gstr2b-v4-all-sections');
    expect(r.bytes.includes(file)).toBe(true);
    expect(r.json.status).toBe('1');
    expect(r.json.data).toEqual(JSON.parse(file.toString('utf8')));
  });

  it('IMS: fixture:ims-getinv-all-sections is the task\'s one page; no-data ends the task failed with RET13509', async () => {
    await h.admin.answer({ gstin: GSTIN_A, kind: 'ims', section: 'B2B', answer: 'fixture:ims-getinv-all-sections', times: 1 });
    const id = (await eas(h.url, token, ROUTES.imsInvoices('B2B'), { gstin: GSTIN_A })).json.data['task-id'];
    expect((await eas(h.url, token, ROUTES.taskStatus(id))).json.data.task.status).toBe('completed');
    expect((await eas(h.url, token, ROUTES.taskResult(id))).json.data).toEqual({ pages: 1 });
    const page = await eas(h.url, token, ROUTES.taskPage(id, 1));
    expect(page.json.data).toEqual(JSON.parse(fixtureBytes('ims-getinv-all-sections').toString('utf8')));

    await h.admin.answer({ gstin: GSTIN_A, kind: 'ims', section: 'B2B', answer: 'no-data', times: 1 });
    const id2 = (await eas(h.url, token, ROUTES.imsInvoices('B2B'), { gstin: GSTIN_A })).json.data['task-id'];
    const task = (await eas(h.url, token, ROUTES.taskStatus(id2))).json.data.task;
    expect(task.status).toBe('failed');
    expect(task.error.args['gstn-err']['error-code']).toBe('RET13509');
  });

  it('IRN: no-data answers EINV30107', async () => {
    await h.admin.answer({ gstin: GSTIN_A, kind: 'irn', answer: 'no-data', times: 1 });
    const r = await eas(h.url, token, ROUTES.irnDetails('v1.0', 'ab'.repeat(32)), { gstin: GSTIN_A });
    expect(gstnCode(r)).toBe('EINV30107');
  });

  it('rejects what does not exist, naming the problem', async () => {
    const bad = [
      [{ gstin: 'x', kind: 'gstr2b', answer: 'no-data' }, /gstin/],
      [{ gstin: GSTIN_A, kind: 'gstr1', answer: 'no-data' }, /kind/],
      [{ gstin: GSTIN_A, kind: 'gstr2b', answer: 'maybe' }, /answer must be/],
      [{ gstin: GSTIN_A, kind: 'ims', answer: 'queued' }, /queued exists for gstr2b only/],
      [{ gstin: GSTIN_A, kind: 'irn', answer: 'not-applicable' }, /not an answer irn gives/],
      [{ gstin: GSTIN_A, kind: 'gstr2b', answer: 'fixture:no-such-file' }, /no fixture no-such-file.json/],
      [{ gstin: GSTIN_A, kind: 'gstr2b', answer: 'fixture:../x' }, /bad fixture name/],
      [{ gstin: GSTIN_A, kind: 'gstr2b', answer: 'no-data', times: 0 }, /times/],
    ] as const;
    for (const [body, message] of bad) {
      const r = await admin('POST', 'answers', body);
      expect(r.status).toBe(400);
      expect(r.json.error).toMatch(message);
    }
  });
});

describe('regenerate', () => {
  it('a regenerated 2B has a later gendt and changed documents; until then the same bytes', async () => {
    const before = await gstr2b(GSTIN_B, '042024');
    expect((await gstr2b(GSTIN_B, '042024')).bytes.equals(before.bytes)).toBe(true);
    const regen = await h.admin.regenerate(GSTIN_B, '042024');
    expect(regen).toMatchObject({ generation: 1, gendt: '15-05-2024' });
    const after = await gstr2b(GSTIN_B, '042024');
    expect(before.json.data.data.gendt).toBe('14-05-2024');
    expect(after.json.data.data.gendt).toBe('15-05-2024');
    expect(JSON.stringify(after.json.data.data.docdata)).not.toBe(JSON.stringify(before.json.data.data.docdata));
    expect(after.json.data.chksum).not.toBe(before.json.data.chksum);
    const truth = await h.admin.truth('gstr2b', { gstin: GSTIN_B, rtnprd: '042024' });
    expect(truth.files[0]!.bytes).toBe(after.bytes.length);
    expect((await admin('POST', 'regenerate', { gstin: GSTIN_B, period: '13-2024' })).status).toBe(400);
  });
});
