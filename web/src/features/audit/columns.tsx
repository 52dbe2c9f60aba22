import type { AuditEvent } from "../../api/types.ts";
import { type Columns, formatTime } from "../../components/data-table.tsx";
import { ReadableFields } from "../../components/readable-fields.tsx";

export const auditColumns: Columns<AuditEvent> = [
  {
    id: "occurredAt",
    accessorKey: "occurredAt",
    header: "When",
    cell: ({ row }) => formatTime(row.original.occurredAt),
  },
  { id: "actor", accessorKey: "actor", header: "Actor", enableSorting: false },
  {
    id: "actorRole",
    accessorKey: "actorRole",
    header: "Role",
    enableSorting: false,
    cell: ({ row }) => row.original.actorRole ?? "—",
  },
  {
    id: "action",
    accessorKey: "action",
    header: "Action",
    enableSorting: false,
    cell: ({ row }) => <code>{row.original.action}</code>,
  },
  {
    id: "target",
    accessorKey: "target",
    header: "Target",
    enableSorting: false,
    cell: ({ row }) => <span className="audit-target">{row.original.target ?? "—"}</span>,
  },
  {
    id: "summary",
    header: "Summary",
    enableSorting: false,
    cell: ({ row }) => <ReadableFields value={row.original.summary} />,
  },
  {
    id: "requestId",
    header: "Request",
    enableSorting: false,
    cell: ({ row }) => <span className="mono muted">{row.original.requestId ?? "—"}</span>,
  },
  {
    id: "sourceIp",
    header: "Source IP",
    enableSorting: false,
    cell: ({ row }) => row.original.sourceIp ?? "—",
  },
];

export const AUDIT_HIDDEN_BY_DEFAULT = ["requestId", "sourceIp"] as const;
