import { useEffect, useState } from "react";
import { api } from "../../api/client.ts";
import { useSession } from "../../app/session.tsx";
import { formatTime } from "../../components/data-table.tsx";
import { Empty, ErrorState, Loading } from "../../components/states.tsx";
import { TenantName } from "../../components/tenant-picker.tsx";
import { useApi } from "../../components/use-api.ts";
import { type Incident, type IncidentDetail, percent } from "./types.ts";

const FILTERS = [
  { key: "open", label: "Open" },
  { key: "new", label: "New" },
  { key: "acknowledged", label: "Acknowledged" },
  { key: "assigned", label: "Assigned" },
  { key: "resolved", label: "Resolved" },
  { key: "", label: "All" },
];

/** The incident inbox: New → Acknowledged → Assigned → Resolved, with comments. */
export function IncidentsTab({
  reloadKey,
  onChanged,
}: {
  reloadKey: number;
  onChanged: () => void;
}) {
  const [status, setStatus] = useState("open");
  const [selected, setSelected] = useState<string>();
  const list = useApi<{ incidents: Incident[] }>(
    `/api/v1/quality/incidents${status ? `?status=${status}` : ""}`,
  );
  // A run or a decision elsewhere on the page bumps reloadKey: read the inbox again.
  const { reload } = list;
  useEffect(() => {
    if (reloadKey > 0) {
      reload();
    }
  }, [reloadKey, reload]);
  return (
    <div className="quality-inbox">
      <div className="filters">
        {FILTERS.map((f) => (
          <button
            key={f.key}
            type="button"
            className={f.key === status ? "tab active" : "tab"}
            onClick={() => setStatus(f.key)}
          >
            {f.label}
          </button>
        ))}
      </div>
      {list.error ? (
        <ErrorState error={list.error} onRetry={list.reload} />
      ) : !list.data ? (
        <Loading />
      ) : list.data.incidents.length === 0 ? (
        <Empty>
          No incidents {status ? `(${status})` : ""}. Failing error and critical rules open one.
        </Empty>
      ) : (
        <div className="inbox">
          {list.data.incidents.map((i) => (
            <button
              key={i.id}
              type="button"
              className={i.id === selected ? "inbox-item active" : "inbox-item"}
              onClick={() => setSelected(i.id)}
              data-testid="incident"
            >
              <div className="inbox-head">
                <span className={`badge severity-${i.severity}`}>{i.severity}</span>{" "}
                <span className={`badge incident-${i.status}`}>{i.status}</span>{" "}
                <strong>{i.rule}</strong>
              </div>
              <div className="small">{i.title}</div>
              <div className="muted small">
                opened {formatTime(i.opened_at)}
                {i.tenant_id ? (
                  <>
                    {" · "}
                    <TenantName id={i.tenant_id} />
                  </>
                ) : null}
                {i.assignee ? ` · assigned to ${i.assignee}` : ""}
              </div>
            </button>
          ))}
        </div>
      )}
      {selected ? (
        <IncidentPanel
          key={selected}
          id={selected}
          onChanged={() => {
            list.reload();
            onChanged();
          }}
        />
      ) : null}
    </div>
  );
}

function IncidentPanel({ id, onChanged }: { id: string; onChanged: () => void }) {
  const { can, me } = useSession();
  const detail = useApi<IncidentDetail>(`/api/v1/quality/incidents/${id}`);
  const [assignee, setAssignee] = useState(me.user.email);
  const [comment, setComment] = useState("");
  const [confirmResolve, setConfirmResolve] = useState(false);
  const [error, setError] = useState<string>();

  const step = async (action: "ack" | "assign" | "resolve" | "comment") => {
    setError(undefined);
    try {
      await api(`/api/v1/quality/incidents/${id}/transition`, {
        method: "POST",
        body: {
          action,
          ...(action === "assign" ? { assignee } : {}),
          ...(comment ? { comment } : {}),
        },
      });
      setComment("");
      setConfirmResolve(false);
      detail.reload();
      onChanged();
    } catch (caught) {
      setError((caught as Error).message);
    }
  };

  if (detail.error) {
    return <ErrorState error={detail.error} onRetry={detail.reload} />;
  }
  if (!detail.data) {
    return <Loading />;
  }
  const { incident, events } = detail.data;
  const open = incident.status !== "resolved";
  const may = can("quality:incidents");
  return (
    <div className="panel" data-testid="incident-detail">
      <h2>{incident.title}</h2>
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <span className={`badge incident-${incident.status}`}>{incident.status}</span>
        </dd>
        <dt>Rule</dt>
        <dd className="mono">{incident.rule}</dd>
        <dt>Table</dt>
        <dd className="mono">{incident.table}</dd>
        <dt>Tenant</dt>
        <dd>{incident.tenant_id ? <TenantName id={incident.tenant_id} /> : "All tenants"}</dd>
        <dt>Last score</dt>
        <dd>{percent(incident.last_score)}</dd>
        <dt>Assignee</dt>
        <dd>{incident.assignee ?? "—"}</dd>
      </dl>
      {may ? (
        <div className="decision-form">
          <label className="field">
            <span>Comment (optional)</span>
            <textarea rows={2} value={comment} onChange={(e) => setComment(e.target.value)} />
          </label>
          <div className="form-actions">
            {incident.status === "new" ? (
              <button type="button" className="button" onClick={() => void step("ack")}>
                Acknowledge
              </button>
            ) : null}
            {open ? (
              <>
                <label className="field-inline">
                  <span>Assignee</span>
                  <input
                    value={assignee}
                    onChange={(e) => setAssignee(e.target.value)}
                    aria-label="Assignee"
                  />
                </label>
                <button
                  type="button"
                  className="button"
                  disabled={!assignee}
                  onClick={() => void step("assign")}
                >
                  Assign
                </button>
                {confirmResolve ? (
                  <span className="notice notice-warning">
                    Resolving closes this incident now; if {incident.rule} still fails at its next
                    run, a new incident opens and alerts again.{" "}
                    <button
                      type="button"
                      className="button button-primary"
                      onClick={() => void step("resolve")}
                    >
                      Resolve incident
                    </button>{" "}
                    <button
                      type="button"
                      className="button button-ghost"
                      onClick={() => setConfirmResolve(false)}
                    >
                      Keep open
                    </button>
                  </span>
                ) : (
                  <button type="button" className="button" onClick={() => setConfirmResolve(true)}>
                    Resolve…
                  </button>
                )}
              </>
            ) : null}
            <button
              type="button"
              className="button button-ghost"
              disabled={!comment}
              onClick={() => void step("comment")}
            >
              Add comment
            </button>
          </div>
          {error ? <p className="error-text">{error}</p> : null}
        </div>
      ) : null}
      <h3>History</h3>
      <ol className="timeline">
        {events.map((e) => (
          <li key={`${e.at}-${e.action}`}>
            <span className="muted small">{formatTime(e.at)}</span> <strong>{e.action}</strong> by{" "}
            {e.actor}
            {e.assignee ? ` → ${e.assignee}` : ""}
            {e.comment ? <div className="small">{e.comment}</div> : null}
          </li>
        ))}
      </ol>
    </div>
  );
}
