/**
 * A bottom-k sketch: keeps the `k` rows with the smallest digests seen (a max-heap on digest), so two files'
 * sketches can be compared below a common threshold (see `explain.ts`).
 */
import type { SampledRow } from './csv-digest.js';

/** The `k` sampled rows with the smallest digests. */
export class SmallestRows {
  private readonly heap: SampledRow[] = [];

  constructor(private readonly k: number) {}

  /** True when a row with digest `d` would be kept (check before building the row's fields). */
  wants(d: number): boolean {
    return this.heap.length < this.k || d < this.heap[0]!.digest;
  }

  /** Adds a row that {@link wants} accepted. */
  add(row: SampledRow): void {
    const h = this.heap;
    if (h.length < this.k) {
      h.push(row);
      this.siftUp(h.length - 1);
    } else {
      h[0] = row;
      this.siftDown(0);
    }
  }

  /** The kept rows by ascending digest (then row number). */
  sorted(): SampledRow[] {
    return [...this.heap].sort((a, b) => a.digest - b.digest || a.row - b.row);
  }

  private siftUp(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent]!.digest >= h[i]!.digest) break;
      [h[parent], h[i]] = [h[i]!, h[parent]!];
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && h[l]!.digest > h[m]!.digest) m = l;
      if (r < h.length && h[r]!.digest > h[m]!.digest) m = r;
      if (m === i) return;
      [h[m], h[i]] = [h[i]!, h[m]!];
      i = m;
    }
  }
}
