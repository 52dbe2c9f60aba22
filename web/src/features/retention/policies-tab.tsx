import { type FormEvent, useMemo, useState } from "react";
import { api } from "../../api/client.ts";
import { useSearchState } from "../../app/router.tsx";
import { useSession } from "../../app/session.tsx";
import { type Columns, DataTable, formatTime } from "../../components/data-table.tsx";
import { Empty, ErrorState, Loading } from "../../components/states.tsx";
import { useApi } from "../../components/use-api.ts";
import { formatCount } from "./format.tsx";
import { POLICY_ACTIONS, type PolicyDetail, type RetentionPolicy } from "./types.ts";

/** Retention schedules: the list, one policy with its versions, and the edit form. */
export function PoliciesTab() {
  const [search, setSearch] = useSearchState();
  const open = search.get("id");
  const columns = useMemo<Columns<RetentionPolicy>>(
    () => [
      {
        id: "title",
        accessorKey: "title",
        header: "Policy",
        cell: ({ row }) => (
          <button
            type="button"
            className="link-button"
            onClick={() => setSearch({ id: row.original.id })}
          >
            {row.original.title}
          </button>
        ),
      },
      {
        id: "regulation",
        header: "Regulation",
        enableSorting: false,
        cell: ({ row }) => row.original.regulation,
      },
      {
        id: "table",
        accessorKey: "table",
        header: "Table",
        cell: ({ row }) => <code>{row.original.table}</code>,
      },
      {
        id: "period",
        header: "Keep",
        enableSorting: false,
        cell: ({ row }) => `${row.original.period} after ${row.original.dateColumn.join(" / ")}`,
      },
      {
        id: "action",
        header: "Then",
        enableSorting: false,
        cell: ({ row }) => (
          <span className="badge">{row.original.action.replaceAll("_", " ")}</span>
        ),
      },
      {
        id: "threshold",
        header: "Approval above",
        enableSorting: false,
        cell: ({ row }) => `${formatCount(row.original.threshold)} rows`,
      },
      {
        id: "version",
        header: "Version",
        enableSorting: false,
        cell: ({ row }) => `v${row.original.version}`,
      },
      {
        id: "enabled",
        header: "State",
        enableSorting: false,
        cell: ({ row }) =>
          row.original.enabled ? (
            <span className="badge badge-succeeded">enabled</span>
          ) : (
            <span className="badge">disabled</span>
          ),
      },
    ],
    [setSearch],
  );
  if (open) {
    return <PolicyDetailView id={open} onBack={() => setSearch({ id: undefined })} />;
  }
  return (
    <DataTable<RetentionPolicy>
      endpoint="/api/v1/retention/policies"
      columns={columns}
      defaultSort="title:asc"
      emptyText="No retention policy is loaded."
    />
  );
}

function PolicyDetailView({ id, onBack }: { id: string; onBack: () => void }) {
  const { can } = useSession();
  const detail = useApi<PolicyDetail>(`/api/v1/retention/policies/${encodeURIComponent(id)}`);
  const [editing, setEditing] = useState(false);
  const [message, setMessage] = useState<string>();
  const policy = detail.data;
  return (
    <div className="policy-detail">
      <button type="button" className="button button-small button-ghost" onClick={onBack}>
        ← All policies
      </button>
      {detail.error ? (
        <ErrorState error={detail.error} onRetry={detail.reload} />
      ) : !policy ? (
        <Loading />
      ) : (
        <>
          <h2>
            {policy.title} <span className="badge">v{policy.version}</span>
          </h2>
          {message ? (
            <p className="notice" role="status">
              {message}
            </p>
          ) : null}
          {policy.description ? <p>{policy.description}</p> : null}
          {editing ? (
            <PolicyForm
              policy={policy}
              onSaved={(version) => {
                setEditing(false);
                setMessage(`Saved as version ${version}.`);
                detail.reload();
              }}
              onCancel={() => setEditing(false)}
            />
          ) : (
            <>
              <dl className="facts">
                <dt>Id</dt>
                <dd className="mono">{policy.id}</dd>
                <dt>Regulation</dt>
                <dd>{policy.regulation}</dd>
                <dt>Table</dt>
                <dd>
                  <code>{policy.table}</code> aged by <code>{policy.dateColumn.join(", ")}</code>
                </dd>
                <dt>Keep for</dt>
                <dd>{policy.period}</dd>
                <dt>Condition</dt>
                <dd>
                  <code>{conditionText(policy.definition.condition)}</code>
                </dd>
                <dt>Then</dt>
                <dd>{policy.action.replaceAll("_", " ")}</dd>
                <dt>Approval</dt>
                <dd>
                  above {formatCount(policy.threshold)} rows
                  {policy.financial ? "; always (financial records)" : ""}
                </dd>
                <dt>State</dt>
                <dd>{policy.enabled ? "enabled" : "disabled"}</dd>
                <dt>Last change</dt>
                <dd>
                  {policy.editedBy} ({policy.source}) · {formatTime(policy.editedAt)}
                  {policy.note ? ` — ${policy.note}` : ""}
                </dd>
              </dl>
              {can("retention:policies") ? (
                <button
                  type="button"
                  className="button button-primary"
                  onClick={() => {
                    setMessage(undefined);
                    setEditing(true);
                  }}
                >
                  Edit policy
                </button>
              ) : null}
            </>
          )}
          <h3>Versions</h3>
          {policy.versions.length === 0 ? (
            <Empty>No versions recorded.</Empty>
          ) : (
            <div className="table-scroll">
              <table className="table table-compact" aria-label="policy versions">
                <thead>
                  <tr>
                    <th>Version</th>
                    <th>When</th>
                    <th>By</th>
                    <th>Note</th>
                    <th>Definition</th>
                  </tr>
                </thead>
                <tbody>
                  {policy.versions.map((version) => (
                    <tr key={version.version} data-version={version.version}>
                      <td>
                        v{version.version}
                        {version.active ? <span className="badge">current</span> : null}
                      </td>
                      <td>{formatTime(version.editedAt)}</td>
                      <td>
                        {version.editedBy} <span className="muted">({version.source})</span>
                      </td>
                      <td>{version.note ?? "—"}</td>
                      <td>
                        <code className="summary" title={JSON.stringify(version.definition)}>
                          {JSON.stringify(version.definition)}
                        </code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </div>
  );
}

function conditionText(condition: unknown): string {
  if (!Array.isArray(condition) || condition.length === 0) {
    return "every row past the cutoff";
  }
  return condition
    .map((clause: { column?: string; path?: string[]; op?: string; value?: unknown }) => {
      const column = clause.path ? `${clause.column}.${clause.path.join(".")}` : clause.column;
      return `${column} ${clause.op}${clause.value === undefined ? "" : ` ${JSON.stringify(clause.value)}`}`;
    })
    .join(" and ");
}

/** JSON typed in a textarea, or the text itself when it does not parse (the server says why). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The edit form. It sends the whole policy back: the server validates it with the retention
 * rules validator (shape and fit to the real schema) and lists every problem, shown here.
 */
function PolicyForm({
  policy,
  onSaved,
  onCancel,
}: {
  policy: PolicyDetail;
  onSaved: (version: number) => void;
  onCancel: () => void;
}) {
  const [errors, setErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const current = policy.definition;
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (key: string) => String(form.get(key) ?? "").trim();
    const number = (key: string) => (text(key) === "" ? undefined : Number(text(key)));
    const dateColumns = text("dateColumn")
      .split(",")
      .map((c) => c.trim())
      .filter(Boolean);
    const definition: Record<string, unknown> = {
      ...current,
      period: text("period"),
      dateColumn: dateColumns.length === 1 ? dateColumns[0] : dateColumns,
      action: text("action"),
      threshold: number("threshold"),
      approvalTtlDays: number("approvalTtlDays"),
      driftTolerance: number("driftTolerance"),
      enabled: form.get("enabled") === "on",
      financial: form.get("financial") === "on",
      condition: parseJson(text("condition") || "[]"),
    };
    const anonymize = text("anonymize");
    if (anonymize) {
      definition.anonymize = parseJson(anonymize);
    } else {
      delete definition.anonymize;
    }
    setBusy(true);
    setErrors([]);
    try {
      const saved = await api<{ version: number }>(
        `/api/v1/retention/policies/${encodeURIComponent(policy.id)}`,
        { method: "PUT", body: { definition, note: text("note") } },
      );
      onSaved(saved.version);
    } catch (caught) {
      // The server's message lists every validation problem, separated by "; ".
      setErrors((caught as Error).message.split("; "));
      setBusy(false);
    }
  };
  return (
    <form className="panel" onSubmit={submit} aria-label="edit policy">
      <h3>Edit {policy.title}</h3>
      <p className="muted">
        Saving makes version {policy.version + 1}; requests already planned keep the version they
        were planned with.
      </p>
      <div className="form-grid">
        <label className="field">
          <span>Keep for</span>
          <input name="period" defaultValue={policy.period} required maxLength={50} />
        </label>
        <label className="field">
          <span>Date column(s)</span>
          <input name="dateColumn" defaultValue={policy.dateColumn.join(", ")} required />
        </label>
        <label className="field">
          <span>Action</span>
          <select name="action" defaultValue={policy.action}>
            {POLICY_ACTIONS.map((action) => (
              <option key={action} value={action}>
                {action.replaceAll("_", " ")}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Approval threshold (rows)</span>
          <input name="threshold" type="number" step={1} defaultValue={policy.threshold} />
        </label>
        <label className="field">
          <span>Approval valid for (days)</span>
          <input
            name="approvalTtlDays"
            type="number"
            step={1}
            defaultValue={String(current.approvalTtlDays ?? "")}
          />
        </label>
        <label className="field">
          <span>Drift tolerance (0–1)</span>
          <input
            name="driftTolerance"
            type="number"
            step="any"
            defaultValue={String(current.driftTolerance ?? "")}
          />
        </label>
        <label className="field field-check">
          <input name="enabled" type="checkbox" defaultChecked={policy.enabled} />
          <span>Enabled</span>
        </label>
        <label className="field field-check">
          <input name="financial" type="checkbox" defaultChecked={policy.financial} />
          <span>Financial records (always needs approval)</span>
        </label>
      </div>
      <label className="field">
        <span>Condition (JSON list of clauses, all must hold)</span>
        <textarea
          name="condition"
          rows={3}
          className="mono"
          defaultValue={JSON.stringify(current.condition ?? [])}
        />
      </label>
      <label className="field">
        <span>Anonymize (JSON map column → null | redact | hash | empty_json)</span>
        <textarea
          name="anonymize"
          rows={2}
          className="mono"
          defaultValue={current.anonymize ? JSON.stringify(current.anonymize) : ""}
        />
      </label>
      <label className="field">
        <span>Why it changes</span>
        <input name="note" required maxLength={1000} />
      </label>
      {errors.length ? (
        <ul className="form-error" role="alert" aria-label="validation errors">
          {errors.map((error) => (
            <li key={error}>{error}</li>
          ))}
        </ul>
      ) : null}
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          Save new version
        </button>
        <button type="button" className="button button-ghost" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
