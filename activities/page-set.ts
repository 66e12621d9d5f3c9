/**
 * A set of page numbers kept as sorted, merged [first, last] runs: pages finish nearly in order, so even
 * thousands of them heartbeat as a handful of pairs.
 */
export type PageRuns = Array<[number, number]>;

export class PageSet {
  private runs: PageRuns;

  constructor(runs: PageRuns = []) {
    this.runs = [];
    for (const [a, b] of runs) for (let p = a; p <= b; p++) this.add(p);
  }

  has(p: number): boolean {
    return this.runs.some(([a, b]) => p >= a && p <= b);
  }

  add(p: number): void {
    const runs = this.runs;
    let i = 0;
    while (i < runs.length && runs[i]![1] < p - 1) i++;
    const r = runs[i];
    if (!r || p < r[0] - 1) {
      runs.splice(i, 0, [p, p]);
      return;
    }
    if (p >= r[0] && p <= r[1]) return;
    if (p === r[0] - 1) r[0] = p;
    else r[1] = p;
    const next = runs[i + 1];
    if (next && next[0] === r[1] + 1) {
      r[1] = next[1];
      runs.splice(i + 1, 1);
    }
  }

  get size(): number {
    return this.runs.reduce((n, [a, b]) => n + b - a + 1, 0);
  }

  toJSON(): PageRuns {
    return this.runs.map(([a, b]) => [a, b]);
  }
}
