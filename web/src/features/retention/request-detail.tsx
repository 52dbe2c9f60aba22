import { useState } from "react";
import { api } from "../../api/client.ts";
import { Link, useSearchState } from "../../app/router.tsx";
import { useSession } from "../../app/session.tsx";
import { formatTime } from "../../components/data-table.tsx";
import { ProgressBar } from "../../components/progress-bar.tsx";
import { Empty, ErrorState, Loading } from "../../components/states.tsx";
import { TenantName } from "../../components/tenant-picker.tsx";
import { useLiveResource } from "../../components/use-live-resource.ts";
import { DecisionForm } from "./decision-form.tsx";
import { ErasureDecisions } from "./erasure-decisions.tsx";
import { ExecuteDialog } from "./execute-dialog.tsx";
import { formatCount, REFUSAL_TEXT, StatusBadge, shortId } from "./format.tsx";
import { AgeChart, FatesTable, SampleRows, tableFates } from "./impact.tsx";
import type { AccountProvenance, RequestDetail } from "./types.ts";
import "./retention.css";

/**
 * One deletion request: its impact preview, decision, progress and certificate. `id` may be the
 * short id a list shows (the API resolves a unique prefix). It follows execution over the
 * server's event stream (polling only while the stream is down): once an execution is asked
 * for, Execute is gone until the server says how it went.
 */
export function RequestDetailView({ id, onBack }: { id: string; onBack: () => void }) {
  const { can } = useSession();
  const [, setSearch] = useSearchState();
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string }>();
  const [confirming, setConfirming] = useState(false);
  /** Execution was asked for while the request still read "approved". */
  const [executing, setExecuting] = useState(false);
  const wanted = id.toLowerCase();
  const detail = useLiveResource<RequestDetail>(
    `/api/v1/retention/requests/${encodeURIComponent(id)}`,
    {
      topics: ["retention"],
      match: (event) => event.id.startsWith(wanted),
      fallbackMs: 3_000,
    },
  );
  const request = detail.data;
  const fates = request ? tableFates(request) : [];
  const executeStarted = executing || (request ? request.status !== "approved" : false);

  const execute = async () => {
    if (!request) {
      return;
    }
    setConfirming(false);
    setMessage(undefined);
    setExecuting(true);
    try {
      await api(`/api/v1/retention/requests/${encodeURIComponent(request.id)}/execute`, {
        method: "POST",
      });
      setMessage({ kind: "ok", text: "Execution enqueued; progress shows below." });
      detail.reload();
    } catch (caught) {
      setExecuting(false);
      setMessage({ kind: "error", text: (caught as Error).message });
    }
  };

  return (
    <div className="request-detail">
      <button type="button" className="button button-small button-ghost" onClick={onBack}>
        ← All requests
      </button>
      {detail.error && !request ? (
        <ErrorState error={detail.error} onRetry={detail.reload} />
      ) : !request ? (
        <Loading />
      ) : (
        <>
          {confirming ? (
            <ExecuteDialog
              requestId={request.id}
              kind={request.kind === "erasure" ? "erasure" : "retention"}
              fates={fates}
              onConfirm={() => void execute()}
              onClose={() => setConfirming(false)}
            />
          ) : null}
          <h2>
            {request.kind === "erasure" ? "Erasure" : "Deletion"} request{" "}
            <span className="mono">{shortId(request.id)}</span>{" "}
            <StatusBadge status={request.status} />
            <span className={`live-mode live-${detail.mode}`} data-testid="live-mode">
              {detail.mode === "live" ? "live" : "refreshing every 3 s"}
            </span>
          </h2>
          {message ? (
            <p className={message.kind === "ok" ? "notice" : "form-error"} role="status">
              {message.text}
            </p>
          ) : null}
          <dl className="facts">
            <dt>{request.kind === "erasure" ? "Person" : "Policy"}</dt>
            <dd>
              {request.kind === "erasure" ? (
                <span className="mono">customer {String(request.subject.customer_id ?? "?")}</span>
              ) : (
                `${request.policyId ?? "—"} (version ${request.policyVersion ?? "?"})`
              )}
            </dd>
            <dt>Tenant</dt>
            <dd>
              <TenantName id={request.tenantId} />
            </dd>
            <dt>Cutoff</dt>
            <dd>{formatTime(request.cutoff)}</dd>
            <dt>Rows</dt>
            <dd>{formatCount(request.totalRows)}</dd>
            <dt>Approval</dt>
            <dd>
              {request.requiresApproval
                ? `required (${request.approvalReasons.join(", ").replaceAll("_", " ") || "policy"})`
                : "approved by policy (small, audited)"}
              {request.approvedBy
                ? ` · approved by ${request.approvedBy} ${formatTime(request.approvedAt)}`
                : ""}
              {request.approvalExpiresAt
                ? ` · valid until ${formatTime(request.approvalExpiresAt)}`
                : ""}
            </dd>
            <dt>Requested by</dt>
            <dd>
              {request.requestedBy} · {formatTime(request.createdAt)}
            </dd>
            <dt>Key set</dt>
            <dd className="mono">{request.keySetHash ?? "—"}</dd>
            <dt>Fingerprint</dt>
            <dd className="mono fingerprint" data-testid="fingerprint">
              {request.fingerprint}
            </dd>
          </dl>
          {Object.keys(request.tierCounts ?? {}).length > 0 ? (
            <TierCounts counts={request.counts} tierCounts={request.tierCounts} />
          ) : null}
          {request.blockedBy.length > 0 ? (
            <p className="form-error" role="status">
              Blocked by {request.blockedBy.join(", ")}: a legal hold (or the investigation flag)
              covers rows of this request.
            </p>
          ) : null}
          {request.error ? (
            <p className="form-error" role="status">
              {request.error}
            </p>
          ) : null}

          {request.status === "running" || request.progress || executing ? (
            <div className="triggered">
              <ProgressBar
                value={
                  request.progress && request.progress.total > 0
                    ? (100 * request.progress.done) / request.progress.total
                    : request.status === "done"
                      ? 100
                      : 0
                }
                status={request.status === "done" ? "succeeded" : request.status}
                label="execution progress"
              />
              {request.progress ? (
                <span className="muted">
                  {formatCount(request.progress.done)} of {formatCount(request.progress.total)} rows
                </span>
              ) : null}
            </div>
          ) : null}

          {request.earlierRejection ? (
            <p className="form-error" role="status" data-testid="earlier-rejection">
              This key set was rejected before by {request.earlierRejection.rejectedBy} on{" "}
              {formatTime(request.earlierRejection.rejectedAt)}: “{request.earlierRejection.reason}”
              (request <span className="mono">{request.earlierRejection.requestId}</span>). It comes
              back unchanged.
            </p>
          ) : null}
          <AccountFacts title="Your account" account={request.yourAccount} />
          <AccountFacts title="Approver's account" account={request.approverAccount} />

          <div className="request-actions">
            {request.status === "approved" && can("retention:execute") ? (
              <button
                type="button"
                className="button button-danger"
                disabled={executeStarted}
                onClick={() => setConfirming(true)}
              >
                {executeStarted ? "Execution started…" : "Execute…"}
              </button>
            ) : null}
            {request.hasCertificate ? (
              <button
                type="button"
                className="button"
                onClick={() => setSearch({ tab: "certificates", id: request.id })}
              >
                View certificate
              </button>
            ) : null}
          </div>

          <section className="impact-preview" aria-label="impact preview">
            <h3>Impact preview</h3>
            <div className="impact-grid">
              <FatesTable fates={fates} />
              {request.rowsByAge?.length ? <AgeChart buckets={request.rowsByAge} /> : null}
            </div>
            <DownstreamAssets assets={request.downstream ?? []} />
            {request.status === "pending_approval" && can("retention:approve") ? (
              <div className="decision-panel" data-testid="decision-panel">
                <h3>Your decision</h3>
                {request.requestedByYou ? (
                  <p className="muted" data-testid="self-requested">
                    {REFUSAL_TEXT.self_approval}
                  </p>
                ) : request.separationOfDuties ? (
                  <p className="muted" data-testid="separation-of-duties">
                    Separation of duties: {request.separationOfDuties}
                  </p>
                ) : (
                  <>
                    <p className="muted">
                      You approve exactly this preview (fingerprint{" "}
                      <span className="mono">{request.fingerprint.slice(0, 12)}…</span>): the counts
                      above and the sample rows below.
                    </p>
                    <DecisionForm
                      requestId={request.id}
                      fingerprint={request.fingerprint}
                      onDecided={(text) => {
                        setMessage({ kind: "ok", text });
                        detail.reload();
                      }}
                    />
                  </>
                )}
              </div>
            ) : null}
          </section>
          {request.kind === "erasure" ? (
            <>
              <h3>What happens to each table</h3>
              <ErasureDecisions definition={request.definition} />
            </>
          ) : null}
          <h3>Sample rows (masked)</h3>
          {request.samples.length === 0 ? (
            <Empty>No sample rows: the candidate set is empty or already deleted.</Empty>
          ) : (
            request.samples.map((sample) => (
              <SampleRows
                key={sample.table}
                sample={sample}
                changes={Object.keys(fates.find((f) => f.table === sample.table)?.columns ?? {})}
              />
            ))
          )}

          <h3>Timeline</h3>
          {request.timeline.length === 0 ? (
            <Empty>Nothing has happened to this request yet.</Empty>
          ) : (
            <ol className="timeline">
              {request.timeline.map((event) => (
                <li key={`${event.at}-${event.event}-${event.actor ?? ""}`}>
                  <span className="muted">{formatTime(event.at)}</span>{" "}
                  <strong>{event.event.replaceAll("_", " ")}</strong>
                  {event.actor ? ` by ${event.actor}` : ""}
                  {event.reason ? <span className="muted"> — {event.reason}</span> : null}
                </li>
              ))}
            </ol>
          )}
        </>
      )}
    </div>
  );
}

/** Who created, promoted or re-enabled an account: shown next to the approval. */
function AccountFacts({ title, account }: { title: string; account: AccountProvenance | null }) {
  if (!account || account.events.length === 0) {
    return null;
  }
  return (
    <div className="account-provenance" data-testid="account-provenance">
      <h3>
        {title} ({account.email})
      </h3>
      <ul>
        {account.events.map((event) => (
          <li key={`${event.event}-${event.at}`}>
            {event.event === "created"
              ? `created as ${event.role}`
              : event.event === "role_changed"
                ? `promoted to ${event.role}`
                : `re-enabled (${event.role})`}{" "}
            by {event.by} · {formatTime(event.at)}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** What the deletion changes beyond its own tables, from lineage (aggregates, copies, files). */
function DownstreamAssets({ assets }: { assets: NonNullable<RequestDetail["downstream"]> }) {
  const name = (id: string) => (id.startsWith("postgres:public.") ? id.slice(16) : id);
  return (
    <div data-testid="downstream-assets">
      <h3>Downstream assets affected</h3>
      {assets.length === 0 ? (
        <Empty>No downstream assets recorded in lineage for these tables.</Empty>
      ) : (
        <ul>
          {assets.map((a) => (
            <li key={a.id}>
              <Link
                to={`/lineage?${new URLSearchParams({ node: a.id, direction: "upstream", depth: "2" })}`}
              >
                <code>{name(a.id)}</code>
              </Link>{" "}
              <span className="muted">
                {a.via === "flow" ? "fed by" : "references"} {name(a.from)}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Planned rows per table and storage tier: Postgres (hot and warm), cold, archive. */
function TierCounts(props: {
  counts: Record<string, number>;
  tierCounts: Record<string, { cold: number; archive: number }>;
}) {
  const tables = [...new Set([...Object.keys(props.counts), ...Object.keys(props.tierCounts)])];
  tables.sort();
  return (
    <div className="table-scroll">
      <table
        className="table table-compact"
        aria-label="planned rows per storage tier"
        data-testid="tier-counts"
      >
        <thead>
          <tr>
            <th>Table</th>
            <th>Postgres</th>
            <th>Cold</th>
            <th>Archive</th>
          </tr>
        </thead>
        <tbody>
          {tables.map((table) => (
            <tr key={table}>
              <td className="mono">{table}</td>
              <td>{formatCount(props.counts[table] ?? 0)}</td>
              <td>{formatCount(props.tierCounts[table]?.cold ?? 0)}</td>
              <td>{formatCount(props.tierCounts[table]?.archive ?? 0)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
