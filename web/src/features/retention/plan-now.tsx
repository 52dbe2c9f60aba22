import { type FormEvent, useState } from "react";
import { api } from "../../api/client.ts";
import { TenantPicker } from "../../components/tenant-picker.tsx";
import { useApi } from "../../components/use-api.ts";
import { shortId } from "./format.tsx";
import type { PlanAnswer, RetentionPolicy } from "./types.ts";

/**
 * "Plan now" for a compliance officer: runs the planner for one policy (or all) and one tenant
 * (or all). The requests it makes are theirs (requested by the signed-in person), so another
 * officer approves them.
 */
export function PlanNow({ onPlanned }: { onPlanned: () => void }) {
  const policies = useApi<{ items: RetentionPolicy[] }>("/api/v1/retention/policies?pageSize=200");
  const [tenantId, setTenantId] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ kind: "ok" | "error"; text: string }>();
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const policy = String(new FormData(event.currentTarget).get("policy") ?? "");
    setBusy(true);
    setResult(undefined);
    try {
      const answer = await api<PlanAnswer>("/api/v1/retention/plan", {
        method: "POST",
        body: {
          ...(policy ? { policyIds: [policy] } : {}),
          ...(tenantId ? { tenantIds: [tenantId] } : {}),
        },
      });
      const created = answer.items.filter((i) => i.outcome === "created");
      setResult({
        kind: "ok",
        text:
          answer.items.length === 0
            ? "Nothing to plan: no rows are past their retention period."
            : `Planned ${created.length} new request${created.length === 1 ? "" : "s"}${
                created.length ? ` (${created.map((i) => shortId(i.id)).join(", ")})` : ""
              }; ${answer.items.length - created.length} already open. New requests are yours: another compliance officer approves them.`,
      });
      onPlanned();
    } catch (caught) {
      setResult({ kind: "error", text: (caught as Error).message });
    } finally {
      setBusy(false);
    }
  };
  return (
    <details className="panel plan-now-panel">
      <summary>Plan now</summary>
      <form className="plan-now" aria-label="plan now" onSubmit={(e) => void submit(e)}>
        <label className="field" htmlFor="plan-policy">
          <span>Policy</span>
          <select id="plan-policy" name="policy" defaultValue="">
            <option value="">every policy</option>
            {(policies.data?.items ?? []).map((p) => (
              <option key={p.id} value={p.id}>
                {p.title} ({p.id})
              </option>
            ))}
          </select>
        </label>
        <TenantPicker
          label="Tenant (empty: every tenant)"
          value={tenantId}
          onChange={(tenant) => setTenantId(tenant?.id)}
        />
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? "Planning…" : "Plan now"}
        </button>
      </form>
      {result ? (
        <p className={result.kind === "ok" ? "notice" : "form-error"} role="status">
          {result.text}
        </p>
      ) : null}
    </details>
  );
}
