/**
 * Latency samples for the benchmark. Keeps every sample in a growable Float64Array rather than
 * HDR buckets: a 15 s run at 2,000 msg/s is 30,000 doubles, so exact percentiles cost less than
 * getting bucket precision right, and no dependency is needed.
 */
export class LatencyRecorder {
  #samples = new Float64Array(4096);
  #count = 0;

  /** Records one latency in milliseconds. */
  record(ms: number): void {
    if (this.#count === this.#samples.length) {
      const grown = new Float64Array(this.#samples.length * 2);
      grown.set(this.#samples);
      this.#samples = grown;
    }
    this.#samples[this.#count++] = ms;
  }

  get count(): number {
    return this.#count;
  }

  /** Percentiles (nearest-rank, as HdrHistogram reports them) plus mean and max, in ms. */
  summary(): LatencySummary {
    const n = this.#count;
    if (n === 0) return { count: 0, mean: 0, p50: 0, p95: 0, p99: 0, p999: 0, max: 0 };
    const sorted = this.#samples.slice(0, n).sort();
    let sum = 0;
    for (const v of sorted) sum += v;
    const at = (q: number): number => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!;
    return {
      count: n,
      mean: sum / n,
      p50: at(0.5),
      p95: at(0.95),
      p99: at(0.99),
      p999: at(0.999),
      max: sorted[n - 1]!,
    };
  }
}

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}
