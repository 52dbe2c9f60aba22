import { type FormEvent, useState } from "react";
import { type ReviewDecision, reviewColumn } from "./review-api.ts";
import {
  CATEGORY_OPTIONS,
  type CatalogColumnDetail,
  type Category,
  SENSITIVITY_OPTIONS,
  type Sensitivity,
} from "./types.ts";

/** Category and sensitivity selects for an override; names `category` and `sensitivity`. */
export function OverrideFields({
  category,
  sensitivity,
  autoFocus,
}: {
  category: Category | null;
  sensitivity: Sensitivity | null;
  autoFocus?: boolean;
}) {
  return (
    <>
      <label className="field" htmlFor="override-category">
        <span>Category</span>
        <select
          id="override-category"
          name="category"
          // Named explicitly: a wrapping label's name would include every option's text.
          aria-label="Category"
          defaultValue={category ?? "none"}
          // biome-ignore lint/a11y/noAutofocus: the picker opens for exactly this choice
          autoFocus={autoFocus}
        >
          {CATEGORY_OPTIONS.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </label>
      <label className="field" htmlFor="override-sensitivity">
        <span>Sensitivity</span>
        <select
          id="override-sensitivity"
          name="sensitivity"
          aria-label="Sensitivity"
          defaultValue={sensitivity ?? ""}
        >
          <option value="">default for the category</option>
          {SENSITIVITY_OPTIONS.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
    </>
  );
}

/** Reads an override form (OverrideFields plus a `comment` field) into a decision. */
export function overrideFromForm(form: HTMLFormElement): ReviewDecision {
  const data = new FormData(form);
  const sensitivity = String(data.get("sensitivity") ?? "");
  return {
    action: "override",
    category: String(data.get("category") ?? "none") as Category,
    sensitivity: sensitivity ? (sensitivity as Sensitivity) : undefined,
    comment: String(data.get("comment") ?? ""),
  };
}

/** Accept, reject or override one column, with a comment; for the column detail view. */
export function ReviewActions({
  column,
  onDecided,
}: {
  column: CatalogColumnDetail;
  onDecided: (updated: CatalogColumnDetail) => void;
}) {
  const [busy, setBusy] = useState(false);
  const [overriding, setOverriding] = useState(false);
  const [error, setError] = useState<string>();
  const [comment, setComment] = useState("");
  // Learning from stewards (issue 21): a rejection/override suppresses the call on this column;
  // this also ignores the detector behind it on every table.
  const [acrossTables, setAcrossTables] = useState(false);
  const proposedPii = !!column.proposedCategory && column.proposedCategory !== "none";

  const decide = async (decision: ReviewDecision) => {
    setBusy(true);
    setError(undefined);
    try {
      const updated = await reviewColumn(column.id, decision);
      setOverriding(false);
      setComment("");
      setAcrossTables(false);
      onDecided(updated);
    } catch (caught) {
      setError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const submitOverride = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    void decide({
      ...overrideFromForm(event.currentTarget),
      comment,
      suppressAcrossTables: acrossTables,
    });
  };

  return (
    <fieldset className="review-actions" aria-label="review actions">
      <label className="field" htmlFor="review-comment">
        <span>Comment (optional)</span>
        <textarea
          id="review-comment"
          rows={2}
          maxLength={2000}
          value={comment}
          onChange={(e) => setComment(e.target.value)}
          placeholder="Why — kept in the column's history"
        />
      </label>
      {proposedPii ? (
        <label className="field-check">
          <input
            type="checkbox"
            checked={acrossTables}
            onChange={(e) => setAcrossTables(e.target.checked)}
          />{" "}
          On reject or override, also stop this {column.proposedCategory} detector on every table
        </label>
      ) : null}
      <div className="form-actions">
        <button
          type="button"
          className="button button-primary"
          disabled={busy || !column.proposedCategory}
          onClick={() => void decide({ action: "accept", comment })}
        >
          Accept proposal
        </button>
        <button
          type="button"
          className="button"
          disabled={busy || !column.proposedCategory}
          onClick={() =>
            void decide({ action: "reject", comment, suppressAcrossTables: acrossTables })
          }
        >
          Reject
        </button>
        <button
          type="button"
          className="button"
          disabled={busy}
          onClick={() => setOverriding((o) => !o)}
          aria-expanded={overriding}
        >
          Override…
        </button>
      </div>
      {overriding ? (
        <form className="override-form" aria-label="override" onSubmit={submitOverride}>
          <OverrideFields
            category={column.effectiveCategory}
            sensitivity={column.effectiveSensitivity}
            autoFocus
          />
          <button type="submit" className="button button-primary" disabled={busy}>
            Save override
          </button>
        </form>
      ) : null}
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
