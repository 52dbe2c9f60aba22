import { useMemo, useState } from "react";
import { Link, navigate, useSearchState } from "../../app/router.tsx";
import { useSession } from "../../app/session.tsx";
import { DataTable, type Filter } from "../../components/data-table.tsx";
import { ErrorState } from "../../components/states.tsx";
import { useApi } from "../../components/use-api.ts";
import { BulkReject } from "./bulk-reject.tsx";
import { ColumnDetail } from "./column-detail.tsx";
import { catalogColumns } from "./columns.tsx";
import { DriftList } from "./drift-list.tsx";
import { ScanButton } from "./scan-button.tsx";
import { ClassificationFigures } from "./summary-figures.tsx";
import {
  CATEGORY_OPTIONS,
  type CatalogColumn,
  type CatalogSummary,
  SENSITIVITY_OPTIONS,
  STATUS_OPTIONS,
} from "./types.ts";

const FILTERS: Filter[] = [
  { key: "q", label: "Search", kind: "text", placeholder: "schema.table.column" },
  { key: "store", label: "Store", kind: "select", options: ["postgres", "clickhouse"] },
  { key: "schema", label: "Schema", kind: "text", placeholder: "exact" },
  { key: "table", label: "Table", kind: "text", placeholder: "exact" },
  { key: "category", label: "Category", kind: "select", options: CATEGORY_OPTIONS },
  { key: "proposed", label: "Proposed", kind: "select", options: CATEGORY_OPTIONS },
  { key: "sensitivity", label: "Sensitivity", kind: "select", options: SENSITIVITY_OPTIONS },
  { key: "status", label: "Status", kind: "select", options: STATUS_OPTIONS },
  { key: "minConfidence", label: "Confidence ≥", kind: "text", placeholder: "0.9" },
  { key: "maxConfidence", label: "Confidence ≤", kind: "text", placeholder: "1" },
  { key: "pii", label: "PII only", kind: "select", options: ["true"] },
  { key: "level", label: "Level", kind: "select", options: ["column", "path"] },
  { key: "includeDropped", label: "Dropped too", kind: "select", options: ["true"] },
];

/** Widths that keep the catalog inside 1440 px; the rest scrolls inside the table. */
const WIDTHS = { table: "16rem", column: "18rem", type: "10rem" };

/** The current /catalog URL with `changes` applied (undefined removes a key). */
function catalogHref(search: URLSearchParams, changes: Record<string, string | undefined>) {
  const next = new URLSearchParams(search);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) {
      next.delete(key);
    } else {
      next.set(key, value);
    }
  }
  const text = next.toString();
  return `/catalog${text ? `?${text}` : ""}`;
}

export function CatalogPage() {
  const [search] = useSearchState();
  const columnId = search.get("column");
  const view = search.get("view") === "drift" ? "drift" : "columns";
  const hrefFor = (id: string) => catalogHref(search, { column: id });
  if (columnId) {
    return (
      <ColumnDetail
        key={columnId}
        id={columnId}
        backHref={catalogHref(search, { column: undefined })}
        hrefFor={hrefFor}
      />
    );
  }
  return <CatalogOverview view={view} searchText={search.toString()} />;
}

function CatalogOverview({ view, searchText }: { view: "columns" | "drift"; searchText: string }) {
  const { can } = useSession();
  const summary = useApi<CatalogSummary>("/api/v1/catalog/summary");
  const [reloadKey, setReloadKey] = useState(0);
  const [notice, setNotice] = useState<string>();
  // Detail links keep the list's filters, sort and page, so "back" returns to the same view.
  const columns = useMemo(
    () => catalogColumns((id) => catalogHref(new URLSearchParams(searchText), { column: id })),
    [searchText],
  );
  const refresh = () => {
    summary.reload();
    setReloadKey((k) => k + 1);
  };

  return (
    <section>
      <div className="page-head">
        <h1>Catalog</h1>
        <div className="page-actions">
          {can("catalog:export") ? (
            <span className="export-links">
              <a className="button button-small" href="/api/v1/catalog/export?format=csv" download>
                Export CSV
              </a>
              <a className="button button-small" href="/api/v1/catalog/export?format=json" download>
                Export JSON
              </a>
            </span>
          ) : null}
          {can("catalog:scan") ? <ScanButton onFinished={refresh} /> : null}
        </div>
      </div>
      <p className="muted">
        Every column of the operational Postgres and the ClickHouse analytics store, with the
        classifier's proposal and the steward's decision.
        {summary.data?.lastScanAt
          ? ` Last scan ${new Date(summary.data.lastScanAt).toLocaleString()}.`
          : " No scan has finished yet."}
      </p>
      {summary.error ? <ErrorState error={summary.error} onRetry={summary.reload} /> : null}
      {summary.data ? <ClassificationFigures summary={summary.data} /> : null}

      <nav className="tabs" aria-label="Catalog views">
        <button
          type="button"
          className={view === "columns" ? "tab active" : "tab"}
          aria-pressed={view === "columns"}
          onClick={() => navigate("/catalog")}
        >
          Columns
        </button>
        <button
          type="button"
          className={view === "drift" ? "tab active" : "tab"}
          aria-pressed={view === "drift"}
          onClick={() => navigate("/catalog?view=drift")}
        >
          Drift
        </button>
        {can("catalog:review") ? (
          <Link to="/review" className="tab">
            Review queue →
          </Link>
        ) : null}
      </nav>

      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      {view === "drift" ? (
        <DriftList />
      ) : (
        <DataTable<CatalogColumn>
          endpoint="/api/v1/catalog/columns"
          columns={columns}
          filters={FILTERS}
          defaultSort="table:asc"
          reloadKey={reloadKey}
          columnWidths={WIDTHS}
          toolbar={
            can("catalog:review") ? (
              <BulkReject
                search={new URLSearchParams(searchText)}
                onDone={(message) => {
                  setNotice(message);
                  refresh();
                }}
              />
            ) : undefined
          }
          emptyText="No column matches these filters (or no scan has run yet)."
        />
      )}
    </section>
  );
}
