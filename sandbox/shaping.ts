/** A slow link for the `bandwidth` fault: a pass-through that lets bytes out at a fixed rate, in small slices. */
import { Transform } from 'node:stream';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function throttle(bytesPerSecond: number): Transform {
  const slice = Math.max(1024, Math.floor(bytesPerSecond / 20));
  const started = Date.now();
  let sent = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      void (async () => {
        for (let i = 0; i < chunk.length && !this.destroyed; i += slice) {
          const part = chunk.subarray(i, i + slice);
          const due = started + ((sent + part.length) / bytesPerSecond) * 1000;
          const wait = due - Date.now();
          if (wait > 0) await sleep(wait);
          sent += part.length;
          this.push(part);
        }
      })().then(() => cb(), cb);
    },
  });
}
