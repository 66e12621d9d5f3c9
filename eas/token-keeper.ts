/**
 * Tokens that outlive a crashed worker process. EAS allows a user 10 active tokens, and a SIGKILLed worker cannot
 * log its token out: ten crashes in a row (an OOM loop, evictions) used to lock the user out until the tokens
 * expired (6 h), every new worker refused with err-active-tokens-limit-exceeded. So a client tells its keeper which
 * token it holds, and a client in a process that replaces a dead one (same host) adopts that token instead of
 * logging in again; tokens of further dead processes for the same account are logged out.
 * The keeper is the worker's business (worker/: a file in its scratch folder); this module only says what it does.
 */
import { createHash } from 'node:crypto';

export interface HeldToken {
  token: string;
  orgId: string;
  /** When EAS stops taking it (ms since epoch), and when it can no longer be refreshed. */
  expiry: number;
  hardExpiry: number;
}

export interface TokenKeeper {
  /** Tokens dead processes left for `account`, each given out once (the caller uses one, logs the rest out). */
  takeLeft(account: string): HeldToken[];
  /** This process now holds `token` for `account` (undefined: none). */
  hold(account: string, token: HeldToken | undefined): void;
}

/** The key of an EAS user + org in a keeper (a hash: the keeper's file names no one). */
export function accountKey(email: string, orgId: string | undefined): string {
  return createHash('sha256').update(`${email.toLowerCase()}\n${orgId ?? ''}`).digest('hex').slice(0, 32);
}
