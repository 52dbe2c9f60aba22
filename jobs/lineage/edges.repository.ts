import { sql } from "kysely";
import type { Db } from "../../schema/postgres.ts";
import { parseNode } from "./node-ids.ts";
import type { EdgeSource, LineageEdge } from "./types.ts";

const BATCH = 5_000;

export type AssertReport = {
  asserted: number;
  added: number;
  changed: number;
  deactivated: number;
};

/**
 * Records the edges one scan or one run asserts for (source, job). Each is inserted or marked
 * seen; a changed transformation or expression (or a return after vanishing) bumps its version.
 * With `replace`, an edge of the same (source, job) not asserted now becomes inactive, keeping
 * its last-seen time: lineage versions, never deletion. Runs in one transaction.
 */
export async function assertEdges(
  db: Db,
  input: { source: EdgeSource; job?: string; createdBy: string; replace: boolean },
  edges: LineageEdge[],
): Promise<AssertReport> {
  const job = input.job ?? "";
  const unique = new Map<string, LineageEdge>();
  for (const e of edges) {
    unique.set(`${e.from}\u0000${e.to}\u0000${e.kind}`, e);
  }
  const list = [...unique.values()];
  return db.transaction().execute(async (trx) => {
    // The transaction's timestamp: what this call upserts is stamped with it, earlier rows not.
    const started = await sql<{ now: Date }>`SELECT now() AS now`.execute(trx);
    const since = started.rows[0]?.now ?? new Date();
    let added = 0;
    let changed = 0;
    await upsertNodes(trx, list);
    for (let i = 0; i < list.length; i += BATCH) {
      const chunk = list.slice(i, i + BATCH);
      const result = await sql<{ id: string; version: number; inserted: boolean }>`
        INSERT INTO governance.lineage_edges AS e
          (from_node, to_node, kind, transformation, expression, note, carries_rows, source, job,
           created_by)
        SELECT f, t, k, tr, ex, nt, cr, ${input.source}, ${job}, ${input.createdBy}
        FROM unnest(${chunk.map((e) => e.from)}::text[], ${chunk.map((e) => e.to)}::text[],
                    ${chunk.map((e) => e.kind)}::text[], ${chunk.map((e) => e.transformation)}::text[],
                    ${chunk.map((e) => e.expression)}::text[], ${chunk.map((e) => e.note ?? null)}::text[],
                    ${chunk.map((e) => e.carriesRows ?? true)}::boolean[])
          AS u(f, t, k, tr, ex, nt, cr)
        ON CONFLICT (from_node, to_node, kind, source, job) DO UPDATE SET
          last_seen_at = now(),
          active = true,
          note = EXCLUDED.note,
          carries_rows = EXCLUDED.carries_rows,
          transformation = EXCLUDED.transformation,
          expression = EXCLUDED.expression,
          version = CASE WHEN e.active
              AND e.transformation IS NOT DISTINCT FROM EXCLUDED.transformation
              AND e.expression IS NOT DISTINCT FROM EXCLUDED.expression
            THEN e.version ELSE e.version + 1 END
        RETURNING id, version, (xmax = 0) AS inserted
      `.execute(trx);
      for (const row of result.rows) {
        if (row.inserted) {
          added += 1;
        }
      }
      // A version row per new version (a re-assertion of an unchanged edge conflicts: nothing).
      const versions = await sql<{ edge_id: string }>`
        INSERT INTO governance.lineage_edge_versions (edge_id, version, transformation, expression, active)
        SELECT e.id, e.version, e.transformation, e.expression, true
        FROM governance.lineage_edges e
        WHERE e.id = ANY(${result.rows.map((r) => r.id)}::bigint[])
        ON CONFLICT DO NOTHING
        RETURNING edge_id
      `.execute(trx);
      changed += versions.rows.length;
    }
    changed -= added;
    let deactivated = 0;
    if (input.replace) {
      const gone = await sql<{ id: string }>`
        UPDATE governance.lineage_edges
        SET active = false, version = version + 1
        WHERE source = ${input.source} AND job = ${job} AND active AND last_seen_at < ${since}
        RETURNING id
      `.execute(trx);
      deactivated = gone.rows.length;
      if (deactivated > 0) {
        await sql`
          INSERT INTO governance.lineage_edge_versions (edge_id, version, transformation, expression, active)
          SELECT id, version, transformation, expression, false FROM governance.lineage_edges
          WHERE id = ANY(${gone.rows.map((r) => r.id)}::bigint[])
          ON CONFLICT DO NOTHING
        `.execute(trx);
      }
    }
    return { asserted: list.length, added, changed: Math.max(0, changed), deactivated };
  });
}

/** Records the nodes an edge list touches (and each column's table), marking them seen. */
export async function upsertNodes(db: Db, edges: LineageEdge[]): Promise<void> {
  const nodes = new Map<string, { kind: string; parent: string | null }>();
  for (const id of edges.flatMap((e) => [e.from, e.to])) {
    if (nodes.has(id)) {
      continue;
    }
    const parsed = parseNode(id);
    nodes.set(id, { kind: parsed.kind, parent: parsed.table });
    if (parsed.table && !nodes.has(parsed.table)) {
      nodes.set(parsed.table, { kind: "table", parent: null });
    }
  }
  const list = [...nodes.entries()];
  for (let i = 0; i < list.length; i += BATCH) {
    const chunk = list.slice(i, i + BATCH);
    await sql`
      INSERT INTO governance.lineage_nodes (id, kind, parent_id)
      SELECT * FROM unnest(${chunk.map(([id]) => id)}::text[], ${chunk.map(([, n]) => n.kind)}::text[],
                           ${chunk.map(([, n]) => n.parent)}::text[])
      ON CONFLICT (id) DO UPDATE SET last_seen_at = now()
    `.execute(db);
  }
}

export type StoredEdge = {
  id: string;
  from_node: string;
  to_node: string;
  kind: string;
  transformation: string | null;
  expression: string | null;
  source: string;
  job: string;
  note: string | null;
  carries_rows: boolean;
  active: boolean;
  version: number;
  first_seen_at: Date;
  last_seen_at: Date;
  created_by: string;
};

/** Active flow edges of given sources (the registry write-back reads them). */
export async function activeEdges(db: Db, sources: EdgeSource[]): Promise<StoredEdge[]> {
  return (await db
    .selectFrom("governance.lineage_edges")
    .selectAll()
    .where("active", "=", true)
    .where("source", "in", sources)
    .execute()) as unknown as StoredEdge[];
}
