import { einvoiceFileRecords, gstr2bRecords, imsPageRecords } from '../../activities/records';

test('IMS page: sum of section arrays', () => {
  expect(imsPageRecords({ b2b: [{}, {}], b2ba: [{}], b2bcn: [] })).toBe(3);
  expect(imsPageRecords({})).toBe(0);
});

test('GSTR-2B: inv/nt/doclist/boe rows and impg rows, including itcrev', () => {
  const docdata = {
    b2b: [{ ctin: 'x', inv: [{ items: [{}, {}] }, {}] }, { ctin: 'y', inv: [{}] }],
    cdnr: [{ nt: [{}] }],
    isd: [{ doclist: [{}, {}] }],
    impg: [{ boenum: 1 }, { boenum: 2 }],
    impgsez: [{ boe: [{}] }],
    itcrev: [{ b2b: [{ inv: [{}] }], cdnra: [{ nt: [{}, {}] }] }],
  };
  expect(gstr2bRecords(docdata)).toBe(3 + 1 + 2 + 2 + 1 + 3);
  expect(gstr2bRecords(undefined)).toBe(0);
});

test('e-invoice file: array length', () => {
  expect(einvoiceFileRecords([{}, {}, {}])).toBe(3);
  expect(einvoiceFileRecords({ irns: [{}, {}] })).toBe(2);
  expect(einvoiceFileRecords('x')).toBe(0);
});
