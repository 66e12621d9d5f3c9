/**
 * The sync's period arithmetic in India (+05:30, no DST) and its input validation: pure functions, no server.
 */
import { InvalidInputError } from '../../domain/inputs';
import { monthAfterIst, periodsBetween, previousPeriodIst } from '../../domain/periods';
import { validateSyncInput } from '../../domain/sync-input';
import { childSpecs } from '../../workflows/sync';

const at = (iso: string) => Date.parse(iso);

describe('previousPeriodIst', () => {
  test('the 15th at 06:00 IST syncs the month before', () => {
    expect(previousPeriodIst(at('2026-11-15T00:30:00Z'))).toBe('102026');
  });

  test('19:00 UTC on the last day of a month is already the 1st in India', () => {
    // 2026-11-30T19:00Z = 2026-12-01T00:30 IST → previous month is November
    expect(previousPeriodIst(at('2026-11-30T19:00:00Z'))).toBe('112026');
    // half an hour earlier (18:29:59Z = 23:59:59 IST on the 30th) it is still November → October
    expect(previousPeriodIst(at('2026-11-30T18:29:59Z'))).toBe('102026');
    expect(previousPeriodIst(at('2026-11-30T18:30:00Z'))).toBe('112026');
  });

  test('January syncs December of the previous year, including across the IST new year', () => {
    expect(previousPeriodIst(at('2027-01-15T00:30:00Z'))).toBe('122026');
    expect(previousPeriodIst(at('2026-12-31T18:30:00Z'))).toBe('122026'); // 00:00 IST on 1 Jan 2027
    expect(previousPeriodIst(at('2026-12-31T18:29:59Z'))).toBe('112026');
  });

  test('February and leap days', () => {
    expect(previousPeriodIst(at('2028-02-29T12:00:00Z'))).toBe('012028');
    expect(previousPeriodIst(at('2028-02-29T18:30:00Z'))).toBe('022028'); // 1 March IST
  });
});

describe('monthAfterIst (backfill ranges)', () => {
  test('covers exactly the month after the period, in IST', () => {
    const { startMs, endMs } = monthAfterIst('012026');
    expect(new Date(startMs).toISOString()).toBe('2026-01-31T18:30:00.000Z'); // 1 Feb 00:00 IST
    expect(new Date(endMs).toISOString()).toBe('2026-02-28T18:29:59.999Z'); // 28 Feb 23:59:59.999 IST
    // every instant in it derives the period back
    for (const ms of [startMs, endMs, at('2026-02-15T00:30:00Z')]) expect(previousPeriodIst(ms)).toBe('012026');
    expect(previousPeriodIst(startMs - 1)).toBe('122025');
    expect(previousPeriodIst(endMs + 1)).toBe('022026');
  });

  test('December rolls over to January', () => {
    const { startMs, endMs } = monthAfterIst('122025');
    expect(new Date(startMs).toISOString()).toBe('2025-12-31T18:30:00.000Z');
    expect(new Date(endMs).toISOString()).toBe('2026-01-31T18:29:59.999Z');
  });
});

test('periodsBetween lists every month inclusive, across a year end', () => {
  expect(periodsBetween('112025', '022026')).toEqual(['112025', '122025', '012026', '022026']);
  expect(periodsBetween('032024', '032024')).toEqual(['032024']);
  expect(periodsBetween('042024', '032024')).toEqual([]);
});

describe('validateSyncInput', () => {
  const opts = { gstinChecksum: 'strict' as const, now: new Date('2026-11-22T10:00:00Z') };
  const fieldOf = (input: unknown) => {
    try {
      validateSyncInput(input, opts);
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidInputError);
      return { field: (e as InvalidInputError).field, message: (e as Error).message };
    }
    throw new Error('expected an InvalidInputError');
  };

  test('defaults: gstr2b + einvoice, B2B, as recipient, all IMS sections, concurrency 4', () => {
    expect(validateSyncInput({ gstins: ['27aapfu0939f1zv', '27AAPFU0939F1ZV'] }, opts)).toEqual({
      gstins: ['27AAPFU0939F1ZV'],
      kinds: ['gstr2b', 'einvoice'],
      supplyType: 'B2B',
      einvoiceAs: 'recipient',
      imsSections: ['B2B', 'B2BA', 'B2BDN', 'B2BDNA', 'B2BCN', 'B2BCNA', 'ECOM', 'ECOMA'],
      concurrency: 4,
    });
  });

  test('comma lists are accepted', () => {
    const plan = validateSyncInput({ gstins: '27AAPFU0939F1ZV, 29AAGCB7383J1Z4', kinds: 'EINVOICE,ims', imsSections: 'b2b' }, opts);
    expect(plan.gstins).toEqual(['27AAPFU0939F1ZV', '29AAGCB7383J1Z4']);
    expect(plan.kinds).toEqual(['einvoice', 'ims']);
    expect(plan.imsSections).toEqual(['B2B']);
  });

  test('bad inputs name their field', () => {
    expect(fieldOf({ gstins: [] })).toMatchObject({ field: 'gstins' });
    expect(fieldOf({ gstins: ['27AAPFU0939F1ZX'] })).toMatchObject({ field: 'gstins[0]', message: expect.stringContaining('check character') });
    expect(fieldOf({ gstins: ['27AAPFU0939F1ZV'], kinds: ['gstr2b', 'irn'] })).toMatchObject({
      field: 'kinds',
      message: expect.stringContaining('"irn" is not a kind a sync runs; expected gstr2b, einvoice, ims'),
    });
    expect(fieldOf({ gstins: ['27AAPFU0939F1ZV'], kinds: ['gstr3b'] })).toMatchObject({ field: 'kinds' });
    expect(fieldOf({ gstins: ['27AAPFU0939F1ZV'], retPeriod: '122026' })).toMatchObject({ field: 'retPeriod', message: expect.stringContaining('future') });
    expect(fieldOf({ gstins: ['27AAPFU0939F1ZV'], supplyType: 'B2C' })).toMatchObject({ field: 'supplyType' });
    expect(fieldOf({ gstins: ['27AAPFU0939F1ZV'], einvoiceAs: 'buyer' })).toMatchObject({ field: 'einvoiceAs' });
    expect(fieldOf({ gstins: ['27AAPFU0939F1ZV'], concurrency: 0 })).toMatchObject({ field: 'concurrency' });
    expect(fieldOf({ gstins: ['27AAPFU0939F1ZV'], refreshGstr2b: 'yes' })).toMatchObject({ field: 'refreshGstr2b' });
    expect(fieldOf({ gstins: ['27AAPFU0939F1ZV'], section: 'B2B' })).toMatchObject({ field: 'section' });
    expect(fieldOf('27AAPFU0939F1ZV')).toMatchObject({ field: 'input' });
  });
});

test('refreshGstr2b: only the 2B children may run again', () => {
  const opts = { gstinChecksum: 'strict' as const, now: new Date('2026-11-22T10:00:00Z') };
  const plan = validateSyncInput({ gstins: ['27AAPFU0939F1ZV'], refreshGstr2b: true }, opts);
  expect(plan.refreshGstr2b).toBe(true);
  expect(childSpecs(plan, '102026', at('2026-11-22T10:00:00Z')).map((s) => [s.kind, s.refresh ?? false])).toEqual([
    ['gstr2b', true],
    ['einvoice', false],
  ]);
  expect(validateSyncInput({ gstins: ['27AAPFU0939F1ZV'], refreshGstr2b: false }, opts).refreshGstr2b).toBeUndefined();
});

test('child ids are the client library ids, one per GSTIN, kind and e-invoice side', () => {
  const plan = validateSyncInput(
    { gstins: ['27AAPFU0939F1ZV', '29AAGCB7383J1Z4'], kinds: ['gstr2b', 'einvoice', 'ims'], einvoiceAs: 'both', imsSections: ['B2B'] },
    { gstinChecksum: 'strict', now: new Date('2026-11-22T10:00:00Z') },
  );
  const ids = childSpecs(plan, '102026', at('2026-11-22T20:00:00Z')).map((s) => s.workflowId);
  expect(ids).toEqual([
    'gst-gstr2b-27AAPFU0939F1ZV-102026',
    'gst-einvoice-27AAPFU0939F1ZV-102026-B2B_R27AAPFU0939F1ZV',
    'gst-einvoice-27AAPFU0939F1ZV-102026-B2B_S27AAPFU0939F1ZV',
    'gst-ims-27AAPFU0939F1ZV-B2B-2026-11-23', // 20:00Z is already the 23rd in India
    'gst-gstr2b-29AAGCB7383J1Z4-102026',
    'gst-einvoice-29AAGCB7383J1Z4-102026-B2B_R29AAGCB7383J1Z4',
    'gst-einvoice-29AAGCB7383J1Z4-102026-B2B_S29AAGCB7383J1Z4',
    'gst-ims-29AAGCB7383J1Z4-B2B-2026-11-23',
  ]);
});
