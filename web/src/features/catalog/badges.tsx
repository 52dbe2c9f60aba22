import { tableName } from "../../components/table-name.ts";
import type { CatalogColumn, Category, ReviewStatus, Sensitivity } from "./types.ts";

/** `schema.table.column` plus the JSONB path when the entry is one. */
export function entryName(
  c: Pick<CatalogColumn, "store" | "schema" | "table" | "column" | "jsonPath">,
) {
  return `${tableName(c)}.${c.column}${c.jsonPath ? ` → ${c.jsonPath}` : ""}`;
}

export function CategoryBadge({ category }: { category: Category | null }) {
  if (!category) {
    return <span className="muted">unclassified</span>;
  }
  return (
    <span className={`cat-badge ${category === "none" ? "cat-none" : "cat-pii"}`}>{category}</span>
  );
}

export function SensitivityBadge({ sensitivity }: { sensitivity: Sensitivity | null }) {
  return sensitivity ? (
    <span className={`sens-badge sens-${sensitivity}`}>{sensitivity}</span>
  ) : (
    <span className="muted">—</span>
  );
}

export function StatusBadge({
  status,
  needsRereview,
  unclassifiable,
}: {
  status: ReviewStatus;
  needsRereview?: boolean;
  /** Why the scanner had no usable samples: shown as its own state while pending. */
  unclassifiable?: string | null;
}) {
  return (
    <span className="status-badges">
      <span className={`badge review-${status}`}>{status}</span>
      {needsRereview ? <span className="badge review-rereview">re-review</span> : null}
      {unclassifiable && status === "pending" ? (
        <span
          className="badge review-unclassifiable"
          title={`Not yet classifiable: ${unclassifiable}. Provisioning waits for a decision.`}
        >
          not yet classifiable
        </span>
      ) : null}
    </span>
  );
}

/**
 * A column the scanner could not classify from its values, and why: no evidence is not "no
 * personal data", so provisioning waits until a steward decides (accept as none, or override).
 */
export function UnclassifiableNotice({
  reason,
  status,
}: {
  reason: string | null;
  status: ReviewStatus;
}) {
  if (!reason) {
    return null;
  }
  return (
    <p
      className={status === "pending" ? "notice notice-warning" : "notice"}
      data-testid="unclassifiable-notice"
    >
      <strong>Not yet classifiable:</strong> {reason}.{" "}
      {status === "pending"
        ? "Provisioning is refused until a steward decides: accept as no personal data if you know it holds none, or override with its category."
        : "A steward decided without samples; a later scan that finds personal data reopens the decision."}
    </p>
  );
}

/** A confidence as a small bar and a number, so a column of them reads at a glance. */
export function Confidence({ value }: { value: number | null }) {
  if (value === null) {
    return <span className="muted">—</span>;
  }
  const percent = Math.round(value * 100);
  return (
    <span className="confidence" title={`confidence ${value}`}>
      <span className="confidence-track" aria-hidden="true">
        <span
          className={`confidence-fill ${value >= 0.9 ? "high" : value >= 0.7 ? "mid" : "low"}`}
          style={{ width: `${percent}%` }}
        />
      </span>
      <span className="confidence-value">{value.toFixed(2)}</span>
    </span>
  );
}

/** A share as "42 %" of a whole; "—" when there is nothing to divide. */
export function share(part: number, whole: number): string {
  return whole > 0 ? `${Math.round((part / whole) * 100)} %` : "—";
}
