import { randomBytes, randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { sql } from "kysely";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runEtl } from "../jobs/etl/etl.ts";
import { buildRunEvent, emitLineage } from "../jobs/lineage/emit.ts";
import { recordRunEvent } from "../jobs/lineage/events.ts";
import { graphAtLeast } from "../jobs/lineage/graph-cache.ts";
import { downstreamOfTables } from "../jobs/lineage/impact.ts";
import { provisionRunEvent, syntheticRunEvent } from "../jobs/lineage/job-lineage.ts";
import { runLineageScan } from "../jobs/lineage/scan.ts";
import { contractTrace, traceLineage } from "../jobs/lineage/trace.ts";
import { ZRunEvent } from "../rules/lineage/openlineage.ts";
import {
  type AnalyticsStore,
  createAnalyticsStore,
  migrateAnalytics,
} from "../schema/analytics/analytics-store.ts";
import { createOwnerDb, type Db } from "../schema/postgres.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

let t: TestDatabase;
let db: Db;
let pool: pg.Pool;
let store: AnalyticsStore;
const CH_DB = "govern_lineage_test";
const dataDir = resolve(".data/test-clickhouse", `lineage-${randomBytes(6).toString("hex")}`);

beforeAll(async () => {
  t = await createTestDatabase("lineage");
  ({ db, pool } = createOwnerDb(t.config));
  store = await createAnalyticsStore({ ...t.config, clickhouse: { database: CH_DB, dataDir } });
  await migrateAnalytics(store);
  // Views the resolver must follow: CTE, subquery, *, join, and one it cannot (a function in FROM).
  await sql
    .raw(`
    CREATE VIEW public.customer_contacts AS
      WITH active AS (SELECT * FROM customers WHERE email IS NOT NULL)
      SELECT s.id, lower(s.email) AS email_lower, s.first_name || ' ' || s.last_name AS full_name
      FROM (SELECT a.* FROM active a) s;
    CREATE VIEW public.series_view AS SELECT g AS n FROM generate_series(1, 3) g;
    INSERT INTO data_lineage (source_table, source_column, target_table, target_column, transformation_type, transformation_sql)
      VALUES ('payments', 'amount', 'customer_analytics', 'lifetime_value', 'aggregation', 'SUM(payments.amount)');
  `)
    .execute(db);
  await store.command(
    `CREATE TABLE ${CH_DB}.contact_emails (email String, n UInt64) ENGINE = MergeTree ORDER BY email`,
  );
  await store.command(
    `CREATE MATERIALIZED VIEW ${CH_DB}.contact_emails_mv TO ${CH_DB}.contact_emails AS
     SELECT payment_method AS email, count() AS n FROM ${CH_DB}.payment_mix_daily GROUP BY payment_method`,
  );
  await runLineageScan({ db, analytics: store });
}, 120_000);

afterAll(async () => {
  await store?.close();
  await db?.destroy();
  await t?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

const edge = (trace: Awaited<ReturnType<typeof traceLineage>>, from: string, to: string) =>
  trace.edges.find((e) => e.from === from && e.to === to);

describe("extraction", () => {
  test("the trace of customer_lifetime_value reaches jobs.final_amount, jobs.scheduled_start and customers.first_name, with aggregation on SUM/AVG/MAX", async () => {
    const trace = await traceLineage(db, {
      root: "postgres:public.customer_lifetime_value",
      direction: "upstream",
      depth: 5,
    });
    const clv = "postgres:public.customer_lifetime_value";
    expect(edge(trace, "postgres:public.jobs.final_amount", `${clv}.total_revenue`)).toMatchObject({
      transformation: "aggregation",
      expression: "sum(j.final_amount)",
    });
    expect(
      edge(trace, "postgres:public.jobs.final_amount", `${clv}.avg_job_value`)?.transformation,
    ).toBe("aggregation");
    expect(
      edge(trace, "postgres:public.jobs.scheduled_start", `${clv}.last_job_date`),
    ).toMatchObject({
      transformation: "aggregation",
      expression: "max(j.scheduled_start)",
    });
    expect(
      edge(trace, "postgres:public.customers.first_name", `${clv}.first_name`)?.transformation,
    ).toBe("direct");
    expect(edge(trace, "postgres:public.customers.id", clv)?.transformation).toBe("join");
    const ids = trace.nodes.map((n) => n.id);
    expect(ids).toContain("postgres:public.jobs.final_amount");
    expect(ids).toContain("postgres:public.customers.first_name");
  });

  test("columns resolve through a CTE, a subquery and *, with calculations", async () => {
    const trace = await traceLineage(db, {
      root: "postgres:public.customer_contacts.full_name",
      direction: "upstream",
      depth: 3,
    });
    expect(
      edge(
        trace,
        "postgres:public.customers.first_name",
        "postgres:public.customer_contacts.full_name",
      ),
    ).toMatchObject({ transformation: "calculation" });
    const email = await traceLineage(db, {
      root: "postgres:public.customers.email",
      direction: "downstream",
      depth: 2,
    });
    expect(
      edge(
        email,
        "postgres:public.customers.email",
        "postgres:public.customer_contacts.email_lower",
      ),
    ).toMatchObject({ transformation: "calculation", expression: "lower((s.email)::text)" });
  });

  test("an unsupported construct degrades to a table-level edge that says so", async () => {
    const rows = await db
      .selectFrom("governance.lineage_edges")
      .selectAll()
      .where("to_node", "like", "postgres:public.series_view%")
      .execute();
    // generate_series is no relation: the view has no column edges and its scan did not fail.
    expect(rows.every((r) => r.to_node === "postgres:public.series_view")).toBe(true);
    const report = await runLineageScan({ db, analytics: store });
    expect(report.postgres.degraded).toContainEqual({
      view: "postgres:public.series_view",
      reason: "RangeFunction in FROM",
    });
  });

  test("foreign keys are reference edges, not flow", async () => {
    const trace = await traceLineage(db, {
      root: "postgres:public.jobs.customer_id",
      direction: "downstream",
      depth: 1,
      kinds: ["reference"],
    });
    expect(
      edge(trace, "postgres:public.jobs.customer_id", "postgres:public.customers.id")?.kind,
    ).toBe("reference");
    expect(trace.edges.every((e) => e.kind === "reference")).toBe(true);
  });

  test("a ClickHouse materialized view links its source to its TO table at column level", async () => {
    const trace = await traceLineage(db, {
      root: `clickhouse:${CH_DB}.contact_emails.email`,
      direction: "upstream",
      depth: 2,
    });
    expect(
      edge(
        trace,
        `clickhouse:${CH_DB}.payment_mix_daily.payment_method`,
        `clickhouse:${CH_DB}.contact_emails.email`,
      ),
    ).toMatchObject({ transformation: "direct" });
  });

  test("the seed's recursive query, run unchanged against data_lineage, returns discovered edges", async () => {
    // Verbatim from the seed data model, but for the target (the seed's example names
    // customer_analytics.lifetime_value, a declared edge that is also read back).
    const seedQuery = (target: string, column: string) => `
WITH RECURSIVE lineage_trace AS (
  -- Base case: start with target column
  SELECT 
    source_table, source_column,
    target_table, target_column,
    transformation_type,
    1 as depth
  FROM data_lineage 
  WHERE target_table = '${target}' 
    AND target_column = '${column}'
    AND is_active = true
  
  UNION ALL
  
  -- Recursive case: trace back to sources
  SELECT 
    dl.source_table, dl.source_column,
    dl.target_table, dl.target_column,
    dl.transformation_type,
    lt.depth + 1
  FROM data_lineage dl
  JOIN lineage_trace lt ON dl.target_table = lt.source_table
  WHERE dl.is_active = true AND lt.depth < 10
)
SELECT * FROM lineage_trace ORDER BY depth;`;
    const rows = (
      await sql
        .raw<Record<string, unknown>>(seedQuery("customer_lifetime_value", "total_revenue"))
        .execute(db)
    ).rows;
    expect(rows).toContainEqual(
      expect.objectContaining({
        source_table: "jobs",
        source_column: "final_amount",
        target_table: "customer_lifetime_value",
        target_column: "total_revenue",
        transformation_type: "aggregation",
        depth: 1,
      }),
    );
    const declared = await traceLineage(db, {
      root: "postgres:public.customer_analytics.lifetime_value",
      direction: "upstream",
      depth: 1,
    });
    expect(
      edge(
        declared,
        "postgres:public.payments.amount",
        "postgres:public.customer_analytics.lifetime_value",
      )?.source,
    ).toBe("registry");
  });

  test("an edge that disappears stays, inactive, with its last-seen time and a new version", async () => {
    await sql.raw("CREATE VIEW public.temp_names AS SELECT first_name FROM customers").execute(db);
    await runLineageScan({ db, analytics: store });
    await sql.raw("DROP VIEW public.temp_names").execute(db);
    await runLineageScan({ db, analytics: store });
    const row = await db
      .selectFrom("governance.lineage_edges")
      .selectAll()
      .where("to_node", "=", "postgres:public.temp_names.first_name")
      .executeTakeFirstOrThrow();
    expect(row.active).toBe(false);
    expect(row.version).toBe(2);
    const versions = await db
      .selectFrom("governance.lineage_edge_versions")
      .select(["version", "active"])
      .where("edge_id", "=", row.id)
      .orderBy("version")
      .execute();
    expect(versions).toEqual([
      { version: 1, active: true },
      { version: 2, active: false },
    ]);
    const trace = await traceLineage(db, {
      root: "postgres:public.customers.first_name",
      direction: "downstream",
      depth: 1,
    });
    expect(
      edge(trace, "postgres:public.customers.first_name", "postgres:public.temp_names.first_name"),
    ).toBeUndefined();
  });
});

describe("trace engine", () => {
  test("cycles and diamonds: each node visited once, depth respected", async () => {
    const events = [
      ["x:a", "x:b"],
      ["x:a", "x:c"],
      ["x:b", "x:d"],
      ["x:c", "x:d"],
      ["x:d", "x:a"],
      ["x:d", "x:e"],
      ["x:e", "x:f"],
    ];
    await sql`
      INSERT INTO governance.lineage_edges (from_node, to_node, kind, source, created_by)
      SELECT f, t, 'flow', 'manual', 'test' FROM unnest(${events.map((e) => e[0])}::text[], ${events.map((e) => e[1])}::text[]) AS u(f, t)
    `.execute(db);
    const trace = await traceLineage(db, { root: "x:a", direction: "downstream", depth: 3 });
    const ids = trace.nodes.map((n) => n.id).sort();
    expect(ids).toEqual(["x:a", "x:b", "x:c", "x:d", "x:e"]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(trace.nodes.find((n) => n.id === "x:e")?.depth).toBe(3);
    const contract = contractTrace(trace);
    expect(Object.keys(contract)).toEqual(["root", "nodes", "edges"]);
    expect(Object.keys(contract.edges[0] ?? {})).toEqual(["from", "to", "kind", "transformation"]);
  });
});

describe("trace index", () => {
  test("a small write is applied to the index in place; a deletion makes the next trace read the graph whole", async () => {
    const down = async (root: string) =>
      (await traceLineage(db, { root, direction: "downstream", depth: 2 })).edges.map((e) => e.to);
    await sql`
      INSERT INTO governance.lineage_edges (from_node, to_node, kind, source, created_by)
      VALUES ('y:a', 'y:b', 'flow', 'manual', 'test')
    `.execute(db);
    expect(await down("y:a")).toEqual(["y:b"]);
    const before = await graphAtLeast(db, 0);
    await sql`
      INSERT INTO governance.lineage_edges (from_node, to_node, kind, source, created_by)
      VALUES ('y:b', 'y:c', 'flow', 'manual', 'test')
    `.execute(db);
    expect(await down("y:a")).toEqual(["y:b", "y:c"]);
    const after = await graphAtLeast(db, 0);
    expect(after).toBe(before);
    expect(after.size.sinceFullRead).toBeGreaterThanOrEqual(1);
    // An unchanged re-assertion stamps nothing: the delta read finds no edge.
    await sql`UPDATE governance.lineage_edges SET last_seen_at = now() WHERE from_node = 'y:a'`.execute(
      db,
    );
    const stamped = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM governance.lineage_edges
      WHERE from_node = 'y:a' AND generation = (SELECT generation FROM governance.lineage_graph_state)
    `.execute(db);
    expect(stamped.rows[0]?.n).toBe(0);
    await sql`DELETE FROM governance.lineage_edges WHERE from_node = 'y:b'`.execute(db);
    expect(await down("y:a")).toEqual(["y:b"]);
    expect(await graphAtLeast(db, 0)).not.toBe(before);
  });
});

describe("OpenLineage", () => {
  test("the ETL's ClickHouse aggregates trace back to their Postgres columns", async () => {
    await runEtl({
      db,
      pool,
      store,
      lineage: { config: {}, runId: randomUUID(), clickhouseDatabase: CH_DB },
    });
    const trace = await traceLineage(db, {
      root: `clickhouse:${CH_DB}.revenue_daily.revenue`,
      direction: "upstream",
      depth: 2,
    });
    expect(
      edge(trace, "postgres:public.payments.amount", `clickhouse:${CH_DB}.revenue_daily.revenue`),
    ).toMatchObject({
      transformation: "aggregation",
      source: "job",
    });
    const runs = await db
      .selectFrom("governance.lineage_runs")
      .select("event_type")
      .where("job_name", "=", "etl")
      .execute();
    expect(runs.map((r) => r.event_type).sort()).toEqual(["COMPLETE", "START"]);
    // A retention request's preview over payments lists the ClickHouse revenue aggregates.
    const downstream = await downstreamOfTables(db, ["payments"]);
    expect(downstream.map((d) => d.id)).toEqual(
      expect.arrayContaining([
        `clickhouse:${CH_DB}.revenue_daily`,
        `clickhouse:${CH_DB}.payment_mix_daily`,
      ]),
    );
    expect(downstream.map((d) => d.id)).not.toContain("postgres:public.payments");
    // Payments' table does not feed the jobs aggregate.
    const jobs = await traceLineage(db, {
      root: `clickhouse:${CH_DB}.jobs_completed_daily`,
      direction: "upstream",
      depth: 1,
    });
    expect(jobs.nodes.map((n) => n.id)).not.toContain("postgres:public.payments");
  });

  test("a masked copy's customers.email traces to the source's with the masking strategy on the edge", async () => {
    const event = buildRunEvent({
      eventType: "COMPLETE",
      job: "provision/dev1",
      inputs: ["postgres:public.customers"],
      outputs: [
        {
          table: "dataset:dev1.public.customers",
          columns: {
            email: [
              {
                table: "postgres:public.customers",
                column: "email",
                transformation: "masking",
                description: "hmac_email",
              },
            ],
          },
        },
      ],
    });
    expect(ZRunEvent.safeParse(event).success).toBe(true);
    await emitLineage({ db, config: {} }, event);
    const trace = await traceLineage(db, {
      root: "dataset:dev1.public.customers.email",
      direction: "upstream",
      depth: 1,
    });
    expect(
      edge(trace, "postgres:public.customers.email", "dataset:dev1.public.customers.email"),
    ).toMatchObject({
      transformation: "masking",
      expression: "hmac_email",
    });
  });

  test("provisioning and synthetic generation state their lineage: strategies on masked columns, no rows from synthetic", async () => {
    await emitLineage(
      { db, config: {} },
      provisionRunEvent({
        runId: randomUUID(),
        name: "qa1",
        tables: ["customers", "payments"],
        rules: [
          { column: "customers.email", strategy: "email_hmac" },
          { column: "customers.phone", strategy: "phone_fpe" },
        ],
      }),
    );
    const masked = await traceLineage(db, {
      root: "dataset:qa1.public.customers.email",
      direction: "upstream",
      depth: 1,
    });
    expect(
      edge(masked, "postgres:public.customers.email", "dataset:qa1.public.customers.email"),
    ).toMatchObject({
      transformation: "masking",
      expression: "email_hmac",
      source: "job",
    });
    const tables = await traceLineage(db, {
      root: "dataset:qa1.public.payments",
      direction: "upstream",
      depth: 1,
    });
    expect(edge(tables, "postgres:public.payments", "dataset:qa1.public.payments")).toBeDefined();
    await emitLineage(
      { db, config: {} },
      syntheticRunEvent({ runId: randomUUID(), name: "synth1", tables: ["customers"] }),
    );
    const synthetic = await traceLineage(db, {
      root: "dataset:synth1.public.customers",
      direction: "upstream",
      depth: 1,
    });
    expect(
      edge(synthetic, "postgres:public.customers", "dataset:synth1.public.customers")?.carriesRows,
    ).toBe(false);
  });

  test("an event recorded twice changes nothing the second time (idempotent by run id)", async () => {
    const event = buildRunEvent({
      eventType: "COMPLETE",
      job: "twice",
      inputs: ["x:one"],
      outputs: [{ table: "x:two" }],
    });
    const first = await recordRunEvent(db, event, "received", "test");
    const second = await recordRunEvent(db, event, "received", "test");
    expect(first.duplicate).toBe(false);
    expect(second).toEqual({ duplicate: true, edges: 0, deactivated: 0 });
  });

  test("with OPENLINEAGE_URL set, events are forwarded to a Marquez-compatible receiver, retried after a 503", async () => {
    const received: { url: string; body: unknown }[] = [];
    let calls = 0;
    const server: Server = createServer((req: IncomingMessage, res) => {
      let body = "";
      req.on("data", (c) => {
        body += c;
      });
      req.on("end", () => {
        calls += 1;
        if (calls === 1) {
          res.writeHead(503).end();
          return;
        }
        received.push({ url: req.url ?? "", body: JSON.parse(body) });
        res.writeHead(201).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    try {
      const event = buildRunEvent({
        eventType: "START",
        job: "forwarded",
        inputs: ["x:in"],
        outputs: [{ table: "x:out" }],
      });
      const outcome = await emitLineage(
        { db, config: { openlineageUrl: `http://127.0.0.1:${port}` }, retryDelayMs: () => 10 },
        event,
      );
      expect(outcome).toMatchObject({ recorded: true, forwarded: true });
      expect(calls).toBe(2);
      expect(received[0]?.url).toBe("/api/v1/lineage");
      const forwarded = received[0]?.body as { run: { runId: string } } | undefined;
      expect(forwarded?.run.runId).toBe(event.run.runId);
    } finally {
      await new Promise((r) => {
        server.close(r);
      });
    }
  });
});

describe("PII propagation", () => {
  test("a ClickHouse column loaded from accepted customers.email inherits PII without sampling; an aggregate of payments does not", async () => {
    // The catalog as a scan would leave it: customers.email accepted as email, the ClickHouse
    // columns pending with nothing found.
    const scan = await sql<{
      id: string;
    }>`INSERT INTO governance.catalog_scans (stores, triggered_by) VALUES ('{postgres}', 'test') RETURNING id`.execute(
      db,
    );
    void scan;
    const table = async (store: string, schema: string, name: string) =>
      (
        await sql<{
          id: string;
        }>`INSERT INTO governance.catalog_tables (store, schema_name, table_name, kind)
        VALUES (${store}, ${schema}, ${name}, 'table') ON CONFLICT (store, schema_name, table_name) DO UPDATE SET kind = 'table' RETURNING id`.execute(
          db,
        )
      ).rows[0]?.id as string;
    const column = async (
      tableId: string,
      store: string,
      schema: string,
      name: string,
      col: string,
      extra: string,
    ) =>
      sql
        .raw(`INSERT INTO governance.catalog_columns (table_id, store, schema_name, table_name, column_name, data_type ${extra ? ", proposed_category, review_status, decided_category" : ""})
        VALUES ('${tableId}', '${store}', '${schema}', '${name}', '${col}', 'text' ${extra})`)
        .execute(db);
    await column(
      await table("postgres", "public", "customers"),
      "postgres",
      "public",
      "customers",
      "email",
      ", 'email', 'accepted', 'email'",
    );
    await column(
      await table("clickhouse", CH_DB, "contact_emails"),
      "clickhouse",
      CH_DB,
      "contact_emails",
      "email",
      "",
    );
    await column(
      await table("clickhouse", CH_DB, "revenue_daily"),
      "clickhouse",
      CH_DB,
      "revenue_daily",
      "revenue",
      "",
    );
    await emitLineage(
      { db, config: {} },
      buildRunEvent({
        eventType: "COMPLETE",
        job: "etl-contacts",
        inputs: ["postgres:public.customers"],
        outputs: [
          {
            table: `clickhouse:${CH_DB}.contact_emails`,
            columns: {
              email: [
                { table: "postgres:public.customers", column: "email", transformation: "direct" },
              ],
            },
          },
        ],
      }),
    );
    const report = await runLineageScan({ db, analytics: store });
    expect(report.pii.proposals).toBeGreaterThanOrEqual(1);
    const rows = await db
      .selectFrom("governance.catalog_columns")
      .select(["table_name", "column_name", "proposed_category", "evidence"])
      .where("store", "=", "clickhouse")
      .execute();
    const email = rows.find((r) => r.table_name === "contact_emails");
    expect(email?.proposed_category).toBe("email");
    expect(JSON.stringify(email?.evidence)).toContain("PII via lineage from customers.email");
    expect(rows.find((r) => r.table_name === "revenue_daily")?.proposed_category).toBeNull();
    // The masked copy's column is not a PII heir: propagation stopped at the masking edge.
    const trace = await traceLineage(db, {
      root: `clickhouse:${CH_DB}.contact_emails.email`,
      direction: "upstream",
      depth: 1,
    });
    expect(trace.nodes.find((n) => n.id === `clickhouse:${CH_DB}.contact_emails.email`)?.pii).toBe(
      "email",
    );
  });
});
