import { type FormEvent, lazy, Suspense, useState } from "react";
import {
  Area,
  AreaChart,
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import type {
  TTierHistory,
  TTierMoves,
  TTierPlan,
  TTierRecommendations,
  TTierStatus,
} from "../../../../schema/domain/tiering.ts";
import { api } from "../../api/client.ts";
import { useSession } from "../../app/session.tsx";
import { ProgressBar } from "../../components/progress-bar.tsx";
import { Empty, ErrorState, Loading } from "../../components/states.tsx";
import { TenantPicker } from "../../components/tenant-picker.tsx";
import { useApi } from "../../components/use-api.ts";
import { useLiveResource } from "../../components/use-live-resource.ts";

/** The policy editor brings the YAML parser: loaded when the page shows it, not with the app. */
const TieringPolicies = lazy(() =>
  import("./policy-editor.tsx").then((m) => ({ default: m.TieringPolicies })),
);

const TIERS = ["hot", "warm", "cold", "archive"] as const;
const COLORS = { hot: "#d9480f", warm: "#f59f00", cold: "#1c7ed6", archive: "#495057" };

function bytes(n: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

function money(n: number): string {
  return n < 0.01 && n > 0 ? "< $0.01" : `$${n.toFixed(2)}`;
}

function StorageTable({ status }: { status: TTierStatus }) {
  if (status.tables.length === 0) {
    return <Empty>No table has a tiering policy.</Empty>;
  }
  return (
    <table className="data-table" aria-label="Storage by table and tier">
      <thead>
        <tr>
          <th>Table</th>
          {TIERS.map((t) => (
            <th key={t}>{t}</th>
          ))}
          <th>Monthly cost</th>
        </tr>
      </thead>
      <tbody>
        {status.tables.map((row) => (
          <tr key={row.table}>
            <td>{row.table.replace(/^public\./, "")}</td>
            {TIERS.map((t) => (
              <td key={t} data-tier={t}>
                {row.tiers[t].rows.toLocaleString()} rows
                <div className="muted">{bytes(row.tiers[t].bytes)}</div>
              </td>
            ))}
            <td>{money(row.monthlyCost)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function HistoryChart() {
  const { data, error } = useApi<TTierHistory>("/api/v1/tiering/history");
  if (error) {
    return <ErrorState error={error} />;
  }
  if (!data) {
    return <Loading />;
  }
  if (data.points.length === 0) {
    return <Empty>No tiering run yet: the chart fills after the first run.</Empty>;
  }
  const points = data.points.map((p) => ({
    ...p,
    label: new Date(p.takenAt).toLocaleString(),
    hot: p.hot / 1024 ** 2,
    warm: p.warm / 1024 ** 2,
    cold: p.cold / 1024 ** 2,
    archive: p.archive / 1024 ** 2,
  }));
  return (
    <div style={{ width: "100%", height: 260 }}>
      <ResponsiveContainer>
        <AreaChart data={points}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="label" />
          <YAxis unit=" MB" />
          <Tooltip formatter={(v) => `${Number(v).toFixed(2)} MB`} />
          <Legend />
          {TIERS.map((t) => (
            <Area
              key={t}
              type="monotone"
              dataKey={t}
              stackId="1"
              stroke={COLORS[t]}
              fill={COLORS[t]}
            />
          ))}
        </AreaChart>
      </ResponsiveContainer>
    </div>
  );
}

function PlanView() {
  const { data, error, reload } = useApi<TTierPlan>("/api/v1/tiering/plan");
  if (error) {
    return <ErrorState error={error} onRetry={reload} />;
  }
  if (!data) {
    return <Loading />;
  }
  const summary = new Map<string, { units: number; rows: number }>();
  for (const m of data.moves) {
    const key = `${m.table}: ${m.from} → ${m.to}`;
    const s = summary.get(key) ?? { units: 0, rows: 0 };
    s.units += 1;
    s.rows += m.rows;
    summary.set(key, s);
  }
  return (
    <div>
      {data.warm.available ? null : (
        <p className="muted">Warm tier unavailable: {data.warm.reason}</p>
      )}
      {summary.size === 0 ? (
        <Empty>The next run has nothing to move.</Empty>
      ) : (
        <ul aria-label="Next run">
          {[...summary.entries()].map(([key, s]) => (
            <li key={key}>
              {key}: {s.rows.toLocaleString()} rows
              {s.units > 1 ? ` in ${s.units} units` : ""}
            </li>
          ))}
        </ul>
      )}
      {data.skipped.length ? (
        <details>
          <summary>{data.skipped.length} unit(s) stay where they are</summary>
          <ul>
            {data.skipped.slice(0, 50).map((s) => (
              <li key={`${s.table}-${s.partition}-${s.reason}`}>
                {s.table} {s.partition ?? ""}: {s.reason}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}

function RestoreForm({ onDone }: { onDone: () => void }) {
  const [table, setTable] = useState("business_events");
  const [tenant, setTenant] = useState<string | null>(null);
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [confirming, setConfirming] = useState(false);
  const [message, setMessage] = useState<string>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!confirming) {
      setConfirming(true);
      return;
    }
    try {
      const result = await api<{ jobId: string }>("/api/v1/tiering/restores", {
        method: "POST",
        body: {
          table,
          tenantId: tenant,
          from: new Date(`${from}T00:00:00Z`).toISOString(),
          to: new Date(`${to}T00:00:00Z`).toISOString(),
        },
      });
      setMessage(`Restore started (job ${result.jobId.slice(0, 8)}).`);
      setConfirming(false);
      onDone();
    } catch (error) {
      setMessage((error as Error).message);
    }
  };
  return (
    <form onSubmit={submit} aria-label="Restore a range">
      <label>
        Table
        <select value={table} onChange={(e) => setTable(e.target.value)} name="table">
          {[
            "business_events",
            "business_metrics",
            "customer_interactions",
            "payments",
            "audit_logs",
            "communications",
          ].map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
      </label>
      <TenantPicker
        value={tenant}
        onChange={(t) => setTenant(t?.id ?? null)}
        label="Tenant (optional)"
      />
      <label>
        From
        <input
          type="date"
          name="from"
          value={from}
          onChange={(e) => setFrom(e.target.value)}
          required
        />
      </label>
      <label>
        To
        <input type="date" name="to" value={to} onChange={(e) => setTo(e.target.value)} required />
      </label>
      {confirming ? (
        <p role="alert">
          This moves every row of {table} {tenant ? "of the chosen tenant " : "of every tenant "}
          from {from} to {to} out of cold storage and the archive back into the hot database
          (verified, audited). The next tiering run may move them out again.
        </p>
      ) : null}
      <button type="submit">{confirming ? "Confirm restore" : "Restore"}</button>
      {confirming ? (
        <button type="button" onClick={() => setConfirming(false)}>
          Cancel
        </button>
      ) : null}
      {message ? <p className="muted">{message}</p> : null}
    </form>
  );
}

function Recommendations() {
  const { data, error } = useApi<TTierRecommendations>("/api/v1/tiering/recommendations");
  if (error) {
    return <ErrorState error={error} />;
  }
  if (!data) {
    return <Loading />;
  }
  const items = data.items.filter((i) => i.hotAge !== null);
  if (!items.length) {
    return <Empty>No statistics yet.</Empty>;
  }
  return (
    <ul aria-label="Recommendations">
      {items.map((i) => (
        <li key={i.table}>
          <strong>{i.table}</strong>: {i.suggestion}
        </li>
      ))}
    </ul>
  );
}

export function StoragePage() {
  const { can } = useSession();
  const status = useApi<TTierStatus>("/api/v1/tiering/status");
  const moves = useLiveResource<TTierMoves>("/api/v1/tiering/moves", {
    topics: ["jobs"],
    fallbackMs: 2_000,
  });
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<string>();
  const running = moves.data?.runs.filter((r) => r.status === "running" || r.status === "queued");
  const start = async () => {
    setStarting(true);
    setStartError(undefined);
    try {
      await api("/api/v1/tiering/runs", { method: "POST", body: {} });
      moves.reload();
    } catch (error) {
      setStartError((error as Error).message);
    } finally {
      setStarting(false);
    }
  };
  return (
    <section>
      <h1>Storage</h1>
      {status.error ? (
        <ErrorState error={status.error} onRetry={status.reload} />
      ) : !status.data ? (
        <Loading />
      ) : (
        <>
          <p>
            Estimated monthly cost: <strong>{money(status.data.monthlyCost)}</strong>{" "}
            <span className="muted">
              (per GB-month:{" "}
              {TIERS.map((t) => `${t} $${status.data?.pricesPerGbMonth[t]}`).join(", ")})
            </span>
          </p>
          <StorageTable status={status.data} />
        </>
      )}
      <h2>Storage by tier over time</h2>
      <HistoryChart />
      <h2>Next run</h2>
      <PlanView />
      {can("tiering:run") ? (
        <button type="button" onClick={start} disabled={starting}>
          Run tiering now
        </button>
      ) : null}
      {startError ? <p role="alert">{startError}</p> : null}
      <h2>Moves in progress</h2>
      {moves.error ? (
        <ErrorState error={moves.error} onRetry={moves.reload} />
      ) : !moves.data ? (
        <Loading />
      ) : (
        <>
          {running?.length ? (
            running.map((r) => (
              <div key={r.jobId ?? r.createdAt}>
                Run by {r.triggeredBy ?? "schedule"}
                <ProgressBar value={r.progress ?? 0} status={r.status} label="tiering run" />
              </div>
            ))
          ) : (
            <Empty>No run in progress.</Empty>
          )}
          {moves.data.runs[0] && !running?.length ? (
            <p className="muted" data-testid="last-run">
              Last run: {moves.data.runs[0].status} (
              {new Date(moves.data.runs[0].createdAt).toLocaleString()})
            </p>
          ) : null}
          <details>
            <summary>Recent moves ({moves.data.items.length})</summary>
            <ul>
              {moves.data.items.slice(0, 30).map((m) => (
                <li key={m.id}>
                  {m.table} {m.partition ?? ""} {m.from} → {m.to}: {m.state}
                  {m.rows !== null ? `, ${m.rows.toLocaleString()} rows` : ""}
                </li>
              ))}
            </ul>
          </details>
        </>
      )}
      {can("tiering:restore") ? (
        <>
          <h2>Restore a range to hot</h2>
          <RestoreForm onDone={moves.reload} />
        </>
      ) : null}
      <h2>Recommendations</h2>
      <Recommendations />
      <h2>Policies</h2>
      <Suspense fallback={<Loading />}>
        <TieringPolicies canEdit={can("tiering:policies")} />
      </Suspense>
    </section>
  );
}
