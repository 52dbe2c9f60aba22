import type { Severity, TQualityRule } from "../../rules/quality/schema.ts";

/** A rule as the engine runs it: the definition plus its stored version (0: a built-in file). */
export type RuleRecord = { rule: TQualityRule; version: number; source: string };

/** One verdict: per run, rule and tenant (tenant null: the rule's whole scope). */
export type RuleResult = {
  rule: string;
  version: number;
  table: string;
  column: string | null;
  kind: TQualityRule["kind"];
  tenantId: string | null;
  severity: Severity;
  threshold: number;
  /** Passing share 0..1; null when the rule could not be evaluated. */
  score: number | null;
  passed: boolean | null;
  failing: number;
  total: number;
  /** Primary keys of failing rows (≤ the sample size), as text. */
  sampleKeys: string[];
  /** Kind-specific figures: metric and band for volume/freshness, differing days for reconciliation. */
  detail: Record<string, unknown>;
  error: string | null;
};

/** Alerts go through the configured channels (jobs/notify/). */
export type { Notify } from "../notify/notify.ts";

import type { Notify } from "../notify/notify.ts";

export const noNotify: Notify = async () => {};

/** Verdict from counts: score = passing share (1 when nothing is in scope). */
export function verdict(
  failing: number,
  total: number,
  threshold: number,
): { score: number; passed: boolean } {
  const score = total > 0 ? Math.max(0, Math.min(1, 1 - failing / total)) : 1;
  // Compare at a fixed precision so 0.95 is not failed by float noise.
  return { score, passed: Math.round(score * 1e9) >= Math.round(threshold * 1e9) };
}
