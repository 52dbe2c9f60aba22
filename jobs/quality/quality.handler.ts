import { CronExpressionParser } from "cron-parser";
import { z } from "zod";
import type { Db } from "../../schema/postgres.ts";
import { listRules } from "./rules.repository.ts";
import { type QualityDeps, runQuality } from "./run.ts";
import type { RuleRecord } from "./types.ts";

/** Rules without a schedule of their own are due on this one. */
export const DEFAULT_RULE_CRON = "0 * * * *";

/**
 * `{}` (the schedule, every five minutes): the rules whose own cron fired since they were last
 * evaluated; `{rule}`/`{table}`/`{all: true}`: those, now.
 */
export const ZQualityPayload = z.strictObject({
  rule: z
    .string()
    .regex(/^[a-z0-9_]{1,100}$/)
    .optional(),
  table: z
    .string()
    .regex(
      /^(public\.)?[a-z_][a-z0-9_]{0,62}$|^clickhouse:[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/,
    )
    .optional(),
  all: z.boolean().optional(),
});
export type TQualityPayload = z.infer<typeof ZQualityPayload>;

/** Whether a rule's cron fired after `last` (never evaluated: due). */
export function isDue(record: RuleRecord, last: Date | undefined, now: Date): boolean {
  if (!last) {
    return true;
  }
  try {
    const previous = CronExpressionParser.parse(record.rule.schedule ?? DEFAULT_RULE_CRON, {
      tz: "UTC",
      currentDate: now,
    })
      .prev()
      .toDate();
    return previous > last;
  } catch {
    return false;
  }
}

async function lastEvaluated(db: Db): Promise<Map<string, Date>> {
  const rows = await db
    .selectFrom("governance.quality_results")
    .select(["rule_id", (eb) => eb.fn.max("evaluated_at").as("at")])
    .groupBy("rule_id")
    .execute();
  return new Map(rows.map((r) => [r.rule_id, new Date(r.at as unknown as string)]));
}

/**
 * The quality job: evaluates the due (or asked-for) rules, progress per table, results stored,
 * incidents opened/resolved with one alert per opening. Idempotent enough for a retry: a
 * second evaluation adds a result, and incidents are de-duplicated while open.
 */
export async function runQualityJob(
  deps: QualityDeps & { progress: (percent: number) => Promise<void>; triggeredBy?: string },
  payload: TQualityPayload,
): Promise<Record<string, unknown>> {
  const now = new Date();
  let rules: RuleRecord[] | undefined;
  if (!payload.rule && !payload.table && !payload.all) {
    const last = await lastEvaluated(deps.db);
    rules = (await listRules(deps.db, deps.rulesDir)).filter(
      (r) => r.rule.enabled && isDue(r, last.get(r.rule.id), now),
    );
    if (!rules.length) {
      await deps.progress(100);
      return { rules: 0, results: 0 };
    }
  }
  const report = await runQuality(deps, {
    rules,
    rule: payload.rule,
    table: payload.table,
    triggeredBy: deps.triggeredBy ?? "schedule",
    now,
    onTable: (done, of) => deps.progress(Math.min(99, Math.round((done / of) * 100))),
  });
  await deps.progress(100);
  return {
    runId: report.runId,
    results: report.results.length,
    failed: report.results.filter((r) => r.passed === false).length,
    errors: report.results.filter((r) => r.error).length,
    opened: report.incidents.opened.length,
    resolved: report.incidents.resolved.length,
  };
}
