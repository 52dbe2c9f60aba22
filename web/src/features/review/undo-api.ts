import { api } from "../../api/client.ts";
import type { CatalogColumnDetail } from "../catalog/types.ts";

/** Undoes one's own decision (the event the decision's answer carries first in its history). */
export function undoReview(columnId: string, eventId: number): Promise<CatalogColumnDetail> {
  return api<CatalogColumnDetail>(
    `/api/v1/catalog/columns/${encodeURIComponent(columnId)}/review/undo`,
    { method: "POST", body: { eventId } },
  );
}

/** A proposal of personal data: rejecting it needs the steward's reason. */
export const isPiiProposal = (row: { proposedCategory: string | null }) =>
  row.proposedCategory !== null && row.proposedCategory !== "none";
