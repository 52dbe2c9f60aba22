import { Link } from "../../app/router.tsx";
import type { BlockingColumn } from "./types.ts";

/**
 * While the gate is closed: the way to open it — the review queue, filtered to the blocking
 * columns' table when they share one (else every open review), where a steward decides them.
 */
export function AskSteward({ blocking }: { blocking: BlockingColumn[] }) {
  const tables = [...new Set(blocking.map((b) => b.column.split(".")[0] ?? ""))];
  const only = tables.length === 1 ? tables[0] : undefined;
  const to = `/review?status=open${only ? `&table=${encodeURIComponent(only)}` : ""}`;
  return (
    <span className="md-ask-steward">
      The gate is closed: {blocking.length} column{blocking.length === 1 ? "" : "s"} await a
      steward's review.{" "}
      <Link to={to} data-testid="ask-steward">
        Ask a steward to review {only ? `${only}'s` : "the"} blocking columns →
      </Link>
    </span>
  );
}
