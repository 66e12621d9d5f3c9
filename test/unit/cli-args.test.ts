/** client/cli/args.ts: the CLI's flags on node:util parseArgs, with the CLI's own usage errors (exit code 2). */
import { parseArgs, positionals, intFlag, type FlagSpec } from '../../client/cli/args';
import { describeError, UsageError } from '../../client/cli/errors';

const SPEC: FlagSpec = { gstin: 'string', period: 'string', irn: 'list', json: 'boolean', otp: 'string', interval: 'string' };

test('values: --name value, --name=value, booleans, list flags (repeated and comma lists), positionals, --', () => {
  const p = parseArgs(['gstr2b', '--gstin', 'G1', '--period=032020', '--json', '--irn', 'a,b', '--irn=c', '--', '--not-a-flag'], SPEC, 'start');
  expect(p).toEqual({
    flags: { gstin: 'G1', period: '032020', json: true, irn: ['a', 'b', 'c'] },
    positionals: ['gstr2b', '--not-a-flag'],
    help: false,
  });
});

test('-h and --help anywhere; "-" is a value (--otp - reads stdin)', () => {
  expect(parseArgs(['x', '-h'], SPEC, 'status').help).toBe(true);
  expect(parseArgs(['--help', 'x'], SPEC, 'status').help).toBe(true);
  expect(parseArgs(['--otp', '-'], SPEC, 'session').flags.otp).toBe('-');
});

test.each([
  [['--bogus'], 'status: unknown flag --bogus (see gst-download status --help)'],
  [['--bogus=1'], 'status: unknown flag --bogus (see gst-download status --help)'],
  [['-x'], 'status: unknown flag -x (see gst-download status --help)'],
  [['--json=yes'], 'status: --json takes no value'],
  [['--gstin'], 'status: --gstin needs a value'],
  [['--gstin', '--period', '032020'], 'status: --gstin needs a value'],
  [['--irn'], 'status: --irn needs a value'],
  [['--gstin', 'A', '--gstin', 'B'], 'status: --gstin given twice'],
])('%j → usage error (exit 2): %s', (argv, message) => {
  let error: unknown;
  try {
    parseArgs(argv, SPEC, 'status');
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(UsageError);
  expect(describeError(error)).toEqual({ line: message, code: 2 });
});

test('positionals: missing and extra ones are named; integer flags are checked', () => {
  expect(() => positionals(parseArgs([], SPEC, 'status'), ['id'], 'status')).toThrow('status: missing ID');
  expect(() => positionals(parseArgs(['a', 'b'], SPEC, 'status'), ['id'], 'status')).toThrow('status: unexpected argument "b"');
  expect(intFlag(parseArgs(['--interval', '250'], SPEC, 'follow'), 'interval', 'follow', 1000)).toBe(250);
  expect(intFlag(parseArgs([], SPEC, 'follow'), 'interval', 'follow', 1000)).toBe(1000);
  expect(() => intFlag(parseArgs(['--interval', '-5'], SPEC, 'follow'), 'interval', 'follow', 1000)).toThrow(
    'follow: --interval must be a positive whole number (got "-5")',
  );
});
