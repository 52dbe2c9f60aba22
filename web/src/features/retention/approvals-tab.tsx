import { useState } from "react";
import type { Page } from "../../api/types.ts";
import { useSearchState } from "../../app/router.tsx";
import { formatTime } from "../../components/data-table.tsx";
import { Empty, ErrorState, Loading } from "../../components/states.tsx";
import { useApi } from "../../components/use-api.ts";
import { DecisionForm } from "./decision-form.tsx";
import { formatCount, REFUSAL_TEXT, shortId } from "./format.tsx";
import { RequestDetailView } from "./request-detail.tsx";
import type { DeletionRequest } from "./types.ts";

/**
 * The compliance officer's inbox: every request waiting for approval. Those the signed-in
 * officer requested are listed too, but without the decision form, saying why.
 */
export function ApprovalsTab() {
  const [search, setSearch] = useSearchState();
  const [message, setMessage] = useState<string>();
  const pending = useApi<Page<DeletionRequest>>(
    "/api/v1/retention/requests?status=pending_approval&pageSize=100&sort=createdAt:asc",
    { pollMs: 10_000 },
  );
  const open = search.get("id");
  if (open) {
    return <RequestDetailView id={open} onBack={() => setSearch({ id: undefined })} />;
  }
  if (pending.error) {
    return <ErrorState error={pending.error} onRetry={pending.reload} />;
  }
  if (!pending.data) {
    return <Loading />;
  }
  const items = pending.data.items;
  return (
    <div className="approvals">
      {message ? (
        <p className="notice" role="status">
          {message}
        </p>
      ) : null}
      {items.length === 0 ? (
        <Empty>Nothing waits for approval.</Empty>
      ) : (
        <ul className="inbox">
          {items.map((request) => {
            const own = request.requestedByYou;
            return (
              <li
                key={request.id}
                className={own ? "inbox-item inbox-own" : "inbox-item"}
                data-request-id={request.id}
              >
                <div className="inbox-head">
                  <button
                    type="button"
                    className="link-button"
                    onClick={() => setSearch({ id: request.id })}
                  >
                    <strong>
                      {request.kind === "erasure" ? "Erasure" : (request.policyId ?? "Deletion")}
                    </strong>{" "}
                    <span className="mono">{shortId(request.id)}</span>
                  </button>
                  <span>
                    {formatCount(request.totalRows)} rows · tenant{" "}
                    <span className="mono">{shortId(request.tenantId)}</span>
                  </span>
                  <span className="muted">
                    requested by {request.requestedBy} · {formatTime(request.createdAt)}
                  </span>
                </div>
                {own ? (
                  <div className="form-actions" data-testid="self-requested">
                    <button
                      type="button"
                      className="button button-primary"
                      disabled
                      title={REFUSAL_TEXT.self_approval}
                    >
                      Approve
                    </button>
                    <span className="muted">{REFUSAL_TEXT.self_approval}</span>
                  </div>
                ) : (
                  <DecisionForm
                    requestId={request.id}
                    fingerprint={request.fingerprint}
                    onDecided={(text) => {
                      setMessage(`${text} Request ${shortId(request.id)}.`);
                      pending.reload();
                    }}
                  />
                )}
              </li>
            );
          })}
        </ul>
      )}
      {pending.data.total > items.length ? (
        <p className="muted">
          {pending.data.total - items.length} more wait; decide on these first or filter the
          Deletion requests tab.
        </p>
      ) : null}
    </div>
  );
}
