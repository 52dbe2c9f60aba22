import type { TSyntheticComparison as Comparison } from "../../../../schema/contracts/synthetic.ts";

/**
 * Real against synthetic for one fitted column, drawn by hand in SVG: paired bars of each side's
 * share per bin (numeric columns, the real data's bins) or per label (categorical columns).
 * Axis labels stand upright (rotated a quarter turn) so neighbours never overlap, shortened to
 * LABEL_CHARS with the full label in a tooltip, and thinned to one per LABEL_GAP pixels.
 */

const W = 360;
const H = 216;
const PAD = { left: 34, right: 8, top: 10, bottom: 84 };
const LABEL_CHARS = 11;
/** Horizontal room one upright label needs (its font height plus air). */
const LABEL_GAP = 13;

function shorten(label: string): string {
  return label.length > LABEL_CHARS ? `${label.slice(0, LABEL_CHARS - 1)}…` : label;
}

function shares(counts: number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (total ? c / total : 0));
}

function compact(n: number): string {
  if (Math.abs(n) >= 1_000_000) {
    return `${(n / 1_000_000).toFixed(1)}M`;
  }
  if (Math.abs(n) >= 10_000) {
    return `${Math.round(n / 1000)}k`;
  }
  if (Math.abs(n) >= 1000) {
    return `${(n / 1000).toFixed(1)}k`;
  }
  return Number.isInteger(n) ? String(n) : n.toFixed(n < 10 ? 1 : 0);
}

function binLabels(c: Comparison): string[] {
  if (c.kind === "categorical") {
    return c.labels ?? [];
  }
  const edges = c.edges ?? [];
  return c.real.map((_, i) => {
    if (i === 0) {
      return `< ${compact(edges[0] ?? 0)}`;
    }
    if (i >= edges.length) {
      return `≥ ${compact(edges[edges.length - 1] ?? 0)}`;
    }
    const lo = edges[i - 1] ?? 0;
    // Integer bins (counts per entity) are labelled by their value.
    return Number.isInteger(lo - 0.5) && (edges[i] ?? 0) - lo === 1
      ? String(lo + 0.5)
      : compact(lo);
  });
}

export function DistributionChart({ comparison }: { comparison: Comparison }) {
  const real = shares(comparison.real);
  const synthetic = shares(comparison.synthetic);
  const labels = binLabels(comparison);
  const n = Math.max(real.length, 1);
  const max = Math.max(0.0001, ...real, ...synthetic);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / n;
  const bar = Math.max(1, slot * 0.4);
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  const labelEvery = Math.max(1, Math.ceil(LABEL_GAP / slot));
  const stat =
    comparison.statistic === "ks"
      ? `KS ${comparison.value.toFixed(3)}`
      : `TVD ${comparison.value.toFixed(3)}`;
  return (
    <figure className="md-chart" data-column={comparison.column} data-testid="synthetic-chart">
      <figcaption>
        <code>{comparison.column}</code> <span className="md-stat">{stat}</span>
        {comparison.withheld ? (
          <span className="badge">withheld</span>
        ) : comparison.pass === undefined ? null : (
          <span className={comparison.pass ? "badge badge-succeeded" : "badge badge-failed"}>
            {comparison.pass ? "pass" : "fail"}
          </span>
        )}
        {comparison.chiSquare ? (
          <span className="muted">
            {" "}
            χ² {comparison.chiSquare.statistic} (df {comparison.chiSquare.df})
          </span>
        ) : null}
      </figcaption>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        width="100%"
        role="img"
        aria-label={`${comparison.column}: real and synthetic distributions, ${stat}`}
      >
        <line x1={PAD.left} x2={W - PAD.right} y1={y(0)} y2={y(0)} className="md-axis" />
        <line x1={PAD.left} x2={PAD.left} y1={PAD.top} y2={y(0)} className="md-axis" />
        <text x={PAD.left - 4} y={PAD.top + 8} textAnchor="end" className="md-tick">
          {Math.round(max * 100)}%
        </text>
        <text x={PAD.left - 4} y={y(0)} textAnchor="end" className="md-tick">
          0
        </text>
        {real.map((r, i) => {
          const x = PAD.left + i * slot + (slot - 2 * bar) / 2;
          const s = synthetic[i] ?? 0;
          return (
            // biome-ignore lint/suspicious/noArrayIndexKey: bins are positional
            <g key={i}>
              <rect x={x} y={y(r)} width={bar} height={y(0) - y(r)} className="md-real">
                <title>{`${labels[i] ?? ""}: real ${(r * 100).toFixed(1)}%`}</title>
              </rect>
              <rect x={x + bar} y={y(s)} width={bar} height={y(0) - y(s)} className="md-synthetic">
                <title>{`${labels[i] ?? ""}: synthetic ${(s * 100).toFixed(1)}%`}</title>
              </rect>
              {i % labelEvery === 0 ? (
                <text
                  x={PAD.left + i * slot + slot / 2 + 3}
                  y={H - PAD.bottom + 4}
                  textAnchor="end"
                  transform={`rotate(-90 ${PAD.left + i * slot + slot / 2 + 3} ${H - PAD.bottom + 4})`}
                  className="md-tick md-axis-label"
                  data-testid="chart-label"
                >
                  <title>{labels[i] ?? ""}</title>
                  {shorten(labels[i] ?? "")}
                </text>
              ) : null}
            </g>
          );
        })}
        <g transform={`translate(${PAD.left}, ${H - 8})`}>
          <rect width="10" height="8" y="-8" className="md-real" />
          <text x="14" className="md-tick">
            real ({comparison.realTotal.toLocaleString()})
          </text>
          <rect x="130" width="10" height="8" y="-8" className="md-synthetic" />
          <text x="144" className="md-tick">
            synthetic ({comparison.syntheticTotal.toLocaleString()})
          </text>
        </g>
      </svg>
    </figure>
  );
}
