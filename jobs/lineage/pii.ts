import { sql } from "kysely";
import type { Evidence } from "../../schema/domain/classification.ts";
import type { Db } from "../../schema/postgres.ts";
import { parseNode, shortName } from "./node-ids.ts";

/** Aggregates whose result cannot identify a person: PII does not flow through them. */
const IDENTITY_FREE_AGGREGATES =
  /^\s*(coalesce\s*\(\s*)?(count|sum|avg|stddev\w*|variance|var_\w+|uniq\w*|bool_and|bool_or|every)\s*\(/i;

export type PiiProposal = {
  column: string;
  category: string;
  from: string;
  path: string[];
};
export type PiiStop = { from: string; to: string; reason: string };
export type PiiPropagation = {
  proposals: PiiProposal[];
  stopped: PiiStop[];
  inherited: PiiProposal[];
};

type EdgeRow = {
  from_node: string;
  to_node: string;
  transformation: string | null;
  expression: string | null;
  carries_rows: boolean;
};

/**
 * Why PII does not cross an edge, or null when it does: a masking transformation, an aggregate
 * that cannot carry identity (count/sum/avg...: min/max/array_agg of an e-mail still hold one),
 * an edge that carries no rows (synthetic data), or an indirect edge (filter/join).
 */
export function stopReason(
  edge: Pick<EdgeRow, "transformation" | "expression" | "carries_rows">,
): string | null {
  if (!edge.carries_rows) {
    return "carries distributions, not rows (synthetic)";
  }
  switch (edge.transformation) {
    case "masking":
      return `masked${edge.expression ? ` (${edge.expression})` : ""}`;
    case "aggregation":
      return edge.expression && IDENTITY_FREE_AGGREGATES.test(edge.expression)
        ? `aggregated (${edge.expression}) cannot carry identity`
        : null;
    case "direct":
    case "calculation":
      return null;
    default:
      return "not a column-to-column flow";
  }
}

/**
 * PII propagation (issue 18): from every column a steward accepted (or overrode) as PII, along
 * active flow edges downstream, each column once. A column reached through direct/calculation
 * (or an identity-carrying aggregate) inherits the category: when the catalog knows it and it
 * is still pending with no PII proposal of its own, it gets a proposal in the review queue
 * ("PII via lineage from customers.email"). Where propagation stops is returned with why.
 */
export async function propagatePii(
  db: Db,
  options: { maxDepth?: number } = {},
): Promise<PiiPropagation> {
  const maxDepth = options.maxDepth ?? 20;
  const sources = await sql<{
    store: string;
    schema_name: string;
    table_name: string;
    column_name: string;
    category: string;
  }>`
    SELECT store, schema_name, table_name, column_name, effective_category AS category
    FROM governance.catalog_effective_columns
    WHERE is_pii AND review_status IN ('accepted', 'overridden') AND json_path = '' AND dropped_at IS NULL
  `.execute(db);
  const inherited = new Map<string, PiiProposal>();
  const stopped: PiiStop[] = [];
  const known = new Set(
    sources.rows.map((s) => `${s.store}:${s.schema_name}.${s.table_name}.${s.column_name}`),
  );
  for (const s of sources.rows) {
    const origin = `${s.store}:${s.schema_name}.${s.table_name}.${s.column_name}`;
    const pathTo = new Map<string, string[]>([[origin, [origin]]]);
    let frontier = [origin];
    for (let hop = 0; hop < maxDepth && frontier.length > 0; hop += 1) {
      const rows = await sql<EdgeRow>`
        SELECT from_node, to_node, transformation, expression, carries_rows
        FROM governance.lineage_edges
        WHERE active AND kind = 'flow' AND from_node = ANY(${frontier}::text[])
      `.execute(db);
      const next: string[] = [];
      for (const edge of rows.rows) {
        if (pathTo.has(edge.to_node) || parseNode(edge.to_node).kind !== "column") {
          continue;
        }
        const reason = stopReason(edge);
        if (reason) {
          stopped.push({ from: edge.from_node, to: edge.to_node, reason });
          continue;
        }
        const path = [...(pathTo.get(edge.from_node) ?? []), edge.to_node];
        pathTo.set(edge.to_node, path);
        next.push(edge.to_node);
        if (!known.has(edge.to_node) && !inherited.has(edge.to_node)) {
          inherited.set(edge.to_node, {
            column: edge.to_node,
            category: s.category,
            from: origin,
            path,
          });
        }
      }
      frontier = next;
    }
  }
  const proposals: PiiProposal[] = [];
  for (const p of inherited.values()) {
    if (await proposeInherited(db, p)) {
      proposals.push(p);
    }
  }
  return { proposals, stopped, inherited: [...inherited.values()] };
}

/** Writes the proposal when the catalog has the column pending without a PII proposal. */
async function proposeInherited(db: Db, p: PiiProposal): Promise<boolean> {
  const node = parseNode(p.column);
  if (node.prefix !== "postgres" && node.prefix !== "clickhouse") {
    return false;
  }
  const [schema, table, ...rest] = node.parts;
  const message = `PII via lineage from ${shortName(p.from)}`;
  const evidence: Evidence[] = [
    {
      detector: "lineage",
      signal: "lineage",
      category: p.category as Evidence["category"],
      matched: 1,
      sampled: 1,
      examples: [],
      note: `${message} (${p.path.map(shortName).join(" → ")})`,
    },
  ];
  const updated = await db
    .updateTable("governance.catalog_columns")
    .set({
      proposed_category: p.category,
      proposed_sensitivity: "restricted",
      confidence: 0.9,
      evidence: JSON.stringify(evidence),
      classified_at: new Date(),
    })
    .where("store", "=", node.prefix)
    .where("schema_name", "=", schema ?? "")
    .where("table_name", "=", table ?? "")
    .where("column_name", "=", rest.join("."))
    .where("json_path", "=", "")
    .where("dropped_at", "is", null)
    .where("review_status", "=", "pending")
    .where((eb) =>
      eb.or([eb("proposed_category", "is", null), eb("proposed_category", "=", "none")]),
    )
    .returning("id")
    .executeTakeFirst();
  if (!updated) {
    return false;
  }
  await db
    .insertInto("governance.catalog_review_events")
    .values({
      column_id: updated.id,
      actor: "job:lineage",
      action: "proposed",
      category: p.category,
      sensitivity: "restricted",
      confidence: 0.9,
      comment: message,
      evidence: JSON.stringify(evidence),
    })
    .execute();
  return true;
}
