import { type FormEvent, useState } from "react";
import type { TSyntheticReport } from "../../../../schema/contracts/synthetic.ts";
import { ApiError, api } from "../../api/client.ts";
import { Link, navigate, useSearchState } from "../../app/router.tsx";
import { useSession } from "../../app/session.tsx";
import { Empty, ErrorState, Loading } from "../../components/states.tsx";
import { useApi } from "../../components/use-api.ts";
import { DatasetDetail, StatusBadge } from "./datasets-tab.tsx";
import { DistributionChart } from "./distribution-chart.tsx";
import { EstimatePanel, useEstimate } from "./estimate-panel.tsx";
import { formatAge } from "./format.ts";
import type { Dataset, SyntheticProfile } from "./types.ts";

/** Synthetic platforms: the fitted profile, a request form, the datasets and their reports. */
export function SyntheticTab() {
  const [search] = useSearchState();
  const selected = search.get("dataset");
  const { can } = useSession();
  const datasets = useApi<{ items: Dataset[] }>("/api/v1/datasets?kind=synthetic&pageSize=50", {
    pollMs: 5000,
  });
  return (
    <div className="md-synthetic-tab">
      <div className="panels">
        <ProfilePanel canFit={can("datasets:provision")} />
        {can("datasets:provision") ? <SyntheticRequestForm /> : null}
      </div>
      <h2>Synthetic datasets</h2>
      {datasets.error ? <ErrorState error={datasets.error} onRetry={datasets.reload} /> : null}
      {!datasets.data && !datasets.error ? <Loading /> : null}
      {datasets.data && datasets.data.items.length === 0 ? (
        <Empty>No synthetic dataset yet.</Empty>
      ) : null}
      {datasets.data?.items.length ? (
        <ul className="md-list">
          {datasets.data.items.map((d) => (
            <li key={d.id} className={d.id === selected ? "active" : undefined}>
              <Link to={`/masked-datasets?tab=synthetic&dataset=${d.id}`}>{d.name}</Link>{" "}
              <StatusBadge status={d.status} />{" "}
              <span className="muted">
                {d.owner} · {formatAge(d.createdAt)} ago
              </span>
            </li>
          ))}
        </ul>
      ) : null}
      {selected ? (
        <>
          <DatasetDetail id={selected} onChanged={datasets.reload} />
          <ReportView id={selected} />
        </>
      ) : null}
    </div>
  );
}

function ProfilePanel({ canFit }: { canFit: boolean }) {
  // Polled, so a profile fitted elsewhere (a synth job, the CLI, a colleague) shows up too.
  const latest = useApi<SyntheticProfile>("/api/v1/synthetic/profiles/latest", { pollMs: 10_000 });
  // The fit's own answer is shown at once, until the poll brings the same or a newer one.
  const [fitted, setFitted] = useState<SyntheticProfile>();
  const newest =
    fitted && (!latest.data || latest.data.createdAt < fitted.createdAt) ? fitted : latest.data;
  const profile = { ...latest, data: newest, error: newest ? undefined : latest.error };
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const fit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setFitted(await api<SyntheticProfile>("/api/v1/synthetic/profiles", { method: "POST" }));
      latest.reload();
    } catch (caught) {
      setError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const missing = profile.error instanceof ApiError && profile.error.status === 404;
  return (
    <div className="panel" data-testid="profile-panel">
      <h2>Profile</h2>
      {profile.error && !missing ? (
        <ErrorState error={profile.error} onRetry={profile.reload} />
      ) : null}
      {missing ? <p className="muted">No profile has been fitted yet.</p> : null}
      {!profile.data && !profile.error ? <Loading label="Loading the profile…" /> : null}
      {profile.data ? (
        <p>
          Fitted {formatAge(profile.data.createdAt)} ago by {profile.data.createdBy}:{" "}
          {profile.data.params.tenants.length} tenant(s),{" "}
          {(profile.data.source.tables.customers ?? 0).toLocaleString()} customers read in
          aggregate, {Object.keys(profile.data.params.marginals).length} fitted columns
          {profile.data.params.tables ? (
            <span data-testid="profile-tables">
              , {Object.keys(profile.data.params.tables).length} tables modelled column by column
            </span>
          ) : null}
          . Parameters only: no real value is kept.
        </p>
      ) : null}
      {canFit ? (
        <button type="button" className="button" onClick={fit} disabled={busy}>
          {busy ? "Fitting…" : "Fit profile now"}
        </button>
      ) : null}
      {error ? (
        <div className="form-error" role="alert">
          {error}
        </div>
      ) : null}
    </div>
  );
}

function SyntheticRequestForm() {
  const [name, setName] = useState("");
  const [tenants, setTenants] = useState("3");
  const [customers, setCustomers] = useState("200");
  const [seed, setSeed] = useState("1");
  const [expiry, setExpiry] = useState("7");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const sized = useEstimate(
    Number(tenants) >= 1 && Number(customers) >= 1
      ? { kind: "synthetic", tenants: Number(tenants), customersPerTenant: Number(customers) }
      : null,
  );
  const overLimit = sized.estimate?.allowed === false;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const created = await api<{ dataset: Dataset }>("/api/v1/synthetic/datasets", {
        method: "POST",
        body: {
          name: name.trim(),
          tenants: Number(tenants),
          customersPerTenant: Number(customers),
          seed: Number(seed),
          ...(expiry ? { expiresInDays: Number(expiry) } : {}),
        },
      });
      navigate(`/masked-datasets?tab=synthetic&dataset=${created.dataset.id}`);
    } catch (caught) {
      setError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="panel form-grid" onSubmit={submit} aria-label="Request a synthetic dataset">
      <h2>New synthetic platform</h2>
      <label className="field">
        <span>Name</span>
        <input
          name="synthetic-name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
        />
      </label>
      <label className="field">
        <span>Tenants</span>
        <input
          type="number"
          min="1"
          max="100"
          value={tenants}
          onChange={(e) => setTenants(e.target.value)}
        />
      </label>
      <label className="field">
        <span>Customers per tenant</span>
        <input
          type="number"
          min="1"
          max="200000"
          value={customers}
          onChange={(e) => setCustomers(e.target.value)}
        />
      </label>
      <label className="field">
        <span>Seed</span>
        <input type="number" min="0" value={seed} onChange={(e) => setSeed(e.target.value)} />
      </label>
      <label className="field">
        <span>Expires after (days)</span>
        <input
          type="number"
          min="1"
          max="365"
          value={expiry}
          onChange={(e) => setExpiry(e.target.value)}
        />
      </label>
      <EstimatePanel estimate={sized.estimate} error={sized.error} />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy || overLimit}>
          {busy ? "Requesting…" : "Generate"}
        </button>
      </div>
      {error ? (
        <div className="form-error" role="alert">
          {error}
        </div>
      ) : null}
    </form>
  );
}

function ReportView({ id }: { id: string }) {
  const [limits, setLimits] = useState<{ ks: string; tvd: string }>({ ks: "", tvd: "" });
  const [open, setOpen] = useState<string | null>(null);
  const query = new URLSearchParams(
    Object.entries(limits).filter(([, v]) => v !== "" && Number.isFinite(Number(v))),
  ).toString();
  const report = useApi<TSyntheticReport>(
    `/api/v1/datasets/${id}/synthetic-report${query ? `?${query}` : ""}`,
    { pollMs: 5000 },
  );
  if (report.error) {
    return report.error instanceof ApiError && report.error.status === 404 ? (
      <Empty>The report appears here once the platform is generated.</Empty>
    ) : (
      <ErrorState error={report.error} onRetry={report.reload} />
    );
  }
  if (!report.data) {
    return <Loading label="Loading the report…" />;
  }
  const { worst, columns, tables, thresholds, pass } = report.data;
  const selected = tables.find((t) => t.table === open);
  return (
    <div className="md-report" data-testid="synthetic-report">
      <h2>Real against synthetic</h2>
      <p className="muted">
        Per column: the Kolmogorov–Smirnov statistic for numbers, dates and times, total variation
        distance for categories and for how often a value is missing (0 = identical). Worst KS{" "}
        {worst.ks.toFixed(3)}, worst TVD {worst.tvd.toFixed(3)}.
      </p>
      {thresholds ? (
        <>
          <form
            className="form-inline"
            aria-label="Pass/fail thresholds"
            onSubmit={(e) => e.preventDefault()}
          >
            <label>
              KS at most{" "}
              <input
                type="number"
                min={0}
                max={1}
                step={0.01}
                name="ks-threshold"
                placeholder={String(thresholds.ks)}
                value={limits.ks}
                onChange={(e) => setLimits({ ...limits, ks: e.target.value })}
              />
            </label>{" "}
            <label>
              TVD at most{" "}
              <input
                type="number"
                min={0}
                max={1}
                step={0.01}
                name="tvd-threshold"
                placeholder={String(thresholds.tvd)}
                value={limits.tvd}
                onChange={(e) => setLimits({ ...limits, tvd: e.target.value })}
              />
            </label>{" "}
            <span
              className={pass ? "badge badge-succeeded" : "badge badge-failed"}
              data-testid="synthetic-verdict"
            >
              {pass
                ? "every table passes"
                : `${tables.filter((t) => !t.pass).length} of ${tables.length} tables fail`}
            </span>
          </form>
          <table className="table" data-testid="synthetic-tables">
            <caption className="muted">
              Per table (KS ≤ {thresholds.ks}, TVD ≤ {thresholds.tvd}); choose one for its columns.
            </caption>
            <thead>
              <tr>
                <th>Table</th>
                <th>Real rows</th>
                <th>Synthetic rows</th>
                <th>Worst KS</th>
                <th>Worst TVD</th>
                <th>Columns failing</th>
                <th>Verdict</th>
              </tr>
            </thead>
            <tbody>
              {tables.map((t) => (
                <tr key={t.table} data-table={t.table} className={t.table === open ? "active" : ""}>
                  <td>
                    <button type="button" className="link" onClick={() => setOpen(t.table)}>
                      {t.table}
                    </button>
                  </td>
                  <td>{t.realRows.toLocaleString()}</td>
                  <td>{t.syntheticRows.toLocaleString()}</td>
                  <td>{t.worst.ks.toFixed(3)}</td>
                  <td>{t.worst.tvd.toFixed(3)}</td>
                  <td>
                    {t.columns
                      .filter((c) => !c.pass)
                      .map((c) => c.column.split(".")[1])
                      .join(", ") || "—"}
                  </td>
                  <td>
                    <span className={t.pass ? "badge badge-succeeded" : "badge badge-failed"}>
                      {t.pass ? "pass" : "fail"}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
      {selected ? (
        <section aria-label={`Columns of ${selected.table}`} data-testid="synthetic-table-columns">
          <h3>
            {selected.table}: {selected.columns.length} compared column(s)
          </h3>
          <div className="md-charts">
            {selected.columns.map((c) => (
              <DistributionChart key={c.column} comparison={c} />
            ))}
          </div>
        </section>
      ) : null}
      <h3>Relationships fitted across tables</h3>
      <div className="md-charts">
        {columns.map((c) => (
          <DistributionChart key={c.column} comparison={c} />
        ))}
      </div>
    </div>
  );
}
