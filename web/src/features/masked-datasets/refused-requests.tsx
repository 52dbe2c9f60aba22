import { useEffect } from "react";
import type { TDatasetRefusal } from "../../../../schema/contracts/datasets-controls.ts";
import { Link } from "../../app/router.tsx";
import { formatTime } from "../../components/data-table.tsx";
import { Empty, ErrorState, Loading } from "../../components/states.tsx";
import { useApi } from "../../components/use-api.ts";

const REASON: Record<TDatasetRefusal["reason"], string> = {
  size_limit: "over the size limit",
  gate_closed: "classification gate closed",
};

/** The blocking columns a gate refusal named, as links to their review in the catalog. */
function BlockingLinks({ details }: { details: unknown }) {
  const blocking =
    (details as { blocking?: { column: string; catalogColumnId: string | null }[] } | null)
      ?.blocking ?? [];
  if (blocking.length === 0) {
    return null;
  }
  const shown = blocking.slice(0, 4);
  return (
    <span>
      {" "}
      —{" "}
      {shown.map((b, i) => (
        <span key={b.column}>
          {i ? ", " : ""}
          {b.catalogColumnId ? (
            <Link to={`/catalog?column=${b.catalogColumnId}`}>
              <code>{b.column}</code>
            </Link>
          ) : (
            <code>{b.column}</code>
          )}
        </span>
      ))}
      {blocking.length > shown.length ? ` and ${blocking.length - shown.length} more` : ""}
    </span>
  );
}

/**
 * Requests refused before a dataset existed, with their reason; refusals while a copy was built
 * (the gate at its start, a leak found) are datasets of status `refused` in the list above.
 */
export function RefusedRequests({ reloadKey }: { reloadKey: number }) {
  const { data, error, reload } = useApi<{ items: TDatasetRefusal[] }>(
    "/api/v1/datasets/refusals?limit=20",
  );
  // The list above changed (an event, a new request): the refusals may have too.
  useEffect(() => {
    if (reloadKey > 0) {
      reload();
    }
  }, [reloadKey, reload]);
  return (
    <section className="panel md-refusals" aria-label="Refused requests">
      <h3>Refused requests</h3>
      {error ? <ErrorState error={error} onRetry={reload} /> : null}
      {!data && !error ? <Loading label="Loading refused requests…" /> : null}
      {data && data.items.length === 0 ? <Empty>No request has been refused.</Empty> : null}
      {data?.items.length ? (
        <table className="table">
          <thead>
            <tr>
              <th>When</th>
              <th>Name</th>
              <th>Requested by</th>
              <th>Reason</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((r) => (
              <tr key={r.id}>
                <td>{formatTime(r.createdAt)}</td>
                <td>{r.name}</td>
                <td>{r.requestedBy}</td>
                <td>
                  <span className="badge badge-failed">{REASON[r.reason]}</span> {r.message}
                  {r.reason === "gate_closed" ? <BlockingLinks details={r.details} /> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
