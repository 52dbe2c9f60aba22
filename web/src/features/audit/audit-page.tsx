import { query } from "../../api/client.ts";
import type { AuditEvent } from "../../api/types.ts";
import { useSearchState } from "../../app/router.tsx";
import { DataTable, directionSort, type Filter } from "../../components/data-table.tsx";
import { auditColumns } from "./columns.tsx";

const FILTERS: Filter[] = [
  { key: "actor", label: "Actor", kind: "text", placeholder: "email" },
  { key: "action", label: "Action", kind: "text", placeholder: "e.g. auth.login" },
  { key: "target", label: "Target", kind: "text" },
  { key: "from", label: "From", kind: "datetime" },
  { key: "to", label: "To", kind: "datetime" },
];

export function AuditPage() {
  const [search] = useSearchState();
  // The export carries the same filters as the table: what you see is what you download.
  const filters = Object.fromEntries(FILTERS.map((f) => [f.key, search.get(f.key) ?? undefined]));
  const exportLink = (format: "csv" | "ndjson") =>
    `/api/v1/audit/export${query({ ...filters, format })}`;
  return (
    <section>
      <h1>Audit trail</h1>
      <p className="muted">
        Every change made through govern, append-only and hash-chained. Filter, then export what you
        see.
      </p>
      <DataTable<AuditEvent>
        endpoint="/api/v1/audit"
        columns={auditColumns}
        filters={FILTERS}
        defaultSort="occurredAt:desc"
        serverSort={directionSort}
        emptyText="No audit event matches these filters."
        toolbar={
          <div className="export-links">
            <a className="button button-small" href={exportLink("csv")} download>
              Export CSV
            </a>
            <a className="button button-small" href={exportLink("ndjson")} download>
              Export NDJSON
            </a>
          </div>
        }
      />
    </section>
  );
}
