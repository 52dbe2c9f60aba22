import { useEffect, useState } from "react";
import type { TRulePreview } from "../../../../schema/contracts/datasets-controls.ts";
import { api } from "../../api/client.ts";
import { ErrorState, Loading } from "../../components/states.tsx";

/**
 * The live before/after of a draft masking rule on a few source rows. "After" is what the copy
 * will hold (the server runs the copy's own masking code); "before" is masked as catalog evidence
 * unless the viewer's role may see raw values. Asks again, debounced, whenever the draft changes.
 */
export function RulePreview({
  table,
  column,
  jsonPath,
  strategy,
  params,
}: {
  table: string;
  column: string;
  jsonPath: string;
  strategy: string;
  params: Record<string, unknown>;
}) {
  const [preview, setPreview] = useState<TRulePreview>();
  const [error, setError] = useState<Error>();
  const [attempt, setAttempt] = useState(0);
  const draft = JSON.stringify({ strategy, params });
  useEffect(() => {
    // `attempt` asks again after an error (Retry).
    void attempt;
    let live = true;
    setError(undefined);
    const timer = setTimeout(() => {
      const body = {
        table,
        column,
        ...(jsonPath ? { jsonPath } : {}),
        ...(JSON.parse(draft) as { strategy: string; params: Record<string, unknown> }),
      };
      api<TRulePreview>("/api/v1/masking/rules/preview", { method: "POST", body })
        .then((p) => {
          if (live) {
            setPreview(p);
          }
        })
        .catch((e: Error) => {
          if (live) {
            setError(e);
          }
        });
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [table, column, jsonPath, draft, attempt]);
  if (error) {
    return <ErrorState error={error} onRetry={() => setAttempt((n) => n + 1)} />;
  }
  if (!preview) {
    return <Loading label="Masking sample rows…" />;
  }
  return (
    <section className="md-preview" aria-label={`preview of ${table}.${column}`}>
      <p className="muted">
        {preview.rows.length} sample row{preview.rows.length === 1 ? "" : "s"} ·{" "}
        <strong>{preview.strategy}</strong>{" "}
        {preview.maskedIn === "none"
          ? "copies the value as is"
          : `masked ${preview.maskedIn === "sql" ? "in the source's SELECT" : "on the copy stream"}, as the copy does`}
        {preview.beforeRaw
          ? " · before: raw values (your view is audited)"
          : " · before: masked for your role"}
      </p>
      {preview.uniqueIndex ? (
        <p className="muted">
          A unique index covers this column: masked values that collide get a tag from their row in
          the copy.
        </p>
      ) : null}
      {preview.rows.length === 0 ? (
        <p className="muted">No row has a value in this column yet.</p>
      ) : (
        <table className="table md-preview-table">
          <thead>
            <tr>
              <th>Before</th>
              <th>After (in the copy)</th>
            </tr>
          </thead>
          <tbody>
            {preview.rows.map((r, i) => (
              <tr key={r.key ?? i}>
                <td>
                  <code>{r.before ?? "NULL"}</code>
                </td>
                <td>
                  <code>{r.after ?? "NULL"}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
