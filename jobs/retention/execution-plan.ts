import { sql } from "kysely";
import type { Db } from "../../schema/postgres.ts";
import { anonymizeSets, scrubExpression } from "./anonymize-sql.ts";
import { policyRecheck } from "./batch-statement.ts";
import { ExecutorError, type PlanTable, type Treatment } from "./execution-types.ts";
import { loadSchemaGraph } from "./graph.ts";
import type { RetentionRequest } from "./requests.ts";
import { readTableShape, type TableShape } from "./table-shape.ts";

/**
 * The plan's tables in deletion order, each in parts by treatment (`act` first), each checked
 * against the store's catalog: every column it anonymizes or scrubs exists and can be scrubbed.
 */
export async function resolvePlan(
  db: Db,
  request: RetentionRequest,
): Promise<{ plan: PlanTable; shape: TableShape }[]> {
  const rows = await sql<{
    table_name: string;
    treatment: Treatment;
    ord: number;
    planned: number;
  }>`
    SELECT table_name, treatment, min(ord)::int AS ord, count(*)::int AS planned
    FROM governance.retention_request_keys WHERE request_id = ${request.id}
    GROUP BY table_name, treatment ORDER BY min(ord), table_name, treatment`.execute(db);
  const graph = await loadSchemaGraph(db);
  const out: { plan: PlanTable; shape: TableShape }[] = [];
  for (const row of rows.rows) {
    const plan = {
      ...planTable(request, row.table_name, row.ord, row.planned, row.treatment),
      recheck: policyRecheck(db, graph, request, row.table_name),
    };
    const shape = await readTableShape(db, graph, plan.table);
    for (const column of Object.keys(plan.anonymize)) {
      if (!shape.columns.has(column)) {
        throw new ExecutorError(`cannot anonymize ${plan.table}.${column}: no such column`);
      }
    }
    for (const column of plan.scrub ? (plan.scrubColumns ?? []) : []) {
      if (!shape.columns.has(column)) {
        throw new ExecutorError(`cannot scrub ${plan.table}.${column}: no such column`);
      }
      if (!plan.anonymize[column] && scrubExpression(column, shape, "''") === null) {
        const type = shape.columns.get(column)?.sqlType;
        throw new ExecutorError(`cannot scrub ${plan.table}.${column}: ${type} holds no text`);
      }
    }
    if (plan.action === "anonymize" || plan.action === "scrub") {
      // A plan that would change nothing is refused before any batch, not found out midway.
      anonymizeSets(plan, shape, [], (v) => `'${v.replaceAll("'", "''")}'`);
    }
    out.push({ plan, shape });
  }
  return out;
}

/**
 * One table's part of the request: the policy's action for the whole cascade (the planner's
 * definition), or per table for an erasure (whose definition names an action per table, and
 * for rows that only mention the person, under `mentions`, the columns scrubbed).
 */
export function planTable(
  request: Pick<RetentionRequest, "definition">,
  table: string,
  ord: number,
  planned: number,
  treatment: Treatment = "act",
): PlanTable {
  const definition = request.definition as unknown as {
    action?: string;
    anonymize?: Record<string, string> | null;
    root?: { table?: string };
    tables?: {
      table: string;
      action?: string;
      anonymize?: Record<string, string>;
      scrub?: boolean;
      scrubColumns?: string[] | null;
      mentions?: { scrubColumns?: string[] | null } | null;
    }[];
  };
  const entry = (definition.tables ?? []).find((t) => t.table === table);
  if (treatment === "scrub") {
    if (!entry?.mentions) {
      throw new ExecutorError(`keys of ${table} to scrub, but the plan says nothing about them`);
    }
    const scrubColumns = entry.mentions.scrubColumns ?? null;
    return {
      table,
      ord,
      planned,
      treatment,
      action: "scrub",
      anonymize: {},
      scrub: true,
      scrubColumns,
      recheck: null,
    };
  }
  const action = entry?.action ?? definition.action ?? "delete";
  if (
    action !== "delete" &&
    action !== "archive_then_delete" &&
    action !== "anonymize" &&
    action !== "scrub"
  ) {
    throw new ExecutorError(`unknown action ${action} for ${table}`);
  }
  const anonymize =
    action === "scrub"
      ? {}
      : (entry?.anonymize ??
        (action === "anonymize" && definition.root?.table === table
          ? (definition.anonymize ?? {})
          : {}));
  return {
    table,
    ord,
    planned,
    treatment,
    action,
    anonymize,
    scrub: action === "scrub" || entry?.scrub === true,
    scrubColumns: entry?.scrubColumns ?? null,
    recheck: null,
  };
}
