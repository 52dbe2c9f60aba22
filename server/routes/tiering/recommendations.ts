import { createRoute } from "@hono/zod-openapi";
import { sql } from "kysely";
import { currentTieringPolicies } from "../../../jobs/tiering/policies.ts";
import { ZTierRecommendations } from "../../../schema/domain/tiering.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";

/**
 * Tier recommendation: tables with many rows that are rarely read (few scans per row) would
 * cost less with a shorter hot period; tables read a lot keep theirs. Read from
 * pg_stat_user_tables (partitions summed into their parent).
 */
export const tierRecommendationsRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/tiering/recommendations",
    tags: ["tiering"],
    summary: "Tables whose tiering policy could be tighter, from their read statistics",
    responses: {
      200: jsonResponse(ZTierRecommendations, "Recommendations"),
      ...errorResponses,
    },
  }),
  "tiering:read",
  async (c) => {
    const db = c.get("deps").db;
    const stats = await sql<{
      table: string;
      seq: string;
      idx: string;
      live: string;
      writes: string;
    }>`
      SELECT coalesce(p.relname, s.relname) AS table,
             sum(s.seq_scan)::text AS seq, sum(coalesce(s.idx_scan, 0))::text AS idx,
             sum(s.n_live_tup)::text AS live,
             sum(s.n_tup_ins + s.n_tup_upd + s.n_tup_del)::text AS writes
      FROM pg_stat_user_tables s
      LEFT JOIN pg_inherits i ON i.inhrelid = s.relid
      LEFT JOIN pg_class p ON p.oid = i.inhparent
      WHERE s.schemaname = 'public'
      GROUP BY 1 ORDER BY sum(s.n_live_tup) DESC LIMIT 50`.execute(db);
    const policies = new Map(
      (await currentTieringPolicies(db)).map((e) => [e.policy.table, e.policy]),
    );
    const items = stats.rows.map((r) => {
      const live = Number(r.live);
      const reads = Number(r.seq) + Number(r.idx);
      const policy = policies.get(r.table);
      const perRow = live > 0 ? reads / live : reads;
      const suggestion = !policy
        ? live > 10_000 && perRow < 0.01
          ? "large and rarely read: add a tiering policy"
          : "no policy; reads do not call for one"
        : perRow < 0.01 && live > 1_000
          ? `rarely read (${reads} scans for ${live} rows): a shorter hot period than ${policy.tiers.hot} would cost less`
          : `read often enough to keep ${policy.tiers.hot} hot`;
      return {
        table: r.table,
        seqScans: Number(r.seq),
        indexScans: Number(r.idx),
        liveRows: live,
        writes: Number(r.writes),
        hotAge: policy?.tiers.hot ?? null,
        suggestion,
      };
    });
    return c.json({ items }, 200);
  },
);
