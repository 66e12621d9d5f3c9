/** Bounded fan-out in workflow code (pages, files, IRNs, child downloads). */

/**
 * Runs `fn` for items from..to with at most `limit` in flight, launching in order. Stops launching when
 * `stop()` says so (continue-as-new) or after the first failure; always waits for what is in flight.
 * Returns the first item not launched (everything before it is done).
 */
export async function fanOut(
  from: number,
  to: number,
  limit: number,
  fn: (i: number) => Promise<void>,
  stop: () => boolean,
): Promise<number> {
  let next = from;
  let failure: unknown;
  const inflight = new Set<Promise<void>>();
  while (next <= to || inflight.size > 0) {
    while (inflight.size < limit && next <= to && failure === undefined && !stop()) {
      const p: Promise<void> = fn(next++).then(
        () => void inflight.delete(p),
        (e) => {
          inflight.delete(p);
          failure ??= e;
        },
      );
      inflight.add(p);
    }
    if (inflight.size === 0) break;
    await Promise.race(inflight);
  }
  if (failure !== undefined) throw failure;
  return next;
}
