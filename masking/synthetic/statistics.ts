/**
 * Distances between a real and a synthetic distribution, computed from binned counts (the data
 * never leaves Postgres unbinned). The KS statistic is evaluated at the real data's percentile
 * edges, so it is the exact KS distance restricted to 100 points: a lower bound that is within
 * about 1% of the true value for continuous data.
 */

/** Largest gap between the two cumulative distributions over the same buckets, in [0, 1]. */
export function ksStatistic(a: readonly number[], b: readonly number[]): number {
  const ta = sum(a);
  const tb = sum(b);
  if (ta === 0 || tb === 0) {
    return ta === tb ? 0 : 1;
  }
  let ca = 0;
  let cb = 0;
  let d = 0;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    ca += a[i] ?? 0;
    cb += b[i] ?? 0;
    d = Math.max(d, Math.abs(ca / ta - cb / tb));
  }
  return d;
}

/** Total variation distance between two label distributions: half the L1 gap, in [0, 1]. */
export function totalVariation(
  a: Readonly<Record<string, number>>,
  b: Readonly<Record<string, number>>,
): number {
  const ta = sum(Object.values(a));
  const tb = sum(Object.values(b));
  if (ta === 0 || tb === 0) {
    return ta === tb ? 0 : 1;
  }
  let d = 0;
  for (const label of new Set([...Object.keys(a), ...Object.keys(b)])) {
    d += Math.abs((a[label] ?? 0) / ta - (b[label] ?? 0) / tb);
  }
  return d / 2;
}

/**
 * Pearson's chi-square of the synthetic counts against the real proportions (expected counts
 * scaled to the synthetic total); labels the real data never had count against the fit with an
 * expected count of half a row, so they are penalised rather than ignored.
 */
export function chiSquare(
  real: Readonly<Record<string, number>>,
  synthetic: Readonly<Record<string, number>>,
): { statistic: number; df: number } {
  const tr = sum(Object.values(real));
  const ts = sum(Object.values(synthetic));
  const labels = new Set([...Object.keys(real), ...Object.keys(synthetic)]);
  let statistic = 0;
  for (const label of labels) {
    const expected = tr === 0 ? 0.5 : Math.max(0.5, ((real[label] ?? 0) / tr) * ts);
    const observed = synthetic[label] ?? 0;
    statistic += (observed - expected) ** 2 / expected;
  }
  return { statistic: Math.round(statistic * 1000) / 1000, df: Math.max(0, labels.size - 1) };
}

function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) {
    s += v;
  }
  return s;
}
