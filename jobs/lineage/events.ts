import { sql } from "kysely";
import {
  type TColumnLineageFacet,
  type TRunEvent,
  ZColumnLineageFacet,
} from "../../rules/lineage/openlineage.ts";
import type { Db } from "../../schema/postgres.ts";
import { assertEdges } from "./edges.repository.ts";
import type { LineageEdge, Transformation } from "./types.ts";

/**
 * A dataset (OpenLineage namespace, name) → our node id. govern's own events use the store
 * names as namespaces (`postgres`, `clickhouse`, `dataset`, `archive`), so the node id is
 * `namespace:name`. Other tools' Postgres datasets (`postgres://host:5432`, `db.schema.table`)
 * map onto the same nodes as ours; anything else keeps its namespace.
 */
export function datasetNode(namespace: string, name: string): string {
  const scheme = namespace.includes("://") ? namespace.split("://")[0]?.toLowerCase() : undefined;
  if (scheme === "postgres" || scheme === "postgresql") {
    const parts = name.split(".");
    return `postgres:${parts.length >= 3 ? parts.slice(-2).join(".") : parts.length === 1 ? `public.${name}` : name}`;
  }
  if (scheme === "clickhouse") {
    return `clickhouse:${name}`;
  }
  if (["postgres", "clickhouse", "dataset", "archive"].includes(namespace)) {
    return `${namespace}:${name}`;
  }
  return `${namespace}:${name}`;
}

const SUBTYPES: Record<string, Transformation> = {
  IDENTITY: "direct",
  TRANSFORMATION: "calculation",
  AGGREGATION: "aggregation",
  FILTER: "filter",
  JOIN: "join",
  GROUP_BY: "filter",
  SORT: "filter",
  WINDOW: "calculation",
  CONDITIONAL: "filter",
};

/** A columnLineage transformation → ours; `masking: true` wins over the subtype. */
function transformationOf(
  list: { type: string; subtype?: string; masking?: boolean; description?: string }[] | undefined,
  fallback: string | undefined,
): { transformation: Transformation; expression: string | null } {
  const t = list?.[0];
  if (list?.some((x) => x.masking)) {
    const masked = list.find((x) => x.masking);
    return { transformation: "masking", expression: masked?.description ?? null };
  }
  if (t) {
    return {
      transformation:
        SUBTYPES[(t.subtype ?? "").toUpperCase()] ??
        (t.type === "INDIRECT" ? "filter" : "calculation"),
      expression: t.description ?? null,
    };
  }
  // Facet version 1-0-x: transformationType IDENTITY | MASKED | ...
  const legacy = (fallback ?? "").toUpperCase();
  if (legacy === "MASKED") {
    return { transformation: "masking", expression: null };
  }
  return { transformation: legacy === "IDENTITY" ? "direct" : "calculation", expression: null };
}

/**
 * The edges a RunEvent states: each input dataset → each output dataset (table level), and per
 * output column its input fields (columnLineage facet). A run facet `governRows` with
 * `carriesRows: false` marks edges that carry distributions, not rows (synthetic data).
 */
export function eventEdges(event: TRunEvent): LineageEdge[] {
  const carriesRows =
    (event.run.facets?.governRows as { carriesRows?: boolean } | undefined)?.carriesRows !== false;
  const edges: LineageEdge[] = [];
  const inputs = (event.inputs ?? []).map((d) => datasetNode(d.namespace, d.name));
  for (const output of event.outputs ?? []) {
    const out = datasetNode(output.namespace, output.name);
    const facet = ZColumnLineageFacet.safeParse(output.facets?.columnLineage);
    const fields: TColumnLineageFacet["fields"] = facet.success ? facet.data.fields : {};
    // With column lineage, an output is fed by the datasets its columns name, not every input.
    const named = Object.values(fields).flatMap((f) =>
      f.inputFields.map((i) => datasetNode(i.namespace, i.name)),
    );
    for (const input of facet.success && named.length > 0 ? new Set(named) : inputs) {
      if (input !== out) {
        edges.push({
          from: input,
          to: out,
          kind: "flow",
          transformation: null,
          expression: null,
          carriesRows,
        });
      }
    }
    for (const [column, spec] of Object.entries(fields)) {
      for (const input of spec.inputFields) {
        const { transformation, expression } = transformationOf(
          input.transformations,
          spec.transformationType,
        );
        edges.push({
          from: `${datasetNode(input.namespace, input.name)}.${input.field}`,
          to: `${out}.${column}`,
          kind: "flow",
          transformation,
          expression: expression ?? spec.transformationDescription ?? null,
          carriesRows,
        });
      }
    }
  }
  return edges;
}

export type RecordOutcome = { duplicate: boolean; edges: number; deactivated: number };

/**
 * Stores one RunEvent and applies its lineage. Idempotent by run id and event type: the same
 * event again changes nothing. START and COMPLETE (and OTHER/RUNNING) events assert their edges;
 * a COMPLETE replaces what earlier runs of the same job asserted (an edge the job no longer
 * produces becomes inactive). FAIL and ABORT are recorded only.
 */
export async function recordRunEvent(
  db: Db,
  event: TRunEvent,
  origin: "emitted" | "received",
  createdBy: string,
): Promise<RecordOutcome> {
  const eventType = event.eventType ?? "OTHER";
  const inserted = await sql<{ run_id: string }>`
    INSERT INTO governance.lineage_runs (run_id, event_type, job_namespace, job_name, event_time, origin, event)
    VALUES (${event.run.runId}, ${eventType}, ${event.job.namespace}, ${event.job.name},
      ${new Date(event.eventTime)}, ${origin}, ${JSON.stringify(event)})
    ON CONFLICT (run_id, event_type) DO NOTHING
    RETURNING run_id
  `.execute(db);
  if (inserted.rows.length === 0) {
    return { duplicate: true, edges: 0, deactivated: 0 };
  }
  if (eventType === "FAIL" || eventType === "ABORT") {
    return { duplicate: false, edges: 0, deactivated: 0 };
  }
  const edges = eventEdges(event);
  if (edges.length === 0 && eventType !== "COMPLETE") {
    return { duplicate: false, edges: 0, deactivated: 0 };
  }
  const report = await assertEdges(
    db,
    {
      source: origin === "emitted" ? "job" : "openlineage",
      job: `${event.job.namespace}/${event.job.name}`,
      createdBy,
      replace: eventType === "COMPLETE",
    },
    edges,
  );
  return { duplicate: false, edges: report.asserted, deactivated: report.deactivated };
}
