/**
 * `npm run bench -- lineage [nodes] [edges]` (default 100,000 columns and 1,000,000 edges).
 *
 * A synthetic column graph shaped like warehouse lineage: each column feeds `edges/nodes`
 * columns a little further along (within a window of 50), so paths fan out and meet again
 * (diamonds everywhere), and one edge in twenty points back (cycles). The same graph is written
 * to govern's lineage_edges and to the platform's data_lineage (table level, with an index on
 * source_table so the seed's query is not also paying for sequential scans).
 *
 * Measured in the same run from the same random roots: govern's 10-hop downstream trace
 * (traceLineage: BFS over the in-memory index of the graph, each node once, then one query for
 * the reached columns' catalog entries and the graph generation) against the seed's
 * recursive CTE turned downstream (the join flipped, nothing else changed: UNION ALL, depth < 10,
 * every path walked). The seed's query at depth 10 does not finish on such a graph (paths grow
 * as fan-out^depth); it runs under a statement timeout, and the ratio printed is then a lower
 * bound (`>=`). It is also timed at the largest depth it finishes, next to ours at that depth.
 * Also printed: the time to build the index (the first trace) and a trace right after an edge
 * was written (it sees the edge, so it pays for a rebuild).
 */
import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { graphAtLeast } from "../jobs/lineage/graph-cache.ts";
import { traceLineage } from "../jobs/lineage/trace.ts";
import { loadConfig, withDatabase } from "../schema/config.ts";
import { migrateToLatest } from "../schema/migrate.ts";
import { createOwnerDb, type Db } from "../schema/postgres.ts";

const WINDOW = 50;
const ROOTS = 40;

const node = (i: number) => `postgres:bench.t${i}.c`;

export async function main(args: string[]): Promise<void> {
  const nodes = Number(args[0] ?? 100_000);
  const edges = Number(args[1] ?? 1_000_000);
  const timeoutMs = Number(args[2] ?? 30_000);
  if (!Number.isInteger(nodes) || nodes < 1000 || !Number.isInteger(edges) || edges < nodes) {
    console.error(
      "usage: npm run bench -- lineage [nodes >= 1000] [edges >= nodes] [seed timeout ms]",
    );
    process.exit(2);
  }
  const base = loadConfig();
  const name = `govern_bench_lineage_${randomBytes(3).toString("hex")}`;
  const config = withDatabase(base, name);
  const admin = createOwnerDb(withDatabase(base, "postgres"), { max: 1 });
  await sql`CREATE DATABASE ${sql.id(name)}`.execute(admin.db);
  const { db } = createOwnerDb(config, { max: 2 });
  try {
    await migrateToLatest(db, config);
    const t0 = performance.now();
    await build(db, nodes, edges);
    const loaded = await sql<{
      n: string;
    }>`SELECT count(*) AS n FROM governance.lineage_edges`.execute(db);
    console.log(
      `lineage: graph of ${nodes} columns, ${loaded.rows[0]?.n} edges (fan-out ${Math.round(edges / nodes)}, window ${WINDOW}, 5% back edges) built in ${Math.round(performance.now() - t0)} ms`,
    );
    const roots = Array.from({ length: ROOTS }, (_, k) => Math.floor(((k + 0.5) / ROOTS) * nodes));

    // govern: the first trace builds the index; then 10 hops from each root.
    const cold = performance.now();
    await traceLineage(db, { root: node(roots[0] ?? 0), direction: "downstream", depth: 10 });
    console.log(
      `lineage: first trace (reads the graph into the in-memory index) ${Math.round(performance.now() - cold)} ms`,
    );
    const ours: number[] = [];
    let visited = 0;
    for (const r of roots) {
      const s = performance.now();
      const trace = await traceLineage(db, { root: node(r), direction: "downstream", depth: 10 });
      ours.push(performance.now() - s);
      visited += trace.nodes.length;
    }
    const oursP50 = pct(ours, 50);
    const oursP95 = pct(ours, 95);
    // The in-memory part alone (the rest of a trace is one statement: catalog and generation).
    const graph = await graphAtLeast(db, 0);
    const walks = roots.map((r) => {
      const s = performance.now();
      graph.walk({ root: node(r), directions: ["downstream"], depth: 10, rootIsTable: false });
      return performance.now() - s;
    });
    console.log(
      `lineage: of which the in-memory walk: p50 ${pct(walks, 50).toFixed(2)} ms, p95 ${pct(walks, 95).toFixed(2)} ms`,
    );
    console.log(
      `lineage: govern 10-hop trace: p50 ${oursP50.toFixed(1)} ms, p95 ${oursP95.toFixed(1)} ms, ${Math.round(visited / roots.length)} nodes per trace (each once)`,
    );

    // A write invalidates the index: the next trace sees the new edge (and pays for the rebuild).
    const fresh = `postgres:bench.fresh${Date.now()}.c`;
    await sql`
      INSERT INTO governance.lineage_edges (from_node, to_node, kind, transformation, source, created_by)
      VALUES (${node(roots[2] ?? 0)}, ${fresh}, 'flow', 'direct', 'manual', 'bench')
    `.execute(db);
    const afterWrite = performance.now();
    const seen = await traceLineage(db, {
      root: node(roots[2] ?? 0),
      direction: "downstream",
      depth: 1,
    });
    if (!seen.nodes.some((n) => n.id === fresh)) {
      throw new Error("the trace after a write did not see the written edge");
    }
    console.log(
      `lineage: trace right after an edge was written (reads the rows changed since) ${Math.round(performance.now() - afterWrite)} ms`,
    );

    // The seed's query at growing depth on the first roots, until it no longer finishes.
    let lastFinished: { depth: number; ms: number; rows: number; oursMs: number } | undefined;
    let seed10: { ms: number; timedOut: boolean } | undefined;
    for (const depth of [2, 3, 4, 5, 6, 7, 8, 9, 10]) {
      const root = roots[1] ?? 0;
      const run = await seedQuery(db, `bench.t${root}.c`, depth, timeoutMs);
      const s = performance.now();
      await traceLineage(db, { root: node(root), direction: "downstream", depth });
      const oursMs = performance.now() - s;
      console.log(
        `lineage: depth ${depth}: seed CTE ${run.timedOut ? `> ${timeoutMs} ms (timed out)` : `${run.ms.toFixed(1)} ms, ${run.rows} rows (paths)`}, govern ${oursMs.toFixed(1)} ms`,
      );
      if (run.timedOut) {
        seed10 = { ms: timeoutMs, timedOut: true };
        break;
      }
      lastFinished = { depth, ms: run.ms, rows: run.rows, oursMs };
      if (depth === 10) {
        seed10 = { ms: run.ms, timedOut: false };
      }
    }
    if (lastFinished) {
      console.log(
        `lineage: at depth ${lastFinished.depth} (the deepest the seed's query finished): seed ${lastFinished.ms.toFixed(1)} ms vs govern ${lastFinished.oursMs.toFixed(1)} ms = ${(lastFinished.ms / lastFinished.oursMs).toFixed(1)}x`,
      );
    }
    const ratio = (seed10?.ms ?? 0) / oursP95;
    const perSecond = Math.round(visited / roots.length / (oursP50 / 1000));
    console.log(
      `lineage: ratio ${seed10?.timedOut ? ">=" : ""}${ratio.toFixed(1)} (seed recursive CTE 10-hop over govern 10-hop p95 ${oursP95.toFixed(1)} ms), ${perSecond} rows/s`,
    );
  } finally {
    await db.destroy();
    await sql`DROP DATABASE IF EXISTS ${sql.id(name)} WITH (FORCE)`.execute(admin.db);
    await admin.db.destroy();
  }
}

async function build(db: Db, nodes: number, edges: number): Promise<void> {
  const fanOut = Math.max(1, Math.round(edges / nodes));
  await sql`SELECT setseed(0.42)`.execute(db);
  // One statement per slice of sources keeps memory flat; ON CONFLICT drops repeated pairs.
  const slice = 20_000;
  for (let from = 0; from < nodes; from += slice) {
    const to = Math.min(nodes, from + slice) - 1;
    await sql`
      INSERT INTO governance.lineage_edges (from_node, to_node, kind, transformation, source, created_by)
      SELECT 'postgres:bench.t' || i || '.c',
        'postgres:bench.t' || (CASE WHEN random() < 0.05
            THEN (i - 1 - floor(random() * ${WINDOW})::int + ${nodes}) % ${nodes}
            ELSE (i + 1 + floor(random() * ${WINDOW})::int) % ${nodes} END) || '.c',
        'flow', 'direct', 'manual', 'bench'
      FROM generate_series(${from}::int, ${to}::int) i, generate_series(1, ${fanOut}) d
      ON CONFLICT DO NOTHING
    `.execute(db);
  }
  // The same graph, in the platform's registry, as the seed's query reads it.
  await sql`
    INSERT INTO data_lineage (source_table, target_table, transformation_type, created_by)
    SELECT substr(from_node, 10), substr(to_node, 10), 'direct', 'bench' FROM governance.lineage_edges
  `.execute(db);
  await sql`CREATE INDEX data_lineage_bench_source ON data_lineage (source_table)`.execute(db);
  // As autovacuum leaves a settled table: the visibility map set, so a trace's hops are answered
  // from the covering indexes alone (index-only scans) rather than a heap visit per edge.
  await sql`VACUUM ANALYZE governance.lineage_edges`.execute(db);
  await sql`ANALYZE data_lineage`.execute(db);
}

/** The seed's recursive query, downstream (join flipped), `lt.depth < depth`, under a timeout. */
async function seedQuery(
  db: Db,
  root: string,
  depth: number,
  timeoutMs: number,
): Promise<{ ms: number; rows: number; timedOut: boolean }> {
  return db.connection().execute(async (conn) => {
    await sql`SELECT set_config('statement_timeout', ${String(timeoutMs)}, false)`.execute(conn);
    const s = performance.now();
    try {
      const result = await sql<{ n: string }>`
        WITH RECURSIVE lineage_trace AS (
          SELECT source_table, source_column, target_table, target_column, transformation_type, 1 as depth
          FROM data_lineage
          WHERE source_table = ${root} AND is_active = true
          UNION ALL
          SELECT dl.source_table, dl.source_column, dl.target_table, dl.target_column,
            dl.transformation_type, lt.depth + 1
          FROM data_lineage dl
          JOIN lineage_trace lt ON dl.source_table = lt.target_table
          WHERE dl.is_active = true AND lt.depth < ${depth}
        )
        SELECT count(*) AS n FROM (SELECT * FROM lineage_trace ORDER BY depth) x
      `.execute(conn);
      return { ms: performance.now() - s, rows: Number(result.rows[0]?.n ?? 0), timedOut: false };
    } catch (error) {
      if (/statement timeout/i.test((error as Error).message)) {
        return { ms: performance.now() - s, rows: 0, timedOut: true };
      }
      throw error;
    } finally {
      await sql`SELECT set_config('statement_timeout', '0', false)`.execute(conn);
    }
  });
}

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}
