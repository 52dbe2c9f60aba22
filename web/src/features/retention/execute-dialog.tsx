import { type FormEvent, useEffect, useState } from "react";
import { formatCount, shortId } from "./format.tsx";
import { fateText, type TableFate } from "./impact.tsx";

/**
 * The last look before an irreversible execution: per table how many rows and what happens
 * (delete or anonymize, archived first or not); the request's short id must be typed to go on.
 */
export function ExecuteDialog({
  requestId,
  kind,
  fates,
  onConfirm,
  onClose,
}: {
  requestId: string;
  kind: "retention" | "erasure";
  fates: TableFate[];
  onConfirm: () => void;
  onClose: () => void;
}) {
  const expected = shortId(requestId);
  const [typed, setTyped] = useState("");
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") {
        onClose();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);
  const total = fates.reduce((n, f) => n + f.rows, 0);
  const deleted = fates.filter((f) => f.effect === "delete").reduce((n, f) => n + f.rows, 0);
  const archived = fates.filter((f) => f.archived).reduce((n, f) => n + f.rows, 0);
  const matches = typed.trim().toLowerCase() === expected;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (matches) {
      onConfirm();
    }
  };
  return (
    <div className="dialog-backdrop">
      <div
        className="dialog execute-dialog"
        role="dialog"
        aria-modal="true"
        aria-label="Confirm execution"
      >
        <h2>
          Execute {kind === "erasure" ? "erasure" : "deletion"} {expected}?
        </h2>
        <p data-testid="execute-summary">
          This changes <strong>{formatCount(total)}</strong> rows in {fates.length}{" "}
          {fates.length === 1 ? "table" : "tables"}: <strong>{formatCount(deleted)}</strong> deleted
          {total - deleted > 0 ? (
            <>
              , <strong>{formatCount(total - deleted)}</strong> anonymized or scrubbed
            </>
          ) : null}
          .{" "}
          {archived > 0
            ? `${formatCount(archived)} rows are archived (gzip CSV with checksums) before they are deleted.`
            : "Nothing is archived: deleted rows cannot be restored."}{" "}
          It cannot be undone.
        </p>
        <div className="table-scroll">
          <table className="table table-compact" aria-label="what execution does per table">
            <thead>
              <tr>
                <th>Table</th>
                <th>Rows</th>
                <th>What happens</th>
              </tr>
            </thead>
            <tbody>
              {fates.map((fate) => (
                <tr key={fate.table}>
                  <td>
                    <code>{fate.table}</code>
                  </td>
                  <td>{formatCount(fate.rows)}</td>
                  <td>
                    {fateText(fate)}
                    {Object.keys(fate.columns).length
                      ? `: ${Object.keys(fate.columns).join(", ")}`
                      : ""}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <form onSubmit={submit} aria-label="confirm execution">
          <label className="field" htmlFor="execute-confirm">
            <span>
              Type the request's short id <code>{expected}</code> to confirm
            </span>
            <input
              id="execute-confirm"
              autoComplete="off"
              spellCheck={false}
              value={typed}
              onChange={(event) => setTyped(event.target.value)}
              // biome-ignore lint/a11y/noAutofocus: the dialog opens to type the id
              autoFocus
            />
          </label>
          <div className="form-actions">
            <button type="submit" className="button button-danger" disabled={!matches}>
              Execute {expected}
            </button>
            <button type="button" className="button button-ghost" onClick={onClose}>
              Cancel
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
