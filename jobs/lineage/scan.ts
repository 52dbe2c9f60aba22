import type { AnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import type { Db } from "../../schema/postgres.ts";
import { type AssertReport, activeEdges, assertEdges } from "./edges.repository.ts";
import { extractClickhouse } from "./extract-clickhouse.ts";
import { extractPostgres } from "./extract-postgres.ts";
import { propagatePii } from "./pii.ts";
import { readRegistry, writeRegistry } from "./registry.ts";

export type LineageScanReport = {
  postgres: {
    views: number;
    edges: AssertReport;
    foreignKeys: AssertReport;
    degraded: { view: string; reason: string }[];
  };
  clickhouse:
    | { objects: number; edges: AssertReport; degraded: { object: string; reason: string }[] }
    | { error: string };
  registry: {
    declared: AssertReport;
    written: { inserted: number; reactivated: number; deactivated: number };
  };
  pii: { proposals: number; inherited: number; stopped: number };
  durationMs: number;
};

/**
 * What the `lineage` job and `govern lineage scan` do: extract lineage from both stores (views,
 * materialized views, foreign keys, ClickHouse views/MVs/dictionaries), read the platform's
 * data_lineage registry as declared edges, write discovered flow edges back into it, and
 * propagate accepted PII downstream as review proposals. Each source replaces its own previous
 * edges (vanished ones become inactive); an unreachable ClickHouse is reported, not fatal.
 */
export async function runLineageScan(
  deps: { db: Db; analytics?: AnalyticsStore },
  options: { createdBy?: string; onProgress?: (percent: number) => void } = {},
): Promise<LineageScanReport> {
  const started = performance.now();
  const createdBy = options.createdBy ?? "job:lineage";
  const pg = await extractPostgres(deps.db);
  options.onProgress?.(30);
  const viewReport = await assertEdges(
    deps.db,
    { source: "view", createdBy, replace: true },
    pg.viewEdges,
  );
  const fkReport = await assertEdges(
    deps.db,
    { source: "fk", createdBy, replace: true },
    pg.fkEdges,
  );
  let clickhouse: LineageScanReport["clickhouse"] = { error: "no analytics store" };
  if (deps.analytics) {
    try {
      const ch = await extractClickhouse(deps.analytics);
      const edges = await assertEdges(
        deps.db,
        { source: "clickhouse", createdBy, replace: true },
        ch.edges,
      );
      clickhouse = { objects: ch.objects, edges, degraded: ch.degraded };
    } catch (error) {
      clickhouse = { error: (error as Error).message };
    }
  }
  options.onProgress?.(60);
  const declared = await assertEdges(
    deps.db,
    { source: "registry", createdBy, replace: true },
    await readRegistry(deps.db),
  );
  const discovered = (
    await activeEdges(deps.db, ["view", "clickhouse", "job", "openlineage", "manual"])
  ).filter((e) => e.kind === "flow");
  const written = await writeRegistry(
    deps.db,
    discovered.map((e) => ({
      from: e.from_node,
      to: e.to_node,
      transformation: e.transformation,
      expression: e.expression,
    })),
  );
  options.onProgress?.(80);
  const pii = await propagatePii(deps.db);
  return {
    postgres: { views: pg.views, edges: viewReport, foreignKeys: fkReport, degraded: pg.degraded },
    clickhouse,
    registry: { declared, written },
    pii: {
      proposals: pii.proposals.length,
      inherited: pii.inherited.length,
      stopped: pii.stopped.length,
    },
    durationMs: Math.round(performance.now() - started),
  };
}
