/** The few statistics the benchmarks report, one definition each. */

export const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;
export const round1 = (n: number) => round(n, 1);
export const round2 = (n: number) => round(n, 2);

/** The value at `q` of values sorted ascending (no interpolation). */
export const quantile = (sorted: readonly number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

/** The middle value (the upper one of an even count). */
export const median = (values: readonly number[]) => quantile([...values].sort((a, b) => a - b), 0.5);

export interface Percentiles {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly mean: number;
  readonly max: number;
}


export function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, v) => sum + v, 0) / sorted.length;
  return { p50: round1(quantile(sorted, 0.5)), p95: round1(quantile(sorted, 0.95)), p99: round1(quantile(sorted, 0.99)), mean: round1(mean), max: round1(sorted.at(-1) ?? NaN) };
}
