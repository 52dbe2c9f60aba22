import { useState } from "react";
import type { TSuppression as Suppression } from "../../../../schema/contracts/recognizers.ts";
import { api } from "../../api/client.ts";
import { formatTime } from "../../components/data-table.tsx";
import { Empty, ErrorState, Loading } from "../../components/states.tsx";
import { useApi } from "../../components/use-api.ts";
import { CategoryBadge } from "../catalog/badges.tsx";

/** Where a suppression applies, in words. */
export function suppressionPlace(s: Suppression): string {
  return s.scope === "column"
    ? `${s.schema}.${s.table}.${s.column}${s.jsonPath ? ` → ${s.jsonPath}` : ""}`
    : `every table, where ${s.detector} speaks`;
}

/**
 * What the scanner learned from rejections and overrides: each suppression with the decision
 * that created it; removing one lets the next scan propose that category there again.
 */
export function SuppressionsPanel({ canManage }: { canManage: boolean }) {
  const [showRemoved, setShowRemoved] = useState(false);
  const list = useApi<{ suppressions: Suppression[] }>(
    `/api/v1/catalog/suppressions${showRemoved ? "?removed=true" : ""}`,
  );
  const [message, setMessage] = useState<string>();
  const remove = async (s: Suppression) => {
    if (
      !window.confirm(
        `Remove suppression #${s.id}? The next scan may propose ${s.category} on ${suppressionPlace(s)} again (the decision that created it stays).`,
      )
    ) {
      return;
    }
    try {
      await api(`/api/v1/catalog/suppressions/${s.id}`, { method: "DELETE" });
      setMessage(`Suppression #${s.id} removed.`);
    } catch (caught) {
      setMessage((caught as Error).message);
    }
    list.reload();
  };
  return (
    <div className="panel">
      <div className="table-toolbar">
        <h2>Learned from decisions</h2>
        <label className="field-check">
          <input
            type="checkbox"
            checked={showRemoved}
            onChange={(e) => setShowRemoved(e.target.checked)}
          />{" "}
          Show removed
        </label>
      </div>
      <p className="muted">
        A rejection or an override of a personal-data proposal becomes a suppression: re-scans do
        not propose that category on that column again (or, when asked, the detector's call is
        ignored on every table). The column's evidence names the suppression that applied.
      </p>
      {message ? (
        <p className="notice" role="status">
          {message}
        </p>
      ) : null}
      {list.error ? (
        <ErrorState error={list.error} onRetry={list.reload} />
      ) : !list.data ? (
        <Loading label="Loading suppressions…" />
      ) : list.data.suppressions.length === 0 ? (
        <Empty>No suppression yet: none of the stewards' rejections or overrides taught one.</Empty>
      ) : (
        <table className="table" aria-label="suppressions">
          <thead>
            <tr>
              <th>#</th>
              <th>Where</th>
              <th>No longer proposed</th>
              <th>Instead</th>
              <th>Decision</th>
              {canManage ? <th /> : null}
            </tr>
          </thead>
          <tbody>
            {list.data.suppressions.map((s) => (
              <tr key={s.id}>
                <td>#{s.id}</td>
                <td className="mono wrap">{suppressionPlace(s)}</td>
                <td>
                  <CategoryBadge category={s.category as never} />
                </td>
                <td>
                  <CategoryBadge category={s.replacementCategory as never} />
                </td>
                <td className="wrap">
                  {s.decision} by {s.createdBy}, {formatTime(s.createdAt)}
                  {s.reviewEventId ? (
                    <span className="muted"> (review event #{s.reviewEventId})</span>
                  ) : null}
                  {s.comment ? <div className="muted">“{s.comment}”</div> : null}
                  {s.removedAt ? (
                    <div className="muted">
                      removed by {s.removedBy}, {formatTime(s.removedAt)}
                    </div>
                  ) : null}
                </td>
                {canManage ? (
                  <td>
                    {s.removedAt ? null : (
                      <button
                        type="button"
                        className="button button-small button-danger"
                        onClick={() => void remove(s)}
                      >
                        Remove
                      </button>
                    )}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
