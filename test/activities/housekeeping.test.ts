/** The finish sweep removes only what belongs to the finished download: not other downloads' folders or batches. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { sweepLocation } from '../../activities/housekeeping';
import { FileStore } from '../../store/file-store';
import type { DownloadLocation } from '../../store/store';

const G = '27AAACR5055K1Z7';
let root: string;
let store: FileStore;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'sweep-'));
  store = new FileStore(root);
});
afterEach(() => rm(root, { recursive: true, force: true }));

const names = async (prefix: string) => (await store.list(prefix)).map((o) => o.ref.slice(prefix.length)).sort();

test("a GSTR-2B download's folder sweep spares its generation folders (each generation is swept by its own finish)", async () => {
  const parent: DownloadLocation = { gstin: G, period: '102025', kind: 'gstr2b' };
  const gen: DownloadLocation = { ...parent, section: 'g20251114-6fe6b468d0db' };
  const kept = await store.put(gen, 'gstr2b.json', '{"data":{}}', 3);
  await store.put(gen, 'manifest.json', '{}', 0);
  await store.put(parent, 'gstr2b.json', '{"old":true}', 1); // from before generations: not listed any more
  await store.put(parent, 'manifest.json', '{}', 0);
  expect(await sweepLocation(store, parent, [])).toEqual(['gstr2b.json']);
  expect(await names(`${G}/102025/gstr2b/`)).toEqual([`${gen.section}/gstr2b.json`, `${gen.section}/manifest.json`, 'manifest.json']);

  await store.put(gen, 'file-9.json', 'stale', 1);
  await store.put(gen, '.tmp-file-1.json.dead01', 'half', 0);
  expect((await sweepLocation(store, gen, [kept])).sort()).toEqual(['.tmp-file-1.json.dead01', 'file-9.json']);
  expect(await names(`${G}/102025/gstr2b/`)).toEqual([`${gen.section}/gstr2b.json`, `${gen.section}/manifest.json`, 'manifest.json']);
});

test('an IRN batch folder is swept whole; the older shared IRN day folder only loses temp objects', async () => {
  const day: DownloadLocation = { gstin: G, period: '2026-11-28', kind: 'irn' };
  const batch: DownloadLocation = { ...day, section: '2-0011aa' };
  const other: DownloadLocation = { ...day, section: '3-00ffee' };
  const a = await store.put(batch, 'irn-a.json', '{}', 1);
  await store.put(batch, 'irn-stale.json', '{}', 1);
  await store.put(other, 'irn-b.json', '{}', 1);
  expect(await sweepLocation(store, batch, [a])).toEqual(['irn-stale.json']);
  expect(await names(`${G}/2026-11-28/irn/`)).toEqual([`${batch.section}/irn-a.json`, `${other.section}/irn-b.json`]);

  const mine = await store.put(day, 'irn-c.json', '{}', 1);
  await store.put(day, 'irn-d.json', '{}', 1); // another batch's, same GSTIN and day
  await store.put(day, '.tmp-irn-c.json.dead02', 'half', 0);
  expect(await sweepLocation(store, day, [mine])).toEqual(['.tmp-irn-c.json.dead02']);
  expect(await names(`${G}/2026-11-28/irn/`)).toEqual([`${batch.section}/irn-a.json`, `${other.section}/irn-b.json`, 'irn-c.json', 'irn-d.json']);
});
