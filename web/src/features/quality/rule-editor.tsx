import { useState } from "react";
import { ApiError, api } from "../../api/client.ts";
import { TenantName } from "../../components/tenant-picker.tsx";
import { percent, type RunResponse } from "./types.ts";

/** A starting point per kind: the contract's fields, ready to edit. */
const TEMPLATES: Record<string, string> = {
  completeness: `id: customers_email_filled
table: customers
column: email
kind: completeness
threshold: 0.95
severity: error
tenants: per_tenant
`,
  validity: `id: payments_positive
table: payments
column: amount
kind: validity
check: {range: {min: 0, max: 1000000}}
threshold: 0.99
severity: critical
tenants: per_tenant
`,
  uniqueness: `id: customers_email_unique
table: customers
column: email
kind: uniqueness
threshold: 1.0
severity: error
tenants: per_tenant
`,
  consistency: `id: jobs_schedule_order
table: jobs
kind: consistency
check: {compare: {left: scheduled_end, op: ">=", right: scheduled_start}}
threshold: 1.0
severity: error
tenants: per_tenant
`,
  freshness: `id: payments_fresh
table: payments
kind: freshness
check: {timestamp: created_at, max_age_hours: 24}
threshold: 1.0
severity: warning
tenants: all
`,
  volume: `id: payments_daily_volume
table: payments
kind: volume
check: {timestamp: created_at, window_hours: 24, band: {k: 3, runs: 8}}
threshold: 1.0
severity: warning
tenants: per_tenant
`,
  custom_sql: `id: payments_without_customer
table: payments
kind: custom_sql
sql: SELECT id FROM payments WHERE customer_id IS NULL AND status = 'completed'
threshold: 0.99
severity: error
tenants: per_tenant
`,
};

type Problem = { path?: string; message: string; token?: string };

function problemsOf(error: unknown): Problem[] {
  if (error instanceof ApiError && Array.isArray(error.details)) {
    return error.details as Problem[];
  }
  return [];
}

/**
 * The rule editor: the rule as YAML (exactly what a rule file holds), a dry run against live
 * data before saving, and save as a new audited version.
 */
export function RuleEditor({
  onSaved,
  onCancel,
}: {
  onSaved: (id: string) => void;
  onCancel: () => void;
}) {
  const [kind, setKind] = useState("validity");
  const [text, setText] = useState(TEMPLATES.validity ?? "");
  const [preview, setPreview] = useState<RunResponse>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState<"preview" | "save">();

  const ruleObject = async (): Promise<Record<string, unknown>> => {
    const { parse } = await import("yaml");
    const value = parse(text) as unknown;
    if (!value || typeof value !== "object" || Array.isArray(value)) {
      throw new Error("The editor holds one rule (a mapping of fields).");
    }
    return value as Record<string, unknown>;
  };

  const runPreview = async () => {
    setBusy("preview");
    setError(undefined);
    setPreview(undefined);
    try {
      const rule = await ruleObject();
      setPreview(
        await api<RunResponse>("/api/v1/quality/rules/preview", { method: "POST", body: { rule } }),
      );
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(undefined);
    }
  };

  const save = async () => {
    setBusy("save");
    setError(undefined);
    try {
      const saved = await api<{ rules: { id: string; version: number }[] }>(
        "/api/v1/quality/rules",
        {
          method: "POST",
          body: { yaml: text },
        },
      );
      onSaved(saved.rules[0]?.id ?? "");
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(undefined);
    }
  };

  const problems = problemsOf(error);
  return (
    <div className="panel quality-editor" data-testid="rule-editor">
      <h2>New rule</h2>
      <div className="form-grid">
        <label className="field">
          <span>Start from</span>
          <select
            value={kind}
            onChange={(e) => {
              setKind(e.target.value);
              setText(TEMPLATES[e.target.value] ?? "");
              setPreview(undefined);
            }}
          >
            {Object.keys(TEMPLATES).map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
      </div>
      <label className="field">
        <span>Rule (YAML, as in rules/quality/*.yaml)</span>
        <textarea
          aria-label="Rule YAML"
          className="mono"
          rows={11}
          value={text}
          spellCheck={false}
          onChange={(e) => setText(e.target.value)}
        />
      </label>
      {error ? (
        <div className="form-error" role="alert">
          <p>{(error as Error).message}</p>
          {problems.length ? (
            <ul>
              {problems.map((p) => (
                <li key={`${p.path}-${p.message}`}>
                  {p.message}
                  {p.token ? (
                    <>
                      {" "}
                      (at <code>{p.token}</code>)
                    </>
                  ) : null}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      <div className="form-actions">
        <button
          type="button"
          className="button"
          disabled={busy !== undefined}
          onClick={() => void runPreview()}
        >
          {busy === "preview" ? "Previewing…" : "Preview against live data"}
        </button>
        <button
          type="button"
          className="button button-primary"
          disabled={busy !== undefined}
          onClick={() => void save()}
        >
          {busy === "save" ? "Saving…" : "Save rule"}
        </button>
        <button type="button" className="button button-ghost" onClick={onCancel}>
          Cancel
        </button>
      </div>
      {preview ? <PreviewTable preview={preview} /> : null}
    </div>
  );
}

function PreviewTable({ preview }: { preview: RunResponse }) {
  return (
    <div data-testid="preview">
      <h3>Dry run: what the rule would report now (nothing stored, no alert)</h3>
      <table className="table table-compact">
        <thead>
          <tr>
            <th>Tenant</th>
            <th>Score</th>
            <th>Threshold</th>
            <th>Verdict</th>
            <th>Failing rows</th>
          </tr>
        </thead>
        <tbody>
          {preview.results.map((r) => (
            <tr key={`${r.rule}-${r.tenant_id ?? "all"}`}>
              <td>{r.tenant_id ? <TenantCell id={r.tenant_id} /> : "All tenants"}</td>
              <td>{percent(r.score)}</td>
              <td>{percent(r.threshold)}</td>
              <td>
                {r.error ? (
                  <span className="error-text">{r.error}</span>
                ) : r.passed ? (
                  <span className="badge badge-succeeded">would pass</span>
                ) : (
                  <span className="badge badge-failed">would fail</span>
                )}
              </td>
              <td>
                {r.failing} of {r.total}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function TenantCell({ id }: { id: string }) {
  return <TenantName id={id} />;
}
