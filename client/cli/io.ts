/** Where the CLI writes: lines to stdout/stderr, raw writes for the one-line TTY redraw. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** Raw stdout write (no newline), for `\r` redraws. */
  write(text: string): void;
  isTTY: boolean;
  columns: number;
  env: NodeJS.ProcessEnv;
}

export function processIo(): Io {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    write: (text) => process.stdout.write(text),
    isTTY: !!process.stdout.isTTY,
    columns: process.stdout.columns || 100,
    env: process.env,
  };
}
