import { api } from "../../api/client.ts";
import type {
  BulkReviewResult,
  CatalogColumnDetail,
  Category,
  ReviewAction,
  Sensitivity,
} from "./types.ts";

export type ReviewDecision = {
  action: ReviewAction;
  category?: Category;
  sensitivity?: Sensitivity;
  comment?: string;
  /** Reject/override: also ignore the leading detector's call on every table (issue 21). */
  suppressAcrossTables?: boolean;
};

/** One steward decision; the answer is the column as it now stands. */
export function reviewColumn(id: string, decision: ReviewDecision): Promise<CatalogColumnDetail> {
  const body: Record<string, unknown> = { action: decision.action };
  if (decision.action === "override") {
    body.category = decision.category;
    if (decision.sensitivity) {
      body.sensitivity = decision.sensitivity;
    }
  }
  if (decision.comment?.trim()) {
    body.comment = decision.comment.trim();
  }
  if (decision.suppressAcrossTables && decision.action !== "accept") {
    body.suppressAcrossTables = true;
  }
  return api<CatalogColumnDetail>(`/api/v1/catalog/columns/${encodeURIComponent(id)}/review`, {
    method: "POST",
    body,
  });
}

export type BulkFilter = {
  category?: Category;
  minConfidence?: number;
  store?: "postgres" | "clickhouse";
  schema?: string;
  table?: string;
};

export function bulkReview(
  target: { ids: string[] } | { filter: BulkFilter },
  action: "accept" | "reject",
  comment?: string,
): Promise<BulkReviewResult> {
  return api<BulkReviewResult>("/api/v1/catalog/review", {
    method: "POST",
    body: { ...target, action, ...(comment?.trim() ? { comment: comment.trim() } : {}) },
  });
}
