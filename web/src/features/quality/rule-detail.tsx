import { useState } from "react";
import {
  Bar,
  BarChart,
  CartesianGrid,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { api } from "../../api/client.ts";
import { useSession } from "../../app/session.tsx";
import { formatTime } from "../../components/data-table.tsx";
import { Empty, ErrorState, Loading } from "../../components/states.tsx";
import { useApi } from "../../components/use-api.ts";
import { percent, type ResultRow, type RuleOverview, type Samples } from "./types.ts";

/** One rule: score history chart, the last run per tenant, and failing-row samples. */
export function RuleDetail({ rule, onClose }: { rule: RuleOverview; onClose: () => void }) {
  const history = useApi<{ results: ResultRow[] }>(
    `/api/v1/quality/results?rule=${encodeURIComponent(rule.id)}&limit=500`,
  );
  const [samplesFor, setSamplesFor] = useState<ResultRow>();
  if (history.error) {
    return <ErrorState error={history.error} onRetry={history.reload} />;
  }
  if (!history.data) {
    return <Loading />;
  }
  const results = history.data.results;
  const lastRun = results[0]?.runId;
  const last = results.filter((r) => r.runId === lastRun);
  // Per run: the worst tenant's score (what decides an incident), oldest first.
  const byRun = new Map<string, { at: string; score: number }>();
  for (const r of [...results].reverse()) {
    if (r.score === null) {
      continue;
    }
    const seen = byRun.get(r.runId);
    if (!seen || r.score < seen.score) {
      byRun.set(r.runId, { at: r.evaluatedAt, score: r.score });
    }
  }
  const series = [...byRun.values()].map((p) => ({
    at: new Date(p.at).toLocaleString(undefined, { dateStyle: "short", timeStyle: "short" }),
    score: Number((p.score * 100).toFixed(2)),
  }));
  const tenants = last.map((r) => ({
    name: r.tenantName ?? (r.tenantId ? r.tenantId.slice(0, 8) : "All tenants"),
    score: r.score === null ? 0 : Number((r.score * 100).toFixed(2)),
  }));
  return (
    <div className="panel quality-detail" data-testid="rule-detail">
      <div className="page-head">
        <h2>
          <span className="mono">{rule.id}</span>{" "}
          <span className="muted small">
            {rule.kind} on {rule.table}
            {rule.column ? `.${rule.column}` : ""} · threshold {percent(rule.threshold)} ·{" "}
            {rule.severity}
          </span>
        </h2>
        <button type="button" className="button button-ghost button-small" onClick={onClose}>
          Close
        </button>
      </div>
      {results.length === 0 ? (
        <Empty>This rule has not run yet. Run it to see its history.</Empty>
      ) : (
        <div className="quality-charts">
          <figure className="quality-chart">
            <figcaption>Score per run (worst tenant)</figcaption>
            <ResponsiveContainer width="100%" height={200}>
              <LineChart data={series} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="at" tick={{ fontSize: 11 }} />
                <YAxis domain={[0, 100]} unit="%" tick={{ fontSize: 11 }} />
                <Tooltip formatter={(v) => `${v}%`} />
                <ReferenceLine
                  y={rule.threshold * 100}
                  stroke="#c53030"
                  strokeDasharray="4 4"
                  label="threshold"
                />
                <Line type="monotone" dataKey="score" stroke="#2b6cb0" isAnimationActive={false} />
              </LineChart>
            </ResponsiveContainer>
          </figure>
          <figure className="quality-chart">
            <figcaption>Last run per tenant</figcaption>
            <ResponsiveContainer width="100%" height={200}>
              <BarChart data={tenants} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="name" tick={{ fontSize: 11 }} />
                <YAxis domain={[0, 100]} unit="%" tick={{ fontSize: 11 }} />
                <Tooltip formatter={(v) => `${v}%`} />
                <ReferenceLine y={rule.threshold * 100} stroke="#c53030" strokeDasharray="4 4" />
                <Bar dataKey="score" fill="#2b6cb0" isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          </figure>
        </div>
      )}
      {last.length ? (
        <table className="table table-compact" aria-label="Last run per tenant">
          <thead>
            <tr>
              <th>Tenant</th>
              <th>Score</th>
              <th>Verdict</th>
              <th>Failing</th>
              <th>Evaluated</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {last.map((r) => (
              <tr key={r.id}>
                <td>
                  {r.tenantName ??
                    (r.tenantId ? <span className="mono">{r.tenantId}</span> : "All tenants")}
                </td>
                <td>{percent(r.score)}</td>
                <td>
                  {r.error ? (
                    <span className="badge badge-failed" title={r.error}>
                      error
                    </span>
                  ) : r.passed ? (
                    <span className="badge badge-succeeded">pass</span>
                  ) : (
                    <span className="badge badge-failed">fail</span>
                  )}
                </td>
                <td>
                  {r.failing} of {r.total}
                </td>
                <td>{formatTime(r.evaluatedAt)}</td>
                <td>
                  {r.samples > 0 ? (
                    <button type="button" className="link-button" onClick={() => setSamplesFor(r)}>
                      Failing rows
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {samplesFor ? <SamplesPanel result={samplesFor} /> : null}
    </div>
  );
}

function SamplesPanel({ result }: { result: ResultRow }) {
  const { can } = useSession();
  const [raw, setRaw] = useState<Samples>();
  const [rawError, setRawError] = useState<string>();
  const masked = useApi<Samples>(`/api/v1/quality/results/${result.id}/samples`);
  const shown = raw ?? masked.data;
  const showRaw = async () => {
    setRawError(undefined);
    try {
      setRaw(await api<Samples>(`/api/v1/quality/results/${result.id}/samples?raw=true`));
    } catch (caught) {
      setRawError((caught as Error).message);
    }
  };
  return (
    <div className="panel" data-testid="samples">
      <h3>
        Failing rows {result.tenantName ? `of ${result.tenantName}` : ""}{" "}
        <span className="muted small">
          {shown
            ? shown.masked
              ? `masked as ${shown.category}`
              : "raw values (your viewing is audited)"
            : ""}
        </span>
      </h3>
      {masked.error ? <ErrorState error={masked.error} onRetry={masked.reload} /> : null}
      {!shown ? (
        <Loading />
      ) : shown.rows.length === 0 ? (
        <Empty>No failing rows are left (they were fixed or deleted since the run).</Empty>
      ) : (
        <table className="table table-compact">
          <thead>
            <tr>
              <th>Row key</th>
              <th>{shown.column ?? "Value"}</th>
            </tr>
          </thead>
          <tbody>
            {shown.rows.map((r) => (
              <tr key={r.key}>
                <td className="mono">{r.key}</td>
                <td className="mono">{r.value ?? <span className="muted">NULL</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {can("quality:raw") && !raw ? (
        <button type="button" className="button button-small" onClick={() => void showRaw()}>
          Show raw values (audited)
        </button>
      ) : null}
      {rawError ? <p className="error-text">{rawError}</p> : null}
    </div>
  );
}
