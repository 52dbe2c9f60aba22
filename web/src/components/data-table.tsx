import {
  type ColumnDef,
  type RowData,
  rowPaginationFeature,
  rowSortingFeature,
  type SortingState,
  tableFeatures,
  useTable,
} from "@tanstack/react-table";
import { type FormEvent, type ReactNode, useEffect, useMemo, useState } from "react";
import { query } from "../api/client.ts";
import type { Page } from "../api/types.ts";
import { useSearchState } from "../app/router.tsx";
import { FieldError, FormError, fieldErrorsOf, invalidProps } from "./form-errors.tsx";
import { Empty, ErrorState, Loading } from "./states.tsx";
import { useApi } from "./use-api.ts";

export const tableFeaturesSet = tableFeatures({ rowSortingFeature, rowPaginationFeature });
export type Features = typeof tableFeaturesSet;
// Columns of one table mix value types; `any` is what TanStack's own column arrays use here.
// biome-ignore lint/suspicious/noExplicitAny: see above
export type Columns<T extends RowData> = ColumnDef<Features, T, any>[];

export type Filter = {
  key: string;
  label: string;
  kind: "text" | "select" | "datetime";
  options?: readonly string[];
  placeholder?: string;
  /** Values a text filter offers as you type (a datalist); any other text is still accepted. */
  suggestions?: readonly string[];
};

const PAGE_SIZES = [25, 50, 100] as const;
const EMPTY: never[] = [];

/** `sort=field:asc|desc`, the API's usual spelling. */
export const fieldSort = (field: string, desc: boolean) => `${field}:${desc ? "desc" : "asc"}`;

/** For lists the API orders by time only: `sort=asc|desc`. */
export const directionSort = (_field: string, desc: boolean) => (desc ? "desc" : "asc");

function parseSort(value: string | null, fallback: string): SortingState {
  const [id, direction] = (value ?? fallback).split(":");
  return id ? [{ id, desc: direction === "desc" }] : [];
}

/**
 * A list that the server sorts, filters and pages. Sort (`sort=field:dir`), filters and the page
 * live in the URL, so a view survives a reload and can be shared; the server does the work, so a
 * list of millions of rows costs one page.
 */
export function DataTable<T extends { id: string | number } & RowData>({
  endpoint,
  columns,
  filters = [],
  defaultSort,
  pollMs,
  emptyText,
  toolbar,
  reloadKey = 0,
  serverSort = fieldSort,
  columnWidths = {},
  defaultHidden = EMPTY,
}: {
  endpoint: string;
  columns: Columns<T>;
  filters?: Filter[];
  defaultSort: string;
  pollMs?: number;
  emptyText: string;
  toolbar?: ReactNode;
  /** Bump to refetch after an action on the page. */
  reloadKey?: number;
  /** How the API spells the sort; the URL always keeps `field:dir`. */
  serverSort?: (field: string, desc: boolean) => string;
  /** CSS widths by column id: a long value is cut with an ellipsis (its full text on hover). */
  columnWidths?: Record<string, string>;
  /** Columns hidden until a person shows them from the Columns menu. */
  defaultHidden?: readonly string[];
}) {
  const [hidden, setHidden] = useHiddenColumns(endpoint, defaultHidden);
  const visibleColumns = useMemo(
    () => columns.filter((c) => !(c.id && hidden.includes(c.id))),
    [columns, hidden],
  );
  const [search, setSearch] = useSearchState();
  const page = Math.max(1, Number(search.get("page")) || 1);
  const pageSize = PAGE_SIZES.find((s) => s === Number(search.get("pageSize"))) ?? PAGE_SIZES[0];
  const sort = search.get("sort") ?? defaultSort;
  const sorting = useMemo(() => parseSort(sort, defaultSort), [sort, defaultSort]);
  const filterValues = Object.fromEntries(filters.map((f) => [f.key, search.get(f.key) ?? ""]));
  const sortParam = sorting[0] ? serverSort(sorting[0].id, sorting[0].desc) : undefined;
  const path = `${endpoint}${query({
    ...filterValues,
    sort: sortParam,
    page,
    pageSize,
  })}`;
  const { data, error, loading, reload } = useApi<Page<T>>(path, { pollMs });
  // A filter the API refused says why next to that filter.
  const filterErrors = fieldErrorsOf(
    error,
    filters.map((f) => f.key),
  );
  const filterRefused = Object.keys(filterErrors.byField).length > 0;
  // The API rejects unknown query parameters, so an action's refetch is a reload, not a new URL.
  useEffect(() => {
    if (reloadKey) {
      reload();
    }
  }, [reloadKey, reload]);

  const pagination = useMemo(() => ({ pageIndex: page - 1, pageSize }), [page, pageSize]);
  const table = useTable({
    features: tableFeaturesSet,
    columns: visibleColumns,
    data: data?.items ?? EMPTY,
    rowCount: data?.total ?? 0,
    getRowId: (row) => String(row.id),
    manualSorting: true,
    manualPagination: true,
    enableSortingRemoval: false,
    state: { sorting, pagination },
    onSortingChange: (updater) => {
      const next = typeof updater === "function" ? updater(sorting) : updater;
      const first = next[0];
      setSearch({
        sort: first ? `${first.id}:${first.desc ? "desc" : "asc"}` : undefined,
        page: undefined,
      });
    },
    onPaginationChange: (updater) => {
      const next = typeof updater === "function" ? updater(pagination) : updater;
      setSearch({
        page: next.pageIndex > 0 ? String(next.pageIndex + 1) : undefined,
        pageSize: next.pageSize === PAGE_SIZES[0] ? undefined : String(next.pageSize),
      });
    },
  });

  const applyFilters = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const changes: Record<string, string | undefined> = { page: undefined };
    for (const filter of filters) {
      const raw = String(form.get(filter.key) ?? "").trim();
      changes[filter.key] =
        filter.kind === "datetime" && raw ? new Date(raw).toISOString() : raw || undefined;
    }
    setSearch(changes);
  };
  const clearFilters = () => {
    setSearch(Object.fromEntries([["page", undefined], ...filters.map((f) => [f.key, undefined])]));
  };

  const total = data?.total ?? 0;
  const pageCount = Math.max(1, Math.ceil(total / pageSize));
  const firstRow = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const lastRow = Math.min(total, page * pageSize);

  return (
    <div className="data-table">
      {filters.length > 0 || toolbar || columns.length > 4 ? (
        <div className="table-toolbar">
          {filters.length > 0 ? (
            // Keyed by the URL so the inputs show what is applied after back/forward.
            <form className="filters" onSubmit={applyFilters} key={search.toString()}>
              {filters.map((filter) => (
                // The message sits beside the label, not in it: it must not become the input's name.
                <span key={filter.key} className="filter-field">
                  <label className="field-inline" htmlFor={`filter-${filter.key}`}>
                    <span>{filter.label}</span>
                    {filter.kind === "select" ? (
                      <select
                        id={`filter-${filter.key}`}
                        name={filter.key}
                        defaultValue={filterValues[filter.key]}
                        {...invalidProps(filterErrors, "filter", filter.key)}
                      >
                        <option value="">any</option>
                        {filter.options?.map((o) => (
                          <option key={o} value={o}>
                            {o}
                          </option>
                        ))}
                      </select>
                    ) : (
                      <input
                        id={`filter-${filter.key}`}
                        name={filter.key}
                        type={filter.kind === "datetime" ? "datetime-local" : "search"}
                        placeholder={filter.placeholder}
                        maxLength={200}
                        list={filter.suggestions ? `filter-${filter.key}-suggestions` : undefined}
                        {...invalidProps(filterErrors, "filter", filter.key)}
                        defaultValue={
                          filter.kind === "datetime"
                            ? toLocalInput(filterValues[filter.key])
                            : filterValues[filter.key]
                        }
                      />
                    )}
                    {filter.suggestions ? (
                      <datalist id={`filter-${filter.key}-suggestions`}>
                        {filter.suggestions.map((value) => (
                          <option key={value} value={value} />
                        ))}
                      </datalist>
                    ) : null}
                  </label>
                  <FieldError errors={filterErrors} form="filter" field={filter.key} />
                </span>
              ))}
              <button type="submit" className="button button-small">
                Filter
              </button>
              <button
                type="button"
                className="button button-small button-ghost"
                onClick={clearFilters}
              >
                Clear
              </button>
            </form>
          ) : (
            <span />
          )}
          <span className="table-toolbar-end">
            {toolbar}
            {columns.length > 4 ? (
              <ColumnMenu columns={columns} hidden={hidden} onChange={setHidden} />
            ) : null}
          </span>
        </div>
      ) : null}

      {error && filterRefused ? (
        <FormError error={error} errors={filterErrors} />
      ) : error ? (
        <ErrorState error={error} onRetry={reload} />
      ) : !data && loading ? (
        <Loading />
      ) : data && data.items.length === 0 ? (
        <Empty>{emptyText}</Empty>
      ) : (
        <div className="table-scroll" aria-busy={loading}>
          <table className="table">
            <thead>
              {table.getHeaderGroups().map((group) => (
                <tr key={group.id}>
                  {group.headers.map((header) => {
                    const sortable = header.column.getCanSort();
                    const direction = header.column.getIsSorted();
                    return (
                      <th
                        key={header.id}
                        style={widthStyle(columnWidths[header.column.id])}
                        aria-sort={
                          direction === "asc"
                            ? "ascending"
                            : direction === "desc"
                              ? "descending"
                              : undefined
                        }
                      >
                        {header.isPlaceholder ? null : sortable ? (
                          <button
                            type="button"
                            className="sort-button"
                            onClick={header.column.getToggleSortingHandler()}
                          >
                            <table.FlexRender header={header} />
                            <span className="sort-mark" aria-hidden="true">
                              {direction === "asc" ? "▲" : direction === "desc" ? "▼" : "↕"}
                            </span>
                          </button>
                        ) : (
                          <table.FlexRender header={header} />
                        )}
                      </th>
                    );
                  })}
                </tr>
              ))}
            </thead>
            <tbody>
              {table.getRowModel().rows.map((row) => (
                <tr key={row.id}>
                  {row.getAllCells().map((cell) => (
                    <td
                      key={cell.id}
                      style={widthStyle(columnWidths[cell.column.id])}
                      className={columnWidths[cell.column.id] ? "cell-clip" : undefined}
                    >
                      <table.FlexRender cell={cell} />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <div className="pager">
        <span className="muted">
          {firstRow}–{lastRow} of {total.toLocaleString()}
        </span>
        <label className="field-inline">
          <span>Rows</span>
          <select value={pageSize} onChange={(e) => table.setPageSize(Number(e.target.value))}>
            {PAGE_SIZES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="button button-small"
          disabled={page <= 1}
          onClick={() => table.previousPage()}
        >
          Previous
        </button>
        <span>
          Page {page} of {pageCount}
        </span>
        <button
          type="button"
          className="button button-small"
          disabled={page >= pageCount}
          onClick={() => table.nextPage()}
        >
          Next
        </button>
      </div>
    </div>
  );
}

const widthStyle = (width: string | undefined) => (width ? { width, maxWidth: width } : undefined);

/** Which columns a person hid, remembered per list in this browser. */
function useHiddenColumns(key: string, defaults: readonly string[]) {
  const storageKey = `govern.columns.${key}`;
  const [hidden, setHidden] = useState<string[]>(() => {
    try {
      const saved = window.localStorage.getItem(storageKey);
      const parsed: unknown = saved ? JSON.parse(saved) : null;
      return Array.isArray(parsed) ? parsed.filter((v) => typeof v === "string") : [...defaults];
    } catch {
      return [...defaults];
    }
  });
  const update = (next: string[]) => {
    setHidden(next);
    try {
      window.localStorage.setItem(storageKey, JSON.stringify(next));
    } catch {
      // Private windows may refuse storage: the choice then lasts for this page only.
    }
  };
  return [hidden, update] as const;
}

/** A menu of the table's columns with a checkbox each: what to show at this width. */
function ColumnMenu<T extends RowData>({
  columns,
  hidden,
  onChange,
}: {
  columns: Columns<T>;
  hidden: string[];
  onChange: (next: string[]) => void;
}) {
  const named = columns.filter((c): c is typeof c & { id: string } => typeof c.id === "string");
  const shown = named.length - named.filter((c) => hidden.includes(c.id)).length;
  // The checkboxes exist only while the menu is open: closed, they must not answer for the
  // filters' labels ("Table", "Status").
  const [open, setOpen] = useState(false);
  return (
    <details className="column-menu" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary className="button button-small">
        Columns ({shown}/{named.length})
      </summary>
      {open ? (
        <fieldset className="column-menu-list" aria-label="Visible columns">
          {named.map((c) => {
            const label = typeof c.header === "string" ? c.header : c.id;
            const visible = !hidden.includes(c.id);
            return (
              <label key={c.id} className="column-menu-item">
                <input
                  type="checkbox"
                  checked={visible}
                  // The last visible column stays: an empty table would look like no data.
                  disabled={visible && shown === 1}
                  onChange={() =>
                    onChange(visible ? [...hidden, c.id] : hidden.filter((id) => id !== c.id))
                  }
                />
                {label}
              </label>
            );
          })}
        </fieldset>
      ) : null}
    </details>
  );
}

function toLocalInput(iso: string | undefined): string {
  if (!iso) {
    return "";
  }
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return "";
  }
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

export function formatTime(value: string | null | undefined): string {
  return value ? new Date(value).toLocaleString() : "—";
}
