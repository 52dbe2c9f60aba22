import { api, query } from "../../api/client.ts";
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

/**
 * The catalog list of what a bulk decision by `filter` touches: open proposals (pending or
 * flagged) matching it, the same set the API decides. pageSize 1 just counts them.
 */
export function openProposalsPath(filter: BulkFilter, page = 1, pageSize = 1): string {
  return `/api/v1/catalog/columns${query({
    status: "open",
    proposed: filter.category,
    minConfidence: filter.minConfidence,
    store: filter.store,
    schema: filter.schema,
    table: filter.table,
    sort: "queue:asc",
    page,
    pageSize,
  })}`;
}
