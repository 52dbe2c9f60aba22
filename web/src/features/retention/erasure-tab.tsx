import { type FormEvent, useState } from "react";
import { api } from "../../api/client.ts";
import { useSearchState } from "../../app/router.tsx";
import { SubjectPicker } from "../../components/subject-picker.tsx";
import { formatCount, StatusBadge, shortId } from "./format.tsx";
import type { DeletionRequest } from "./types.ts";

/**
 * The right to erasure: one person (tenant + customer) → a plan of every row about them,
 * which then waits in the approvals inbox like any other deletion request.
 */
export function ErasureTab() {
  const [, setSearch] = useSearchState();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [planned, setPlanned] = useState<DeletionRequest>();
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const body = {
      tenantId: String(form.get("tenantId") ?? "").trim(),
      customerId: String(form.get("customerId") ?? "").trim(),
    };
    setBusy(true);
    setError(undefined);
    setPlanned(undefined);
    try {
      setPlanned(await api<DeletionRequest>("/api/v1/retention/erasure", { method: "POST", body }));
    } catch (caught) {
      setError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="erasure">
      <form className="panel" onSubmit={submit} aria-label="request erasure">
        <h2>Erase one person</h2>
        <p className="muted">
          Finds every row about the customer — through foreign keys and through the catalog (their
          email, phone or name in messages, documents, JSONB and the audit trail) — and plans its
          deletion or anonymisation. Financial records are kept for their legal period, anonymised.
          Which columns are personal comes from the catalog where it has classified the table, else
          from fixed lists; the plan shows which, table by table. It then needs another compliance
          officer's approval.
        </p>
        <div className="form-grid">
          <label className="field">
            <span>Tenant id</span>
            <input name="tenantId" required maxLength={36} placeholder="uuid" />
          </label>
          <SubjectPicker name="customerId" tenantField="tenantId" label="Person" />
        </div>
        {error ? (
          <p className="form-error" role="alert">
            {error}
          </p>
        ) : null}
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={busy}>
            {busy ? "Planning…" : "Plan erasure"}
          </button>
        </div>
      </form>
      {planned ? (
        <div className="panel" data-testid="erasure-plan">
          <h2>
            Planned: request <span className="mono">{shortId(planned.id)}</span>{" "}
            <StatusBadge status={planned.status} />
          </h2>
          <p>
            {formatCount(planned.totalRows)} rows about this person. It now waits in the approvals
            inbox for another compliance officer.
          </p>
          <button
            type="button"
            className="button"
            onClick={() => setSearch({ tab: "requests", id: planned.id })}
          >
            Open the plan
          </button>
        </div>
      ) : null}
    </div>
  );
}
