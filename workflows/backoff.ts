import type { PollConfig } from './config';

/** FNV-1a hash of a string to [0, 1): deterministic "randomness" for jitter. */
export function unitHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h / 0x100000000;
}

/**
 * The wait before status check number `attempt` (0-based) of task `key`: exponential, capped, with
 * jitter derived from (key, attempt) so every replay and every worker computes the same value.
 */
export function pollDelayMs(cfg: PollConfig, attempt: number, key: string): number {
  const base = Math.min(cfg.maxMs, cfg.initialMs * Math.pow(cfg.factor, attempt));
  const jitter = (unitHash(`${key}#${attempt}`) * 2 - 1) * cfg.jitter * base;
  return Math.max(1, Math.round(base + jitter));
}
