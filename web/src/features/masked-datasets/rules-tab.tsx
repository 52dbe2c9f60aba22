import { useState } from "react";
import { api, query } from "../../api/client.ts";
import { Link, useSearchState } from "../../app/router.tsx";
import { useSession } from "../../app/session.tsx";
import { Empty, ErrorState, Loading } from "../../components/states.tsx";
import { useApi } from "../../components/use-api.ts";
import { RulePreview } from "./rule-preview.tsx";
import { paramsFor, StrategyParamsFields } from "./strategy-params.tsx";
import { type RuleRow, STRATEGIES } from "./types.ts";

/**
 * Every personal-data column and JSONB path with the rule in force (a steward's, or its
 * category's default); engineers and stewards change a strategy and its parameters with a live
 * before/after preview on sample rows; only stewards mark a column allowed as is, with a reason.
 */
export function RulesTab() {
  const [search, setSearch] = useSearchState();
  const table = search.get("table") ?? "";
  const text = search.get("q") ?? "";
  const { can } = useSession();
  const rules = useApi<{ items: RuleRow[] }>(`/api/v1/masking/rules${query({ table })}`);
  // Engineers change strategies (never to "allow as is", a steward's call); stewards do both.
  const editable = can("masking:strategy") || can("masking:rules");
  const mayAllow = can("masking:rules");
  const needle = text.toLowerCase();
  const rows = (rules.data?.items ?? []).filter(
    (r) =>
      !needle ||
      `${r.table}.${r.column}${r.jsonPath ? `:${r.jsonPath}` : ""} ${r.category ?? ""} ${r.strategy}`
        .toLowerCase()
        .includes(needle),
  );
  return (
    <div>
      <div className="filters">
        <label className="field-inline">
          <span>Table</span>
          <input
            value={table}
            placeholder="exact, e.g. customers"
            onChange={(e) => setSearch({ table: e.target.value.trim() || undefined })}
          />
        </label>
        <label className="field-inline">
          <span>Filter</span>
          <input
            value={text}
            placeholder="column, category or strategy"
            onChange={(e) => setSearch({ q: e.target.value || undefined })}
          />
        </label>
      </div>
      {rules.error ? <ErrorState error={rules.error} onRetry={rules.reload} /> : null}
      {!rules.data && !rules.error ? <Loading label="Loading masking rules…" /> : null}
      {rules.data && rows.length === 0 ? (
        <Empty>
          No personal-data column{table ? ` in ${table}` : ""} matches. Columns appear here once the
          catalog has classified them.
        </Empty>
      ) : null}
      {rows.length ? (
        <table className="table md-rules">
          <thead>
            <tr>
              <th>Column / JSONB path</th>
              <th>Category</th>
              <th>Strategy</th>
              <th>Source</th>
              <th>Set by</th>
              {editable ? <th /> : null}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <RuleLine
                key={`${r.table}.${r.column}:${r.jsonPath}`}
                rule={r}
                editable={editable}
                mayAllow={mayAllow}
                onSaved={rules.reload}
              />
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

function RuleLine({
  rule,
  editable,
  mayAllow,
  onSaved,
}: {
  rule: RuleRow;
  editable: boolean;
  mayAllow: boolean;
  onSaved: () => void;
}) {
  const [editing, setEditing] = useState(false);
  const [strategy, setStrategy] = useState(rule.strategy);
  const [params, setParams] = useState<Record<string, unknown>>(rule.params ?? {});
  const shownParams = paramsFor(strategy, params);
  const [reason, setReason] = useState(rule.reason ?? "");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const label = `${rule.table}.${rule.column}${rule.jsonPath ? ` → ${rule.jsonPath}` : ""}`;
  const save = async () => {
    setBusy(true);
    setError(undefined);
    const target = {
      table: rule.table,
      column: rule.column,
      ...(rule.jsonPath ? { jsonPath: rule.jsonPath } : {}),
    };
    try {
      if (strategy === "allow") {
        await api("/api/v1/masking/rules/allow", { method: "POST", body: { ...target, reason } });
      } else {
        await api("/api/v1/masking/rules", {
          method: "PUT",
          body: {
            ...target,
            strategy,
            params: shownParams,
            ...(reason.trim() ? { reason: reason.trim() } : {}),
          },
        });
      }
      setEditing(false);
      onSaved();
    } catch (caught) {
      setError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <tr className={rule.blocksProvisioning ? "md-blocks" : undefined}>
        <td>
          {rule.catalogColumnId ? (
            <Link to={`/catalog?column=${rule.catalogColumnId}`}>
              <code>{label}</code>
            </Link>
          ) : (
            <code>{label}</code>
          )}
          {rule.blocksProvisioning ? <span className="badge badge-failed">blocks</span> : null}
        </td>
        <td>{rule.category ?? "—"}</td>
        <td>
          <code>{rule.strategy}</code>
          {rule.strategy === "allow" && rule.reason ? (
            <span className="muted"> — {rule.reason}</span>
          ) : null}
        </td>
        <td>{rule.source === "rule" ? `rule v${rule.version}` : "category default"}</td>
        <td>{rule.setBy ?? "—"}</td>
        {editable ? (
          <td>
            <button
              type="button"
              className="button button-small"
              onClick={() => setEditing(!editing)}
            >
              {editing ? "Cancel" : "Change"}
            </button>
          </td>
        ) : null}
      </tr>
      {editing ? (
        <tr className="md-edit">
          <td colSpan={6}>
            <label className="field-inline">
              <span>Strategy</span>
              <select
                aria-label={`strategy for ${label}`}
                value={strategy}
                onChange={(e) => setStrategy(e.target.value)}
              >
                {STRATEGIES.filter(
                  (s) => s !== "allow" || mayAllow || rule.strategy === "allow",
                ).map((s) => (
                  <option key={s} value={s}>
                    {s === "allow" ? "allow as is" : s}
                  </option>
                ))}
              </select>
            </label>
            <StrategyParamsFields
              strategy={strategy}
              params={params}
              onChange={(p) => setParams({ ...params, ...p })}
            />
            <label className="field-inline">
              <span>Reason{strategy === "allow" ? " (required)" : ""}</span>
              <input value={reason} onChange={(e) => setReason(e.target.value)} />
            </label>
            <button
              type="button"
              className="button button-primary button-small"
              onClick={save}
              disabled={busy || (strategy === "allow" && reason.trim().length < 3)}
            >
              Save
            </button>
            {error ? (
              <span className="form-error" role="alert">
                {error}
              </span>
            ) : null}
            <RulePreview
              table={rule.table}
              column={rule.column}
              jsonPath={rule.jsonPath}
              strategy={strategy}
              params={shownParams}
            />
          </td>
        </tr>
      ) : null}
    </>
  );
}
