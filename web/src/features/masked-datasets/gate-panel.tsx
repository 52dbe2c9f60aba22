import { Link } from "../../app/router.tsx";
import { ErrorState, Loading } from "../../components/states.tsx";
import type { ApiState } from "../../components/use-api.ts";
import type { Gate } from "./types.ts";

const REASONS: Record<string, string> = {
  unknown_column: "not in the catalog yet (added since the last scan)",
  pending_review: "personal-data proposal waiting for review",
  needs_rereview: "decision flagged for re-review",
  unclassified: "no classification",
};

/** The provisioning gate: every column that blocks a masked copy now, linked to the catalog. */
export function GatePanel({ gate }: { gate: ApiState<Gate> }) {
  if (gate.error) {
    return <ErrorState error={gate.error} onRetry={gate.reload} />;
  }
  if (!gate.data) {
    return <Loading label="Checking the provisioning gate…" />;
  }
  if (gate.data.ok) {
    return (
      <div className="panel md-gate md-gate-ok" data-testid="gate">
        <strong>The gate is open.</strong> Every column is known to the catalog and reviewed.
      </div>
    );
  }
  const byTable = new Map<string, typeof gate.data.blocking>();
  for (const b of gate.data.blocking) {
    const table = b.column.split(".")[0] ?? b.column;
    byTable.set(table, [...(byTable.get(table) ?? []), b]);
  }
  return (
    <div className="panel panel-warn md-gate" data-testid="gate">
      <strong>Provisioning is refused while {gate.data.blocking.length} column(s) block it.</strong>{" "}
      A steward reviews them in the catalog (or a scan adds the unknown ones); then ask again.
      <ul className="md-blocking">
        {[...byTable.entries()].map(([table, cols]) => (
          <li key={table}>
            <Link to={`/catalog?table=${encodeURIComponent(table)}`}>{table}</Link>:{" "}
            {cols.map((b, i) => (
              <span key={b.column}>
                {i ? ", " : ""}
                {b.catalogColumnId ? (
                  <Link
                    to={`/catalog?column=${b.catalogColumnId}`}
                    title={REASONS[b.reason] ?? b.reason}
                  >
                    <code>{b.column}</code>
                  </Link>
                ) : (
                  <code title={REASONS[b.reason] ?? b.reason}>{b.column}</code>
                )}{" "}
                <span className="muted">({b.reason.replace("_", " ")})</span>
              </span>
            ))}
          </li>
        ))}
      </ul>
    </div>
  );
}
