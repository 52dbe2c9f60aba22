import { useMemo } from "react";
import { useSearchState } from "../../app/router.tsx";
import {
  type Columns,
  DataTable,
  type Filter,
  fieldSort,
  formatTime,
} from "../../components/data-table.tsx";
import { formatCount, StatusBadge, shortId } from "./format.tsx";
import { RequestDetailView } from "./request-detail.tsx";
import { type DeletionRequest, REQUEST_KINDS, REQUEST_STATUSES } from "./types.ts";

const FILTERS: Filter[] = [
  { key: "status", label: "Status", kind: "select", options: REQUEST_STATUSES },
  { key: "kind", label: "Kind", kind: "select", options: REQUEST_KINDS },
  { key: "policy", label: "Policy", kind: "text", placeholder: "policy id" },
  { key: "tenant", label: "Tenant", kind: "text", placeholder: "tenant id" },
];

/** The columns every request list shares; `open` shows one request's detail. */
export function requestColumns(open: (id: string) => void): Columns<DeletionRequest> {
  return [
    {
      id: "createdAt",
      accessorKey: "createdAt",
      header: "Planned",
      cell: ({ row }) => formatTime(row.original.createdAt),
    },
    {
      id: "id",
      header: "Request",
      enableSorting: false,
      cell: ({ row }) => (
        <button type="button" className="link-button mono" onClick={() => open(row.original.id)}>
          {shortId(row.original.id)}
        </button>
      ),
    },
    {
      id: "kind",
      header: "Kind",
      enableSorting: false,
      cell: ({ row }) => <span className="badge">{row.original.kind}</span>,
    },
    {
      id: "policy",
      header: "Policy",
      enableSorting: false,
      cell: ({ row }) => row.original.policyId ?? "—",
    },
    {
      id: "tenant",
      header: "Tenant",
      enableSorting: false,
      cell: ({ row }) => <span className="mono">{shortId(row.original.tenantId)}</span>,
    },
    {
      id: "totalRows",
      accessorKey: "totalRows",
      header: "Rows",
      cell: ({ row }) => formatCount(row.original.totalRows),
    },
    {
      id: "status",
      header: "Status",
      enableSorting: false,
      cell: ({ row }) => <StatusBadge status={row.original.status} />,
    },
    {
      id: "requestedBy",
      header: "Requested by",
      enableSorting: false,
      cell: ({ row }) => row.original.requestedBy,
    },
  ];
}

export function RequestsTab() {
  const [search, setSearch] = useSearchState();
  const open = search.get("id");
  const columns = useMemo(() => requestColumns((id) => setSearch({ id })), [setSearch]);
  if (open) {
    return <RequestDetailView id={open} onBack={() => setSearch({ id: undefined })} />;
  }
  return (
    <DataTable<DeletionRequest>
      endpoint="/api/v1/retention/requests"
      columns={columns}
      filters={FILTERS}
      defaultSort="createdAt:desc"
      serverSort={fieldSort}
      pollMs={5_000}
      emptyText="No deletion request matches these filters. The planner writes them on its schedule."
    />
  );
}
