/** The catalogue (store/catalogue.ts) on the file store: entries per download id, list filters, rebuild from manifests. */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Catalogue, entryFromManifest } from '../../store/catalogue';
import { FileStore } from '../../store/file-store';
import type { DownloadLocation, Manifest } from '../../store/store';

const G1 = '29HJKPS9689A8Z4';
const G2 = '27AAPFU0939F1ZV';

function manifest(loc: DownloadLocation, store: FileStore, extra: Partial<Manifest> & { id: string; inputs: Record<string, unknown> }): Manifest {
  const { id, ...rest } = extra;
  return {
    kind: loc.kind,
    location: store.locationRef(loc),
    route: loc.kind,
    fetchedAt: '2026-11-20T10:00:00.000Z',
    files: [{ name: 'a.json', ref: `${store.locationRef(loc)}/a.json`, bytes: 10, sha256: 'x', records: 3 }],
    records: 3,
    provenance: { workflowId: id },
    downloadId: id,
    ...rest,
  };
}

describe('Catalogue on the file store', () => {
  let root: string;
  let store: FileStore;
  let cat: Catalogue;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'catalogue-'));
    store = new FileStore(root);
    cat = new Catalogue(store);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  async function download(loc: DownloadLocation, extra: Parameters<typeof manifest>[2]) {
    const m = manifest(loc, store, extra);
    const f = await store.writeManifest(loc, m);
    return cat.recordManifest(m, f.ref);
  }

  test('an entry per download id, found by GSTIN + id; list filters by GSTIN, kind, period and outcome', async () => {
    const a = await download({ gstin: G1, period: '032020', kind: 'gstr2b' }, { id: `gst-gstr2b-${G1}-032020`, inputs: { gstin: G1, retPeriod: '032020' } });
    await download({ gstin: G1, period: '042020', kind: 'gstr2b' }, {
      id: `gst-gstr2b-${G1}-042020`, inputs: { gstin: G1, retPeriod: '042020' }, outcome: 'no-data', gstnCode: 'RET2B1016', records: 0, files: [], fetchedAt: '2026-11-21T10:00:00.000Z',
    });
    await download({ gstin: G2, period: '2026-11-20', kind: 'ims', section: 'B2B' }, { id: `gst-ims-${G2}-B2B-2026-11-20`, inputs: { gstin: G2, section: 'B2B' } });

    expect(a).toMatchObject({ id: `gst-gstr2b-${G1}-032020`, kind: 'gstr2b', gstin: G1, period: '032020', outcome: 'data', records: 3, files: 1, bytes: 10 });
    expect(await cat.get(G1, `gst-gstr2b-${G1}-032020`)).toEqual(a);
    expect(await cat.get(G1, 'gst-gstr2b-nothing')).toBeUndefined();

    // newest first, then by id
    expect((await cat.list()).map((e) => e.id)).toEqual([`gst-gstr2b-${G1}-042020`, `gst-gstr2b-${G1}-032020`, `gst-ims-${G2}-B2B-2026-11-20`]);
    expect((await cat.list({ gstin: G2 })).map((e) => e.kind)).toEqual(['ims']);
    expect((await cat.list({ kind: 'gstr2b', period: '042020' })).map((e) => [e.outcome, e.gstnCode, e.records])).toEqual([['no-data', 'RET2B1016', 0]]);
    expect(await cat.list({ outcome: 'not-applicable' })).toEqual([]);
  });

  test('the manifests are the record: a lost index is rebuilt from them, the download\'s own manifest over a generation\'s', async () => {
    const id = `gst-gstr2b-${G1}-032020`;
    const top: DownloadLocation = { gstin: G1, period: '032020', kind: 'gstr2b' };
    const gen = { id: 'g20200414-abcdef123456', gendt: '14-04-2020', chksum: 'ABCDEF123456', fetchedAt: '2026-11-20T10:00:00.000Z', records: 3, manifest: '' };
    await download({ ...top, section: gen.id }, { id, inputs: { gstin: G1, retPeriod: '032020' } });
    const before = await download(top, { id, inputs: { gstin: G1, retPeriod: '032020' }, generation: gen, generations: [gen] });
    await download({ gstin: G2, period: '2026-11-20', kind: 'irn', section: '2-0011aa' }, { id: `gst-irn-${G2}-2-0011aa`, inputs: { gstin: G2, irns: ['a', 'b'] } });
    await rm(path.join(root, '_catalogue'), { recursive: true });
    expect(await cat.list()).toEqual([]);

    const rebuilt = await cat.rebuild();
    expect(rebuilt).toHaveLength(2);
    expect(await cat.get(G1, id)).toEqual(before);
    expect(before).toMatchObject({ gendt: '14-04-2020', generation: gen.id, generations: 1, manifest: `${G1}/032020/gstr2b/manifest.json` });
    expect((await cat.get(G2, `gst-irn-${G2}-2-0011aa`))?.location).toBe(`${G2}/2026-11-20/irn/2-0011aa`);
  });

  test('list by prefix sees files at any depth but no temp files; a manifest without a download id is not catalogued', async () => {
    await store.writeFile({ gstin: G1, period: '032020', kind: 'gstr2b', section: 'g1' }, 'x.json', '{}', 0);
    await store.tempPath({ gstin: G1, period: '032020', kind: 'gstr2b' }, 'y.json');
    expect(await store.list(`${G1}/`)).toEqual([`${G1}/032020/gstr2b/g1/x.json`]);
    expect(await store.list('nothing/')).toEqual([]);
    const old = manifest({ gstin: G1, period: '032020', kind: 'gstr2b' }, store, { id: 'x', inputs: {} });
    expect(entryFromManifest(old, 'm')).toBeUndefined();
    expect(await readdir(root)).toEqual([G1]);
  });
});
