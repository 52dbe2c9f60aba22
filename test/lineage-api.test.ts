import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runLineageScan } from "../jobs/lineage/scan.ts";
import { createOwnerDb } from "../schema/postgres.ts";
import { governInProcess } from "./support/cli.ts";
import { asToken, type ConsoleApp, openConsoleApp } from "./support/console-app.ts";

/**
 * The lineage API and CLI over a migrated database (the platform's customer_lifetime_value is
 * part of it): OpenLineage ingest with its validation and idempotence, trace, impact, manual
 * edges with audit, and the CLI contract's JSON shape.
 */

let t: ConsoleApp;

beforeAll(async () => {
  t = await openConsoleApp("lineageapi");
  await runLineageScan({ db: t.db, analytics: t.analytics });
}, 120_000);

afterAll(async () => {
  await t?.close();
});

const event = (overrides: Record<string, unknown> = {}) => ({
  eventType: "COMPLETE",
  eventTime: "2026-12-01T10:00:00.000Z",
  producer: "https://github.com/apache/airflow",
  schemaURL: "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
  run: { runId: randomUUID() },
  job: { namespace: "airflow", name: "daily_export" },
  inputs: [{ namespace: "postgres://db.internal:5432", name: "platform.public.customers" }],
  outputs: [
    {
      namespace: "s3://exports",
      name: "customers.csv",
      facets: {
        columnLineage: {
          _producer: "https://github.com/apache/airflow",
          _schemaURL: "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json",
          fields: {
            mail: {
              inputFields: [
                {
                  namespace: "postgres://db.internal:5432",
                  name: "platform.public.customers",
                  field: "email",
                  transformations: [{ type: "DIRECT", subtype: "IDENTITY" }],
                },
              ],
            },
          },
        },
      },
    },
  ],
  ...overrides,
});

const post = (body: unknown, token = t.logins.steward.token) =>
  t.request("/api/v1/lineage", {
    method: "POST",
    headers: asToken(token),
    body: JSON.stringify(body),
  });

describe("POST /api/v1/lineage", () => {
  test("an OpenLineage event posted by a client is visible in the graph, and posting it again is idempotent", async () => {
    const body = event();
    const first = await post(body);
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({ duplicate: false, edges: 2 });
    const again = await post(body);
    expect(again.status).toBe(201);
    expect(await again.json()).toMatchObject({ duplicate: true, edges: 0 });
    const trace = await t.request(
      `/api/v1/lineage/trace?node=${encodeURIComponent("public.customers.email")}&direction=downstream&depth=2`,
      { headers: asToken(t.logins.steward.token) },
    );
    expect(trace.status).toBe(200);
    const json = (await trace.json()) as {
      edges: { from: string; to: string; source: string; transformation: string }[];
    };
    expect(json.edges).toContainEqual(
      expect.objectContaining({
        from: "postgres:public.customers.email",
        to: "s3://exports:customers.csv.mail",
        source: "openlineage",
        transformation: "direct",
      }),
    );
    const audit = await t.db
      .selectFrom("governance.audit_events")
      .select(["action", "target"])
      .where("action", "=", "lineage.event")
      .execute();
    expect(audit).toHaveLength(1);
  });

  test.for([
    ["a missing run id", { run: {} }, "run.runId"],
    ["a run id that is no UUID", { run: { runId: "nope" } }, "run.runId"],
    ["an eventTime that is no date-time", { eventTime: "yesterday" }, "eventTime"],
    [
      "a facet without _producer",
      {
        outputs: [
          {
            namespace: "x",
            name: "y",
            facets: { columnLineage: { _schemaURL: "https://x.test/s", fields: {} } },
          },
        ],
      },
      "outputs.0.facets.columnLineage._producer",
    ],
    ["an unknown event type", { eventType: "DONE" }, "eventType"],
    ["a job without name", { job: { namespace: "airflow" } }, "job.name"],
  ] as const)("a malformed event (%s) gets 400 naming the field", async ([, overrides, field]) => {
    const response = await post(event(overrides as Record<string, unknown>));
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).toContain(field.split(".").at(-1));
    const body = JSON.parse(text) as { error: { code: string; details: unknown } };
    expect(body.error.code).toBe("invalid_request");
    expect(JSON.stringify(body.error.details)).toContain(field.split(".").at(-1));
  });

  test("a token without lineage:write cannot post events", async () => {
    const response = await post(event(), t.logins.engineer.token);
    expect([401, 403]).toContain(response.status);
    const anonymous = await t.request("/api/v1/lineage", {
      method: "POST",
      headers: asToken(undefined),
      body: JSON.stringify(event()),
    });
    expect(anonymous.status).toBe(401);
  });
});

describe("manual edges and impact", () => {
  test("a steward adds and removes a manual edge; both are audited and the removed edge is kept inactive", async () => {
    const headers = asToken(t.logins.steward.token);
    const add = await t.request("/api/v1/lineage/edges", {
      method: "POST",
      headers,
      body: JSON.stringify({
        from: "public.customers.email",
        to: "archive:exports/newsletter.csv",
        transformation: "direct",
      }),
    });
    expect(add.status).toBe(201);
    const impact = await t.request(
      `/api/v1/lineage/impact?node=${encodeURIComponent("public.customers")}`,
      { headers },
    );
    const assets = ((await impact.json()) as { assets: { id: string; via: string }[] }).assets;
    expect(assets).toContainEqual(
      expect.objectContaining({ id: "archive:exports/newsletter.csv", via: "flow" }),
    );
    // jobs.customer_id references customers.id: a deletion of customers touches jobs.
    expect(assets).toContainEqual(
      expect.objectContaining({ id: "postgres:public.jobs.customer_id", via: "reference" }),
    );
    expect(assets).toContainEqual(
      expect.objectContaining({
        id: "postgres:public.customer_lifetime_value.first_name",
        via: "flow",
      }),
    );
    const remove = await t.request("/api/v1/lineage/edges/remove", {
      method: "POST",
      headers,
      body: JSON.stringify({
        from: "public.customers.email",
        to: "archive:exports/newsletter.csv",
      }),
    });
    expect(remove.status).toBe(200);
    const again = await t.request("/api/v1/lineage/edges/remove", {
      method: "POST",
      headers,
      body: JSON.stringify({
        from: "public.customers.email",
        to: "archive:exports/newsletter.csv",
      }),
    });
    expect(again.status).toBe(404);
    const row = await t.db
      .selectFrom("governance.lineage_edges")
      .select(["active", "version"])
      .where("to_node", "=", "archive:exports/newsletter.csv")
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ active: false, version: 2 });
    const audit = await t.db
      .selectFrom("governance.audit_events")
      .select("action")
      .where("action", "like", "lineage.edge.%")
      .orderBy("id")
      .execute();
    expect(audit.map((a) => a.action)).toEqual(["lineage.edge.add", "lineage.edge.remove"]);
  });
});

describe("trace after a write", () => {
  const downstreamOf = async (node: string) => {
    const response = await t.request(
      `/api/v1/lineage/trace?node=${encodeURIComponent(node)}&direction=downstream&depth=1`,
      { headers: asToken(t.logins.steward.token) },
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as { edges: { from: string; to: string }[] };
    return body.edges.filter((e) => e.from === `postgres:${node}`).map((e) => e.to);
  };

  test("an edge written after the trace index was built (ingest, manual edge, a scan through another connection) is seen by the next trace; a removed one is gone", async () => {
    const src = "public.lin_cache_src.note";
    await sql`CREATE TABLE public.lin_cache_src (id int PRIMARY KEY, note text)`.execute(t.db);
    // The first trace builds the process's index; nothing flows from the new column yet.
    expect(await downstreamOf(src)).toEqual([]);

    const ingested = await post(
      event({
        inputs: [
          { namespace: "postgres://db.internal:5432", name: "platform.public.lin_cache_src" },
        ],
        outputs: [
          {
            namespace: "s3://exports",
            name: "lin_cache.csv",
            facets: {
              columnLineage: {
                _producer: "https://github.com/apache/airflow",
                _schemaURL:
                  "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json",
                fields: {
                  note_copy: {
                    inputFields: [
                      {
                        namespace: "postgres://db.internal:5432",
                        name: "platform.public.lin_cache_src",
                        field: "note",
                      },
                    ],
                  },
                },
              },
            },
          },
        ],
      }),
    );
    expect(ingested.status).toBe(201);
    expect(await downstreamOf(src)).toEqual(["s3://exports:lin_cache.csv.note_copy"]);

    const headers = { ...asToken(t.logins.steward.token), "content-type": "application/json" };
    const manual = { from: src, to: "archive:exports/lin_cache.csv" };
    const added = await t.request("/api/v1/lineage/edges", {
      method: "POST",
      headers,
      body: JSON.stringify(manual),
    });
    expect(added.status).toBe(201);
    expect((await downstreamOf(src)).sort()).toEqual([
      "archive:exports/lin_cache.csv",
      "s3://exports:lin_cache.csv.note_copy",
    ]);
    const removed = await t.request("/api/v1/lineage/edges/remove", {
      method: "POST",
      headers,
      body: JSON.stringify(manual),
    });
    expect(removed.status).toBe(200);
    expect(await downstreamOf(src)).toEqual(["s3://exports:lin_cache.csv.note_copy"]);

    // Another connection (as another process would) creates a view and scans: the API's index,
    // built before, must not answer from the old graph.
    const other = createOwnerDb(t.config, { max: 1 });
    try {
      await sql`CREATE VIEW public.lin_cache_view AS SELECT note AS copied FROM public.lin_cache_src`.execute(
        other.db,
      );
      await runLineageScan({ db: other.db });
    } finally {
      await other.db.destroy();
    }
    expect((await downstreamOf(src)).sort()).toEqual([
      "postgres:public.lin_cache_view.copied",
      "s3://exports:lin_cache.csv.note_copy",
    ]);
  });
});

describe("CLI", () => {
  const env = () => ({ DATABASE_URL: t.config.databaseUrl, GOVERN_TOKEN: undefined });

  test("govern lineage trace prints the contract's JSON shape, NODE without postgres: prefix", async () => {
    const run = await governInProcess(
      [
        "lineage",
        "trace",
        "public.customer_lifetime_value",
        "--upstream",
        "--depth",
        "3",
        "--json",
      ],
      env(),
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as {
      root: string;
      nodes: { id: string; kind: string; pii: string | null }[];
      edges: { from: string; to: string; kind: string; transformation: string | null }[];
    };
    expect(Object.keys(out)).toEqual(["root", "nodes", "edges"]);
    expect(out.root).toBe("postgres:public.customer_lifetime_value");
    for (const n of out.nodes) {
      expect(Object.keys(n)).toEqual(["id", "kind", "pii"]);
      expect(["table", "column", "file"]).toContain(n.kind);
    }
    expect(out.edges).toContainEqual({
      from: "postgres:public.jobs.final_amount",
      to: "postgres:public.customer_lifetime_value.total_revenue",
      kind: "flow",
      transformation: "aggregation",
    });
    expect(out.nodes.map((n) => n.id)).toEqual(
      expect.arrayContaining([
        "postgres:public.jobs.scheduled_start",
        "postgres:public.customers.first_name",
      ]),
    );
  });

  test("govern lineage trace rejects a bad depth with exit 2", async () => {
    const run = await governInProcess(
      ["lineage", "trace", "customers.email", "--depth", "0", "--json"],
      env(),
    );
    expect(run.code).toBe(2);
  });

  test("govern lineage scan --json reports what it extracted", async () => {
    const run = await governInProcess(["lineage", "scan", "--json"], {
      ...env(),
      CLICKHOUSE_DATA_DIR: `${t.config.clickhouse.dataDir}-cli`,
    });
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as {
      postgres: { views: number; edges: { asserted: number } };
    };
    expect(report.postgres.views).toBeGreaterThanOrEqual(2);
    expect(report.postgres.edges.asserted).toBeGreaterThan(10);
  });
});

test("an event with a NUL character is refused with 400, not stored", async () => {
  const response = await t.request("/api/v1/lineage", {
    method: "POST",
    headers: asToken(t.logins.steward.token),
    body: JSON.stringify(event({ job: { namespace: "airflow", name: "bad\u0000name" } })),
  });
  expect(response.status).toBe(400);
});
