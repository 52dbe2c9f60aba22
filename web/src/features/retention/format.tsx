import type { RequestStatus } from "./types.ts";

const STATUS_BADGE: Record<RequestStatus, string> = {
  planning: "badge-queued",
  pending_approval: "badge-queued",
  approved: "badge-running",
  rejected: "badge-failed",
  running: "badge-running",
  done: "badge-succeeded",
  blocked: "badge-failed",
  expired: "badge-cancelled",
  failed: "badge-failed",
};

export function StatusBadge({ status }: { status: string }) {
  const kind = STATUS_BADGE[status as RequestStatus] ?? "";
  return (
    <span className={`badge ${kind}`} data-status={status}>
      {status.replaceAll("_", " ")}
    </span>
  );
}

export function shortId(id: string | null | undefined): string {
  return id ? id.slice(0, 8) : "—";
}

export function formatCount(n: number | null | undefined): string {
  return typeof n === "number" ? n.toLocaleString() : "—";
}

/** Why a refused action was refused, in words (the API's error.details.reason codes). */
export const REFUSAL_TEXT: Record<string, string> = {
  self_approval: "You requested this deletion; another compliance officer must decide on it.",
  separation_of_duties:
    "Your account was created, promoted or re-enabled by the requester; an officer whose account they had no hand in must decide.",
  expired: "The approval has expired; the request must be planned and approved again.",
  fingerprint_mismatch:
    "The candidate set changed since it was planned (fingerprint mismatch); plan it again.",
  held: "A legal hold covers part of this request.",
  wrong_status: "The request is no longer in a state that allows this.",
};
