import { classifyError, ERRORS, GSTN_ERRORS, gstnBodyMeaning, gstnCodeKind, outcomeOfKind, statusCd } from '../../eas/contract';
import { toFailure } from '../../activities/error-map';
import { EasError } from '../../eas/errors';
import { fixture } from '../fixtures/gstn';

interface Payload {
  id: string;
  code: string | null;
  body: unknown;
}
const payloads = fixture<{ payloads: Payload[] }>('gstn-error-payloads').payloads;
const body = (id: string) => payloads.find((p) => p.id === id)!.body;

describe('the GSTN code table (eas/contract.ts)', () => {
  test.each([
    ['RET13508', 'no-data'], ['RET13509', 'no-data'], ['RET13510', 'no-data'], ['RET11416', 'no-data'], ['RET11417', 'no-data'],
    ['RET2B1016', 'no-data'], ['EINV30107', 'no-data'], ['EINV30108', 'no-data'], ['EINV30118', 'no-data'],
    ['RET2B1023', 'not-generated'], ['GTR2B-002', 'not-generated'], ['EINV30109', 'not-generated'],
    ['GTR2B-001', 'not-applicable'], ['AUTH4037', 'api-access-disabled'], ['RET11402', 'gstn-session'],
  ])('%s → %s', (code, kind) => {
    expect(gstnCodeKind(code)).toBe(kind);
    const args = { 'gstn-err': { 'status-code': '0', 'error-code': code, message: 'x' } };
    expect(classifyError(502, { message: ERRORS.gstnReturnedError.message, type: 'Gstn', args })).toBe(kind);
  });

  test('each code appears once; an unknown code is a server-side problem (retried)', () => {
    const codes = Object.values(GSTN_ERRORS).map((g) => g.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(gstnCodeKind('RET99999')).toBeUndefined();
    const args = { 'gstn-err': { 'error-code': 'RET99999' } };
    expect(classifyError(502, { message: ERRORS.gstnReturnedError.message, type: 'Gstn', args })).toBe('server');
  });

  test('answers are outcomes, not failures to retry', () => {
    expect(outcomeOfKind('no-data')).toBe('no-data');
    expect(outcomeOfKind('not-generated')).toBe('not-generated');
    expect(outcomeOfKind('not-applicable')).toBe('not-applicable');
    expect(outcomeOfKind('server')).toBeUndefined();
    expect(outcomeOfKind('api-access-disabled')).toBeUndefined();
  });

  test('AUTH4037 fails non-retryably and says to enable API access on the GST portal', () => {
    const args = { 'gstn-err': { 'status-code': '0', 'error-code': 'AUTH4037', message: GSTN_ERRORS.apiAccessDisabled.message } };
    const f = toFailure(EasError.fromBody('gstr2b', 502, { message: ERRORS.gstnReturnedError.message, type: 'Gstn', args }));
    expect(f.type).toBe('GstnApiAccessDisabled');
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toMatch(/enable API access on the GST portal/);
    expect(f.message).toContain('AUTH4037');
  });
});

describe('GSTN pass-through bodies (real ones, ../shared/reference/fixtures/gstn-error-payloads.json)', () => {
  test('status_cd "0" with a known code: its meaning from the table', () => {
    expect(gstnBodyMeaning(body('gtr2b-002-not-generated'))).toMatchObject({ kind: 'not-generated', code: 'GTR2B-002' });
    expect(gstnBodyMeaning(body('ret13509-no-document'))).toMatchObject({ kind: 'no-data', code: 'RET13509' });
    expect(gstnBodyMeaning(body('ret2b1023-being-generated-MOCK'))).toMatchObject({ kind: 'not-generated', code: 'RET2B1023' });
  });

  test('status_cd as the integer 0 reads the same as "0" (an unknown code is a server problem)', () => {
    expect(statusCd(0)).toBe('0');
    expect(gstnBodyMeaning(body('retweb04-no-invoices'))).toMatchObject({ kind: 'server', code: 'RETWEB_04' });
    expect(gstnBodyMeaning({ status_cd: 0, error: { error_cd: 'RET13509', message: 'none' } })).toMatchObject({ kind: 'no-data' });
  });

  test('queued: status_cd "2", token and est (a string) in minutes', () => {
    expect(gstnBodyMeaning(body('queued-token-est'))).toEqual({ kind: 'queued', token: 'd889e2328ec949aabf9b2be90aabba7c', estMinutes: 30 });
    expect(gstnBodyMeaning({ status_cd: 2, data: { est: 5, token: 't' } })).toEqual({ kind: 'queued', token: 't', estMinutes: 5 });
    // as EAS passes it on: the envelope's data is GSTN's data
    expect(gstnBodyMeaning({ est: '1', token: 'abc' })).toEqual({ kind: 'queued', token: 'abc', estMinutes: 1 });
  });

  test('documents are data', () => {
    const v4 = fixture('gstr2b-v4-all-sections');
    expect(gstnBodyMeaning(v4)).toEqual({ kind: 'data' });
    expect(gstnBodyMeaning({ status_cd: '1', data: {} })).toEqual({ kind: 'data' });
  });
});
