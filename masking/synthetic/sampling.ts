import { cumulative, type Prng, type Weighted } from "../demo-platform/prng.ts";
import { SKETCH_POINTS, type ValueSketch } from "./profile.ts";

/** A mix (label → share) as a cumulative table; empty mixes fall back to `fallback`. */
export function weighted(
  mix: Readonly<Record<string, number>>,
  fallback: string,
): Weighted<string> {
  const pairs = Object.entries(mix).filter(([, w]) => w > 0);
  return cumulative(pairs.length ? pairs : [[fallback, 1]]);
}

/** Index drawn with the given weights (a count histogram, months, days of week). */
export function pickIndex(rng: Prng, weights: readonly number[]): number {
  let total = 0;
  for (const w of weights) {
    total += w;
  }
  if (total <= 0) {
    return 0;
  }
  let r = rng.float() * total;
  for (let i = 0; i < weights.length; i++) {
    r -= weights[i] ?? 0;
    if (r < 0) {
      return i;
    }
  }
  return weights.length - 1;
}

/**
 * A value drawn from a quantile sketch: linear between the sketch's percentiles, and from the
 * fitted log-normal in the outer 1% on each side (clamped so the tails stay outside the body).
 */
export function sampleSketch(rng: Prng, sketch: ValueSketch): number {
  const q = sketch.q;
  const first = q[0];
  const last = q[q.length - 1];
  if (first === undefined || last === undefined) {
    return Math.exp(sketch.mu + sketch.sigma * normalQuantile(rng.float()));
  }
  const u = Math.min(1 - 1e-9, Math.max(1e-9, rng.float()));
  const lo = SKETCH_POINTS[0] as number;
  const hi = SKETCH_POINTS[SKETCH_POINTS.length - 1] as number;
  if (u < lo) {
    const x = Math.exp(sketch.mu + sketch.sigma * normalQuantile(u));
    return Math.min(first, Math.max(first * 0.5, x));
  }
  if (u >= hi) {
    const x = Math.exp(sketch.mu + sketch.sigma * normalQuantile(u));
    return Math.max(last, Math.min(last * 2, x));
  }
  let i = 0;
  while (i < SKETCH_POINTS.length - 2 && u >= (SKETCH_POINTS[i + 1] as number)) {
    i++;
  }
  const p0 = SKETCH_POINTS[i] as number;
  const p1 = SKETCH_POINTS[i + 1] as number;
  const x0 = q[i] ?? first;
  const x1 = q[i + 1] ?? x0;
  return x0 + ((x1 - x0) * (u - p0)) / (p1 - p0);
}

/** Inverse of the standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972,
    -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734,
    4.374664141464968, 2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1)
    );
  }
  if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return (
      -(((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1)
    );
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
    (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
  );
}
