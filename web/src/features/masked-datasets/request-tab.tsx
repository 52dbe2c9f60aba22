import { type FormEvent, useState } from "react";
import { ApiError, api } from "../../api/client.ts";
import { navigate } from "../../app/router.tsx";
import { useApi } from "../../components/use-api.ts";
import { AskSteward } from "./ask-steward.tsx";
import { EstimatePanel, useEstimate } from "./estimate-panel.tsx";
import { GatePanel } from "./gate-panel.tsx";
import type { Dataset, Gate } from "./types.ts";

type Scope = "all" | "tenants" | "percent";

/** Request a masked copy: the gate first, then name, scope and expiry. */
export function RequestTab() {
  const gate = useApi<Gate>("/api/v1/masking/gate");
  const [name, setName] = useState("");
  const [scope, setScope] = useState<Scope>("percent");
  const [percent, setPercent] = useState("10");
  const [tenants, setTenants] = useState("");
  const [expiry, setExpiry] = useState("7");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const tenantIds = tenants
    .split(/[\s,]+/)
    .map((t) => t.trim())
    .filter(Boolean);
  const sized = useEstimate(
    scope === "percent"
      ? Number(percent) > 0 && Number(percent) <= 100
        ? { kind: "masked", percent: Number(percent) }
        : null
      : scope === "tenants"
        ? tenantIds.length
          ? { kind: "masked", tenants: tenantIds }
          : null
        : { kind: "masked" },
  );
  const overLimit = sized.estimate?.allowed === false;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    setBusy(true);
    try {
      const body: Record<string, unknown> = { name: name.trim() };
      if (scope === "percent") {
        body.percent = Number(percent);
      }
      if (scope === "tenants") {
        body.tenants = tenants
          .split(/[\s,]+/)
          .map((t) => t.trim())
          .filter(Boolean);
      }
      if (expiry) {
        body.expiresInDays = Number(expiry);
      }
      const created = await api<{ dataset: Dataset }>("/api/v1/datasets", { method: "POST", body });
      navigate(`/masked-datasets?tab=datasets&dataset=${created.dataset.id}`);
    } catch (caught) {
      setError((caught as Error).message);
      // A refusal names the blocking columns: show the gate as it stands now.
      if (caught instanceof ApiError && caught.status === 409) {
        gate.reload();
      }
    } finally {
      setBusy(false);
    }
  };

  // Submitting while the gate is closed could only be refused: ask a steward instead.
  const gateClosed = gate.data !== undefined && !gate.data.ok;
  return (
    <div className="md-request">
      <GatePanel gate={gate} />
      <form className="panel form-grid" onSubmit={submit} aria-label="Request a masked dataset">
        <label className="field">
          <span>Name</span>
          <input
            name="name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="debug_invoices"
            pattern="[a-z][a-z0-9_\-]{0,39}"
            required
          />
        </label>
        <fieldset className="field">
          <span>Scope</span>
          <label className="field-check">
            <input
              type="radio"
              checked={scope === "percent"}
              onChange={() => setScope("percent")}
            />{" "}
            a share of customers (with everything they bring along)
          </label>
          <label className="field-check">
            <input
              type="radio"
              checked={scope === "tenants"}
              onChange={() => setScope("tenants")}
            />{" "}
            chosen tenants
          </label>
          <label className="field-check">
            <input type="radio" checked={scope === "all"} onChange={() => setScope("all")} /> the
            whole platform
          </label>
        </fieldset>
        {scope === "percent" ? (
          <label className="field">
            <span>Percent of customers</span>
            <input
              name="percent"
              type="number"
              min="0.01"
              max="100"
              step="any"
              value={percent}
              onChange={(e) => setPercent(e.target.value)}
            />
          </label>
        ) : null}
        {scope === "tenants" ? (
          <label className="field">
            <span>Tenant ids (comma or space separated)</span>
            <textarea name="tenants" value={tenants} onChange={(e) => setTenants(e.target.value)} />
          </label>
        ) : null}
        <label className="field">
          <span>Expires after (days)</span>
          <input
            name="expiresInDays"
            type="number"
            min="1"
            max="365"
            value={expiry}
            onChange={(e) => setExpiry(e.target.value)}
          />
        </label>
        <EstimatePanel estimate={sized.estimate} error={sized.error} />
        <div className="form-actions">
          <button
            type="submit"
            className="button button-primary"
            disabled={busy || overLimit || gateClosed}
            title={gateClosed ? "The classification gate is closed" : undefined}
          >
            {busy ? "Requesting…" : "Request masked copy"}
          </button>
          {gateClosed ? <AskSteward blocking={gate.data?.blocking ?? []} /> : null}
        </div>
        {error ? (
          <div className="form-error" role="alert" data-testid="request-error">
            {error}
          </div>
        ) : null}
      </form>
    </div>
  );
}
