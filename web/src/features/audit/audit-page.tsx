import { useMemo, useState } from "react";
import type {
  TAuditActions as AuditActions,
  TVerifyResult as VerifyResult,
} from "../../../../schema/contracts/audit.ts";
import { api, query } from "../../api/client.ts";
import type { AuditEvent } from "../../api/types.ts";
import { useSearchState } from "../../app/router.tsx";
import { useSession } from "../../app/session.tsx";
import { DataTable, directionSort, type Filter } from "../../components/data-table.tsx";
import { useApi } from "../../components/use-api.ts";
import { AUDIT_HIDDEN_BY_DEFAULT, auditColumns } from "./columns.tsx";

const BASE_FILTERS: Filter[] = [
  { key: "actor", label: "Actor", kind: "text", placeholder: "email" },
  { key: "action", label: "Action", kind: "text", placeholder: "auth.login or retention.*" },
  { key: "target", label: "Target", kind: "text" },
  { key: "from", label: "From", kind: "datetime" },
  { key: "to", label: "To", kind: "datetime" },
];

/** Every action, and each family of actions (`retention.*`) to filter by prefix. */
function actionSuggestions(actions: AuditActions | undefined): string[] {
  const names = actions?.items.map((a) => a.action) ?? [];
  const families = new Set(
    names.filter((name) => name.includes(".")).map((name) => `${name.split(".")[0]}.*`),
  );
  return [...families, ...names].sort();
}

export function AuditPage() {
  const { can } = useSession();
  const [search] = useSearchState();
  const actions = useApi<AuditActions>("/api/v1/audit/actions");
  const suggestions = useMemo(() => actionSuggestions(actions.data), [actions.data]);
  const filters = useMemo(
    () => BASE_FILTERS.map((f) => (f.key === "action" ? { ...f, suggestions } : f)),
    [suggestions],
  );
  // The export carries the same filters as the table: what you see is what you download.
  const values = Object.fromEntries(filters.map((f) => [f.key, search.get(f.key) ?? undefined]));
  const exportLink = (format: "csv" | "ndjson") =>
    `/api/v1/audit/export${query({ ...values, format })}`;
  return (
    <section>
      <h1>Audit trail</h1>
      <p className="muted">
        Every change made through govern, append-only and hash-chained. Filter, then export what you
        see. An action ending in <code>*</code> matches every action that starts with it.
      </p>
      {can("audit:verify") ? <VerifyChain /> : null}
      <DataTable<AuditEvent>
        endpoint="/api/v1/audit"
        columns={auditColumns}
        // Request id and source IP matter when tracing one event; the column menu brings them back.
        defaultHidden={AUDIT_HIDDEN_BY_DEFAULT}
        filters={filters}
        defaultSort="occurredAt:desc"
        serverSort={directionSort}
        emptyText="No audit event matches these filters."
        toolbar={
          <div className="export-links">
            <a className="button button-small" href={exportLink("csv")} download>
              Export CSV
            </a>
            <a className="button button-small" href={exportLink("ndjson")} download>
              Export NDJSON
            </a>
          </div>
        }
      />
    </section>
  );
}

/** Walks the hash chain on the server and says whether it holds, or where it first breaks. */
function VerifyChain() {
  const [result, setResult] = useState<VerifyResult>();
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const verify = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setResult(await api<VerifyResult>("/api/v1/audit/verify", { method: "POST" }));
    } catch (caught) {
      setError(caught as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="verify-result" data-testid="verify-chain">
      <button type="button" className="button" onClick={() => void verify()} disabled={busy}>
        {busy ? "Verifying…" : "Verify chain"}
      </button>{" "}
      {error ? (
        <span className="form-error" role="alert">
          {error.message}
        </span>
      ) : result ? (
        result.ok ? (
          <span className="notice" role="status">
            Chain intact: {result.checked.toLocaleString()} events checked, none altered or missing.
          </span>
        ) : (
          <span className="form-error" role="alert">
            Chain broken at event #{result.firstBroken?.id}: {result.firstBroken?.reason} (
            {result.checked.toLocaleString()} events checked before it).
          </span>
        )
      ) : (
        <span className="muted">
          Recomputes every event's hash from the first one and names the first that does not match.
        </span>
      )}
    </div>
  );
}
