import { z } from "zod";

/**
 * The shape of a retention schedule file (`rules/retention/schedules.json`) and of one policy.
 * A policy names a root table, the date column that ages its rows, a period, an optional
 * condition, and what happens to rows past the cutoff: `delete`, `archive_then_delete`, or
 * `anonymize` in place. FK children of a deleted row are planned with it (children first).
 */

export const REGULATIONS = ["GDPR", "CCPA", "SOX", "PCI_DSS", "business"] as const;
export type Regulation = (typeof REGULATIONS)[number];

export const ACTIONS = ["delete", "archive_then_delete", "anonymize"] as const;
export type RetentionAction = (typeof ACTIONS)[number];

/**
 * What `anonymize` does to a column: `null` → NULL; `redact` → the text "[redacted]" (so a
 * condition `neq "[redacted]"` keeps anonymized rows out of the next plan); `hash` → hex sha256
 * of the value; `empty_json` → '{}'.
 */
export const ANONYMIZE_STRATEGIES = ["null", "redact", "hash", "empty_json"] as const;
export const REDACTED = "[redacted]";
export type AnonymizeStrategy = (typeof ANONYMIZE_STRATEGIES)[number];

export const DEFAULT_THRESHOLD = 10_000;
export const DEFAULT_APPROVAL_TTL_DAYS = 7;

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;
export const ZIdentifier = z.string().regex(IDENT, "must be a lower-case SQL identifier");

/** "7 years", "30 days", "1 year", "6 months", "0 days". */
export const ZPeriod = z
  .string()
  .regex(/^\d{1,4} (day|days|month|months|year|years)$/, 'must look like "7 years" or "30 days"');

export type Period = { years: number; months: number; days: number };

export function parsePeriod(text: string): Period {
  const [amount = "0", unit = "days"] = text.split(" ");
  const n = Number.parseInt(amount, 10);
  if (unit.startsWith("year")) {
    return { years: n, months: 0, days: 0 };
  }
  if (unit.startsWith("month")) {
    return { years: 0, months: n, days: 0 };
  }
  return { years: 0, months: 0, days: n };
}

/** `asOf` minus a period, in UTC calendar arithmetic. */
export function subtractPeriod(asOf: Date, period: string): Date {
  const p = parsePeriod(period);
  const d = new Date(asOf.getTime());
  d.setUTCFullYear(d.getUTCFullYear() - p.years);
  d.setUTCMonth(d.getUTCMonth() - p.months);
  d.setUTCDate(d.getUTCDate() - p.days);
  return d;
}

const ZScalar = z.union([z.string().max(200), z.number(), z.boolean()]);

/** One clause of a condition; all clauses of a policy must hold (AND). */
export const ZClause = z
  .strictObject({
    column: ZIdentifier,
    /** For JSONB columns: the key path compared as text (`column #>> path`). */
    path: z.array(z.string().min(1).max(100)).min(1).max(5).optional(),
    op: z.enum(["eq", "neq", "in", "not_in", "is_null", "is_not_null", "contains", "not_contains"]),
    value: z.union([ZScalar, z.array(ZScalar).min(1).max(100)]).optional(),
  })
  .superRefine((clause, ctx) => {
    const needsValue = !["is_null", "is_not_null"].includes(clause.op);
    if (needsValue && clause.value === undefined) {
      ctx.addIssue({ code: "custom", message: `op ${clause.op} needs a value` });
    }
    if (!needsValue && clause.value !== undefined) {
      ctx.addIssue({ code: "custom", message: `op ${clause.op} takes no value` });
    }
    const isList = Array.isArray(clause.value);
    if ((clause.op === "in" || clause.op === "not_in") !== isList && needsValue) {
      ctx.addIssue({
        code: "custom",
        message: `op ${clause.op}: value must be a list only for in/not_in`,
      });
    }
  });
export type TClause = z.infer<typeof ZClause>;

export const ZRetentionPolicy = z
  .strictObject({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{1,98}$/, "must be a lower-case slug like inactive-customers"),
    title: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    regulation: z.enum(REGULATIONS),
    table: ZIdentifier,
    /** The column that ages a row; several are coalesced in order (first non-null wins). */
    dateColumn: z.union([ZIdentifier, z.array(ZIdentifier).min(1).max(4)]),
    period: ZPeriod,
    condition: z.array(ZClause).max(20).default([]),
    action: z.enum(ACTIONS),
    /** For `anonymize`: what each column becomes. */
    anonymize: z.record(ZIdentifier, z.enum(ANONYMIZE_STRATEGIES)).optional(),
    /** Plans with more rows than this (children included) need a compliance officer's approval. */
    threshold: z.number().int().min(0).max(1_000_000_000).default(DEFAULT_THRESHOLD),
    /** The policy itself governs financial records: every plan needs approval. */
    financial: z.boolean().default(false),
    approvalTtlDays: z.number().int().min(1).max(90).default(DEFAULT_APPROVAL_TTL_DAYS),
    /** Share of drift in candidate counts the executor tolerates before asking again. */
    driftTolerance: z.number().min(0).max(1).default(0.05),
    enabled: z.boolean().default(true),
  })
  .superRefine((policy, ctx) => {
    if (policy.action === "anonymize" && !policy.anonymize) {
      ctx.addIssue({
        code: "custom",
        path: ["anonymize"],
        message: "action anonymize needs an anonymize map",
      });
    }
    if (policy.action !== "anonymize" && policy.anonymize) {
      ctx.addIssue({
        code: "custom",
        path: ["anonymize"],
        message: `action ${policy.action} takes no anonymize map`,
      });
    }
  });
export type TRetentionPolicy = z.infer<typeof ZRetentionPolicy>;
/** A policy as written (defaults not yet applied), e.g. in the console's edit form. */
export type TRetentionPolicyInput = z.input<typeof ZRetentionPolicy>;

/** A table whose rows must be kept for a minimum period whatever cascades towards them. */
export const ZMinimumRetention = z.strictObject({
  table: ZIdentifier,
  dateColumn: ZIdentifier,
  period: ZPeriod,
  regulation: z.enum(REGULATIONS),
});
export type TMinimumRetention = z.infer<typeof ZMinimumRetention>;

export const ZRetentionSchedule = z.strictObject({
  $comment: z.string().optional(),
  regulations: z.record(z.enum(REGULATIONS), z.string().min(1)),
  /** Tables holding financial records: a plan touching any of them needs approval. */
  financialTables: z.array(ZIdentifier).min(1),
  /** Tables SOX governs: while an investigation flag is set, their rows cannot be destroyed. */
  soxTables: z.array(ZIdentifier),
  minimumRetention: z.array(ZMinimumRetention).default([]),
  policies: z.array(ZRetentionPolicy).min(1),
});
export type TRetentionSchedule = z.infer<typeof ZRetentionSchedule>;
