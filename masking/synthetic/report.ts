import { sql } from "kysely";
import type { Db } from "../../schema/postgres.ts";
import { isWithheld } from "./free-text.ts";
import { MARGINAL_DEFS, type MarginalDef, measureMarginal } from "./marginals.ts";
import type { Marginal, ProfileParams } from "./profile.ts";
import { chiSquare, ksStatistic, totalVariation } from "./statistics.ts";
import { columnMarginalDef } from "./table-fit.ts";

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

export type Comparison = (NumericComparison | CategoricalComparison) & {
  pass?: boolean;
  /** Never generated on purpose (secrets, card and bank numbers): not judged. */
  withheld?: boolean;
};

/** Largest KS (numeric, dates) and TVD (labels) a column may show and still pass. */
export type Thresholds = { ks: number; tvd: number };

/**
 * The default: 0.15 is above the KS two-sample critical value for a few hundred rows a side at
 * the 5% level (1.36·√(2/n) ≈ 0.14 for n = 200), so a small platform fitted well passes while a
 * column drawn from the wrong distribution does not.
 */
export const DEFAULT_THRESHOLDS: Thresholds = { ks: 0.15, tvd: 0.15 };

export type TableReport = {
  table: string;
  realRows: number;
  syntheticRows: number;
  /** Every compared column within its threshold. */
  pass: boolean;
  worst: { ks: number; tvd: number };
  columns: Comparison[];
};

export type SyntheticReport = {
  columns: Comparison[];
  /** Per table of the platform (the masked copy's table list), every column compared. */
  tables?: TableReport[];
  thresholds?: Thresholds;
  /** All tables pass. */
  pass?: boolean;
  /** The largest KS and TVD seen, for a one-line verdict. */
  worst: { ks: number; tvd: number };
  generatedAt: string;
};

/** Measures every fitted column on the generated database and compares it with the profile. */
export async function compareWithProfile(
  target: Db,
  params: ProfileParams,
  thresholds: Thresholds = DEFAULT_THRESHOLDS,
): Promise<SyntheticReport> {
  const columns: Comparison[] = [];
  let worstKs = 0;
  let worstTvd = 0;
  for (const def of MARGINAL_DEFS) {
    const real = params.marginals[def.column];
    if (!real) {
      continue;
    }
    const c = await compareColumn(target, def, real, thresholds);
    if (c) {
      columns.push(c);
      worstKs = Math.max(worstKs, c.statistic === "ks" ? c.value : 0);
      worstTvd = Math.max(worstTvd, c.statistic === "tvd" ? c.value : 0);
    }
  }
  const tables: TableReport[] = [];
  for (const [table, model] of Object.entries(params.tables ?? {}).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    const compared: Comparison[] = [];
    for (const [column, real] of Object.entries(model.marginals)) {
      const columnModel = model.columns[column];
      const def = columnModel
        ? columnMarginalDef(table, { name: column, nullable: true }, columnModel)
        : null;
      const c = def ? await compareColumn(target, def, real, thresholds) : null;
      if (c) {
        compared.push(
          columnModel?.kind === "text" && isWithheld(column) ? { ...c, withheld: true } : c,
        );
      }
    }
    const count = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(target);
    const worst = {
      ks: Math.max(0, ...compared.filter((c) => c.statistic === "ks").map((c) => c.value)),
      tvd: Math.max(0, ...compared.filter((c) => c.statistic === "tvd").map((c) => c.value)),
    };
    tables.push({
      table,
      realRows: model.rows,
      syntheticRows: count.rows[0]?.n ?? 0,
      pass: compared.every((c) => c.pass),
      worst,
      columns: compared,
    });
  }
  return judgeReport(
    {
      columns,
      tables,
      worst: { ks: worstKs, tvd: worstTvd },
      generatedAt: new Date().toISOString(),
    },
    thresholds,
  );
}

/**
 * The verdicts of a report under `thresholds`: per column (KS or TVD at most its limit; a column
 * withheld by design, such as a card number never made up, is shown but not judged), per table
 * and overall. Pure, so a stored report can be judged again under other limits.
 */
export function judgeReport(report: SyntheticReport, thresholds: Thresholds): SyntheticReport {
  const judge = (c: Comparison): Comparison => ({
    ...c,
    pass: c.withheld === true || c.value <= (c.statistic === "ks" ? thresholds.ks : thresholds.tvd),
  });
  const tables = (report.tables ?? []).map((t) => {
    const columns = t.columns.map(judge);
    return { ...t, columns, pass: columns.every((c) => c.pass) };
  });
  return {
    ...report,
    columns: report.columns.map(judge),
    tables,
    thresholds,
    pass: tables.every((t) => t.pass),
  };
}

/** One column: KS over the real percentile buckets, or TVD over labels; judged by `thresholds`. */
async function compareColumn(
  target: Db,
  def: MarginalDef,
  real: Marginal,
  thresholds: Thresholds,
): Promise<Comparison | null> {
  const synthetic = await measureMarginal(target, def, real);
  if (real.kind === "numeric" && synthetic.kind === "numeric") {
    const value = round(ksStatistic(real.ksCounts, synthetic.ksCounts));
    return {
      pass: value <= thresholds.ks,
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
    };
  }
  if (real.kind === "categorical" && synthetic.kind === "categorical") {
    const value = round(totalVariation(real.counts, synthetic.counts));
    const labels = [
      ...new Set([...Object.keys(real.counts), ...Object.keys(synthetic.counts)]),
    ].sort((a, b) => (real.counts[b] ?? 0) - (real.counts[a] ?? 0) || a.localeCompare(b));
    return {
      pass: value <= thresholds.tvd,
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
    };
  }
  return null;
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
