/**
 * Counts records in a JSON document as it streams, without parsing it: the elements of the top-level array,
 * or of the arrays directly under a top-level object. Structural characters are ASCII, so scanning UTF-8
 * bytes is safe. Memory stays constant whatever the size of the file.
 */
import { createReadStream } from 'node:fs';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_ARR = 0x5b;
const CLOSE_ARR = 0x5d;
const OPEN_OBJ = 0x7b;
const CLOSE_OBJ = 0x7d;

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

export class JsonRecordCounter {
  count = 0;
  private stack: number[] = [];
  private inString = false;
  private escape = false;
  private expectValue = true;
  private seenRoot = false;

  /** Whether a value starting in the innermost container is a record. */
  private atRecordLevel(): boolean {
    const s = this.stack;
    return (s.length === 1 && s[0] === OPEN_ARR) || (s.length === 2 && s[0] === OPEN_OBJ && s[1] === OPEN_ARR);
  }

  push(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (b === BACKSLASH) this.escape = true;
        else if (b === QUOTE) this.inString = false;
        continue;
      }
      if (isSpace(b)) continue;
      const top = this.stack[this.stack.length - 1];
      if (this.expectValue && top === OPEN_ARR && b !== CLOSE_ARR && this.atRecordLevel()) this.count++;
      if (this.stack.length === 0) {
        if (this.seenRoot) throw new Error('JSON: data after the top-level value');
        this.seenRoot = true;
      }
      switch (b) {
        case QUOTE:
          this.inString = true;
          this.expectValue = false;
          break;
        case OPEN_ARR:
        case OPEN_OBJ:
          this.stack.push(b);
          this.expectValue = true;
          break;
        case CLOSE_ARR:
        case CLOSE_OBJ:
          if (this.stack.pop() !== (b === CLOSE_ARR ? OPEN_ARR : OPEN_OBJ)) throw new Error('JSON: unbalanced brackets');
          this.expectValue = false;
          break;
        case COMMA:
          this.expectValue = true;
          break;
        default:
          this.expectValue = false;
      }
    }
  }

  /** The record count; throws if the document ended early. */
  end(): number {
    if (this.inString || this.stack.length > 0 || !this.seenRoot) throw new Error('JSON: document ends early');
    return this.count;
  }
}

export async function countRecordsInFile(file: string): Promise<number> {
  const counter = new JsonRecordCounter();
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 16 })) counter.push(chunk as Buffer);
  return counter.end();
}
