import { useEffect, useState } from "react";
import { api } from "../../api/client.ts";
import { Link, useSearchState } from "../../app/router.tsx";
import { useSession } from "../../app/session.tsx";
import { type Columns, DataTable, type Filter, formatTime } from "../../components/data-table.tsx";
import { ProgressBar } from "../../components/progress-bar.tsx";
import { ErrorState, Loading } from "../../components/states.tsx";
import { useApi } from "../../components/use-api.ts";
import { useLiveResource } from "../../components/use-live-resource.ts";
import { describeCron } from "../jobs/schedule-text.ts";
import { DatasetControls } from "./dataset-controls.tsx";
import {
  ACTIVE_STATUSES,
  formatAge,
  formatBytes,
  formatExpiry,
  overallProgress,
} from "./format.ts";
import { MaskedReportSummary, MaskedReportView } from "./masked-report.tsx";
import { RefusedRequests } from "./refused-requests.tsx";
import type { Dataset, DatasetConnection } from "./types.ts";

const FILTERS: Filter[] = [
  { key: "kind", label: "Kind", kind: "select", options: ["masked", "synthetic"] },
  {
    key: "status",
    label: "Status",
    kind: "select",
    options: [
      "requested",
      "running",
      "verifying",
      "ready",
      "failed",
      "refused",
      "dropped",
      "expired",
    ],
  },
  { key: "owner", label: "Owner", kind: "text", placeholder: "email" },
];

const BADGE: Record<string, string> = {
  ready: "badge-succeeded",
  failed: "badge-failed",
  refused: "badge-failed",
  running: "badge-running",
  verifying: "badge-running",
  requested: "badge-queued",
  dropped: "badge-cancelled",
  expired: "badge-cancelled",
};

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge ${BADGE[status] ?? ""}`}>{status}</span>;
}

const columns: Columns<Dataset> = [
  {
    id: "name",
    accessorKey: "name",
    header: "Name",
    cell: ({ row }) => (
      <Link to={`/masked-datasets?tab=datasets&dataset=${row.original.id}`}>
        {row.original.name}
      </Link>
    ),
  },
  { id: "kind", accessorKey: "kind", header: "Kind", enableSorting: false },
  {
    id: "status",
    accessorKey: "status",
    header: "Status",
    cell: ({ row }) => <StatusBadge status={row.original.status} />,
  },
  { id: "owner", accessorKey: "owner", header: "Owner", enableSorting: false },
  {
    id: "created_at",
    accessorKey: "createdAt",
    header: "Age",
    cell: ({ row }) => (
      <span title={formatTime(row.original.createdAt)}>{formatAge(row.original.createdAt)}</span>
    ),
  },
  {
    id: "size_bytes",
    accessorKey: "sizeBytes",
    header: "Size",
    cell: ({ row }) => formatBytes(row.original.sizeBytes),
  },
  {
    id: "expiresAt",
    accessorKey: "expiresAt",
    header: "Expires",
    enableSorting: false,
    cell: ({ row }) => formatExpiry(row.original.expiresAt),
  },
  {
    // Why a copy was refused or failed (gate closed, leak found, size limit), in the list itself.
    id: "reason",
    accessorKey: "error",
    header: "Reason",
    enableSorting: false,
    cell: ({ row }) =>
      ["refused", "failed"].includes(row.original.status) && row.original.error ? (
        <span className="md-reason">{row.original.error}</span>
      ) : row.original.refreshCron ? (
        <span className="muted">refreshed {describeCron(row.original.refreshCron).text}</span>
      ) : (
        ""
      ),
  },
];

/** A counter that moves whenever a dataset changes state or progress (server-sent events). */
function useDatasetEvents(): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let timer: number | undefined;
    const poll = () => {
      timer ??= window.setInterval(() => setTick((t) => t + 1), 5_000);
    };
    if (typeof EventSource === "undefined") {
      poll();
      return () => window.clearInterval(timer);
    }
    const source = new EventSource("/api/v1/events?topics=datasets");
    source.addEventListener("ready", () => {
      window.clearInterval(timer);
      timer = undefined;
    });
    source.addEventListener("change", () => setTick((t) => t + 1));
    // EventSource reconnects by itself; meanwhile the list is polled.
    source.onerror = () => poll();
    return () => {
      source.close();
      window.clearInterval(timer);
    };
  }, []);
  return tick;
}

/** The full report of a masked copy, as its own page. */
function DatasetReport({ id }: { id: string }) {
  const { data, error, reload } = useApi<Dataset>(`/api/v1/datasets/${id}`);
  if (error) {
    return <ErrorState error={error} onRetry={reload} />;
  }
  if (!data) {
    return <Loading label="Loading the report…" />;
  }
  return <MaskedReportView dataset={data} />;
}

export function DatasetsTab() {
  const [search] = useSearchState();
  const liveTick = useDatasetEvents();
  const selected = search.get("dataset");
  const [reloadKey, setReloadKey] = useState(0);
  if (selected && search.get("view") === "report") {
    return <DatasetReport id={selected} />;
  }
  return (
    <div>
      {selected ? (
        <DatasetDetail id={selected} onChanged={() => setReloadKey((k) => k + 1)} />
      ) : null}
      <DataTable<Dataset>
        endpoint="/api/v1/datasets"
        columns={columns}
        filters={FILTERS}
        defaultSort="created_at:desc"
        reloadKey={reloadKey + liveTick}
        emptyText="No dataset yet. Request a masked copy or a synthetic platform."
      />
      <RefusedRequests reloadKey={reloadKey + liveTick} />
    </div>
  );
}

export function DatasetDetail({ id, onChanged }: { id: string; onChanged?: () => void }) {
  const { me } = useSession();
  // Progress is pushed over server-sent events while the copy is built; polled only without them.
  const { data, error, loading, reload } = useLiveResource<Dataset>(`/api/v1/datasets/${id}`, {
    topics: ["datasets"],
    match: (event) => event.id === id,
    fallbackMs: 2_000,
  });
  const [dropError, setDropError] = useState<string>();
  const [dropping, setDropping] = useState(false);
  if (error) {
    return <ErrorState error={error} onRetry={reload} />;
  }
  if (!data) {
    return loading ? <Loading label="Loading the dataset…" /> : null;
  }
  const active = ACTIVE_STATUSES.includes(data.status);
  const mine = data.owner === me.user.email || me.user.role === "admin";
  const mayDrop = mine && !active && data.status !== "dropped" && data.status !== "expired";
  const mayCancel = mine && active && !data.cancelRequested;
  const drop = async () => {
    const question = active
      ? `Cancel ${data.name}? Its copy stops and its database and role are dropped.`
      : `Drop ${data.name}, its database and its login role?`;
    if (!window.confirm(question)) {
      return;
    }
    setDropping(true);
    setDropError(undefined);
    try {
      await api(`/api/v1/datasets/${data.id}`, { method: "DELETE" });
      reload();
      onChanged?.();
    } catch (caught) {
      setDropError((caught as Error).message);
    } finally {
      setDropping(false);
    }
  };
  const tables = Object.entries(data.progress).sort(([a], [b]) => a.localeCompare(b));
  const report = (data.report ?? null) as Record<string, unknown> | null;
  return (
    <div className="panel md-detail" data-testid="dataset-detail">
      <h2>
        {data.name} <StatusBadge status={data.status} />
      </h2>
      <p className="muted">
        {data.kind} · owner {data.owner} · created {formatTime(data.createdAt)} · expires{" "}
        {formatExpiry(data.expiresAt)} · {formatBytes(data.sizeBytes)}
        {data.percent !== null ? ` · ${data.percent}% of customers` : ""}
        {data.tenants ? ` · ${data.tenants.length} tenant(s)` : ""}
      </p>
      {data.databaseUrl && data.status === "ready" ? (
        <p className="muted">
          Database <code>{data.databaseUrl}</code> (its own login role)
        </p>
      ) : null}
      {data.connectionVisible ? <ConnectionPanel dataset={data} /> : null}
      {data.error ? (
        <div className="form-error" role="alert">
          {data.error}
        </div>
      ) : null}
      {active || tables.length ? (
        <div className="md-progress">
          <ProgressBar
            value={data.status === "ready" ? 100 : overallProgress(data.progress)}
            status={
              data.status === "ready"
                ? "succeeded"
                : data.status === "failed"
                  ? "failed"
                  : "running"
            }
            label={`${data.name} overall`}
          />
          <table className="md-tables">
            <tbody>
              {tables.map(([table, p]) => (
                <tr key={table}>
                  <td>
                    <code>{table}</code>
                  </td>
                  <td className="md-bar">
                    <ProgressBar
                      value={
                        p.status === "done"
                          ? 100
                          : p.expected
                            ? (p.rows / Math.max(1, p.expected)) * 100
                            : p.status === "copying"
                              ? 50
                              : 0
                      }
                      status={
                        p.status === "done"
                          ? "succeeded"
                          : p.status === "failed"
                            ? "failed"
                            : "running"
                      }
                      label={table}
                    />
                  </td>
                  <td className="md-num">{p.rows.toLocaleString()} rows</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {report && data.kind === "synthetic" && data.status === "ready" ? (
        <p>
          <Link to={`/masked-datasets?tab=synthetic&dataset=${data.id}`}>
            See the real-against-synthetic report →
          </Link>
        </p>
      ) : null}
      {report && data.kind === "masked" ? <MaskedReportSummary dataset={data} /> : null}
      {mine ? (
        <DatasetControls
          dataset={data}
          onChanged={() => {
            reload();
            onChanged?.();
          }}
        />
      ) : null}
      <div className="form-actions">
        {mayDrop ? (
          <button type="button" className="button" onClick={drop} disabled={dropping}>
            {dropping ? "Dropping…" : "Drop dataset"}
          </button>
        ) : null}
        {mayCancel ? (
          <button type="button" className="button" onClick={drop} disabled={dropping}>
            {dropping ? "Cancelling…" : "Cancel dataset"}
          </button>
        ) : null}
        {active && data.cancelRequested ? <span className="muted">Cancelling…</span> : null}
        <Link to="/masked-datasets?tab=datasets" className="button button-ghost">
          Close
        </Link>
      </div>
      {dropError ? (
        <div className="form-error" role="alert">
          {dropError}
        </div>
      ) : null}
    </div>
  );
}

/**
 * The connection string holds the dataset role's password: only its requester and admins get
 * it, on request (each reading audited), and either may rotate the password.
 */
function ConnectionPanel({ dataset }: { dataset: Dataset }) {
  const [url, setUrl] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const run = async (action: "show" | "rotate") => {
    if (
      action === "rotate" &&
      !window.confirm(
        `Rotate the password of ${dataset.name}? Connections using the old one stop working.`,
      )
    ) {
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const answer =
        action === "show"
          ? await api<DatasetConnection>(`/api/v1/datasets/${dataset.id}/connection`)
          : await api<DatasetConnection>(`/api/v1/datasets/${dataset.id}/rotate-password`, {
              method: "POST",
            });
      setUrl(answer.connectionString);
    } catch (caught) {
      setError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div data-testid="connection-panel">
      {url ? (
        <ConnectionString url={url} />
      ) : (
        <button type="button" className="button button-small" onClick={() => run("show")}>
          Show connection string
        </button>
      )}{" "}
      <button
        type="button"
        className="button button-small"
        onClick={() => run("rotate")}
        disabled={busy}
      >
        {busy ? "Working…" : "Rotate password"}
      </button>
      {error ? (
        <div className="form-error" role="alert">
          {error}
        </div>
      ) : null}
    </div>
  );
}

function ConnectionString({ url }: { url: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setCopied(true);
      window.setTimeout(() => setCopied(false), 1500);
    } catch {
      setCopied(false);
    }
  };
  return (
    <div className="md-connection">
      <code data-testid="connection-string">{url}</code>
      <button type="button" className="button button-small" onClick={copy}>
        {copied ? "Copied" : "Copy"}
      </button>
    </div>
  );
}
