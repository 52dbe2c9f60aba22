// Wire shapes of /api/v1/quality/*, defined once for the routes and the console.
import { z } from "@hono/zod-openapi";

/**
 * A verdict's figures: one rule on one table (and tenant), its passing share compared with the
 * threshold. A run's result and a stored result row both carry them, under their own names for
 * the rest.
 */
const verdictFields = {
  rule: z.string(),
  table: z.string(),
  score: z.number().nullable(),
  threshold: z.number(),
  passed: z.boolean().nullable(),
  severity: z.string(),
  failing: z.number(),
  total: z.number(),
  detail: z.record(z.string(), z.unknown()),
  error: z.string().nullable(),
};

/** A run's result, snake_case as the CLI contract prints it. */
export const ZRuleResult = z
  .object({
    id: z.string().nullable(),
    ...verdictFields,
    column: z.string().nullable(),
    kind: z.string(),
    tenant_id: z.string().nullable(),
    sample_keys: z.array(z.string()),
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
    severity: z.enum(["warning", "error", "critical"]),
    threshold: z.number(),
    tenants: z.string(),
    enabled: z.boolean(),
    version: z.number(),
    source: z.string(),
    owner: z.string().nullable(),
    lastScore: z.number().nullable(),
    lastPassed: z.boolean().nullable(),
    lastEvaluatedAt: z.string().nullable(),
    sparkline: z
      .array(z.number())
      .describe("The score per run, oldest first, at most 20: the minimum over its tenants"),
    openIncidents: z.number(),
  })
  .openapi("QualityRuleOverview");
export type TRuleOverview = z.infer<typeof ZRuleOverview>;

/** A stored result, as the history lists it. */
export const ZResultRow = z
  .object({
    id: z.string(),
    runId: z.string(),
    ...verdictFields,
    tenantId: z.string().nullable(),
    tenantName: z.string().nullable(),
    samples: z.number(),
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

export const ZIncidentDetail = z
  .object({
    incident: ZIncident,
    events: z.array(
      z.object({
        at: z.string(),
        actor: z.string(),
        action: z.string(),
        comment: z.string().nullable(),
        assignee: z.string().nullable(),
      }),
    ),
  })
  .openapi("QualityIncidentDetail");
export type TIncidentDetail = z.infer<typeof ZIncidentDetail>;

export const ZSamples = z
  .object({
    table: z.string(),
    column: z.string().nullable(),
    category: z.string(),
    masked: z.boolean(),
    rows: z.array(
      z.object({ key: z.string(), tenantId: z.string().nullable(), value: z.string().nullable() }),
    ),
  })
  .openapi("QualitySamples");
export type TSamples = z.infer<typeof ZSamples>;

export const ZRuleDetail = z
  .object({
    rule: z.record(z.string(), z.unknown()),
    version: z.number(),
    source: z.string(),
    versions: z.array(
      z.object({ version: z.number(), changedBy: z.string(), changedAt: z.string() }),
    ),
  })
  .openapi("QualityRuleDetail");
export type TRuleDetail = z.infer<typeof ZRuleDetail>;
