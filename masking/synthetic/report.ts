import type { Db } from "../../schema/postgres.ts";
import { MARGINAL_DEFS, measureMarginal } from "./marginals.ts";
import type { ProfileParams } from "./profile.ts";
import { chiSquare, ksStatistic, totalVariation } from "./statistics.ts";

/**
 * The comparison of a generated platform with the profile it came from, per fitted column:
 * numeric columns by the KS statistic over the real data's percentile buckets, categorical ones
 * by total variation distance and chi-square; each with the binned data the console plots.
 */

export type NumericComparison = {
  column: string;
  kind: "numeric";
  statistic: "ks";
  value: number;
  realTotal: number;
  syntheticTotal: number;
  logScale: boolean;
  /** Plot bins: edges (n + 1) and counts per side, including below-first and above-last. */
  edges: number[];
  real: number[];
  synthetic: number[];
};

export type CategoricalComparison = {
  column: string;
  kind: "categorical";
  statistic: "tvd";
  value: number;
  chiSquare: { statistic: number; df: number };
  realTotal: number;
  syntheticTotal: number;
  labels: string[];
  real: number[];
  synthetic: number[];
};

export type SyntheticReport = {
  columns: (NumericComparison | CategoricalComparison)[];
  /** The largest KS and TVD seen, for a one-line verdict. */
  worst: { ks: number; tvd: number };
  generatedAt: string;
};

/** Measures every fitted column on the generated database and compares it with the profile. */
export async function compareWithProfile(
  target: Db,
  params: ProfileParams,
): Promise<SyntheticReport> {
  const columns: SyntheticReport["columns"] = [];
  let worstKs = 0;
  let worstTvd = 0;
  for (const def of MARGINAL_DEFS) {
    const real = params.marginals[def.column];
    if (!real) {
      continue;
    }
    const synthetic = await measureMarginal(target, def, real);
    if (real.kind === "numeric" && synthetic.kind === "numeric") {
      const value = round(ksStatistic(real.ksCounts, synthetic.ksCounts));
      worstKs = Math.max(worstKs, value);
      columns.push({
        column: def.column,
        kind: "numeric",
        statistic: "ks",
        value,
        realTotal: real.total,
        syntheticTotal: synthetic.total,
        logScale: real.logScale,
        edges: real.plotEdges,
        real: real.plotCounts,
        synthetic: synthetic.plotCounts,
      });
    } else if (real.kind === "categorical" && synthetic.kind === "categorical") {
      const value = round(totalVariation(real.counts, synthetic.counts));
      worstTvd = Math.max(worstTvd, value);
      const labels = [
        ...new Set([...Object.keys(real.counts), ...Object.keys(synthetic.counts)]),
      ].sort((a, b) => (real.counts[b] ?? 0) - (real.counts[a] ?? 0) || a.localeCompare(b));
      columns.push({
        column: def.column,
        kind: "categorical",
        statistic: "tvd",
        value,
        chiSquare: chiSquare(real.counts, synthetic.counts),
        realTotal: real.total,
        syntheticTotal: synthetic.total,
        labels,
        real: labels.map((l) => real.counts[l] ?? 0),
        synthetic: labels.map((l) => synthetic.counts[l] ?? 0),
      });
    }
  }
  return { columns, worst: { ks: worstKs, tvd: worstTvd }, generatedAt: new Date().toISOString() };
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
