import { type FormEvent, useRef, useState } from "react";
import type {
  TAccessList,
  TAccessRequest,
  TAccessRequestDetail,
  TDeadline,
} from "../../../../schema/contracts/access.ts";
import { api } from "../../api/client.ts";
import { useSearchState } from "../../app/router.tsx";
import { useSession } from "../../app/session.tsx";
import { Empty, ErrorState, Loading } from "../../components/states.tsx";
import { SubjectPicker } from "../../components/subject-picker.tsx";
import { TenantName, TenantPicker } from "../../components/tenant-picker.tsx";
import { useApi } from "../../components/use-api.ts";
import { formatCount, REFUSAL_TEXT, StatusBadge, shortId } from "./format.tsx";

/**
 * The right of access: an officer files a request for one person (picked through the masked
 * subject lookup), another officer approves it, the retention job exports everything held about
 * the person as a package, which a compliance officer downloads (audited). Each request counts
 * down to its legal deadline (GDPR 30 days, CCPA 45) and shows when it is overdue.
 */
export function AccessTab() {
  const [search, setSearch] = useSearchState();
  const list = useApi<TAccessList>("/api/v1/access-requests?pageSize=100", { pollMs: 4000 });
  const open = search.get("id");
  return (
    <div className="access">
      <FileForm
        onFiled={(id) => {
          list.reload();
          setSearch({ id });
        }}
      />
      <div className="panel">
        <h2>Access requests</h2>
        {list.error ? (
          <ErrorState error={list.error} onRetry={list.reload} />
        ) : !list.data ? (
          <Loading />
        ) : list.data.items.length === 0 ? (
          <Empty>No access requests yet.</Empty>
        ) : (
          <table className="data-table" aria-label="access requests">
            <thead>
              <tr>
                <th>Person</th>
                <th>Tenant</th>
                <th>Status</th>
                <th>Deadline</th>
                <th>Countdown</th>
                <th>Requested by</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((r) => (
                <tr
                  key={r.id}
                  className={r.id === open ? "selected" : undefined}
                  onClick={() => setSearch({ id: r.id })}
                  style={{ cursor: "pointer" }}
                >
                  <td>
                    <button type="button" className="link" onClick={() => setSearch({ id: r.id })}>
                      {r.subjectName}
                    </button>
                  </td>
                  <td>{r.tenantName ?? <TenantName id={r.tenantId} />}</td>
                  <td>
                    <StatusBadge status={r.status} />
                  </td>
                  <td>
                    {r.deadline.regulation.toUpperCase()} · {r.deadline.lastDay}
                  </td>
                  <td>
                    <Countdown deadline={r.deadline} />
                  </td>
                  <td>{r.requestedBy}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      {open ? <AccessDetail id={open} onChange={list.reload} /> : null}
    </div>
  );
}

/** Days left, due today, overdue (a red badge), or answered. */
export function Countdown({ deadline }: { deadline: TDeadline }) {
  switch (deadline.state) {
    case "overdue":
      return (
        <span className="badge badge-failed" data-deadline="overdue">
          overdue
        </span>
      );
    case "due_today":
      return (
        <span className="badge badge-queued" data-deadline="due_today">
          due today
        </span>
      );
    case "answered":
      return <span data-deadline="answered">answered in time</span>;
    case "answered_late":
      return <span data-deadline="answered_late">answered late</span>;
    default:
      return (
        <span data-deadline="open">
          {deadline.daysLeft} {deadline.daysLeft === 1 ? "day" : "days"} left
        </span>
      );
  }
}

function FileForm({ onFiled }: { onFiled: (id: string) => void }) {
  const { can } = useSession();
  const [tenant, setTenant] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  if (!can("retention:plan")) {
    return null;
  }
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const regulation = String(form.get("regulation") ?? "");
    const note = String(form.get("note") ?? "").trim();
    const body = {
      tenantId: String(form.get("tenantId") ?? "").trim(),
      customerId: String(form.get("customerId") ?? "").trim(),
      ...(regulation ? { regulation } : {}),
      ...(note ? { note } : {}),
    };
    if (!body.tenantId || !body.customerId) {
      setError("Choose the tenant and the person first.");
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const filed = await api<TAccessRequest>("/api/v1/access-requests", { method: "POST", body });
      onFiled(filed.id);
    } catch (caught) {
      setError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="panel" onSubmit={submit} aria-label="file access request">
      <h2>What do we hold about one person?</h2>
      <p className="muted">
        Exports every row about the customer from both stores — found the same way an erasure finds
        them — as JSON and CSV per table with a manifest. Other people named in those rows are
        redacted. Another compliance officer must approve it first.
      </p>
      <div className="form-grid">
        <TenantPicker name="tenantId" value={tenant} onChange={(t) => setTenant(t?.id)} />
        <SubjectPicker name="customerId" tenantField="tenantId" label="Person" />
        <label className="field">
          <span>Regulation (deadline)</span>
          <select name="regulation" defaultValue="">
            <option value="">By the tenant's region</option>
            <option value="gdpr">GDPR — 30 days</option>
            <option value="ccpa">CCPA — 45 days</option>
          </select>
        </label>
        <label className="field">
          <span>Note (optional)</span>
          <input name="note" maxLength={4000} placeholder="how the request came in" />
        </label>
      </div>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? "Filing…" : "File access request"}
        </button>
      </div>
    </form>
  );
}

function AccessDetail({ id, onChange }: { id: string; onChange: () => void }) {
  const { can } = useSession();
  const detail = useApi<TAccessRequestDetail>(`/api/v1/access-requests/${id}`, { pollMs: 3000 });
  const [message, setMessage] = useState<string>();
  const [error, setError] = useState<string>();
  const reason = useRef<HTMLInputElement>(null);
  const note = useRef<HTMLInputElement>(null);
  if (detail.error) {
    return <ErrorState error={detail.error} onRetry={detail.reload} />;
  }
  const r = detail.data;
  if (!r) {
    return <Loading />;
  }
  const decide = async (verb: "approve" | "reject") => {
    const text = reason.current?.value.trim() ?? "";
    if (!text) {
      setError("Give a reason: it is recorded with the decision.");
      return;
    }
    setError(undefined);
    try {
      await api(`/api/v1/access-requests/${id}/${verb}`, {
        method: "POST",
        body: { reason: text, fingerprint: r.fingerprint },
      });
      setMessage(verb === "approve" ? "Approved: the package is being exported." : "Rejected.");
      detail.reload();
      onChange();
    } catch (caught) {
      const code = /Refused \((\w+)\)/.exec((caught as Error).message)?.[1];
      setError((code && REFUSAL_TEXT[code]) || (caught as Error).message);
    }
  };
  const addNote = async (event: FormEvent) => {
    event.preventDefault();
    const body = note.current?.value.trim() ?? "";
    if (!body) {
      return;
    }
    try {
      await api(`/api/v1/access-requests/${id}/notes`, { method: "POST", body: { body } });
      if (note.current) {
        note.current.value = "";
      }
      detail.reload();
    } catch (caught) {
      setError((caught as Error).message);
    }
  };
  return (
    <div className="panel" data-testid="access-detail">
      <h2>
        Access request <span className="mono">{shortId(r.id)}</span> for {r.subjectName}{" "}
        <StatusBadge status={r.status} />
      </h2>
      <dl className="readable">
        <dt>Tenant</dt>
        <dd>{r.tenantName ?? r.tenantId}</dd>
        <dt>Deadline</dt>
        <dd>
          {r.deadline.regulation.toUpperCase()}: answer by {r.deadline.lastDay}{" "}
          <Countdown deadline={r.deadline} />
        </dd>
        <dt>Requested</dt>
        <dd>
          {r.requestedBy} on {r.createdAt.slice(0, 10)}
        </dd>
        <dt>Decision</dt>
        <dd>
          {r.approvedBy
            ? `approved by ${r.approvedBy}: ${r.decisionReason ?? ""}`
            : r.status === "rejected"
              ? `rejected: ${r.decisionReason ?? ""}`
              : "waiting for another compliance officer"}
        </dd>
        {r.error ? (
          <>
            <dt>Error</dt>
            <dd>{r.error}</dd>
          </>
        ) : null}
      </dl>
      {message ? <p role="status">{message}</p> : null}
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      {r.status === "pending_approval" && can("retention:approve") ? (
        r.requestedByYou ? (
          <p className="muted">
            You filed this request; another compliance officer must approve it.
          </p>
        ) : (
          <fieldset className="decision-form" aria-label="decision">
            <label className="field">
              <span>Reason</span>
              <input
                ref={reason}
                name="reason"
                maxLength={1000}
                placeholder="e.g. identity verified"
              />
            </label>
            <div className="form-actions">
              <button
                type="button"
                className="button button-primary"
                onClick={() => void decide("approve")}
              >
                Approve
              </button>
              <button type="button" className="button" onClick={() => void decide("reject")}>
                Reject
              </button>
            </div>
          </fieldset>
        )
      ) : null}
      {r.status === "approved" || r.status === "running" ? (
        <p className="muted">Exporting the package…</p>
      ) : null}
      {r.package ? (
        <div className="access-package">
          <h3>Package</h3>
          <p>
            {formatCount(r.package.rows)} rows in {r.package.tables.length} tables ·{" "}
            {formatCount(r.package.bytes)} bytes · sha256{" "}
            <span className="mono">{r.package.sha256.slice(0, 16)}…</span>
          </p>
          {can("retention:access_package") ? (
            <a
              className="button button-primary"
              href={`/api/v1/access-requests/${id}/package`}
              download={r.package.fileName}
              onClick={() => window.setTimeout(detail.reload, 1500)}
            >
              Download package
            </a>
          ) : null}
          <table className="data-table" aria-label="package tables">
            <thead>
              <tr>
                <th>Store</th>
                <th>Table</th>
                <th>Rows</th>
                <th>About them</th>
                <th>Mentioning them</th>
                <th>Redactions</th>
              </tr>
            </thead>
            <tbody>
              {r.package.tables.map((t) => (
                <tr key={`${t.store}.${t.table}`}>
                  <td>{t.store}</td>
                  <td className="mono">{t.table}</td>
                  <td>{formatCount(t.rows)}</td>
                  <td>{formatCount(t.linked)}</td>
                  <td>{formatCount(t.mentioned)}</td>
                  <td>{formatCount(t.redactions)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h3>Downloads</h3>
          {r.downloads.length === 0 ? (
            <p className="muted">Not downloaded yet.</p>
          ) : (
            <ul aria-label="downloads">
              {r.downloads.map((d) => (
                <li key={d.at}>
                  {d.actor} at {d.at.replace("T", " ").slice(0, 19)} (sha256 {d.sha256.slice(0, 12)}
                  …)
                </li>
              ))}
            </ul>
          )}
        </div>
      ) : null}
      <h3>Notes</h3>
      {r.notes.length === 0 ? (
        <p className="muted">No notes.</p>
      ) : (
        <ul aria-label="notes">
          {r.notes.map((n) => (
            <li key={n.id}>
              <strong>{n.author}</strong> ({n.createdAt.slice(0, 16).replace("T", " ")}): {n.body}
            </li>
          ))}
        </ul>
      )}
      {can("retention:plan") ? (
        <form onSubmit={addNote} aria-label="add note" className="form-actions">
          <input ref={note} name="note" maxLength={4000} placeholder="add a note" />
          <button type="submit" className="button">
            Add note
          </button>
        </form>
      ) : null}
    </div>
  );
}
