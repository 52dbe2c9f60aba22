import { z } from "zod";

/**
 * The shape of a data-quality rule (`rules/quality/*.yaml`, the CLI's `--file`, the console's
 * editor). The fields named in issue 17's contract (id, table, column, kind, check, sql,
 * threshold, severity, tenants) are kept exactly; the rest are optional. A score is the passing
 * share of the rows in scope, compared with `threshold` (GX's `mostly`).
 */

export const RULE_KINDS = [
  "completeness",
  "uniqueness",
  "validity",
  "consistency",
  "freshness",
  "volume",
  "schema",
  "custom_sql",
  "reconciliation",
] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

export const SEVERITIES = ["warning", "error", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];
/** Higher is worse. */
export const SEVERITY_RANK: Record<Severity, number> = { warning: 1, error: 2, critical: 3 };

/** Formats checked with the classifier's validators (rules/classification/detectors). */
export const FORMATS = ["email", "phone", "luhn", "iban", "uuid"] as const;
export type Format = (typeof FORMATS)[number];

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;
export const ZIdent = z.string().regex(IDENT, "must be a lower-case SQL identifier");
const ZScalar = z.union([z.string().max(200), z.number(), z.boolean()]);

/** `payments`, `public.payments`, or `clickhouse:db.table`. */
export const ZTableRef = z
  .string()
  .regex(
    /^(?:(?:public\.)?[a-z_][a-z0-9_]{0,62}|clickhouse:[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*)$/,
    "must be a table of the operational store (payments, public.payments) or clickhouse:db.table",
  );

/** A JSONB path below `column`: `settings.address.city`. */
export const ZJsonPath = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,7}$/, "must be keys joined by dots");

const ZRange = z
  .strictObject({
    min: z.number().optional(),
    max: z.number().optional(),
    /** Both bounds exclusive (the seed's `amount > 0 AND amount < 1000000`). */
    exclusive: z.boolean().optional(),
  })
  .refine((r) => r.min !== undefined || r.max !== undefined, "needs min or max");

const ZLength = z
  .strictObject({
    min: z.number().int().min(0).optional(),
    max: z.number().int().min(0).optional(),
  })
  .refine((r) => r.min !== undefined || r.max !== undefined, "needs min or max");

const OPS = ["=", "<>", "<", "<=", ">", ">="] as const;

/** What a rule checks, by kind. Each is one key so a YAML line reads as what it checks. */
export const ZCheck = z.strictObject({
  // validity
  regex: z.string().min(1).max(500).optional(),
  set: z.array(ZScalar).min(1).max(500).optional(),
  range: ZRange.optional(),
  length: ZLength.optional(),
  format: z.enum(FORMATS).optional(),
  /** Validity only: NULLs pass instead of failing (default: fail, the seed's semantics). */
  ignore_nulls: z.boolean().optional(),
  // uniqueness
  columns: z.array(ZIdent).min(1).max(8).optional(),
  /** Uniqueness across all tenants (default: within each tenant). */
  global: z.boolean().optional(),
  // consistency
  allowed: z.array(ZScalar).min(1).max(500).optional(),
  compare: z.strictObject({ left: ZIdent, op: z.enum(OPS), right: ZIdent }).optional(),
  reference: z.strictObject({ table: ZIdent, column: ZIdent }).optional(),
  // freshness / volume
  timestamp: ZIdent.optional(),
  max_age_hours: z
    .number()
    .positive()
    .max(24 * 3650)
    .optional(),
  window_hours: z
    .number()
    .positive()
    .max(24 * 3650)
    .optional(),
  min_rows: z.number().int().min(0).optional(),
  max_rows: z.number().int().min(0).optional(),
  /** Dynamic band: mean ± k·σ per weekday over the last `runs` results (default k 3, 8 runs). */
  band: z
    .strictObject({
      k: z.number().positive().max(10).default(3),
      runs: z.number().int().min(3).max(200).default(8),
    })
    .optional(),
  // schema
  expect_columns: z.record(ZIdent, z.string().min(1).max(100)).optional(),
  // reconciliation
  reconcile: z.enum(["revenue_daily"]).optional(),
  tolerance: z.number().min(0).optional(),
});
export type TCheck = z.infer<typeof ZCheck>;

export const ZTenants = z.union([
  z.literal("all"),
  z.literal("per_tenant"),
  z.array(z.string().uuid("must be a tenant id (UUID)")).min(1).max(1000),
]);
export type TTenants = z.infer<typeof ZTenants>;

export const ZQualityRule = z.strictObject({
  id: z.string().regex(/^[a-z0-9_]{1,100}$/, "must match [a-z0-9_]+"),
  table: ZTableRef,
  column: ZIdent.nullish(),
  path: ZJsonPath.nullish(),
  kind: z.enum(RULE_KINDS),
  check: ZCheck.default({}),
  sql: z.string().max(20_000).nullish(),
  threshold: z.number().min(0).max(1).default(1),
  severity: z.enum(SEVERITIES).default("error"),
  tenants: ZTenants.default("all"),
  /** Cron (UTC); absent: the quality job's own schedule. */
  schedule: z.string().max(100).nullish(),
  channels: z.array(z.string().min(1).max(200)).max(20).default([]),
  owner: z.string().max(200).nullish(),
  enabled: z.boolean().default(true),
  description: z.string().max(2000).nullish(),
});
export type TQualityRule = z.infer<typeof ZQualityRule>;
export type TQualityRuleInput = z.input<typeof ZQualityRule>;

/** `payments` and `public.payments` → `payments`; ClickHouse references unchanged. */
export function tableNameOf(table: string): string {
  return table.startsWith("public.") ? table.slice("public.".length) : table;
}

/** The name results and the contract print: `public.payments`, `clickhouse:db.t`. */
export function qualifiedTable(table: string): string {
  return table.startsWith("clickhouse:") ? table : `public.${tableNameOf(table)}`;
}

/** Kind-specific requirements zod's shape cannot say; empty when the rule is coherent. */
export function ruleShapeProblems(rule: TQualityRule): string[] {
  const p: string[] = [];
  const c = rule.check;
  const needColumn = (what: string) => {
    if (!rule.column) {
      p.push(`column: ${what} needs a column`);
    }
  };
  const isClickhouse = rule.table.startsWith("clickhouse:");
  switch (rule.kind) {
    case "completeness":
      needColumn("completeness");
      break;
    case "validity": {
      needColumn("validity");
      const n = [c.regex, c.set, c.range, c.length, c.format].filter((x) => x !== undefined).length;
      if (n !== 1) {
        p.push("check: validity needs exactly one of regex, set, range, length, format");
      }
      if (c.regex !== undefined) {
        try {
          new RegExp(c.regex);
        } catch {
          p.push("check.regex: not a valid regular expression");
        }
      }
      break;
    }
    case "uniqueness":
      if (!rule.column && !c.columns) {
        p.push("check.columns: uniqueness needs column or check.columns");
      }
      break;
    case "consistency": {
      const n = [c.allowed, c.compare, c.reference].filter((x) => x !== undefined).length;
      if (n !== 1) {
        p.push("check: consistency needs exactly one of allowed, compare, reference");
      }
      if ((c.allowed || c.reference) && !rule.column) {
        p.push("column: consistency by allowed set or reference needs a column");
      }
      break;
    }
    case "freshness":
      if (!c.timestamp && !rule.column) {
        p.push("check.timestamp: freshness needs a timestamp column");
      }
      if (c.max_age_hours === undefined && !c.band) {
        p.push("check.max_age_hours: freshness needs max_age_hours or band");
      }
      break;
    case "volume":
      if (c.min_rows === undefined && c.max_rows === undefined && !c.band) {
        p.push("check: volume needs min_rows, max_rows or band");
      }
      if (c.window_hours !== undefined && !c.timestamp && !rule.column) {
        p.push("check.timestamp: a volume window needs a timestamp column");
      }
      break;
    case "schema":
      if (!c.expect_columns) {
        p.push("check.expect_columns: schema needs expect_columns");
      }
      break;
    case "custom_sql":
      if (!rule.sql?.trim()) {
        p.push("sql: custom_sql needs sql (a SELECT of the failing rows)");
      }
      if (isClickhouse) {
        p.push("table: custom_sql runs against the operational store only");
      }
      break;
    case "reconciliation":
      if (!c.reconcile) {
        p.push("check.reconcile: reconciliation needs the aggregate to compare (revenue_daily)");
      }
      break;
  }
  if (rule.kind !== "custom_sql" && rule.sql) {
    p.push("sql: only custom_sql rules take sql");
  }
  if (rule.path && !rule.column) {
    p.push("path: a JSONB path needs its column");
  }
  if (isClickhouse && !["completeness", "validity", "volume", "freshness"].includes(rule.kind)) {
    if (rule.kind !== "reconciliation") {
      p.push(`kind: ${rule.kind} is not checked on ClickHouse tables`);
    }
  }
  return p;
}
