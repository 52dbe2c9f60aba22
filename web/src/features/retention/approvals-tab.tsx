import type { Page } from "../../api/types.ts";
import { useSearchState } from "../../app/router.tsx";
import { formatTime } from "../../components/data-table.tsx";
import { Empty, ErrorState, Loading } from "../../components/states.tsx";
import { TenantName } from "../../components/tenant-picker.tsx";
import { useLiveResource } from "../../components/use-live-resource.ts";
import { formatCount, REFUSAL_TEXT, shortId } from "./format.tsx";
import { RequestDetailView } from "./request-detail.tsx";
import type { DeletionRequest } from "./types.ts";

/**
 * The compliance officer's inbox: every request waiting for approval. A decision is made only
 * from the request's own page, with its impact preview in front of the officer; those the
 * signed-in officer requested say why they are not theirs to decide.
 */
export function ApprovalsTab() {
  const [search, setSearch] = useSearchState();
  const pending = useLiveResource<Page<DeletionRequest>>(
    "/api/v1/retention/requests?status=pending_approval&pageSize=100&sort=createdAt:asc",
    { topics: ["retention"], fallbackMs: 10_000 },
  );
  const open = search.get("id");
  if (open) {
    return <RequestDetailView id={open} onBack={() => setSearch({ id: undefined })} />;
  }
  if (pending.error) {
    return <ErrorState error={pending.error} onRetry={pending.reload} />;
  }
  if (!pending.data) {
    // (the first load)
    return <Loading />;
  }
  const items = pending.data.items;
  return (
    <div className="approvals">
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
                    <TenantName id={request.tenantId} />
                  </span>
                  <span className="muted">
                    requested by {request.requestedBy} · {formatTime(request.createdAt)}
                  </span>
                </div>
                {own ? (
                  <div className="form-actions" data-testid="self-requested">
                    <span className="muted">{REFUSAL_TEXT.self_approval}</span>
                  </div>
                ) : (
                  <div className="form-actions">
                    <button
                      type="button"
                      className="button"
                      onClick={() => setSearch({ id: request.id })}
                    >
                      Review impact and decide
                    </button>
                  </div>
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
