import { sql } from "kysely";
import type { TRunEvent } from "../../rules/lineage/openlineage.ts";
import type { Db } from "../../schema/postgres.ts";
import type { AggregateTarget } from "../etl/aggregate-targets.ts";
import { buildRunEvent, type ColumnInput } from "./emit.ts";
import { parseNode } from "./node-ids.ts";
import { loadParser, selectLineage } from "./view-sql.ts";

/**
 * The ETL's lineage, read from its own aggregate definitions (jobs/etl/aggregate-targets.ts):
 * each ClickHouse column's SQL over the source row `r` is parsed with the PostgreSQL parser, so
 * `coalesce(sum(r.amount), 0)` becomes payments.amount → revenue_daily.revenue (aggregation),
 * and the day/dims their own columns. The event copy (business_events → business_events_cold)
 * is table level.
 */
export async function etlRunEvent(
  db: Db,
  input: {
    runId: string;
    eventType: "START" | "COMPLETE" | "FAIL";
    clickhouseDatabase: string;
    aggregates: AggregateTarget[];
    eventsTarget?: string;
  },
): Promise<TRunEvent> {
  await loadParser();
  const sources = [...new Set(input.aggregates.map((a) => a.source))];
  const columns = await sql<{ name: string; columns: string[] }>`
    SELECT c.relname AS name, array_agg(a.attname::text ORDER BY a.attnum) AS columns
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE n.nspname = 'public' AND c.relname = ANY(${sources}::text[])
    GROUP BY c.relname
  `.execute(db);
  const known = new Map(columns.rows.map((r) => [r.name, r.columns]));
  const outputs: { table: string; columns?: Record<string, ColumnInput[]> }[] = [];
  const inputs = new Set<string>();
  for (const target of input.aggregates) {
    const sourceTable = `postgres:public.${target.source}`;
    inputs.add(sourceTable);
    const lookup = (_schema: string | undefined, name: string) =>
      name === target.source ? { id: sourceTable, columns: known.get(name) ?? [] } : undefined;
    const exprs: [string, string][] = [
      ["tenant_id", "r.tenant_id"],
      ["day", target.day],
      ...target.dims.map((d): [string, string] => [d.column, d.expr]),
      ...target.measures.map((m): [string, string] => [m.column, m.expr]),
    ];
    const fields: Record<string, ColumnInput[]> = {};
    for (const [column, expr] of exprs) {
      const lineage = selectLineage(`SELECT ${expr} AS out FROM ${target.source} r`, lookup);
      const sourcesOf = lineage.columns[0]?.sources ?? [];
      fields[column] = sourcesOf.map((s) => ({
        table: sourceTable,
        column: parseNode(s.node).parts.at(-1) ?? "",
        transformation: s.transformation,
        description: s.expression ?? expr,
      }));
    }
    outputs.push({
      table: `clickhouse:${input.clickhouseDatabase}.${target.table}`,
      columns: fields,
    });
  }
  const eventInputs = [...inputs];
  if (input.eventsTarget) {
    eventInputs.push("postgres:public.business_events");
    outputs.push({ table: `clickhouse:${input.clickhouseDatabase}.${input.eventsTarget}` });
  }
  return buildRunEvent({
    runId: input.runId,
    eventType: input.eventType,
    job: "etl",
    inputs: eventInputs,
    outputs,
  });
}
