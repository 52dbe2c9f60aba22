import { type FormEvent, useState } from "react";
import type { Page } from "../../api/types.ts";
import {
  FieldError,
  FormError,
  fieldErrorsOf,
  invalidProps,
} from "../../components/form-errors.tsx";
import { Loading } from "../../components/states.tsx";
import { useApi } from "../../components/use-api.ts";
import { ProposalsTable } from "./proposals-table.tsx";
import { type BulkFilter, bulkReview, openProposalsPath } from "./review-api.ts";
import { CATEGORY_OPTIONS, type CatalogColumn, type Category } from "./types.ts";

const PAGE_SIZE = 20;
const NO_ERRORS = { byField: {}, other: [] };

/** The catalog filters a bulk decision honours: the API decides by exactly these. */
export function bulkFilterOf(search: URLSearchParams): {
  filter: BulkFilter;
  ignored: string[];
} {
  const filter: BulkFilter = {};
  const proposed = search.get("proposed");
  if (proposed && (CATEGORY_OPTIONS as readonly string[]).includes(proposed)) {
    filter.category = proposed as Category;
  }
  const store = search.get("store");
  if (store === "postgres" || store === "clickhouse") {
    filter.store = store;
  }
  for (const key of ["schema", "table"] as const) {
    const value = search.get(key)?.trim();
    if (value) {
      filter[key] = value;
    }
  }
  const min = search.get("minConfidence");
  if (min && !Number.isNaN(Number(min))) {
    filter.minConfidence = Number(min);
  }
  // Filters the bulk decision cannot apply: named, so nobody believes they narrowed it.
  const ignored = [
    "q",
    "category",
    "sensitivity",
    "status",
    "maxConfidence",
    "pii",
    "level",
    "includeDropped",
  ].filter((key) => search.get(key));
  return { filter, ignored };
}

/**
 * Reject every proposal waiting for a steward that matches the page's filters: first a
 * confirmation listing exactly what will be decided (paged) and asking why, then one request.
 */
export function BulkReject({
  search,
  onDone,
}: {
  search: URLSearchParams;
  onDone: (message: string) => void;
}) {
  const [open, setOpen] = useState(false);
  const { filter, ignored } = bulkFilterOf(search);
  const narrowed = Object.keys(filter).length > 0;
  return (
    <>
      <button
        type="button"
        className="button button-small"
        disabled={!narrowed}
        title={
          narrowed
            ? "Reject every open proposal matching the proposed category, store, schema, table and confidence filters"
            : "Filter by proposed category, store, schema or table first"
        }
        onClick={() => setOpen(true)}
      >
        Reject matching…
      </button>
      {open ? (
        <BulkRejectDialog
          filter={filter}
          ignored={ignored}
          onClose={() => setOpen(false)}
          onDone={(message) => {
            setOpen(false);
            onDone(message);
          }}
        />
      ) : null}
    </>
  );
}

function BulkRejectDialog({
  filter,
  ignored,
  onClose,
  onDone,
}: {
  filter: BulkFilter;
  ignored: string[];
  onClose: () => void;
  onDone: (message: string) => void;
}) {
  const [page, setPage] = useState(1);
  const [comment, setComment] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  // The same set the API decides: open proposals (pending or flagged) matching the filter.
  const list = useApi<Page<CatalogColumn>>(openProposalsPath(filter, page, PAGE_SIZE));
  const errors = fieldErrorsOf(error, ["comment"]);
  const total = list.data?.total ?? 0;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!comment.trim()) {
      setError(undefined);
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const result = await bulkReview({ filter }, "reject", comment);
      onDone(`Rejected ${result.changed.toLocaleString()} proposal(s).`);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const described = [
    filter.category ? `proposed ${filter.category}` : null,
    filter.store ? `in ${filter.store}` : null,
    filter.schema ? `schema ${filter.schema}` : null,
    filter.table ? `table ${filter.table}` : null,
    filter.minConfidence !== undefined ? `confidence ≥ ${filter.minConfidence}` : null,
  ].filter(Boolean);
  return (
    <div className="dialog-backdrop">
      <form
        className="dialog bulk-reject-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="bulk-reject-title"
        onSubmit={submit}
      >
        <h2 id="bulk-reject-title">Reject {total.toLocaleString()} open proposal(s)?</h2>
        <p>
          Every proposal waiting for a steward ({described.join(", ")}) is rejected: the columns
          below are recorded as not holding that category, with your comment, in their history and
          the audit trail.
        </p>
        {ignored.length ? (
          <p className="muted" data-testid="bulk-ignored">
            Not applied to this decision: {ignored.join(", ")}.
          </p>
        ) : null}
        {list.error ? <FormError error={list.error} errors={NO_ERRORS} /> : null}
        {!list.data ? (
          <Loading />
        ) : total === 0 ? (
          <p className="muted">No open proposal matches: nothing would change.</p>
        ) : (
          <ProposalsTable
            items={list.data.items}
            label="proposals to reject"
            total={total}
            page={page}
            pageSize={PAGE_SIZE}
            onPage={setPage}
          />
        )}
        <label className="field" htmlFor="bulk-reject-comment">
          <span>Why (required)</span>
          <textarea
            id="bulk-reject-comment"
            name="comment"
            rows={3}
            maxLength={2000}
            required
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            {...invalidProps(errors, "bulk-reject", "comment")}
          />
        </label>
        <FieldError errors={errors} form="bulk-reject" field="comment" />
        {error && !errors.byField.comment ? <FormError error={error} errors={errors} /> : null}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button
            type="submit"
            className="button button-danger"
            disabled={busy || total === 0 || !comment.trim()}
          >
            {busy ? "Rejecting…" : `Reject ${total.toLocaleString()}`}
          </button>
        </div>
      </form>
    </div>
  );
}
