import { createRoute } from "@hono/zod-openapi";
import { sql } from "kysely";
import { SKIPPED_SCHEMAS } from "../../../jobs/classify/introspect-postgres.ts";
import { ZOverview } from "../../../schema/contracts/overview.ts";
import { can } from "../../../schema/domain/permissions.ts";
import { catalogSummary } from "../../../schema/governance/catalog-query.ts";
import type { Db } from "../../../schema/postgres.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";

/**
 * Tables, columns and estimated rows of the operational store, live from pg_catalog, over the
 * relations the catalog scanner reads (tables, views, materialized and foreign tables outside
 * the system schemas and govern's own; partitions folded into their parent): so the overview's
 * Postgres columns and the catalog's agree once a scan is current.
 */
async function catalogFigures(db: Db) {
  const result = await sql<{ tables: number; columns: number; rows: number }>`
    WITH operational AS (
      SELECT c.oid, c.relkind, c.relispartition, c.reltuples
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
        AND n.nspname <> ALL (${sql.val(SKIPPED_SCHEMAS)}::text[])
        AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
    )
    SELECT
      (SELECT count(*) FROM operational WHERE NOT relispartition)::int AS tables,
      (SELECT count(*) FROM pg_attribute a JOIN operational o ON o.oid = a.attrelid
        WHERE NOT o.relispartition AND a.attnum > 0 AND NOT a.attisdropped)::int AS columns,
      -- Leaf tables hold the rows (partitions included); a never-analysed table has
      -- reltuples = -1, so the statistics collector's live-tuple count stands in for it.
      (SELECT coalesce(sum(CASE WHEN o.reltuples >= 0 THEN o.reltuples
                               ELSE coalesce(s.n_live_tup, 0) END), 0)
        FROM operational o LEFT JOIN pg_stat_user_tables s ON s.relid = o.oid
        WHERE o.relkind = 'r')::float8 AS rows`.execute(db);
  const row = result.rows[0];
  return {
    tables: row?.tables ?? 0,
    columns: row?.columns ?? 0,
    rowEstimate: Math.round(Number(row?.rows ?? 0)),
  };
}

async function jobHealth(db: Db) {
  const byStatus = await db
    .selectFrom("governance.job_runs")
    .select(["status", (eb) => eb.fn.countAll<string>().as("n")])
    .where("queued_at", ">", sql<Date>`now() - interval '24 hours'`)
    .groupBy("status")
    .execute();
  const failure = await db
    .selectFrom("governance.job_runs")
    .select(["queue", "job_name", "error", "finished_at", "queued_at"])
    .where("status", "=", "failed")
    .orderBy(sql`coalesce(finished_at, queued_at)`, "desc")
    .limit(1)
    .executeTakeFirst();
  return {
    last24h: Object.fromEntries(byStatus.map((r) => [r.status, Number(r.n)])),
    lastFailure: failure
      ? {
          queue: failure.queue,
          jobName: failure.job_name,
          error: failure.error,
          at: new Date(failure.finished_at ?? failure.queued_at).toISOString(),
        }
      : null,
  };
}

async function recentAudit(db: Db) {
  const rows = await db
    .selectFrom("governance.audit_events")
    .select(["id", "occurred_at", "actor", "action", "target"])
    .orderBy("id", "desc")
    .limit(10)
    .execute();
  return rows.map((r) => ({
    id: String(r.id),
    occurredAt: new Date(r.occurred_at).toISOString(),
    actor: r.actor,
    action: r.action,
    target: r.target,
  }));
}

export const getOverview = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/overview",
    tags: ["overview"],
    summary: "Real figures for the console's front page: tenants, catalog size, job health, audit",
    security: [{ bearer: [] }],
    responses: { 200: jsonResponse(ZOverview, "The overview figures"), ...errorResponses },
  }),
  "overview:read",
  async (c) => {
    const { db } = c.get("deps");
    const principal = c.get("principal");
    const [tenants, catalog, jobs, classification, audit] = await Promise.all([
      db
        .selectFrom("tenants")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .executeTakeFirstOrThrow(),
      catalogFigures(db),
      jobHealth(db),
      catalogSummary(db),
      // The audit trail is for roles that may read it; the overview must not leak it to others.
      principal && can(principal.role, "audit:read") ? recentAudit(db) : Promise.resolve(null),
    ]);
    return c.json(
      { tenants: Number(tenants.n), catalog, jobs, classification, recentAudit: audit },
      200,
    );
  },
);
