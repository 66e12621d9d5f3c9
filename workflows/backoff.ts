import { unitHash } from '../domain/hash';
import type { PollConfig } from '../domain/config';

/**
 * The wait before status check number `attempt` (0-based) of task `key`: exponential, capped, with
 * jitter derived from (key, attempt) so every replay and every worker computes the same value.
 */
export function pollDelayMs(cfg: PollConfig, attempt: number, key: string): number {
  const base = Math.min(cfg.maxMs, cfg.initialMs * Math.pow(cfg.factor, attempt));
  const jitter = (unitHash(`${key}#${attempt}`) * 2 - 1) * cfg.jitter * base;
  return Math.max(1, Math.round(base + jitter));
}
