import { JsonRecordCounter } from '../../activities/json-count';
import { gstr2bRecords, gstr2bSections, imsPageRecords, imsPageSections, imsPendingActionBlocked, sumCounts } from '../../activities/records';
import { fixture, v4ExpectedSections } from '../fixtures/gstn';

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

describe('real GSTN payloads (../shared/reference/fixtures)', () => {
  test('GSTR-2B v4: per-section counts of docdata and docRejdata equal the fixtures README', () => {
    const f = fixture<{ data: Record<string, unknown> }>('gstr2b-v4-all-sections');
    const sections = gstr2bSections(f.data);
    expect(sections).toEqual(v4ExpectedSections());
    // flat impg (no ctin, one object per bill of entry) and itcrev nested one level deeper are both counted
    expect(sections['docdata.impg']).toBe(1);
    expect(sections['docdata.itcrev']).toBe(4);
    expect(gstr2bRecords(f.data.docdata)).toBe(16);
    expect(sumCounts(sections)).toBe(32);
  });

  test('GSTR-2B v3 (pre-IMS shape): no docRejdata, one document per section', () => {
    const f = fixture<{ data: Record<string, unknown> }>('gstr2b-v3-all-sections');
    const sections = gstr2bSections(f.data);
    expect(sections).toEqual(Object.fromEntries(['b2b', 'b2ba', 'cdnr', 'cdnra', 'isd', 'isda', 'impg', 'impgsez'].map((s) => [`docdata.${s}`, 1])));
  });

  test('IMS GETINV: one record in each of six sections; ispendactblocked read like ispendactnallwd', () => {
    const f = fixture<Record<string, Array<Record<string, unknown>>>>('ims-getinv-all-sections');
    expect(imsPageSections(f)).toEqual({ b2b: 1, b2ba: 1, b2bdn: 1, b2bdna: 1, b2bcn: 1, b2bcna: 1 });
    expect(imsPageRecords(f)).toBe(6);
    expect(f.b2b![0]!.ispendactblocked).toBe('N');
    expect(imsPendingActionBlocked(f.b2b![0]!)).toBe(false);
    expect(imsPendingActionBlocked({ ispendactnallwd: 'Y' })).toBe(true);
    expect(imsPendingActionBlocked({ ispendactblocked: 'Y' })).toBe(true);
  });
});

describe('streaming record counter (e-invoice file-N.json)', () => {
  const count = (text: string, chunk = 3) => {
    const c = new JsonRecordCounter();
    const buf = Buffer.from(text, 'utf8');
    for (let i = 0; i < buf.length; i += chunk) c.push(buf.subarray(i, i + chunk));
    return c.end();
  };

  test('counts the elements of a top-level array, whatever the chunking, agreeing with JSON.parse', () => {
    const rows = [{ Irn: 'a', items: [1, 2, { x: '[,]' }] }, { s: 'he said \\"hi\\", [x]' }, [1, 2], 'é✓', 7, null];
    const text = JSON.stringify(rows, null, 2);
    for (const chunk of [1, 2, 7, 4096]) expect(count(text, chunk)).toBe(JSON.parse(text).length);
    expect(count('[]')).toBe(0);
    expect(count(' [ ] ')).toBe(0);
  });

  test('counts arrays directly under a top-level object', () => {
    expect(count(JSON.stringify({ b2b: [{}, {}], cdnr: [{ nt: [1, 2, 3] }], n: 5 }))).toBe(3);
  });

  test('a truncated or malformed document is an error', () => {
    expect(() => count('[{"a":1},{"b":')).toThrow(/ends early/);
    expect(() => count('[1,2]]')).toThrow();
    expect(() => count('"open')).toThrow(/ends early/);
  });
});
