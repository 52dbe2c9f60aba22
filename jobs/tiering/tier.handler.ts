import { z } from "zod";
import type { JobContext } from "../job-definition.ts";
import { runRestore, runTiering } from "./run.ts";

/**
 * The `tier` job (issue 19; the API stays under /api/v1/tiering): `{action: "run"}` daily (the schedule
 * sends `{}`), or `{action: "restore", …}` queued by the console. Both are idempotent across a
 * crash: a run first completes or undoes the moves left open (see mover.ts), then plans anew.
 */
const ZDate = z.iso.datetime({ offset: true });

export const ZTierRunPayload = z.strictObject({
  action: z.literal("run"),
  tables: z
    .array(z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/))
    .max(50)
    .optional(),
  asOf: ZDate.optional(),
  triggeredBy: z.string().max(320).optional(),
});

export const ZTierRestorePayload = z.strictObject({
  action: z.literal("restore"),
  table: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/),
  tenantId: z.uuid().nullable().optional(),
  from: ZDate,
  to: ZDate,
  triggeredBy: z.string().max(320).optional(),
});

export const ZTieringPayload = z.preprocess(
  (value) =>
    value && typeof value === "object" && !("action" in value)
      ? { ...value, action: "run" }
      : value,
  z.discriminatedUnion("action", [ZTierRunPayload, ZTierRestorePayload]),
);

export type TTieringPayload = z.infer<typeof ZTieringPayload>;

export async function runTieringJob(
  context: Pick<
    JobContext,
    "db" | "pool" | "config" | "analytics" | "runId" | "progress" | "triggeredBy"
  >,
  payload: TTieringPayload,
): Promise<Record<string, unknown>> {
  const deps = {
    db: context.db,
    pool: context.pool,
    config: context.config,
    analytics: context.analytics,
    runId: context.runId,
    requestedBy: payload.triggeredBy ?? context.triggeredBy ?? "schedule",
  };
  if (payload.action === "restore") {
    await context.progress(5);
    const outcomes = await runRestore(deps, {
      table: payload.table,
      tenantId: payload.tenantId ?? null,
      from: new Date(payload.from),
      to: new Date(payload.to),
    });
    await context.progress(100);
    return {
      moves: outcomes.map((o) => ({
        table: o.table,
        from: o.from,
        to: o.to,
        rows: o.rows,
        partition: o.partition,
      })),
    };
  }
  const report = await runTiering(deps, {
    tables: payload.tables,
    asOf: payload.asOf ? new Date(payload.asOf) : undefined,
    progress: context.progress,
  });
  return {
    moves: report.moves,
    rolledBack: report.rolledBack.length,
    recovered: report.recovered,
    skipped: report.skipped.length,
  };
}
