import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import {
  COLUMN_LINEAGE_SCHEMA_URL,
  GOVERN_PRODUCER,
  OPENLINEAGE_SCHEMA_URL,
  type TRunEvent,
  ZRunEvent,
} from "../../rules/lineage/openlineage.ts";
import type { Config } from "../../schema/config.ts";
import type { Db } from "../../schema/postgres.ts";
import { recordRunEvent } from "./events.ts";
import type { Transformation } from "./types.ts";

export type EmitDeps = {
  db: Db;
  config: Pick<Config, "openlineageUrl">;
  /** Replaced in tests; the global fetch otherwise. */
  fetch?: typeof fetch;
  /** Delay before retry n (1-based), ms; tests shorten it. */
  retryDelayMs?: (attempt: number) => number;
};

export type EmitOutcome = {
  recorded: boolean;
  edges: number;
  forwarded: boolean | null;
  error?: string;
};

const ATTEMPTS = 4;

/**
 * What govern's jobs call as they run (issue 18): records the RunEvent as lineage now (no
 * parsing lag) and, with OPENLINEAGE_URL set, forwards it over HTTP (Marquez-compatible
 * `POST /api/v1/lineage`) with retry on network errors and 5xx/429. Lineage never fails the job
 * that emits it: problems are returned (and stored with the run), not thrown.
 */
export async function emitLineage(deps: EmitDeps, runEvent: TRunEvent): Promise<EmitOutcome> {
  const parsed = ZRunEvent.safeParse(runEvent);
  if (!parsed.success) {
    return { recorded: false, edges: 0, forwarded: null, error: parsed.error.message };
  }
  let edges = 0;
  try {
    const outcome = await recordRunEvent(
      deps.db,
      parsed.data,
      "emitted",
      `job:${parsed.data.job.name}`,
    );
    edges = outcome.edges;
  } catch (error) {
    return { recorded: false, edges: 0, forwarded: null, error: (error as Error).message };
  }
  if (!deps.config.openlineageUrl) {
    return { recorded: true, edges, forwarded: null };
  }
  const forward = await forwardEvent(deps, parsed.data);
  await sql`
    UPDATE governance.lineage_runs
    SET forwarded_at = ${forward.ok ? new Date() : null}, forward_error = ${forward.ok ? null : forward.error}
    WHERE run_id = ${parsed.data.run.runId} AND event_type = ${parsed.data.eventType ?? "OTHER"}
  `
    .execute(deps.db)
    .catch(() => undefined);
  return forward.ok
    ? { recorded: true, edges, forwarded: true }
    : { recorded: true, edges, forwarded: false, error: forward.error };
}

/** The endpoint: a bare origin gets Marquez's path; a URL with a path is used as it is. */
export function lineageEndpoint(url: string): string {
  const parsed = new URL(url);
  if (parsed.pathname === "/" || parsed.pathname === "") {
    parsed.pathname = "/api/v1/lineage";
  }
  return parsed.toString();
}

async function forwardEvent(
  deps: EmitDeps,
  event: TRunEvent,
): Promise<{ ok: true } | { ok: false; error: string }> {
  const doFetch = deps.fetch ?? fetch;
  const endpoint = lineageEndpoint(deps.config.openlineageUrl as string);
  let error = "";
  for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
    try {
      const response = await doFetch(endpoint, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(event),
        signal: AbortSignal.timeout(5_000),
      });
      await response.body?.cancel().catch(() => undefined);
      if (response.ok) {
        return { ok: true };
      }
      error = `HTTP ${response.status}`;
      // A 4xx other than 429 is the receiver refusing the event: retrying changes nothing.
      if (response.status < 500 && response.status !== 429) {
        break;
      }
    } catch (e) {
      error = (e as Error).message;
    }
    if (attempt < ATTEMPTS) {
      const delay = deps.retryDelayMs?.(attempt) ?? 250 * 2 ** (attempt - 1);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
  return { ok: false, error };
}

/** One column's inputs, as govern's jobs state them. */
export type ColumnInput = {
  /** Node id of the input table (e.g. `postgres:public.customers`). */
  table: string;
  column: string;
  transformation: Transformation;
  description?: string;
};

const SUBTYPE: Record<Transformation, { type: "DIRECT" | "INDIRECT"; subtype: string }> = {
  direct: { type: "DIRECT", subtype: "IDENTITY" },
  calculation: { type: "DIRECT", subtype: "TRANSFORMATION" },
  aggregation: { type: "DIRECT", subtype: "AGGREGATION" },
  masking: { type: "DIRECT", subtype: "TRANSFORMATION" },
  filter: { type: "INDIRECT", subtype: "FILTER" },
  join: { type: "INDIRECT", subtype: "JOIN" },
};

/** Splits a node id into an OpenLineage dataset (namespace = store prefix, name = the rest). */
function dataset(id: string): { namespace: string; name: string } {
  const colon = id.indexOf(":");
  return { namespace: id.slice(0, colon), name: id.slice(colon + 1) };
}

/**
 * Builds a RunEvent for one of govern's jobs: inputs, outputs with their columnLineage facet
 * (masking strategies as `masking: true` transformations), and optionally `carriesRows: false`.
 */
export function buildRunEvent(input: {
  runId?: string;
  eventType: "START" | "COMPLETE" | "FAIL";
  job: string;
  inputs: string[];
  outputs: { table: string; columns?: Record<string, ColumnInput[]> }[];
  carriesRows?: boolean;
  eventTime?: Date;
}): TRunEvent {
  const base = { _producer: GOVERN_PRODUCER, _schemaURL: COLUMN_LINEAGE_SCHEMA_URL };
  return {
    eventType: input.eventType,
    eventTime: (input.eventTime ?? new Date()).toISOString(),
    producer: GOVERN_PRODUCER,
    schemaURL: OPENLINEAGE_SCHEMA_URL,
    run: {
      runId: input.runId ?? randomUUID(),
      ...(input.carriesRows === false
        ? {
            facets: {
              governRows: {
                _producer: GOVERN_PRODUCER,
                _schemaURL: `${GOVERN_PRODUCER}#governRows`,
                carriesRows: false,
              },
            },
          }
        : {}),
    },
    job: { namespace: "govern", name: input.job },
    inputs: input.inputs.map(dataset),
    outputs: input.outputs.map((o) => ({
      ...dataset(o.table),
      ...(o.columns
        ? {
            facets: {
              columnLineage: {
                ...base,
                fields: Object.fromEntries(
                  Object.entries(o.columns).map(([column, inputs]) => [
                    column,
                    {
                      inputFields: inputs.map((i) => ({
                        ...dataset(i.table),
                        field: i.column,
                        transformations: [
                          {
                            ...SUBTYPE[i.transformation],
                            ...(i.description ? { description: i.description } : {}),
                            ...(i.transformation === "masking" ? { masking: true } : {}),
                          },
                        ],
                      })),
                    },
                  ]),
                ),
              },
            },
          }
        : {}),
    })),
  };
}
