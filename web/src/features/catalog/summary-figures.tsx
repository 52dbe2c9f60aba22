import { Link } from "../../app/router.tsx";
import { tableName } from "../../components/table-name.ts";
import { share } from "./badges.tsx";
import type { CatalogSummary } from "./types.ts";

function Figure({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div className="figure">
      <div className="figure-value">{value}</div>
      <div className="figure-label">{label}</div>
      {hint ? <div className="figure-hint muted">{hint}</div> : null}
    </div>
  );
}

/** Classified, reviewed, pending and PII figures; shared by the overview and the catalog page. */
export function ClassificationFigures({ summary }: { summary: CatalogSummary }) {
  return (
    <div className="figures" data-testid="classification-figures">
      <Figure
        label="Catalog columns"
        value={summary.columns.toLocaleString()}
        hint={storeBreakdown(summary)}
      />
      <Figure
        label="Classified"
        value={share(summary.classified, summary.columns)}
        hint={`${summary.classified.toLocaleString()} of ${summary.columns.toLocaleString()} columns`}
      />
      <Figure
        label="Reviewed"
        value={share(summary.reviewed, summary.columns)}
        hint={`${summary.reviewed.toLocaleString()} columns decided by a steward`}
      />
      <Figure
        label="Pending review"
        value={summary.pending.toLocaleString()}
        hint={`${(summary.pending - summary.pendingPaths).toLocaleString()} columns + ${summary.pendingPaths.toLocaleString()} JSONB paths${
          summary.needsRereview
            ? `; + ${summary.needsRereview.toLocaleString()} flagged for re-review`
            : ""
        }`}
      />
      <Figure
        label="PII columns"
        value={summary.piiColumns.toLocaleString()}
        hint={`in ${summary.piiTables.toLocaleString()} table${summary.piiTables === 1 ? "" : "s"}`}
      />
    </div>
  );
}

/** "508 Postgres + 51 ClickHouse (+ 120 JSONB paths)": what the catalog's column count holds. */
export function storeBreakdown(summary: CatalogSummary): string {
  const parts = summary.byStore.map(
    (s) => `${s.columns.toLocaleString()} ${s.store === "clickhouse" ? "ClickHouse" : "Postgres"}`,
  );
  const text = parts.length ? parts.join(" + ") : "no scan yet";
  return summary.paths ? `${text} (+ ${summary.paths.toLocaleString()} JSONB paths)` : text;
}

/** PII columns by category as bars, and the tables holding the most. */
export function PiiBreakdown({ summary }: { summary: CatalogSummary }) {
  const max = Math.max(1, ...summary.piiByCategory.map((c) => c.columns));
  return (
    <div className="panels pii-panels">
      <div className="panel">
        <h2>PII columns by category</h2>
        {summary.piiByCategory.length === 0 ? (
          <p className="muted">No column holds personal data, or nothing is classified yet.</p>
        ) : (
          <ul className="bars" aria-label="PII by category">
            {summary.piiByCategory.map((c) => (
              <li key={c.category}>
                <Link to={`/catalog?category=${c.category}`} className="bar-label">
                  {c.category}
                </Link>
                <span className="bar-track" aria-hidden="true">
                  <span className="bar-fill" style={{ width: `${(c.columns / max) * 100}%` }} />
                </span>
                <span className="bar-value">{c.columns}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
      <div className="panel">
        <h2>
          PII columns by table
          {summary.piiTables > summary.piiByTable.length ? (
            <span className="muted small"> (top {summary.piiByTable.length})</span>
          ) : null}
        </h2>
        {summary.piiByTable.length === 0 ? (
          <p className="muted">No table holds personal data, or nothing is classified yet.</p>
        ) : (
          <table className="table table-compact" aria-label="PII by table">
            <thead>
              <tr>
                <th>Table</th>
                <th>PII columns</th>
                <th>Categories</th>
              </tr>
            </thead>
            <tbody>
              {summary.piiByTable.map((t) => (
                <tr key={`${t.store}:${t.schema}.${t.table}`}>
                  <td>
                    <Link
                      to={`/catalog?store=${t.store}&schema=${encodeURIComponent(t.schema)}&table=${encodeURIComponent(t.table)}&pii=true`}
                      className="mono"
                    >
                      {tableName(t)}
                    </Link>
                  </td>
                  <td>{t.columns}</td>
                  <td className="muted">{t.categories.join(", ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </div>
  );
}
