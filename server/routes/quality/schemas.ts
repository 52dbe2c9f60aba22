import { z } from "@hono/zod-openapi";
import { SqlRejected } from "../../../jobs/quality/sql-guard.ts";
import { QualityRulesError } from "../../../rules/quality/loader.ts";
import { AppError } from "../../errors.ts";

/** Shapes of the quality API; the console imports these as inferred types. */

export const ZIdParams = z.object({
  id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
});
/** A rule id; its shape ([a-z0-9_]+) is checked in the handler, after access (an unknown id is 404). */
export const ZRuleIdParams = z.object({
  id: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: "id", in: "path" }, description: "[a-z0-9_]+" }),
});

/** A rule as the contract writes it (validated by rules/quality's schema, with line-free messages). */
export const ZRuleBody = z.record(z.string(), z.unknown()).openapi("QualityRuleInput");

export const ZRuleResult = z
  .object({
    id: z.string().nullable(),
    rule: z.string(),
    table: z.string(),
    column: z.string().nullable(),
    kind: z.string(),
    tenant_id: z.string().nullable(),
    score: z.number().nullable(),
    threshold: z.number(),
    passed: z.boolean().nullable(),
    severity: z.string(),
    failing: z.number(),
    total: z.number(),
    sample_keys: z.array(z.string()),
    detail: z.record(z.string(), z.unknown()),
    error: z.string().nullable(),
  })
  .openapi("QualityRuleResult");
export type TRuleResult = z.infer<typeof ZRuleResult>;

export const ZRunResponse = z
  .object({
    runId: z.string().nullable(),
    results: z.array(ZRuleResult),
    incidents: z.object({
      opened: z.array(z.string()),
      resolved: z.array(z.string()),
      stillOpen: z.array(z.string()),
    }),
  })
  .openapi("QualityRun");
export type TRunResponse = z.infer<typeof ZRunResponse>;

export const ZRuleOverview = z
  .object({
    id: z.string(),
    table: z.string(),
    column: z.string().nullable(),
    kind: z.string(),
    severity: z.string(),
    threshold: z.number(),
    tenants: z.string(),
    enabled: z.boolean(),
    version: z.number(),
    source: z.string(),
    owner: z.string().nullable(),
    lastScore: z.number().nullable(),
    lastPassed: z.boolean().nullable(),
    lastEvaluatedAt: z.string().nullable(),
    sparkline: z.array(z.number()),
    openIncidents: z.number(),
  })
  .openapi("QualityRuleOverview");
export type TRuleOverview = z.infer<typeof ZRuleOverview>;

export const ZResultRow = z
  .object({
    id: z.string(),
    runId: z.string(),
    rule: z.string(),
    table: z.string(),
    tenantId: z.string().nullable(),
    tenantName: z.string().nullable(),
    score: z.number().nullable(),
    threshold: z.number(),
    passed: z.boolean().nullable(),
    severity: z.string(),
    failing: z.number(),
    total: z.number(),
    samples: z.number(),
    detail: z.record(z.string(), z.unknown()),
    error: z.string().nullable(),
    evaluatedAt: z.string(),
  })
  .openapi("QualityResult");
export type TResultRow = z.infer<typeof ZResultRow>;

export const ZIncident = z
  .object({
    id: z.string(),
    rule: z.string(),
    status: z.enum(["new", "acknowledged", "assigned", "resolved"]),
    severity: z.string(),
    title: z.string(),
    table: z.string(),
    tenant_id: z.string().nullable(),
    assignee: z.string().nullable(),
    opened_at: z.string(),
    acknowledged_at: z.string().nullable(),
    resolved_at: z.string().nullable(),
    last_score: z.number().nullable(),
  })
  .openapi("QualityIncident");
export type TIncident = z.infer<typeof ZIncident>;

export const ZSuggestion = z
  .object({
    id: z.string(),
    ruleId: z.string(),
    rule: z.record(z.string(), z.unknown()),
    reason: z.string(),
    origin: z.enum(["catalog", "profile"]),
    status: z.enum(["proposed", "accepted", "rejected"]),
    createdAt: z.string(),
    decidedBy: z.string().nullable(),
  })
  .openapi("QualitySuggestion");
export type TSuggestion = z.infer<typeof ZSuggestion>;

export const ZSummary = z
  .object({
    rules: z.number(),
    evaluated: z.number(),
    passing: z.number(),
    failing: z.number(),
    openIncidents: z.number(),
    criticalOpen: z.number(),
    lastRunAt: z.string().nullable(),
    averageScore: z.number().nullable(),
  })
  .openapi("QualitySummary");
export type TSummary = z.infer<typeof ZSummary>;

/** Runs `fn`, turning a refused rule or SQL text into a 400 that names the problem. */
export async function asRuleErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof QualityRulesError) {
      throw new AppError(
        "invalid_request",
        error.message.split(":\n")[0] ?? "invalid rule",
        error.problems.map((p) => ({ path: p.split(":")[0] ?? "", message: p })),
      );
    }
    if (error instanceof SqlRejected) {
      throw new AppError("invalid_request", `sql: ${error.message}`, [
        { path: "sql", message: error.message, token: error.token },
      ]);
    }
    throw error;
  }
}

/** The wire shape of an engine result (snake_case, like the CLI contract). */
export function toWireResult(r: {
  id: string | null;
  rule: string;
  table: string;
  column: string | null;
  kind: string;
  tenantId: string | null;
  score: number | null;
  threshold: number;
  passed: boolean | null;
  severity: string;
  failing: number;
  total: number;
  sampleKeys: string[];
  detail: Record<string, unknown>;
  error: string | null;
}): TRuleResult {
  return {
    id: r.id,
    rule: r.rule,
    table: r.table,
    column: r.column,
    kind: r.kind,
    tenant_id: r.tenantId,
    score: r.score,
    threshold: r.threshold,
    passed: r.passed,
    severity: r.severity,
    failing: r.failing,
    total: r.total,
    sample_keys: r.sampleKeys,
    detail: r.detail,
    error: r.error,
  };
}
