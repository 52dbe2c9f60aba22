import { useState } from "react";
import { api } from "../../api/client.ts";
import { useSession } from "../../app/session.tsx";
import { Empty, ErrorState, Loading } from "../../components/states.tsx";
import { useApi } from "../../components/use-api.ts";
import type { Suggestion } from "./types.ts";

function describe(rule: Record<string, unknown>): string {
  const check =
    rule.check && typeof rule.check === "object" ? (rule.check as Record<string, unknown>) : {};
  const what = Object.entries(check)
    .map(([k, v]) => `${k} ${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join(", ");
  return `${String(rule.kind)} on ${String(rule.table)}${rule.column ? `.${String(rule.column)}` : ""}${
    what ? ` (${what})` : ""
  }, threshold ${String(rule.threshold)}`;
}

/** Rules proposed from the catalog and from profiling, accepted or rejected by a steward. */
export function SuggestionsTab({ onDecided }: { onDecided: () => void }) {
  const { can } = useSession();
  const list = useApi<{ suggestions: Suggestion[] }>("/api/v1/quality/suggestions?status=proposed");
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string>();
  const generate = async () => {
    setBusy(true);
    setMessage(undefined);
    try {
      const { added } = await api<{ added: number }>("/api/v1/quality/suggestions/generate", {
        method: "POST",
        body: {},
      });
      setMessage(`${added} new suggestion(s).`);
      list.reload();
    } catch (caught) {
      setMessage((caught as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const decide = async (id: string, action: "accept" | "reject") => {
    try {
      await api(`/api/v1/quality/suggestions/${id}/decision`, { method: "POST", body: { action } });
      list.reload();
      onDecided();
    } catch (caught) {
      setMessage((caught as Error).message);
    }
  };
  return (
    <div>
      {can("quality:rules") ? (
        <div className="table-toolbar">
          <button type="button" className="button" disabled={busy} onClick={() => void generate()}>
            {busy ? "Profiling…" : "Suggest rules from the catalog and profiling"}
          </button>
        </div>
      ) : null}
      {message ? <p className="notice">{message}</p> : null}
      {list.error ? (
        <ErrorState error={list.error} onRetry={list.reload} />
      ) : !list.data ? (
        <Loading />
      ) : list.data.suggestions.length === 0 ? (
        <Empty>
          No suggestions waiting. Ask for some: they come from accepted PII columns and profiling.
        </Empty>
      ) : (
        <table className="table" aria-label="Suggested rules">
          <thead>
            <tr>
              <th>Rule</th>
              <th>What it checks</th>
              <th>Why</th>
              <th>From</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.data.suggestions.map((s) => (
              <tr key={s.id}>
                <td className="mono">{s.ruleId}</td>
                <td>{describe(s.rule)}</td>
                <td className="small">{s.reason}</td>
                <td>{s.origin}</td>
                <td>
                  {can("quality:rules") ? (
                    <>
                      <button
                        type="button"
                        className="button button-small"
                        onClick={() => void decide(s.id, "accept")}
                      >
                        Accept
                      </button>{" "}
                      <button
                        type="button"
                        className="button button-small button-ghost"
                        onClick={() => void decide(s.id, "reject")}
                      >
                        Reject
                      </button>
                    </>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
