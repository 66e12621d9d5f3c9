import { unitHash } from '../../domain/hash';
import { pollDelayMs } from '../../workflows/backoff';

const cfg = { initialMs: 1000, factor: 2, maxMs: 30_000, jitter: 0.2, deadlineMs: 3_600_000 };

test('delays grow exponentially up to the cap, within the jitter band', () => {
  for (let attempt = 0; attempt < 12; attempt++) {
    const base = Math.min(cfg.maxMs, cfg.initialMs * 2 ** attempt);
    const d = pollDelayMs(cfg, attempt, 'task-a');
    expect(d).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
    expect(d).toBeLessThanOrEqual(Math.ceil(base * 1.2));
  }
  expect(pollDelayMs(cfg, 20, 'task-a')).toBeLessThanOrEqual(36_000);
});

test('jitter is deterministic per (task, attempt) and differs between tasks', () => {
  expect(pollDelayMs(cfg, 3, 'task-a')).toBe(pollDelayMs(cfg, 3, 'task-a'));
  const spread = new Set(['a', 'b', 'c', 'd', 'e', 'f'].map((k) => pollDelayMs(cfg, 3, k)));
  expect(spread.size).toBeGreaterThan(3);
});

test('unitHash is in [0,1)', () => {
  for (const s of ['', 'x', 'task-1#0', 'a'.repeat(1000)]) {
    const h = unitHash(s);
    expect(h).toBeGreaterThanOrEqual(0);
    expect(h).toBeLessThan(1);
  }
});
