import { useState } from "react";
import type { Overview } from "../../api/types.ts";
import { Link } from "../../app/router.tsx";
import { useSession } from "../../app/session.tsx";
import { formatTime } from "../../components/data-table.tsx";
import { RereviewBanner } from "../../components/rereview-notices.tsx";
import { Empty, ErrorState, Loading } from "../../components/states.tsx";
import { TenantName, TenantPicker, type TenantSummary } from "../../components/tenant-picker.tsx";
import { useApi } from "../../components/use-api.ts";
import { useLiveResource } from "../../components/use-live-resource.ts";
import { ClassificationFigures, PiiBreakdown } from "../catalog/summary-figures.tsx";
import { QualityFigures } from "../quality/quality-page.tsx";
import type { QualitySummary } from "../quality/types.ts";

function Figure({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div className="figure">
      <div className="figure-value">{value}</div>
      <div className="figure-label">{label}</div>
      {hint ? <div className="figure-hint muted">{hint}</div> : null}
    </div>
  );
}

export function OverviewPage() {
  const { can } = useSession();
  // Job health follows the runs as they start and end; without the event stream, a poll.
  const { data, error, reload } = useLiveResource<Overview>("/api/v1/overview", {
    topics: can("jobs:read") ? ["jobs"] : [],
    fallbackMs: 30_000,
  });
  if (error) {
    return (
      <section>
        <h1>Overview</h1>
        <ErrorState error={error} onRetry={reload} />
      </section>
    );
  }
  if (!data) {
    return (
      <section>
        <h1>Overview</h1>
        <Loading />
      </section>
    );
  }
  const jobs = data.jobs.last24h;
  const ran = Object.values(jobs).reduce((a, b) => a + b, 0);
  return (
    <section>
      <h1>Overview</h1>
      <RereviewBanner />
      <div className="figures">
        <Figure label="Tenants" value={data.tenants.toLocaleString()} />
        <Figure
          label="Postgres tables"
          value={data.catalog.tables.toLocaleString()}
          hint="and views: operational store, live"
        />
        <Figure
          label="Postgres columns"
          value={data.catalog.columns.toLocaleString()}
          hint="operational store, live; the catalog below also counts ClickHouse"
        />
        <Figure
          label="Rows"
          value={`≈ ${data.catalog.rowEstimate.toLocaleString()}`}
          hint="planner estimate"
        />
      </div>

      {data.classification ? (
        <>
          <h2>
            Classification{" "}
            {can("catalog:read") ? (
              <Link to="/catalog" className="h2-link">
                Open catalog →
              </Link>
            ) : null}
          </h2>
          <ClassificationFigures summary={data.classification} />
          <PiiBreakdown summary={data.classification} />
        </>
      ) : null}

      {can("quality:read") ? <QualityOverview /> : null}

      <div className="panels">
        <TenantLookup />
        <div className="panel">
          <h2>Job health, last 24 hours</h2>
          {ran === 0 ? (
            <Empty>No job ran in the last 24 hours.</Empty>
          ) : (
            <ul className="status-list">
              {Object.entries(jobs).map(([status, count]) => (
                <li key={status}>
                  <span className={`badge badge-${status}`}>{status}</span> {count}
                </li>
              ))}
            </ul>
          )}
          {data.jobs.lastFailure ? (
            <div className="last-failure">
              <strong>Last failure:</strong> {data.jobs.lastFailure.queue} at{" "}
              {formatTime(data.jobs.lastFailure.at)} —{" "}
              {data.jobs.lastFailure.error ?? "no reason recorded"}
            </div>
          ) : null}
          {can("jobs:read") ? <Link to="/jobs">Open jobs →</Link> : null}
        </div>
        {data.recentAudit ? (
          <div className="panel">
            <h2>Recent audit events</h2>
            {data.recentAudit.length === 0 ? (
              <Empty>No audit events yet.</Empty>
            ) : (
              <table className="table table-compact">
                <thead>
                  <tr>
                    <th>When</th>
                    <th>Who</th>
                    <th>Action</th>
                    <th>Target</th>
                  </tr>
                </thead>
                <tbody>
                  {data.recentAudit.map((event) => (
                    <tr key={event.id}>
                      <td>{formatTime(event.occurredAt)}</td>
                      <td>{event.actor}</td>
                      <td>
                        <code>{event.action}</code>
                      </td>
                      <td>{event.target ?? "—"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {can("audit:read") ? <Link to="/audit">Open audit trail →</Link> : null}
          </div>
        ) : null}
      </div>
    </section>
  );
}

/** Finds a tenant by name and shows who it is: the picker every tenant choice uses. */
function TenantLookup() {
  const [tenant, setTenant] = useState<TenantSummary>();
  return (
    <div className="panel" data-testid="tenant-lookup">
      <h2>Find a tenant</h2>
      <TenantPicker onChange={setTenant} />
      {tenant ? (
        <dl className="kv tenant-card">
          <div>
            <dt>Business:</dt>
            <dd>
              <TenantName id={tenant.id} />
            </dd>
          </div>
          <div>
            <dt>Region:</dt>
            <dd>{tenant.region ?? "—"}</dd>
          </div>
          <div>
            <dt>Industry:</dt>
            <dd>{tenant.industry ?? "—"}</dd>
          </div>
          <div>
            <dt>Plan:</dt>
            <dd>{tenant.planTier ?? "—"}</dd>
          </div>
          <div>
            <dt>Id:</dt>
            <dd className="mono">{tenant.id}</dd>
          </div>
        </dl>
      ) : (
        <p className="muted">Type part of a business name, a region or the start of an id.</p>
      )}
    </div>
  );
}

/** Data-quality figures (GET /api/v1/quality/summary), for roles that may read quality. */
function QualityOverview() {
  const { data } = useApi<QualitySummary>("/api/v1/quality/summary");
  if (!data) {
    return null;
  }
  return (
    <>
      <h2>
        Data quality{" "}
        <Link to="/quality" className="h2-link">
          Open quality →
        </Link>
      </h2>
      <QualityFigures summary={data} />
    </>
  );
}
