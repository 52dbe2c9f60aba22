import { useCallback, useMemo, useState } from "react";
import { api } from "../../api/client.ts";
import { useSession } from "../../app/session.tsx";
import {
  type Columns,
  DataTable,
  directionSort,
  type Filter,
  formatTime,
} from "../../components/data-table.tsx";
import { tableName } from "../../components/table-name.ts";
import type { DriftEvent } from "./types.ts";

const FILTERS: Filter[] = [
  {
    key: "kind",
    label: "Change",
    kind: "select",
    options: ["table_added", "table_dropped", "column_added", "column_changed", "column_dropped"],
  },
  { key: "store", label: "Store", kind: "select", options: ["postgres", "clickhouse"] },
  { key: "schema", label: "Schema", kind: "text" },
  { key: "table", label: "Table", kind: "text" },
  { key: "acknowledged", label: "Acknowledged", kind: "select", options: ["false", "true"] },
];

const short = (value: unknown) =>
  value === null || value === undefined ? "—" : JSON.stringify(value);

/** Schema drift found by scans, newest first; stewards acknowledge what they have seen. */
export function DriftList() {
  const { can } = useSession();
  const canAck = can("catalog:review");
  const [reloadKey, setReloadKey] = useState(0);
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string }>();

  const acknowledge = useCallback(async (ids: number[]) => {
    setMessage(undefined);
    try {
      const { acknowledged } = await api<{ acknowledged: number }>(
        "/api/v1/catalog/drift/acknowledge",
        { method: "POST", body: { ids } },
      );
      setMessage({ kind: "ok", text: `Acknowledged ${acknowledged} drift event(s).` });
      setReloadKey((k) => k + 1);
    } catch (caught) {
      setMessage({ kind: "error", text: (caught as Error).message });
    }
  }, []);

  const columns = useMemo<Columns<DriftEvent>>(
    () => [
      {
        id: "occurredAt",
        accessorKey: "occurredAt",
        header: "When",
        cell: ({ row }) => formatTime(row.original.occurredAt),
      },
      {
        id: "kind",
        header: "Change",
        enableSorting: false,
        cell: ({ row }) => (
          <span className={`badge drift-${row.original.kind}`}>
            {row.original.kind.replace("_", " ")}
          </span>
        ),
      },
      {
        id: "where",
        header: "Where",
        enableSorting: false,
        cell: ({ row }) => (
          <span className="mono">
            {tableName(row.original)}
            {row.original.column ? `.${row.original.column}` : ""}
          </span>
        ),
      },
      {
        id: "change",
        header: "Before → after",
        enableSorting: false,
        cell: ({ row }) => (
          <code
            className="summary"
            title={`${short(row.original.before)} → ${short(row.original.after)}`}
          >
            {short(row.original.before)} → {short(row.original.after)}
          </code>
        ),
      },
      {
        id: "acknowledged",
        header: "Acknowledged",
        enableSorting: false,
        cell: ({ row }) =>
          row.original.acknowledgedAt ? (
            <span className="muted">
              {row.original.acknowledgedBy} · {formatTime(row.original.acknowledgedAt)}
            </span>
          ) : canAck ? (
            <button
              type="button"
              className="button button-small"
              onClick={() => void acknowledge([row.original.id])}
            >
              Acknowledge
            </button>
          ) : (
            <span className="muted">open</span>
          ),
      },
    ],
    [acknowledge, canAck],
  );

  return (
    <div>
      {message ? (
        <p className={message.kind === "ok" ? "notice" : "form-error"} role="status">
          {message.text}
        </p>
      ) : null}
      <DataTable<DriftEvent>
        endpoint="/api/v1/catalog/drift"
        columns={columns}
        filters={FILTERS}
        defaultSort="occurredAt:desc"
        serverSort={directionSort}
        reloadKey={reloadKey}
        emptyText="No drift: the stores look as they did at the last scan."
      />
    </div>
  );
}
