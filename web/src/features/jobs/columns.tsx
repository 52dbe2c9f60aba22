import type { JobRun } from "../../api/types.ts";
import { type Columns, formatTime } from "../../components/data-table.tsx";
import { ProgressBar } from "../../components/progress-bar.tsx";

function duration(ms: number | null): string {
  if (ms === null) {
    return "—";
  }
  return ms < 1_000 ? `${ms} ms` : `${(ms / 1_000).toFixed(1)} s`;
}

export function runColumns({
  canCancel,
  onCancel,
}: {
  canCancel: boolean;
  onCancel: (run: JobRun) => void;
}): Columns<JobRun> {
  const columns: Columns<JobRun> = [
    { id: "queue", accessorKey: "queue", header: "Queue", enableSorting: false },
    {
      id: "status",
      accessorKey: "status",
      header: "Status",
      enableSorting: false,
      cell: ({ row }) => (
        <span className={`badge badge-${row.original.status}`}>{row.original.status}</span>
      ),
    },
    {
      id: "progress",
      header: "Progress",
      enableSorting: false,
      cell: ({ row }) => (
        <ProgressBar
          value={row.original.status === "succeeded" ? 100 : (row.original.progress ?? 0)}
          status={row.original.status}
          label={`${row.original.queue} run ${row.original.id}`}
        />
      ),
    },
    { id: "attempt", accessorKey: "attempt", header: "Attempt", enableSorting: false },
    { id: "triggeredBy", accessorKey: "triggeredBy", header: "Triggered by", enableSorting: false },
    {
      id: "queuedAt",
      accessorKey: "queuedAt",
      header: "Queued",
      cell: ({ row }) => formatTime(row.original.queuedAt),
    },
    {
      id: "durationMs",
      accessorKey: "durationMs",
      header: "Duration",
      enableSorting: false,
      cell: ({ row }) => duration(row.original.durationMs),
    },
    {
      id: "error",
      header: "Outcome",
      enableSorting: false,
      cell: ({ row }) =>
        row.original.error ? (
          <span className="error-text" title={row.original.error}>
            {row.original.error}
          </span>
        ) : row.original.counts && Object.keys(row.original.counts).length > 0 ? (
          <span className="muted">
            {Object.entries(row.original.counts)
              .map(([k, v]) => `${k}: ${v}`)
              .join(", ")}
          </span>
        ) : (
          "—"
        ),
    },
  ];
  if (canCancel) {
    columns.push({
      id: "actions",
      header: "",
      enableSorting: false,
      cell: ({ row }) =>
        row.original.status === "queued" && row.original.queueJobId ? (
          <button
            type="button"
            className="button button-small"
            onClick={() => onCancel(row.original)}
          >
            Cancel
          </button>
        ) : null,
    });
  }
  return columns;
}
