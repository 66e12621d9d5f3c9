/** The error map's table, one error at a time (the same map in a real workflow: test/integration/error-map.test.ts). */
import { ApplicationFailure } from '@temporalio/common';
import { INTERNAL_MAX_ATTEMPTS, STORE_FULL_RETRY_MS, toFailure } from '../../activities/error-map';
import { corrupt } from '../../activities/errors';
import { ERROR_KINDS, ERRORS, gstnErrorArgs } from '../../eas/contract';
import { EasError } from '../../eas/errors';

const body = (spec: { message: string; type: string }, args: Record<string, unknown> = {}) => ({ message: spec.message, type: spec.type, args });

test.each([
  [ERRORS.invalidGstinFormat, {}, 'EasRequestRefused', true],
  [ERRORS.paramIsMandatory, { 'parameter-name': 'irn' }, 'EasRequestRefused', true],
  [ERRORS.invalidOrg, {}, 'EasRequestRefused', true],
  [ERRORS.expiredToken, {}, 'EasTransient', false],
  [ERRORS.internal, {}, 'EasTransient', false],
  [ERRORS.resourceNotFound, { 'task-id': 't' }, 'EasNotFound', true],
  [ERRORS.taskNotCompleted, {}, 'EasNotReady', true],
  [ERRORS.activeTokensLimit, {}, 'EasTokenLimit', false],
  [ERRORS.gstnReturnedError, gstnErrorArgs('unauthorized'), 'GstnSessionExpired', true],
  [ERRORS.gstnReturnedError, gstnErrorArgs('sessionMaxAge'), 'GstnSessionEnded', true],
  [ERRORS.gstnReturnedError, gstnErrorArgs('invalidOtp'), 'InvalidOtp', true],
  [ERRORS.gstnReturnedError, gstnErrorArgs('notGenerated'), 'GstnAnswer', true],
  [ERRORS.gstnReturnedError, gstnErrorArgs('noDocs2b1016'), 'GstnAnswer', true],
  [ERRORS.gstnReturnedError, gstnErrorArgs('apiAccessDisabled'), 'GstnApiAccessDisabled', true],
  [ERRORS.gstnReturnedError, gstnErrorArgs('gstnDown'), 'EasTransient', false],
  [ERRORS.gstnReturnedError, { 'gstn-err': { 'error-code': 'XYZ999' } }, 'EasTransient', false],
] as const)('%s %j → %s (non-retryable: %s)', (spec, args, type, nonRetryable) => {
  const e = EasError.fromBody('gstr2b', spec.http, body(spec, args));
  const f = toFailure(e);
  expect(f).toBeInstanceOf(ApplicationFailure);
  expect(f.type).toBe(type);
  expect(f.nonRetryable).toBe(nonRetryable);
  expect(f.message).toContain(spec.message);
  // one table: the EAS client's own view agrees with the failure the download sees
  expect(e.retryable).toBe(!nonRetryable);
  expect(ERROR_KINDS[e.kind].failure).toBe(type);
});

test('429 carries Retry-After as the next retry delay', () => {
  const f = toFailure(EasError.fromBody('taskPage', 429, body(ERRORS.tooManyRequests), 3000));
  expect(f.type).toBe('EasTransient');
  expect(f.nonRetryable).toBe(false);
  expect(f.nextRetryDelay).toBe(3000);
});

test('too many active EAS tokens waits at least a minute before the next try', () => {
  const f = toFailure(EasError.fromBody('login', 401, body(ERRORS.activeTokensLimit)));
  expect(f.nextRetryDelay).toBe(60_000);
});

test('a failure raised on purpose passes unchanged', () => {
  const c = corrupt('page 3 is missing');
  expect(toFailure(c)).toBe(c);
});

const sysError = (code: string) => Object.assign(new Error(`${code}: something, write '/data/x'`), { code });

test.each(['ENOSPC', 'EDQUOT'])('%s → StoreFull, retried slowly', (code) => {
  const f = toFailure(sysError(code));
  expect(f.type).toBe('StoreFull');
  expect(f.nonRetryable).toBe(false);
  expect(f.nextRetryDelay).toBe(STORE_FULL_RETRY_MS);
  expect(f.message).toContain('disk is full');
});

test.each(['EACCES', 'EPERM', 'EROFS'])('%s → StoreDenied, never retried', (code) => {
  const f = toFailure(sysError(code));
  expect(f.type).toBe('StoreDenied');
  expect(f.nonRetryable).toBe(true);
});

test('a plain bug is Internal: retried, then final at the last attempt; never a gateway fault', () => {
  const bug = new TypeError("Cannot read properties of undefined (reading 'pages')");
  const first = toFailure(bug, 1);
  expect(first.type).toBe('Internal');
  expect(first.nonRetryable).toBe(false);
  expect(first.message).toContain('TypeError');
  const last = toFailure(bug, INTERNAL_MAX_ATTEMPTS);
  expect(last.type).toBe('Internal');
  expect(last.nonRetryable).toBe(true);
  expect(last.message).toContain('giving up');
});
