import type { CatalogColumn, Category, ReviewStatus, Sensitivity } from "./types.ts";

/** `schema.table.column` plus the JSONB path when the entry is one. */
export function entryName(c: Pick<CatalogColumn, "schema" | "table" | "column" | "jsonPath">) {
  return `${c.schema}.${c.table}.${c.column}${c.jsonPath ? ` → ${c.jsonPath}` : ""}`;
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
}: {
  status: ReviewStatus;
  needsRereview?: boolean;
}) {
  return (
    <span className="status-badges">
      <span className={`badge review-${status}`}>{status}</span>
      {needsRereview ? <span className="badge review-rereview">re-review</span> : null}
    </span>
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
