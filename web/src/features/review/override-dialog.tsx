import { type FormEvent, useEffect } from "react";
import { entryName } from "../catalog/badges.tsx";
import { OverrideFields, overrideFromForm } from "../catalog/review-actions.tsx";
import type { ReviewDecision } from "../catalog/review-api.ts";
import type { CatalogColumn } from "../catalog/types.ts";

/** The override picker: category first (focused), sensitivity, a comment; Enter saves. */
export function OverrideDialog({
  column,
  onSubmit,
  onClose,
}: {
  column: CatalogColumn;
  onSubmit: (decision: ReviewDecision) => void;
  onClose: () => void;
}) {
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
    onSubmit(overrideFromForm(event.currentTarget));
  };
  return (
    <div className="dialog-backdrop">
      <div className="dialog" role="dialog" aria-modal="true" aria-label="Override">
        <h2>Override</h2>
        <p className="mono">{entryName(column)}</p>
        <p className="muted">
          Proposed: {column.proposedCategory ?? "—"} ({column.proposedSensitivity ?? "—"})
        </p>
        <form
          onSubmit={submit}
          className="override-form"
          aria-label="override"
          onKeyDown={(event) => {
            // Enter on a select would only open it; in this picker it means "save".
            if (event.key === "Enter" && (event.target as HTMLElement).tagName === "SELECT") {
              event.preventDefault();
              event.currentTarget.requestSubmit();
            }
          }}
        >
          <OverrideFields
            category={column.effectiveCategory}
            sensitivity={column.effectiveSensitivity}
            autoFocus
          />
          <label className="field" htmlFor="override-comment">
            <span>Comment (optional)</span>
            <input id="override-comment" name="comment" maxLength={2000} />
          </label>
          <div className="form-actions">
            <button type="submit" className="button button-primary">
              Save override
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
