import { useEffect, useState } from "react";
import { api } from "../../api/client.ts";
import { Link, useSearchState } from "../../app/router.tsx";
import { useSession } from "../../app/session.tsx";
import { formatTime } from "../../components/data-table.tsx";
import { ProgressBar } from "../../components/progress-bar.tsx";
import { Empty, ErrorState, Loading } from "../../components/states.tsx";
import { useApi } from "../../components/use-api.ts";
import { DecisionForm } from "./decision-form.tsx";
import { ErasureDecisions } from "./erasure-decisions.tsx";
import { formatCount, REFUSAL_TEXT, StatusBadge, shortId } from "./format.tsx";
import type { AccountProvenance, RequestDetail, SampleTable, TableCount } from "./types.ts";

/** One deletion request: its impact preview, decision, progress and certificate. */
export function RequestDetailView({ id, onBack }: { id: string; onBack: () => void }) {
  const { can } = useSession();
  const [, setSearch] = useSearchState();
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string }>();
  const [polling, setPolling] = useState(false);
  const detail = useApi<RequestDetail>(`/api/v1/retention/requests/${encodeURIComponent(id)}`, {
    pollMs: polling ? 1_000 : undefined,
  });
  const request = detail.data;
  // Poll while it runs (or was just enqueued), so the bar moves and the end shows by itself.
  const status = request?.status;
  useEffect(() => {
    if (status) {
      setPolling((was) => status === "running" || (was && status === "approved"));
    }
  }, [status]);

  const execute = async () => {
    setMessage(undefined);
    try {
      await api(`/api/v1/retention/requests/${encodeURIComponent(id)}/execute`, {
        method: "POST",
      });
      setMessage({ kind: "ok", text: "Execution enqueued; progress shows below." });
      setPolling(true);
      detail.reload();
    } catch (caught) {
      setMessage({ kind: "error", text: (caught as Error).message });
    }
  };

  return (
    <div className="request-detail">
      <button type="button" className="button button-small button-ghost" onClick={onBack}>
        ← All requests
      </button>
      {detail.error ? (
        <ErrorState error={detail.error} onRetry={detail.reload} />
      ) : !request ? (
        <Loading />
      ) : (
        <>
          <h2>
            {request.kind === "erasure" ? "Erasure" : "Deletion"} request{" "}
            <span className="mono">{shortId(request.id)}</span>{" "}
            <StatusBadge status={request.status} />
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
            <dd className="mono">{request.tenantId}</dd>
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

          {request.status === "running" || request.progress ? (
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
            {request.status === "pending_approval" && can("retention:approve") ? (
              request.requestedByYou ? (
                <p className="muted" data-testid="self-requested">
                  {REFUSAL_TEXT.self_approval}
                </p>
              ) : request.separationOfDuties ? (
                <p className="muted" data-testid="separation-of-duties">
                  Separation of duties: {request.separationOfDuties}
                </p>
              ) : (
                <DecisionForm
                  requestId={request.id}
                  fingerprint={request.fingerprint}
                  onDecided={(text) => {
                    setMessage({ kind: "ok", text });
                    detail.reload();
                  }}
                />
              )
            ) : null}
            {request.status === "approved" && can("retention:execute") ? (
              <button
                type="button"
                className="button button-primary"
                onClick={() => void execute()}
              >
                Execute
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

          <h3>Impact preview</h3>
          <CountsTable counts={request.impact} />
          <DownstreamAssets assets={request.downstream ?? []} />
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
            request.samples.map((sample) => <SampleRows key={sample.table} sample={sample} />)
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

function CountsTable({ counts }: { counts: TableCount[] }) {
  if (counts.length === 0) {
    return <Empty>No rows match this request.</Empty>;
  }
  return (
    <div className="table-scroll">
      <table className="table table-compact" aria-label="counts per table and tenant">
        <thead>
          <tr>
            <th>Table</th>
            <th>Tenant</th>
            <th>Rows</th>
          </tr>
        </thead>
        <tbody>
          {counts.map((count) => (
            <tr key={`${count.table}-${count.tenantId ?? ""}`}>
              <td>
                <code>{count.table}</code>
              </td>
              <td className="mono">{count.tenantId ?? "—"}</td>
              <td>{formatCount(count.rows)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SampleRows({ sample }: { sample: SampleTable }) {
  return (
    <div className="table-scroll sample">
      <table className="table table-compact" aria-label={`sample rows of ${sample.table}`}>
        <caption>
          <code>{sample.table}</code>
        </caption>
        <thead>
          <tr>
            {sample.columns.map((column) => (
              <th key={column}>{column}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {sample.rows.map((row, index) => (
            // Sample rows have no stable id of their own; their order is the server's.
            // biome-ignore lint/suspicious/noArrayIndexKey: see above
            <tr key={index}>
              {sample.columns.map((column) => (
                <td key={column} className="mono">
                  {row[column] ?? "∅"}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
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
