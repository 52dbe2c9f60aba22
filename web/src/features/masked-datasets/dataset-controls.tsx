import { useState } from "react";
import type {
  TExpiryResult,
  TRefreshSchedule,
} from "../../../../schema/contracts/datasets-controls.ts";
import { api } from "../../api/client.ts";
import { formatTime } from "../../components/data-table.tsx";
import { describeCron } from "../jobs/schedule-text.ts";
import { formatExpiry } from "./format.ts";
import type { Dataset } from "./types.ts";

/**
 * A dataset owner's controls (and an admin's): keep it longer, and refresh it from today's
 * source on a schedule or now. The server bounds the expiry by the role's maximum and refuses a
 * schedule more often than hourly; both changes are audited.
 */
export function DatasetControls({
  dataset,
  onChanged,
}: {
  dataset: Dataset;
  onChanged: () => void;
}) {
  const finished = ["ready", "failed", "refused"].includes(dataset.status);
  if (!finished) {
    return null;
  }
  return (
    <div className="md-controls">
      <ExtendExpiry dataset={dataset} onChanged={onChanged} />
      {dataset.kind === "masked" ? (
        <RefreshSchedule dataset={dataset} onChanged={onChanged} />
      ) : null}
    </div>
  );
}

function ExtendExpiry({ dataset, onChanged }: { dataset: Dataset; onChanged: () => void }) {
  const [days, setDays] = useState(7);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();
  const extend = async () => {
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      const r = await api<TExpiryResult>(`/api/v1/datasets/${dataset.id}/expiry`, {
        method: "POST",
        body: { days },
      });
      setDone(`Now expires ${formatTime(r.expiresAt)}.`);
      onChanged();
    } catch (caught) {
      setError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <fieldset className="md-control">
      <legend>Expiry</legend>
      <p className="muted">Expires {formatExpiry(dataset.expiresAt)}.</p>
      <label className="field-inline">
        <span>Extend by (days)</span>
        <input
          type="number"
          min={1}
          max={365}
          value={days}
          aria-label="extend by days"
          onChange={(e) => setDays(Number(e.target.value))}
        />
      </label>
      <button
        type="button"
        className="button button-small"
        onClick={extend}
        disabled={busy || !(days >= 1)}
      >
        {busy ? "Extending…" : "Extend expiry"}
      </button>
      {done ? <span className="muted"> {done}</span> : null}
      {error ? (
        <div className="form-error" role="alert">
          {error}
        </div>
      ) : null}
    </fieldset>
  );
}

function RefreshSchedule({ dataset, onChanged }: { dataset: Dataset; onChanged: () => void }) {
  const [cron, setCron] = useState(dataset.refreshCron ?? "0 3 * * 1");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const described = describeCron(cron);
  const save = async (value: string | null) => {
    setBusy(true);
    setError(undefined);
    try {
      await api<TRefreshSchedule>(`/api/v1/datasets/${dataset.id}/refresh-schedule`, {
        method: "PUT",
        body: { cron: value },
      });
      onChanged();
    } catch (caught) {
      setError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const refreshNow = async () => {
    if (
      !window.confirm(
        `Refresh ${dataset.name} now? Its database is dropped and provisioned again from today's data, with a new password: connections using the old one stop working.`,
      )
    ) {
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await api(`/api/v1/datasets/${dataset.id}/refresh`, { method: "POST" });
      onChanged();
    } catch (caught) {
      setError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <fieldset className="md-control">
      <legend>Refresh</legend>
      <p className="muted">
        {dataset.refreshCron
          ? `Refreshed ${describeCron(dataset.refreshCron).text}; next ${formatTime(dataset.nextRefreshAt ?? "")}.`
          : "Not refreshed on a schedule."}
        {dataset.refreshedAt ? ` Last refresh ${formatTime(dataset.refreshedAt)}.` : ""}
        {dataset.refreshError ? ` Last refresh: ${dataset.refreshError}` : ""}
      </p>
      <label className="field-inline">
        <span>Schedule (cron, UTC)</span>
        <input
          value={cron}
          aria-label="refresh schedule"
          onChange={(e) => setCron(e.target.value)}
        />
      </label>
      <span className="muted" data-testid="refresh-cron-text">
        {described.text}
      </span>
      <div className="form-actions">
        <button
          type="button"
          className="button button-small"
          disabled={busy || described.next === null}
          onClick={() => save(cron.trim())}
        >
          Save schedule
        </button>
        {dataset.refreshCron ? (
          <button
            type="button"
            className="button button-small"
            disabled={busy}
            onClick={() => save(null)}
          >
            Remove schedule
          </button>
        ) : null}
        <button type="button" className="button button-small" disabled={busy} onClick={refreshNow}>
          Refresh now
        </button>
      </div>
      {error ? (
        <div className="form-error" role="alert">
          {error}
        </div>
      ) : null}
    </fieldset>
  );
}
