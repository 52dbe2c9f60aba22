import { sql } from "kysely";
import type { TRunEvent } from "../../rules/lineage/openlineage.ts";
import type { Db } from "../../schema/postgres.ts";
import { buildRunEvent, type ColumnInput } from "./emit.ts";

/**
 * RunEvents of govern's own jobs besides the ETL (etl-lineage.ts), built from what each job
 * reports when it finishes; the job calls emitLineage with them. Quality and tiering can build
 * theirs with buildRunEvent the same way.
 */

const pgTable = (table: string) =>
  table.includes(".") ? `postgres:${table}` : `postgres:public.${table}`;
const tableName = (table: string) => (table.includes(".") ? table : `public.${table}`);

/**
 * A masked copy: each source table → `dataset:NAME.public.TABLE`, and each masked column with
 * its strategy as a `masking` transformation (a JSON path rule masks its column too).
 */
export function provisionRunEvent(input: {
  runId: string;
  name: string;
  tables: string[];
  rules: { column: string; path?: string; strategy: string }[];
}): TRunEvent {
  const columns = new Map<string, Record<string, ColumnInput[]>>();
  for (const rule of input.rules) {
    const dot = rule.column.lastIndexOf(".");
    const table = rule.column.slice(0, dot);
    const column = rule.column.slice(dot + 1);
    const fields = columns.get(table) ?? {};
    const description = rule.path ? `${rule.strategy} (${rule.path})` : rule.strategy;
    const prior = fields[column]?.[0];
    fields[column] = [
      {
        table: pgTable(table),
        column,
        transformation: rule.strategy === "allow" ? "direct" : "masking",
        description: prior?.description ? `${prior.description}, ${description}` : description,
      },
    ];
    columns.set(table, fields);
  }
  return buildRunEvent({
    runId: input.runId,
    eventType: "COMPLETE",
    job: `provision/${input.name}`,
    inputs: input.tables.map(pgTable),
    outputs: input.tables.map((t) => ({
      table: `dataset:${input.name}.${tableName(t)}`,
      columns: columns.get(t),
    })),
  });
}

/** A synthetic dataset: source tables → its tables, marked as carrying distributions, not rows. */
export function syntheticRunEvent(input: {
  runId: string;
  name: string;
  tables: string[];
}): TRunEvent {
  return buildRunEvent({
    runId: input.runId,
    eventType: "COMPLETE",
    job: `synth/${input.name}`,
    inputs: input.tables.map(pgTable),
    outputs: input.tables.map((t) => ({ table: `dataset:${input.name}.${tableName(t)}` })),
    carriesRows: false,
  });
}

/** An archive-then-delete: each table → the archive files its rows went to (`archive:PATH`). */
export async function retentionArchiveRunEvent(
  db: Db,
  input: { runId: string; requestId: string },
): Promise<TRunEvent | undefined> {
  const files = await sql<{ table_name: string; path: string }>`
    SELECT table_name, path FROM governance.retention_archives WHERE request_id = ${input.requestId}
    ORDER BY table_name, batch
  `.execute(db);
  if (files.rows.length === 0) {
    return undefined;
  }
  const tables = [...new Set(files.rows.map((f) => f.table_name))];
  return buildRunEvent({
    runId: input.runId,
    eventType: "COMPLETE",
    job: `retention/${input.requestId}`,
    inputs: tables.map(pgTable),
    outputs: files.rows.map((f) => ({ table: `archive:${f.path}` })),
  });
}
