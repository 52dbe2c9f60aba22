import { useState } from "react";
import { query } from "../../api/client.ts";
import type { Page } from "../../api/types.ts";
import { Link } from "../../app/router.tsx";
import { useSession } from "../../app/session.tsx";
import { useApi } from "../../components/use-api.ts";
import { CategoryBadge, entryName, StatusBadge } from "./badges.tsx";
import { reviewColumn } from "./review-api.ts";
import type { CatalogColumn } from "./types.ts";

/**
 * The fix for a leak-scan refusal, one step away: each column the scan named, as the catalog
 * knows it, with a link to its review and, for a steward, "Mark as PII (free text)" — an
 * override to free_text_pii, confirmed first — so the next copy scrubs that column's text.
 */
export function LeakFindingFixes({
  findings,
  dataset,
}: {
  /** The leak scan's findings: `table.column` (or `schema.table.column`) of the copy. */
  findings: { column: string }[];
  dataset?: string;
}) {
  if (findings.length === 0) {
    return null;
  }
  return (
    <div className="panel leak-fixes" data-testid="leak-fixes">
      <h3>Fix the catalog</h3>
      <p className="muted small">
        Values of these columns still held personal data after masking. Marking a column as free
        text with personal data makes every new copy scrub it; then request the copy again.
      </p>
      <ul className="leak-fix-list">
        {findings.map((f) => (
          <LeakFix key={f.column} name={f.column} dataset={dataset} />
        ))}
      </ul>
    </div>
  );
}

function split(name: string): { schema: string; table: string; column: string } | undefined {
  const parts = name.split(".");
  if (parts.length === 2) {
    return { schema: "public", table: parts[0] as string, column: parts[1] as string };
  }
  if (parts.length === 3) {
    return { schema: parts[0] as string, table: parts[1] as string, column: parts[2] as string };
  }
  return undefined;
}

function LeakFix({ name, dataset }: { name: string; dataset?: string }) {
  const { can } = useSession();
  const where = split(name);
  const list = useApi<Page<CatalogColumn>>(
    where
      ? `/api/v1/catalog/columns${query({
          store: "postgres",
          schema: where.schema,
          table: where.table,
          level: "column",
          pageSize: 200,
        })}`
      : null,
  );
  const [confirming, setConfirming] = useState(false);
  const [saving, setSaving] = useState(false);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string }>();
  const [decided, setDecided] = useState<CatalogColumn>();
  const found = decided ?? list.data?.items.find((c) => c.column === where?.column);

  const mark = async (column: CatalogColumn) => {
    setSaving(true);
    setOutcome(undefined);
    try {
      const detail = await reviewColumn(column.id, {
        action: "override",
        category: "free_text_pii",
        sensitivity: "confidential",
        comment: `The leak scan refused${dataset ? ` the dataset ${dataset}` : " a masked copy"}: values of this column held source identifiers.`,
      });
      setDecided(detail);
      setOutcome({
        ok: true,
        text: "Marked as free text with personal data: new copies scrub it. Request the copy again.",
      });
    } catch (caught) {
      setOutcome({ ok: false, text: `Not saved: ${(caught as Error).message}` });
    } finally {
      setSaving(false);
      setConfirming(false);
    }
  };

  return (
    <li data-testid="leak-fix" data-column={name}>
      <code>{name}</code>{" "}
      {found ? (
        <>
          <CategoryBadge category={found.effectiveCategory} />{" "}
          <StatusBadge
            status={found.reviewStatus}
            needsRereview={found.needsRereview}
            unclassifiable={found.unclassifiableReason}
          />{" "}
          <Link to={`/catalog?column=${encodeURIComponent(found.id)}`}>Open in catalog</Link>
          {can("catalog:review") && found.effectiveCategory !== "free_text_pii" ? (
            <>
              {" "}
              <button
                type="button"
                className="button button-small"
                disabled={saving}
                onClick={() => setConfirming(true)}
              >
                Mark as PII (free text)
              </button>
            </>
          ) : null}
          {!can("catalog:review") ? (
            <span className="muted small"> A steward can mark it as personal data.</span>
          ) : null}
          {confirming ? (
            <div className="confirm" role="alertdialog" aria-label={`Mark ${name} as PII`}>
              <p>
                Override <span className="mono">{entryName(found)}</span> from{" "}
                <strong>{found.effectiveCategory ?? "unclassified"}</strong> to{" "}
                <strong>free_text_pii</strong> (confidential)? Every new masked copy will scrub
                emails, phones, addresses and names in its text. The decision is audited and can be
                changed in the catalog.
              </p>
              <div className="form-actions">
                <button
                  type="button"
                  className="button button-primary"
                  disabled={saving}
                  onClick={() => void mark(found)}
                >
                  Mark as PII
                </button>
                <button
                  type="button"
                  className="button button-ghost"
                  onClick={() => setConfirming(false)}
                >
                  Cancel
                </button>
              </div>
            </div>
          ) : null}
        </>
      ) : list.loading ? (
        <span className="muted small">looking it up…</span>
      ) : (
        <span className="muted small">not in the catalog: run a scan first</span>
      )}
      {outcome ? (
        <p className={outcome.ok ? "notice" : "form-error"} role="status">
          {outcome.text}
        </p>
      ) : null}
    </li>
  );
}
