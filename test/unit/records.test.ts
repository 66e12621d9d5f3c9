import { JsonRecordCounter } from '../../activities/json-count';
import { gstr2bRecords, imsPageRecords } from '../../activities/records';

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
