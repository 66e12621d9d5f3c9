import {
  gstinCheckChar,
  InvalidInputError,
  validateEinvoiceInput,
  validateGstin,
  validateGstr2bInput,
  validateImsInput,
  validateIrnInput,
  validateReturnPeriod,
} from '../../domain/inputs';

const now = new Date('2026-11-22T10:00:00Z');

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInputError);
    return (e as InvalidInputError).field;
  }
  throw new Error('expected an InvalidInputError');
}

describe('GSTIN', () => {
  test('check character follows the published worked example and real GSTINs', () => {
    expect(gstinCheckChar('27AAPFU0939F1Z')).toBe('V');
    for (const g of ['33GSPTN0791G1Z5', '33GSPTN0792G1Z4', '27GSPMH1881G1ZH', '29AAACW4202F1ZM', '27AAACR5055K1Z7']) {
      expect(validateGstin(g, 'gstin', 'strict')).toBe(g);
    }
  });

  test('strict mode refuses a typo in the check character; off mode accepts Vayana samples', () => {
    expect(() => validateGstin('27AAPFU0939F1ZA', 'gstin', 'strict')).toThrow(/check character \(expected V\)/);
    expect(() => validateGstin('29HJKPS9689A8Z4', 'gstin', 'strict')).toThrow(InvalidInputError);
    expect(validateGstin('29HJKPS9689A8Z4', 'gstin', 'off')).toBe('29HJKPS9689A8Z4');
    expect(validateGstin(' 01aabce2207r1z5 ', 'gstin', 'off')).toBe('01AABCE2207R1Z5');
  });

  test('format errors name the field', () => {
    expect(fieldOf(() => validateGstin('12345', 'supplierGstin', 'off'))).toBe('supplierGstin');
    expect(fieldOf(() => validateGstin(undefined, 'gstin', 'off'))).toBe('gstin');
    expect(() => validateGstin('AB1234567890123', 'gstin', 'off')).toThrow(/not a GSTIN/);
  });
});

describe('return period', () => {
  test('MMYYYY, month 01-12, not before 072017, not in the future', () => {
    expect(validateReturnPeriod('082023', 'retPeriod', now)).toBe('082023');
    expect(validateReturnPeriod('112026', 'retPeriod', now)).toBe('112026');
    expect(validateReturnPeriod('072017', 'retPeriod', now)).toBe('072017');
    expect(() => validateReturnPeriod('132023', 'retPeriod', now)).toThrow(/MMYYYY/);
    expect(() => validateReturnPeriod('2023-08', 'retPeriod', now)).toThrow(/MMYYYY/);
    expect(() => validateReturnPeriod('062017', 'retPeriod', now)).toThrow(/before GST/);
    expect(() => validateReturnPeriod('122026', 'retPeriod', now)).toThrow(/future/);
    expect(() => validateReturnPeriod('012027', 'retPeriod', now)).toThrow(/future/);
  });
});

describe('download inputs', () => {
  const off = { gstinChecksum: 'off' as const, now };

  test('e-invoice: supplier or recipient is required, supply type from the list', () => {
    const ok = validateEinvoiceInput({ gstin: '29HJKPS9689A8Z4', retPeriod: '082023', supplyType: 'b2b', supplierGstin: '29HJKPS9689A8Z4', recipientGstin: null }, off);
    expect(ok).toEqual({ gstin: '29HJKPS9689A8Z4', retPeriod: '082023', supplyType: 'B2B', supplierGstin: '29HJKPS9689A8Z4' });
    expect(fieldOf(() => validateEinvoiceInput({ gstin: '29HJKPS9689A8Z4', retPeriod: '082023', supplyType: 'B2B' }, off))).toBe('supplierGstin');
    expect(fieldOf(() => validateEinvoiceInput({ gstin: '29HJKPS9689A8Z4', retPeriod: '082023', supplyType: 'B2C', recipientGstin: '29HJKPS9689A8Z4' }, off))).toBe('supplyType');
    expect(fieldOf(() => validateEinvoiceInput({ gstin: '29HJKPS9689A8Z4', retPeriod: '082023', supplyType: 'B2B', recipientGstin: 'x' }, off))).toBe('recipientGstin');
  });

  test('IMS: section and optional status, upper-cased', () => {
    expect(validateImsInput({ gstin: '29HJKPS9689A8Z4', section: 'b2bcn', status: 'a' }, off)).toEqual({ gstin: '29HJKPS9689A8Z4', section: 'B2BCN', status: 'A' });
    expect(validateImsInput({ gstin: '29HJKPS9689A8Z4', section: 'B2B' }, off)).toEqual({ gstin: '29HJKPS9689A8Z4', section: 'B2B' });
    expect(fieldOf(() => validateImsInput({ gstin: '29HJKPS9689A8Z4', section: 'B2C' }, off))).toBe('section');
    expect(fieldOf(() => validateImsInput({ gstin: '29HJKPS9689A8Z4', section: 'B2B', status: 'X' }, off))).toBe('status');
  });

  test('GSTR-2B and IRN', () => {
    expect(validateGstr2bInput({ gstin: '01AABCE2207R1Z5', retPeriod: '032020' }, off)).toEqual({ gstin: '01AABCE2207R1Z5', retPeriod: '032020' });
    const irn = '11F8EF701FE294D4A14AAD0B12457E62775D0FDC41A0ACF05B74FBB2DDC47ACB';
    expect(validateIrnInput({ gstin: '29HJKPS9689A8Z4', irns: [irn, irn.toLowerCase()] }, off).irns).toEqual([irn.toLowerCase()]);
    expect(fieldOf(() => validateIrnInput({ gstin: '29HJKPS9689A8Z4', irns: [] }, off))).toBe('irns');
    expect(fieldOf(() => validateIrnInput({ gstin: '29HJKPS9689A8Z4', irns: [irn, 'abc'] }, off))).toBe('irns[1]');
  });

  test('unknown fields and non-objects are refused', () => {
    expect(fieldOf(() => validateGstr2bInput({ gstin: '01AABCE2207R1Z5', retPeriod: '032020', period: 'x' }, off))).toBe('period');
    expect(fieldOf(() => validateGstr2bInput('01AABCE2207R1Z5', off))).toBe('input');
  });

  test('strict checksum is the default', () => {
    expect(fieldOf(() => validateGstr2bInput({ gstin: '01AABCE2207R1Z5', retPeriod: '032020' }, { now }))).toBe('gstin');
  });
});
