import { createRoute } from "@hono/zod-openapi";
import { sql } from "kysely";
import { ZTierHistory } from "../../../schema/domain/tiering.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";

export const tierHistoryRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/tiering/history",
    tags: ["tiering"],
    summary: "Bytes per tier over time (a snapshot after each tiering run)",
    responses: { 200: jsonResponse(ZTierHistory, "Storage over time"), ...errorResponses },
  }),
  "tiering:read",
  async (c) => {
    const rows = await sql<{ taken_at: Date; tier: string; bytes: string }>`
      SELECT taken_at, tier, sum(bytes)::text AS bytes FROM governance.tier_snapshots
      WHERE taken_at > now() - interval '180 days'
      GROUP BY taken_at, tier ORDER BY taken_at`.execute(c.get("deps").db);
    const points = new Map<string, { hot: number; warm: number; cold: number; archive: number }>();
    for (const r of rows.rows) {
      const key = r.taken_at.toISOString();
      const point = points.get(key) ?? { hot: 0, warm: 0, cold: 0, archive: 0 };
      if (r.tier === "hot" || r.tier === "warm" || r.tier === "cold" || r.tier === "archive") {
        point[r.tier] = Number(r.bytes);
      }
      points.set(key, point);
    }
    return c.json(
      { points: [...points.entries()].map(([takenAt, p]) => ({ takenAt, ...p })) },
      200,
    );
  },
);
