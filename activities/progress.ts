/** Throttled heartbeats: long steps report progress often enough, without one heartbeat call per chunk. */
import { heartbeat } from '@temporalio/activity';

export function progress<T>(everyMs = 1000): (details: T, force?: boolean) => void {
  let last = 0;
  return (details, force = false) => {
    const now = Date.now();
    if (!force && now - last < everyMs) return;
    last = now;
    heartbeat(details);
  };
}
