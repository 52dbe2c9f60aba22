import type { ReviewDecision } from "../catalog/review-api.ts";
import type { CatalogColumn, CatalogColumnDetail } from "../catalog/types.ts";

/** A queue row: the column as last known, plus whether a decision on it is in flight. */
export type QueueRow = CatalogColumn & { saving?: boolean };

/** Still waiting for a steward (and not being decided right now). */
export const isOpen = (row: QueueRow) =>
  !row.saving && (row.reviewStatus === "pending" || row.needsRereview);

/** What the server will answer for a decision, shown before it does (optimistic update). */
export function expectedAfter(row: QueueRow, decision: ReviewDecision): QueueRow {
  const category =
    decision.action === "accept"
      ? row.proposedCategory
      : decision.action === "reject"
        ? "none"
        : (decision.category ?? row.effectiveCategory);
  const sensitivity =
    decision.action === "override"
      ? (decision.sensitivity ?? row.effectiveSensitivity)
      : row.proposedSensitivity;
  return {
    ...row,
    saving: true,
    reviewStatus:
      decision.action === "accept"
        ? "accepted"
        : decision.action === "reject"
          ? "rejected"
          : "overridden",
    needsRereview: false,
    decidedCategory: category,
    decidedSensitivity: sensitivity,
    effectiveCategory: category,
    effectiveSensitivity: sensitivity,
    isPii: category !== null && category !== "none",
  };
}

/** The list fields of a detail answer (the server's word replaces the optimistic guess). */
export function fromDetail(detail: CatalogColumnDetail): QueueRow {
  return {
    id: detail.id,
    store: detail.store,
    schema: detail.schema,
    table: detail.table,
    column: detail.column,
    jsonPath: detail.jsonPath,
    dataType: detail.dataType,
    isNullable: detail.isNullable,
    isPrimaryKey: detail.isPrimaryKey,
    proposedCategory: detail.proposedCategory,
    proposedSensitivity: detail.proposedSensitivity,
    confidence: detail.confidence,
    effectiveCategory: detail.effectiveCategory,
    effectiveSensitivity: detail.effectiveSensitivity,
    isPii: detail.isPii,
    reviewStatus: detail.reviewStatus,
    decidedCategory: detail.decidedCategory,
    decidedSensitivity: detail.decidedSensitivity,
    decidedBy: detail.decidedBy,
    decidedAt: detail.decidedAt,
    needsRereview: detail.needsRereview,
    unclassifiableReason: detail.unclassifiableReason,
    classifiedAt: detail.classifiedAt,
    droppedAt: detail.droppedAt,
    version: detail.version,
  };
}

/** The next row after `from` still waiting for a decision, else `from` itself. */
export function nextOpen(rows: QueueRow[], from: number): number {
  for (let i = from + 1; i < rows.length; i++) {
    const row = rows[i];
    if (row && isOpen(row)) {
      return i;
    }
  }
  return Math.min(from + 1, Math.max(0, rows.length - 1));
}
