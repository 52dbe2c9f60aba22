import { type FormEvent, useState } from "react";
import { api, query } from "../../api/client.ts";
import type { Page } from "../../api/types.ts";
import { type BulkFilter, bulkReview } from "../catalog/review-api.ts";
import { CATEGORY_OPTIONS, type CatalogColumn, type Category } from "../catalog/types.ts";

type Preview = { filter: BulkFilter; count: number };

/** The list query that counts what a bulk decision by `filter` would touch. */
function previewPath(filter: BulkFilter): string {
  return `/api/v1/catalog/columns${query({
    // The rows a bulk decision by filter touches: proposals waiting for a steward.
    status: "open",
    proposed: filter.category,
    minConfidence: filter.minConfidence,
    store: filter.store,
    schema: filter.schema,
    table: filter.table,
    page: 1,
    pageSize: 1,
  })}`;
}

function readFilter(form: HTMLFormElement): BulkFilter | string {
  const data = new FormData(form);
  const text = (name: string) => String(data.get(name) ?? "").trim() || undefined;
  const filter: BulkFilter = {};
  const category = text("category");
  if (category) {
    filter.category = category as Category;
  }
  const min = text("minConfidence");
  if (min !== undefined) {
    const value = Number(min);
    if (!Number.isFinite(value) || value < 0 || value > 1) {
      return "Confidence must be a number from 0 to 1.";
    }
    filter.minConfidence = value;
  }
  const store = text("store");
  if (store === "postgres" || store === "clickhouse") {
    filter.store = store;
  }
  filter.schema = text("schema");
  filter.table = text("table");
  return filter;
}

/**
 * Accept every pending proposal matching a filter (e.g. category email, confidence ≥ 0.9):
 * first a count of what it would touch, then an explicit confirmation.
 */
export function BulkAccept({ onDone }: { onDone: (message: string) => void }) {
  const [preview, setPreview] = useState<Preview>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const count = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setError(undefined);
    setPreview(undefined);
    const filter = readFilter(event.currentTarget);
    if (typeof filter === "string") {
      setError(filter);
      return;
    }
    setBusy(true);
    try {
      const page = await api<Page<CatalogColumn>>(previewPath(filter));
      setPreview({ filter, count: page.total });
    } catch (caught) {
      setError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const confirm = async () => {
    if (!preview) {
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const result = await bulkReview({ filter: preview.filter }, "accept");
      setPreview(undefined);
      onDone(`Accepted ${result.changed} proposal${result.changed === 1 ? "" : "s"}.`);
    } catch (caught) {
      setError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <details className="panel bulk-accept">
      <summary>Bulk accept by filter</summary>
      <form
        className="filters"
        aria-label="bulk accept"
        onSubmit={count}
        onChange={() => setPreview(undefined)}
      >
        <label className="field-inline" htmlFor="bulk-category">
          <span>Category</span>
          <select id="bulk-category" name="category" aria-label="Category" defaultValue="">
            <option value="">any</option>
            {CATEGORY_OPTIONS.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <label className="field-inline" htmlFor="bulk-min">
          <span>Confidence ≥</span>
          <input
            id="bulk-min"
            name="minConfidence"
            placeholder="0.9"
            inputMode="decimal"
            size={5}
          />
        </label>
        <label className="field-inline" htmlFor="bulk-store">
          <span>Store</span>
          <select id="bulk-store" name="store" aria-label="Store" defaultValue="">
            <option value="">any</option>
            <option value="postgres">postgres</option>
            <option value="clickhouse">clickhouse</option>
          </select>
        </label>
        <label className="field-inline" htmlFor="bulk-schema">
          <span>Schema</span>
          <input id="bulk-schema" name="schema" maxLength={128} size={10} />
        </label>
        <label className="field-inline" htmlFor="bulk-table">
          <span>Table</span>
          <input id="bulk-table" name="table" maxLength={128} size={12} />
        </label>
        <button type="submit" className="button button-small" disabled={busy}>
          Count matches
        </button>
      </form>
      {preview ? (
        <div className="bulk-preview" role="status">
          <strong data-testid="bulk-count">{preview.count.toLocaleString()}</strong> proposal
          {preview.count === 1 ? "" : "s"} waiting for review match.
          {preview.count > 0 ? (
            <button
              type="button"
              className="button button-small button-primary"
              disabled={busy}
              onClick={() => void confirm()}
            >
              Accept {preview.count.toLocaleString()}
            </button>
          ) : null}
        </div>
      ) : null}
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
    </details>
  );
}
