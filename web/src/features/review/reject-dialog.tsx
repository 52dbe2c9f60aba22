import { type FormEvent, useEffect, useState } from "react";
import { entryName } from "../catalog/badges.tsx";
import type { CatalogColumn } from "../catalog/types.ts";

/**
 * Rejecting a proposal of personal data says "this column holds none": the masking gate then
 * copies it as is. The steward writes why, and the reason stays with the decision.
 */
export function RejectDialog({
  column,
  onSubmit,
  onClose,
}: {
  column: CatalogColumn;
  onSubmit: (reason: string) => void;
  onClose: () => void;
}) {
  const [error, setError] = useState<string>();
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") {
        event.preventDefault();
        onClose();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const reason = String(new FormData(event.currentTarget).get("reason") ?? "").trim();
    if (reason.length < 3) {
      setError("Say why this column holds no personal data (at least a few words).");
      return;
    }
    onSubmit(reason);
  };
  return (
    <div className="dialog-backdrop">
      <div className="dialog" role="dialog" aria-modal="true" aria-label="Reject proposal">
        <h2>Reject a personal-data proposal</h2>
        <p className="mono">{entryName(column)}</p>
        <p>
          The scanner proposed <strong>{column.proposedCategory}</strong> (
          {column.proposedSensitivity ?? "—"}). Rejecting decides the column holds no personal data:
          masked copies will carry its values unmasked.
        </p>
        <form onSubmit={submit} aria-label="reject" noValidate>
          <label className="field" htmlFor="reject-reason">
            <span>Reason (required)</span>
            <textarea
              id="reject-reason"
              name="reason"
              rows={3}
              maxLength={2000}
              // biome-ignore lint/a11y/noAutofocus: the dialog opens to write the reason
              autoFocus
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? "reject-reason-error" : undefined}
            />
          </label>
          {error ? (
            <p className="form-error" id="reject-reason-error" role="alert">
              {error}
            </p>
          ) : null}
          <div className="form-actions">
            <button type="submit" className="button button-danger">
              Reject proposal
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
