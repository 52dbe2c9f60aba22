import { useState } from "react";
import { api } from "../../api/client.ts";
import { useSession } from "../../app/session.tsx";
import { formatTime } from "../../components/data-table.tsx";
import { Empty, ErrorState, Loading } from "../../components/states.tsx";
import { useApi } from "../../components/use-api.ts";
import { RuleDetail } from "./rule-detail.tsx";
import { RuleEditor } from "./rule-editor.tsx";
import { Sparkline } from "./sparkline.tsx";
import { percent, type RuleOverview, type RunResponse } from "./types.ts";

export function RulesTab({ onRun }: { onRun: () => void }) {
  const { can } = useSession();
  const rules = useApi<{ rules: RuleOverview[] }>("/api/v1/quality/rules");
  const [editing, setEditing] = useState(false);
  const [selected, setSelected] = useState<string>();
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string }>();
  const [running, setRunning] = useState<string>();

  const run = async (rule?: string) => {
    setRunning(rule ?? "all");
    setMessage(undefined);
    try {
      const report = await api<RunResponse>("/api/v1/quality/run", {
        method: "POST",
        body: rule ? { rule } : {},
      });
      const failed = report.results.filter((r) => r.passed === false).length;
      const opened = report.incidents.opened.length;
      setMessage({
        kind: failed ? "error" : "ok",
        text: `Evaluated ${report.results.length} result(s): ${failed} failing${
          opened ? `, ${opened} incident(s) opened` : ""
        }${report.incidents.resolved.length ? `, ${report.incidents.resolved.length} resolved` : ""}.`,
      });
      rules.reload();
      onRun();
    } catch (caught) {
      setMessage({ kind: "error", text: (caught as Error).message });
    } finally {
      setRunning(undefined);
    }
  };

  if (rules.error) {
    return <ErrorState error={rules.error} onRetry={rules.reload} />;
  }
  if (!rules.data) {
    return <Loading />;
  }
  const list = rules.data.rules;
  const current = list.find((r) => r.id === selected);
  return (
    <div>
      <div className="table-toolbar">
        {can("quality:rules") ? (
          <>
            <button
              type="button"
              className="button button-primary"
              onClick={() => setEditing(true)}
            >
              New rule
            </button>
            <button
              type="button"
              className="button"
              disabled={running !== undefined}
              onClick={() => void run()}
            >
              {running === "all" ? "Running…" : "Run all rules now"}
            </button>
          </>
        ) : null}
      </div>
      {message ? (
        <p className={message.kind === "ok" ? "notice" : "notice notice-warning"} role="status">
          {message.text}
        </p>
      ) : null}
      {editing ? (
        <RuleEditor
          onCancel={() => setEditing(false)}
          onSaved={(id) => {
            setEditing(false);
            setSelected(id);
            setMessage({ kind: "ok", text: `Saved rule ${id}.` });
            rules.reload();
          }}
        />
      ) : null}
      {list.length === 0 ? (
        <Empty>No quality rules yet. Create one, or accept a suggestion.</Empty>
      ) : (
        <div className="table-scroll">
          <table className="table" aria-label="Quality rules">
            <thead>
              <tr>
                <th>Rule</th>
                <th>Target</th>
                <th>Kind</th>
                <th>Severity</th>
                <th>Threshold</th>
                <th>Last score</th>
                <th>Trend</th>
                <th>Incidents</th>
                <th>Last run</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.map((r) => (
                <tr key={r.id} className={r.id === selected ? "selected" : undefined}>
                  <td>
                    <button
                      type="button"
                      className="link-button mono"
                      onClick={() => setSelected(r.id)}
                    >
                      {r.id}
                    </button>
                    {r.source === "file" ? <span className="muted small"> built in</span> : null}
                  </td>
                  <td className="mono">
                    {r.table}
                    {r.column ? `.${r.column}` : ""}
                  </td>
                  <td>{r.kind}</td>
                  <td>
                    <span className={`badge severity-${r.severity}`}>{r.severity}</span>
                  </td>
                  <td>{percent(r.threshold)}</td>
                  <td>
                    {r.lastScore === null ? (
                      <span className="muted">not run</span>
                    ) : (
                      <span className={r.lastPassed ? "quality-good" : "quality-bad"}>
                        {percent(r.lastScore)}
                      </span>
                    )}
                  </td>
                  <td>
                    <Sparkline values={r.sparkline} threshold={r.threshold} />
                  </td>
                  <td>
                    {r.openIncidents ? (
                      <span className="badge badge-failed">{r.openIncidents} open</span>
                    ) : (
                      "—"
                    )}
                  </td>
                  <td>{formatTime(r.lastEvaluatedAt)}</td>
                  <td>
                    {can("quality:rules") ? (
                      <button
                        type="button"
                        className="button button-small"
                        disabled={running !== undefined}
                        onClick={() => void run(r.id)}
                        aria-label={`Run ${r.id}`}
                      >
                        {running === r.id ? "Running…" : "Run"}
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {current ? (
        <RuleDetail
          key={`${current.id}-${current.lastEvaluatedAt}`}
          rule={current}
          onClose={() => setSelected(undefined)}
        />
      ) : null}
    </div>
  );
}
