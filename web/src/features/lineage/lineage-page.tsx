import { useState } from "react";
import { navigate, useLocation } from "../../app/router.tsx";
import { LineageGraph } from "./lineage-graph.tsx";

const DIRECTIONS = ["both", "upstream", "downstream"] as const;
type Direction = (typeof DIRECTIONS)[number];

/** The lineage area: trace any table or column (state in the URL), as a graph. */
export function LineagePage() {
  const { search } = useLocation();
  const node = search.get("node") ?? "public.customer_lifetime_value";
  const directionParam = search.get("direction");
  const direction: Direction = DIRECTIONS.includes(directionParam as Direction)
    ? (directionParam as Direction)
    : "both";
  const depth = Math.min(10, Math.max(1, Number(search.get("depth") ?? 2) || 2));
  const [draft, setDraft] = useState(node);

  const go = (next: { node?: string; direction?: Direction; depth?: number }) => {
    const q = new URLSearchParams({
      node: next.node ?? node,
      direction: next.direction ?? direction,
      depth: String(next.depth ?? depth),
    });
    navigate(`/lineage?${q.toString()}`);
  };

  return (
    <section className="lineage-page">
      <h1>Lineage</h1>
      <p className="muted">
        Where data comes from and where it flows: views and materialized views, foreign keys,
        ClickHouse views, govern's own jobs (ETL, masked copies, archives) and OpenLineage events
        from other tools.
      </p>
      <form
        className="lineage-controls"
        onSubmit={(event) => {
          event.preventDefault();
          go({ node: draft.trim() });
        }}
      >
        <label>
          Table or column
          <input
            value={draft}
            onChange={(event) => setDraft(event.target.value)}
            placeholder="public.customers.email or clickhouse:govern.revenue_daily"
            size={48}
          />
        </label>
        <label>
          Direction
          <select
            value={direction}
            onChange={(event) => go({ direction: event.target.value as Direction })}
          >
            {DIRECTIONS.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </label>
        <label>
          Hops
          <select value={depth} onChange={(event) => go({ depth: Number(event.target.value) })}>
            {[1, 2, 3, 5, 10].map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Trace</button>
      </form>
      <LineageGraph root={node} direction={direction} depth={depth} height={620} />
    </section>
  );
}
