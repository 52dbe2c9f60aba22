import { useMemo, useState } from "react";
import { useSearchState } from "../../app/router.tsx";
import { useSession } from "../../app/session.tsx";
import {
  type Columns,
  DataTable,
  type Filter,
  fieldSort,
  formatTime,
} from "../../components/data-table.tsx";
import { TenantName } from "../../components/tenant-picker.tsx";
import { formatCount, StatusBadge, shortId } from "./format.tsx";
import { PlanNow } from "./plan-now.tsx";
import { RequestDetailView } from "./request-detail.tsx";
import { type DeletionRequest, REQUEST_KINDS, REQUEST_STATUSES } from "./types.ts";
import { useRetentionEvents } from "./use-retention-events.ts";

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
        <a
          className="link-button mono"
          href={`/retention?tab=requests&id=${shortId(row.original.id)}`}
          title={row.original.id}
          onClick={(event) => {
            if (!event.metaKey && !event.ctrlKey && !event.shiftKey) {
              event.preventDefault();
              open(shortId(row.original.id));
            }
          }}
        >
          {shortId(row.original.id)}
        </a>
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
      cell: ({ row }) => <TenantName id={row.original.tenantId} />,
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

/**
 * Every deletion request, following state changes over the event stream (a 5 s refresh only
 * while it is down); "Plan now" for those who may plan. Short ids open the request.
 */
export function RequestsTab() {
  const { can } = useSession();
  const [search, setSearch] = useSearchState();
  const [reloadKey, setReloadKey] = useState(0);
  const mode = useRetentionEvents(() => setReloadKey((k) => k + 1));
  const open = search.get("id");
  const columns = useMemo(() => requestColumns((id) => setSearch({ id })), [setSearch]);
  if (open) {
    return <RequestDetailView id={open} onBack={() => setSearch({ id: undefined })} />;
  }
  return (
    <>
      {can("retention:plan") ? <PlanNow onPlanned={() => setReloadKey((k) => k + 1)} /> : null}
      <DataTable<DeletionRequest>
        endpoint="/api/v1/retention/requests"
        columns={columns}
        filters={FILTERS}
        defaultSort="createdAt:desc"
        serverSort={fieldSort}
        pollMs={mode === "polling" ? 5_000 : undefined}
        reloadKey={reloadKey}
        emptyText="No deletion request matches these filters. The planner writes them on its schedule."
      />
    </>
  );
}
