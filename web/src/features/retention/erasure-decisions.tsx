import { Empty } from "../../components/states.tsx";

/**
 * An erasure plan's per-table decisions (jobs/retention/erasure.ts): delete or anonymize, which
 * columns are the person's and which text columns are scrubbed for their identifiers, and where
 * each decision came from (the catalog, the retention schedule or the fixed lists).
 */

type Decision = {
  table: string;
  action: string;
  actionSource?: string;
  reach?: string;
  anonymize?: Record<string, string>;
  scrubColumns?: string[] | null;
  columnSource?: string | null;
  columnCategories?: Record<string, string>;
  columnWhy?: string;
};

const ACTION_SOURCE: Record<string, string> = {
  financial_schedule: "financial record (retention schedule)",
  fixed_list: "fixed list",
  no_single_key: "no single-column key",
  default: "default for other rows",
};

const REACH: Record<string, string> = {
  linked: "about them",
  mentioned: "mention them",
  both: "about them or mention them",
};

/** The plan's tables, read defensively: the definition is stored JSON. */
export function erasureDecisions(definition: Record<string, unknown>): Decision[] {
  const tables = definition.tables;
  if (!Array.isArray(tables)) {
    return [];
  }
  return tables.filter(
    (t): t is Decision =>
      typeof t === "object" &&
      t !== null &&
      typeof (t as Decision).table === "string" &&
      typeof (t as Decision).action === "string",
  );
}

function PersonalColumns({ decision }: { decision: Decision }) {
  const columns = Object.entries(decision.anonymize ?? {});
  if (columns.length === 0) {
    return <span className="muted">none</span>;
  }
  return (
    <>
      {columns.map(([column, strategy], i) => (
        <span key={column}>
          {i > 0 ? ", " : ""}
          <code>{column}</code> → {strategy}
          {decision.columnCategories?.[column] ? (
            <span className="muted"> ({decision.columnCategories[column]})</span>
          ) : null}
        </span>
      ))}
    </>
  );
}

export function ErasureDecisions({ definition }: { definition: Record<string, unknown> }) {
  const decisions = erasureDecisions(definition);
  if (decisions.length === 0) {
    return <Empty>This plan records no per-table decisions.</Empty>;
  }
  return (
    <div className="table-scroll">
      <table className="table table-compact" aria-label="erasure decisions per table">
        <thead>
          <tr>
            <th>Table</th>
            <th>Rows</th>
            <th>Action</th>
            <th>Personal columns</th>
            <th>Scrubbed for identifiers</th>
            <th>Columns from</th>
          </tr>
        </thead>
        <tbody>
          {decisions.map((d) => (
            <tr key={d.table} data-testid={`erasure-decision-${d.table}`}>
              <td>
                <code>{d.table}</code>
              </td>
              <td>{REACH[d.reach ?? ""] ?? "—"}</td>
              <td>
                {d.action}
                <span className="muted">
                  {" "}
                  · {ACTION_SOURCE[d.actionSource ?? ""] ?? d.actionSource ?? "—"}
                </span>
              </td>
              <td>{d.action === "delete" ? "—" : <PersonalColumns decision={d} />}</td>
              <td>
                {d.action === "delete"
                  ? "—"
                  : d.scrubColumns === null || d.scrubColumns === undefined
                    ? "every text and JSON column"
                    : d.scrubColumns.length
                      ? d.scrubColumns.join(", ")
                      : "none"}
              </td>
              <td>
                {d.columnSource === "catalog"
                  ? "catalog"
                  : d.columnSource === "fixed_list"
                    ? "fixed list"
                    : "—"}
                {d.columnWhy ? <span className="muted"> — {d.columnWhy}</span> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
