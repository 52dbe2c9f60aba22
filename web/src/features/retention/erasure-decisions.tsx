import { Empty } from "../../components/states.tsx";
import type { PlanTable, RequestDetail } from "./types.ts";

/**
 * An erasure plan's per-table decisions (jobs/retention/erasure.ts): delete or anonymize, which
 * columns are the person's and which text columns are scrubbed for their identifiers, where each
 * decision came from (the catalog, the retention schedule or the fixed lists), and the rows of
 * other people that only mention the person, which are only scrubbed (never anonymized).
 */

type Decision = PlanTable & { action: NonNullable<PlanTable["action"]> };

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
export function erasureDecisions(definition: RequestDetail["definition"]): Decision[] {
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

/** The scrubbed columns of a list (null: every text and JSON column the table has). */
function scrubbedText(columns: string[] | null | undefined): string {
  return columns === null || columns === undefined
    ? "every text and JSON column"
    : columns.length
      ? columns.join(", ")
      : "none";
}

/** Rows of other people that only mention the person: how many, and the columns scrubbed. */
function Mentions({ mentions }: { mentions: PlanTable["mentions"] }) {
  if (!mentions || mentions.rows === 0) {
    return <span className="muted">none</span>;
  }
  return (
    <span data-testid="erasure-mentions">
      {mentions.rows.toLocaleString()} {mentions.rows === 1 ? "row" : "rows"} of other people: only
      the person's identifiers replaced in {scrubbedText(mentions.scrubColumns)}
      <span className="muted"> (scrubbed, not anonymized)</span>
    </span>
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

export function ErasureDecisions({ definition }: { definition: RequestDetail["definition"] }) {
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
            <th>Rows that only mention them</th>
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
              <td>
                <Mentions mentions={d.mentions} />
              </td>
              <td>{d.action === "delete" ? "—" : <PersonalColumns decision={d} />}</td>
              <td>
                {/* A table whose rows only mention the person: its scrub is in the next cell. */}
                {d.action === "delete" || (d.action === "scrub" && d.mentions)
                  ? "—"
                  : scrubbedText(d.scrubColumns)}
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
