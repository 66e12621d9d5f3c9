/** parseEnvelope (both envelope styles) and parseRetryAfter (seconds and HTTP-date), as pure functions. */
import { parseEnvelope, parseRetryAfter } from '../../eas/client';
import { ERRORS, errorEnvelope, gstnErrorArgs, okEnvelope } from '../../eas/contract';
import { EasError } from '../../eas/errors';

const buf = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

function thrown(f: () => unknown): EasError {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(EasError);
  return err as EasError;
}

describe('parseEnvelope', () => {
  it('v3 ok → data', () => {
    expect(parseEnvelope('imsInvoices', 200, buf(okEnvelope({ 'task-id': 't1' })))).toEqual({ 'task-id': 't1' });
    expect(parseEnvelope('taskResult', 200, buf({ status: 1, data: { pages: 0 } }))).toEqual({ pages: 0 });
  });

  it('v3 fail (status "0") → the typed error its body describes, even on HTTP 200', () => {
    const body = { message: ERRORS.resourceNotFound.message, type: ERRORS.resourceNotFound.type, args: { 'task-id': 't9' } };
    const e = thrown(() => parseEnvelope('taskResult', 200, buf(errorEnvelope(body))));
    expect(e).toMatchObject({ kind: 'not-found', code: 'err-resource-not-found', httpStatus: 200, route: 'taskResult', retryable: false });
    expect(e.message).toContain('task-id=t9');

    const gstn = { message: ERRORS.gstnReturnedError.message, type: 'Gstn', args: gstnErrorArgs('notGenerated') };
    expect(thrown(() => parseEnvelope('gstr2b', 200, buf(errorEnvelope(gstn))))).toMatchObject({ kind: 'not-generated', gstnCode: 'RET2B1023' });
  });

  it('legacy {data} → data; legacy {error} → typed error', () => {
    expect(parseEnvelope('login', 200, buf({ data: { token: 'x' } }))).toEqual({ token: 'x' });
    expect(parseEnvelope('taskStatus', 200, buf({ data: null }))).toBeNull();
    const e = thrown(() => parseEnvelope('login', 200, buf({ error: { message: 'err-invalid-credentials', type: 'ClientError', args: {} } })));
    expect(e).toMatchObject({ kind: 'auth-config', code: 'err-invalid-credentials', retryable: false });
  });

  it('an unknown status → bad-response', () => {
    const e = thrown(() => parseEnvelope('gstr2b', 200, buf({ status: '2', data: {} })));
    expect(e).toMatchObject({ kind: 'bad-response', code: 'bad-response', retryable: true });
    expect(e.message).toContain('unknown envelope status "2"');
  });

  it('non-JSON, a JSON non-object and an envelope without data → bad-response', () => {
    const notJson = thrown(() => parseEnvelope('taskPage', 200, buf('<html>502 Bad Gateway</html>')));
    expect(notJson).toMatchObject({ kind: 'bad-response', retryable: true, route: 'taskPage' });
    expect(notJson.message).toContain('not JSON');
    expect(thrown(() => parseEnvelope('taskPage', 200, buf('{"status":"1","data":{'))).kind).toBe('bad-response');
    expect(thrown(() => parseEnvelope('taskPage', 200, buf('"ok"'))).message).toContain('not a JSON object');
    expect(thrown(() => parseEnvelope('taskPage', 200, buf('null'))).kind).toBe('bad-response');
    expect(thrown(() => parseEnvelope('taskPage', 200, buf({ status: '1' }))).message).toContain('no data');
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2025, 0, 15, 10, 0, 0);

  it('seconds', () => {
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('120', now)).toBe(120_000);
  });

  it('an HTTP-date, relative to now; a past date is 0', () => {
    expect(parseRetryAfter(new Date(now + 5000).toUTCString(), now)).toBe(5000);
    expect(parseRetryAfter('Wed, 15 Jan 2025 10:01:30 GMT', now)).toBe(90_000);
    expect(parseRetryAfter('Wed, 15 Jan 2025 09:00:00 GMT', now)).toBe(0);
  });

  it('absent or unparseable → undefined', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
