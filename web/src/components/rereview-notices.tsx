import { useEffect, useRef, useState } from "react";
import type { TCatalogColumn } from "../../../schema/contracts/catalog.ts";
import type { Page } from "../api/types.ts";
import { Link } from "../app/router.tsx";
import { useSession } from "../app/session.tsx";
import { tableName } from "./table-name.ts";
import { useApi } from "./use-api.ts";
import { useLiveResource } from "./use-live-resource.ts";
import "./shared.css";

const FLAGGED = "/api/v1/catalog/columns?status=needs_rereview&sort=classifiedAt:desc&pageSize=10";

const entry = (c: TCatalogColumn) =>
  `${tableName(c)}.${c.column}${c.jsonPath ? ` → ${c.jsonPath}` : ""}`;

/**
 * A re-scan contradicted steward decisions: those columns wait for re-review and, holding
 * personal data, close the masking gate (no masked copy until decided). Said where stewards and
 * engineers look: the overview and the masked-datasets page.
 */
export function RereviewBanner() {
  const { can } = useSession();
  const flagged = useApi<Page<TCatalogColumn>>(can("catalog:read") ? FLAGGED : null);
  const total = flagged.data?.total ?? 0;
  if (total === 0) {
    return null;
  }
  return (
    <div className="rereview-banner" role="status" data-testid="rereview-banner">
      <strong>
        {total.toLocaleString()} decision{total === 1 ? "" : "s"} flagged for re-review.
      </strong>{" "}
      A re-scan contradicted what a steward decided (
      {flagged.data?.items
        .slice(0, 3)
        .map((c) => entry(c))
        .join(", ")}
      {total > 3 ? ", …" : ""}). Until a steward decides again, the masking gate stays closed: no
      masked copy can be provisioned.{" "}
      {can("catalog:review") ? (
        <Link to="/review">Re-review now →</Link>
      ) : (
        <Link to="/catalog?status=needs_rereview">See the columns →</Link>
      )}
    </div>
  );
}

/**
 * The header's notifications: decisions a re-scan flagged, newest first, each opening its column.
 * Refreshed when a scan job ends (server-sent events).
 */
export function NotificationsMenu() {
  const { can } = useSession();
  const allowed = can("catalog:read");
  const flagged = useLiveResource<Page<TCatalogColumn>>(allowed ? FLAGGED : null, {
    topics: can("jobs:read") ? ["jobs"] : [],
    fallbackMs: 60_000,
  });
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) {
      return;
    }
    const close = (event: MouseEvent) => {
      if (!box.current?.contains(event.target as Node)) {
        setOpen(false);
      }
    };
    document.addEventListener("mousedown", close);
    return () => document.removeEventListener("mousedown", close);
  }, [open]);
  if (!allowed) {
    return null;
  }
  const total = flagged.data?.total ?? 0;
  return (
    <div className="notifications" ref={box}>
      <button
        type="button"
        className="button button-ghost"
        aria-expanded={open}
        aria-label={`Notifications: ${total} flagged for re-review`}
        onClick={() => setOpen(!open)}
        data-testid="notifications-button"
      >
        Notifications
        {total ? <span className="notification-count">{total}</span> : null}
      </button>
      {open ? (
        <div className="notifications-list" data-testid="notifications-list">
          {total === 0 ? (
            <p className="muted">Nothing needs you: no decision is flagged for re-review.</p>
          ) : (
            <ul>
              {flagged.data?.items.map((c) => (
                <li key={c.id}>
                  <Link to={`/catalog?column=${c.id}`} onClick={() => setOpen(false)}>
                    <span className="mono">{entry(c)}</span>
                  </Link>
                  <div className="muted small">
                    flagged for re-review by the scan of{" "}
                    {c.classifiedAt ? new Date(c.classifiedAt).toLocaleString() : "—"}: the masking
                    gate is closed
                  </div>
                </li>
              ))}
            </ul>
          )}
        </div>
      ) : null}
    </div>
  );
}
