import { ApplicationFailure } from '@temporalio/common';
import { toFailure } from '../../activities/errors';
import { ERRORS, gstnErrorArgs } from '../../eas/contract';
import { EasError } from '../../eas/errors';

const body = (spec: { message: string; type: string }, args: Record<string, unknown> = {}) => ({ message: spec.message, type: spec.type, args });

test.each([
  [ERRORS.invalidGstinFormat, {}, 'EasRequestRefused', true],
  [ERRORS.paramIsMandatory, { 'parameter-name': 'irn' }, 'EasRequestRefused', true],
  [ERRORS.invalidOrg, {}, 'EasRequestRefused', true],
  [ERRORS.expiredToken, {}, 'EasTransient', false],
  [ERRORS.internal, {}, 'EasTransient', false],
  [ERRORS.resourceNotFound, { 'task-id': 't' }, 'EasNotFound', true],
  [ERRORS.gstnReturnedError, gstnErrorArgs('unauthorized'), 'GstnSessionExpired', true],
  [ERRORS.gstnReturnedError, gstnErrorArgs('sessionMaxAge'), 'GstnSessionEnded', true],
  [ERRORS.gstnReturnedError, gstnErrorArgs('invalidOtp'), 'InvalidOtp', true],
  [ERRORS.gstnReturnedError, gstnErrorArgs('gstnDown'), 'EasTransient', false],
  [ERRORS.gstnReturnedError, { 'gstn-err': { 'error-code': 'XYZ999' } }, 'EasTransient', false],
] as const)('%s %j → %s (non-retryable: %s)', (spec, args, type, nonRetryable) => {
  const f = toFailure(EasError.fromBody('gstr2b', spec.http, body(spec, args)));
  expect(f).toBeInstanceOf(ApplicationFailure);
  expect(f.type).toBe(type);
  expect(f.nonRetryable).toBe(nonRetryable);
  expect(f.message).toContain(spec.message);
});

test('429 carries Retry-After as the next retry delay', () => {
  const f = toFailure(EasError.fromBody('taskPage', 429, body(ERRORS.tooManyRequests), 3000));
  expect(f.type).toBe('EasTransient');
  expect(f.nonRetryable).toBe(false);
  expect(f.nextRetryDelay).toBe(3000);
});

test('a plain error is transient', () => {
  const f = toFailure(new Error('socket hang up'));
  expect(f.nonRetryable).toBe(false);
  expect(f.message).toBe('socket hang up');
});
