import { type FormEvent, useState } from "react";
import { api } from "../../api/client.ts";
import type { Page } from "../../api/types.ts";
import { Empty, ErrorState, Loading } from "../../components/states.tsx";
import { useApi } from "../../components/use-api.ts";
import { ProposalsTable } from "../catalog/proposals-table.tsx";
import { type BulkFilter, bulkReview, openProposalsPath } from "../catalog/review-api.ts";
import { CATEGORY_OPTIONS, type CatalogColumn, type Category } from "../catalog/types.ts";

type Preview = { filter: BulkFilter; count: number };

const LIST_PAGE = 10;

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
      const page = await api<Page<CatalogColumn>>(openProposalsPath(filter));
      setPreview({ filter, count: page.total });
    } catch (caught) {
      setError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const confirm = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!preview) {
      return;
    }
    const comment = String(new FormData(event.currentTarget).get("comment") ?? "").trim();
    if (comment.length < 3) {
      setError("Write a comment for this bulk decision: it stays with every column it decides.");
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const result = await bulkReview({ filter: preview.filter }, "accept", comment);
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
        <div className="bulk-preview">
          <p role="status">
            <strong data-testid="bulk-count">{preview.count.toLocaleString()}</strong> proposal
            {preview.count === 1 ? "" : "s"} waiting for review match.
          </p>
          {preview.count > 0 ? (
            <>
              <BulkColumns filter={preview.filter} />
              <form
                className="bulk-confirm"
                aria-label="confirm bulk accept"
                onSubmit={(event) => void confirm(event)}
                noValidate
              >
                <label className="field" htmlFor="bulk-comment">
                  <span>Comment (required, kept with each decision)</span>
                  <input id="bulk-comment" name="comment" maxLength={2000} />
                </label>
                <div className="form-actions">
                  <button type="submit" className="button button-primary" disabled={busy}>
                    Accept {preview.count.toLocaleString()}
                  </button>
                </div>
              </form>
            </>
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

/** The columns a bulk decision would decide, a page at a time, as the steward checks them. */
function BulkColumns({ filter }: { filter: BulkFilter }) {
  const [page, setPage] = useState(1);
  const list = useApi<Page<CatalogColumn>>(openProposalsPath(filter, page, LIST_PAGE));
  if (list.error) {
    return <ErrorState error={list.error} onRetry={list.reload} />;
  }
  if (!list.data) {
    return <Loading />;
  }
  if (list.data.items.length === 0) {
    return <Empty>No proposal matches any more.</Empty>;
  }
  return (
    <ProposalsTable
      items={list.data.items}
      label="columns this will accept"
      total={list.data.total}
      page={page}
      pageSize={LIST_PAGE}
      onPage={setPage}
      sensitivity
    />
  );
}
