import { type FormEvent, useMemo, useState } from "react";
import { api } from "../../api/client.ts";
import { useSearchState } from "../../app/router.tsx";
import { useSession } from "../../app/session.tsx";
import { type Columns, DataTable, formatTime } from "../../components/data-table.tsx";
import { Empty, ErrorState, Loading } from "../../components/states.tsx";
import { useApi } from "../../components/use-api.ts";
import { formatCount } from "./format.tsx";
import {
  POLICY_ACTIONS,
  type PolicyAction,
  type PolicyDefinition,
  type PolicyDetail,
  type RetentionPolicy,
} from "./types.ts";

/** Retention schedules: the list, one policy with its versions, and the edit form. */
export function PoliciesTab() {
  const [search, setSearch] = useSearchState();
  const open = search.get("id");
  const columns = useMemo<Columns<RetentionPolicy>>(
    () => [
      {
        id: "name",
        accessorKey: "name",
        header: "Policy",
        cell: ({ row }) => (
          <button
            type="button"
            className="link-button"
            onClick={() => setSearch({ id: row.original.id })}
          >
            {row.original.name}
          </button>
        ),
      },
      {
        id: "regulation",
        header: "Regulation",
        enableSorting: false,
        cell: ({ row }) => row.original.regulation ?? "business",
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
        cell: ({ row }) => `${row.original.period} after ${row.original.dateColumn}`,
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
      defaultSort="name:asc"
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
            {policy.name} <span className="badge">v{policy.version}</span>
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
                <dt>Regulation</dt>
                <dd>{policy.regulation ?? "business"}</dd>
                <dt>Table</dt>
                <dd>
                  <code>{policy.table}</code> by <code>{policy.dateColumn}</code>
                </dd>
                <dt>Keep for</dt>
                <dd>{policy.period}</dd>
                <dt>Condition</dt>
                <dd>{policy.condition ? <code>{policy.condition}</code> : "—"}</dd>
                <dt>Then</dt>
                <dd>{policy.action.replaceAll("_", " ")}</dd>
                <dt>Approval above</dt>
                <dd>{formatCount(policy.threshold)} rows</dd>
                <dt>State</dt>
                <dd>{policy.enabled ? "enabled" : "disabled"}</dd>
                <dt>Last change</dt>
                <dd>
                  {policy.updatedBy ?? "policy file"} · {formatTime(policy.updatedAt)}
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
            <Empty>No earlier versions.</Empty>
          ) : (
            <div className="table-scroll">
              <table className="table table-compact" aria-label="policy versions">
                <thead>
                  <tr>
                    <th>Version</th>
                    <th>When</th>
                    <th>By</th>
                    <th>Reason</th>
                    <th>Definition</th>
                  </tr>
                </thead>
                <tbody>
                  {policy.versions.map((version) => (
                    <tr key={version.version}>
                      <td>v{version.version}</td>
                      <td>{formatTime(version.changedAt)}</td>
                      <td>{version.changedBy ?? "policy file"}</td>
                      <td>{version.reason ?? "—"}</td>
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

/** The edit form; the server validates with the policy validator and answers with each error. */
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
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (key: string) => String(form.get(key) ?? "").trim();
    const definition: Partial<PolicyDefinition> = {
      dateColumn: text("dateColumn"),
      period: text("period"),
      condition: text("condition") || null,
      action: text("action") as PolicyAction,
      threshold: Number(text("threshold")),
      enabled: form.get("enabled") === "on",
    };
    setBusy(true);
    setErrors([]);
    try {
      const saved = await api<{ version: number }>(
        `/api/v1/retention/policies/${encodeURIComponent(policy.id)}`,
        { method: "PUT", body: { definition, reason: text("reason") } },
      );
      onSaved(saved.version);
    } catch (caught) {
      // The server lists every validation error in its message, one per "; ".
      setErrors((caught as Error).message.split("; "));
      setBusy(false);
    }
  };
  return (
    <form className="panel" onSubmit={submit} aria-label="edit policy">
      <h3>Edit {policy.name}</h3>
      <p className="muted">
        Saving makes a new version; requests already planned keep the version they were planned
        with.
      </p>
      <div className="form-grid">
        <label className="field">
          <span>Date column</span>
          <input name="dateColumn" defaultValue={policy.dateColumn} required maxLength={100} />
        </label>
        <label className="field">
          <span>Keep for</span>
          <input name="period" defaultValue={policy.period} required maxLength={50} />
        </label>
        <label className="field">
          <span>Condition</span>
          <input name="condition" defaultValue={policy.condition ?? ""} maxLength={500} />
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
          <input
            name="threshold"
            type="number"
            min={0}
            step={1}
            defaultValue={policy.threshold}
            required
          />
        </label>
        <label className="field field-check">
          <input name="enabled" type="checkbox" defaultChecked={policy.enabled} />
          <span>Enabled</span>
        </label>
        <label className="field">
          <span>Reason for the change</span>
          <input name="reason" required maxLength={1000} />
        </label>
      </div>
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
