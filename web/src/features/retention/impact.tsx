import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { Empty } from "../../components/states.tsx";
import { formatCount } from "./format.tsx";
import type { PlanTable, RequestDetail, SampleTable } from "./types.ts";

/** What execution does to one table of a request, in words a compliance officer checks. */
export type TableFate = {
  table: string;
  rows: number;
  /** delete, anonymize or scrub: what happens to the rows. */
  effect: "delete" | "anonymize" | "scrub";
  /** Rows copied to the archive before they go. */
  archived: boolean;
  /** For anonymize: the columns that change and how. */
  columns: Record<string, string>;
};

const asRecord = (value: unknown): Record<string, string> =>
  value && typeof value === "object" && !Array.isArray(value)
    ? Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
      )
    : {};

/**
 * Per table of the impact: rows, and what happens to them. An erasure's plan says it per table;
 * a retention plan applies its policy's action to every table (children of a deleted row go with
 * it; an anonymize policy changes only its listed columns of its own table).
 */
export function tableFates(request: RequestDetail): TableFate[] {
  const definition = request.definition as Record<string, unknown> & { tables?: PlanTable[] };
  const planned = new Map(
    (Array.isArray(definition.tables) ? definition.tables : []).map((t) => [t.table, t]),
  );
  const policyAction = typeof definition.action === "string" ? definition.action : "delete";
  const policyColumns = asRecord(definition.anonymize);
  return request.impact.map((count) => {
    const plan = planned.get(count.table);
    const action = request.kind === "erasure" ? (plan?.action ?? "delete") : policyAction;
    const effect =
      action === "anonymize" ? "anonymize" : action === "scrub" ? "scrub" : ("delete" as const);
    return {
      table: count.table,
      rows: count.rows,
      effect,
      archived: action === "archive_then_delete",
      columns:
        effect === "anonymize"
          ? request.kind === "erasure"
            ? asRecord(plan?.anonymize)
            : policyColumns
          : {},
    };
  });
}

const EFFECT_TEXT: Record<TableFate["effect"], string> = {
  delete: "delete",
  anonymize: "anonymize",
  scrub: "scrub identifiers",
};

const METHOD_TEXT: Record<string, string> = {
  null: "set to NULL",
  redact: "replaced by [redacted]",
  empty_json: "emptied",
};

export function fateText(fate: TableFate): string {
  return `${EFFECT_TEXT[fate.effect]}${fate.archived ? " (archived first)" : fate.effect === "delete" ? " (no archive)" : ""}`;
}

/** Per table: rows, what happens to them, archive or not, the columns an anonymize changes. */
export function FatesTable({ fates }: { fates: TableFate[] }) {
  if (fates.length === 0) {
    return <Empty>No rows match this request.</Empty>;
  }
  return (
    <div className="table-scroll">
      <table className="table table-compact" aria-label="counts per table and tenant">
        <thead>
          <tr>
            <th>Table</th>
            <th>Rows</th>
            <th>What happens</th>
            <th>Archive</th>
            <th>Columns that change</th>
          </tr>
        </thead>
        <tbody>
          {fates.map((fate) => (
            <tr key={fate.table}>
              <td>
                <code>{fate.table}</code>
              </td>
              <td>{formatCount(fate.rows)}</td>
              <td>
                <span className={`badge fate-${fate.effect}`}>{EFFECT_TEXT[fate.effect]}</span>
              </td>
              <td>
                {fate.effect === "delete" ? (fate.archived ? "archived first" : "none") : "—"}
              </td>
              <td>
                {Object.keys(fate.columns).length === 0 ? (
                  <span className="muted">{fate.effect === "delete" ? "whole row" : "—"}</span>
                ) : (
                  <ul className="changed-columns">
                    {Object.entries(fate.columns).map(([column, method]) => (
                      <li key={column}>
                        <code>{column}</code> {METHOD_TEXT[method] ?? method}
                      </li>
                    ))}
                  </ul>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Rows by age in whole years: how far past the retention period the plan reaches. */
export function AgeChart({ buckets }: { buckets: { years: number; rows: number }[] }) {
  if (buckets.length === 0) {
    return null;
  }
  const data = buckets.map((b) => ({ age: `${b.years}–${b.years + 1} y`, rows: b.rows }));
  return (
    <figure className="age-chart" aria-label="rows by age">
      <figcaption className="muted">Rows of the policy's table by age (years)</figcaption>
      <ResponsiveContainer width="100%" height={180}>
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="age" fontSize={12} />
          <YAxis allowDecimals={false} fontSize={12} width={48} />
          <Tooltip />
          <Bar dataKey="rows" name="rows" fill="#2563eb" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}

const MATTERS: [RegExp, number][] = [
  [/(amount|total|balance|price|subtotal|tax|quantity|currency)/, 0],
  [/(_at|_date|^date|time|created|updated)$/, 1],
  [/(status|state|stage|type|kind)$/, 2],
];

/** Columns that matter to a deletion decision first: amounts, then dates, then status; else as stored. */
export function orderedColumns(columns: string[]): string[] {
  const rank = (column: string) => {
    for (const [pattern, r] of MATTERS) {
      if (pattern.test(column)) {
        return r;
      }
    }
    return 3;
  };
  return columns
    .map((column, index) => ({ column, index, rank: rank(column) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map((c) => c.column);
}

/** Masked sample rows with the columns that matter first and the changing ones marked. */
export function SampleRows({ sample, changes }: { sample: SampleTable; changes: string[] }) {
  const columns = orderedColumns(sample.columns);
  return (
    <div className="table-scroll sample">
      <table className="table table-compact" aria-label={`sample rows of ${sample.table}`}>
        <caption>
          <code>{sample.table}</code>
        </caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th
                key={column}
                className={changes.includes(column) ? "column-changes" : undefined}
                title={changes.includes(column) ? "changes on execution" : undefined}
              >
                {column}
                {changes.includes(column) ? " ✎" : ""}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {sample.rows.map((row, index) => (
            // Sample rows have no stable id of their own; their order is the server's.
            // biome-ignore lint/suspicious/noArrayIndexKey: see above
            <tr key={index}>
              {columns.map((column) => (
                <td key={column} className="mono">
                  {row[column] ?? "∅"}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
