import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDataset } from "../masking/datasets.repository.ts";
import { judgeReport, type SyntheticReport } from "../masking/synthetic/report.ts";
import { loadOrder, referenceOf, type TableShape } from "../masking/synthetic/schema-shape.ts";
import { saveReport } from "../masking/synthetic/synthetic.repository.ts";
import { asToken, type ConsoleApp, openConsoleApp } from "./support/console-app.ts";

/** The per-table fidelity report: verdicts under thresholds, judged again through the API. */

const column = (name: string, statistic: "ks" | "tvd", value: number) =>
  statistic === "ks"
    ? {
        column: name,
        kind: "numeric" as const,
        statistic,
        value,
        realTotal: 10,
        syntheticTotal: 10,
        logScale: false,
        edges: [1, 2],
        real: [3, 4, 3],
        synthetic: [3, 4, 3],
      }
    : {
        column: name,
        kind: "categorical" as const,
        statistic,
        value,
        chiSquare: { statistic: 1, df: 1 },
        realTotal: 10,
        syntheticTotal: 10,
        labels: ["a", "b"],
        real: [5, 5],
        synthetic: [6, 4],
      };

const report: SyntheticReport = {
  columns: [],
  tables: [
    {
      table: "communications",
      realRows: 10,
      syntheticRows: 20,
      pass: true,
      worst: { ks: 0.1, tvd: 0.05 },
      columns: [
        column("communications.created_at", "ks", 0.1),
        column("communications.status", "tvd", 0.05),
      ],
    },
    {
      table: "payments",
      realRows: 10,
      syntheticRows: 20,
      pass: true,
      worst: { ks: 0, tvd: 0.5 },
      columns: [{ ...column("payments.credit_card_number", "tvd", 0.5), withheld: true }],
    },
  ],
  worst: { ks: 0.1, tvd: 0.5 },
  generatedAt: new Date().toISOString(),
};

describe("judgeReport", () => {
  it("passes a column within its threshold, fails it beyond, and a table fails with one column", () => {
    const lax = judgeReport(report, { ks: 0.15, tvd: 0.15 });
    expect(lax.pass).toBe(true);
    const strict = judgeReport(report, { ks: 0.05, tvd: 0.15 });
    const comms = strict.tables?.find((t) => t.table === "communications");
    expect(comms?.pass).toBe(false);
    expect(comms?.columns.map((c) => c.pass)).toEqual([false, true]);
    expect(strict.pass).toBe(false);
    // A withheld column is shown with its distance but never judged.
    expect(strict.tables?.find((t) => t.table === "payments")?.pass).toBe(true);
  });
});

describe("schema shape", () => {
  const shape = (table: string, columns: string[], fks: [string, string][] = []): TableShape => ({
    table,
    partitioned: false,
    columns: columns.map((name) => ({
      name,
      type: "uuid",
      category: "U",
      udt: "uuid",
      elementCategory: null,
      nullable: true,
    })),
    foreignKeys: fks.map(([c, parent]) => ({
      columns: ["tenant_id", c],
      parent,
      parentColumns: ["tenant_id", "id"],
    })),
  });
  const shapes = new Map<string, TableShape>([
    [
      "business_events",
      shape("business_events", ["tenant_id", "customer_id", "job_id", "session"]),
    ],
    ["jobs", shape("jobs", ["id", "tenant_id", "customer_id"], [["customer_id", "customers"]])],
    ["customers", shape("customers", ["id", "tenant_id"])],
  ]);
  it("resolves declared and name-implied references, and orders parents first", () => {
    const names = new Set(shapes.keys());
    const events = shapes.get("business_events") as TableShape;
    expect(referenceOf(events, "customer_id", names)).toBe("customers");
    expect(referenceOf(events, "job_id", names)).toBe("jobs");
    expect(referenceOf(events, "session", names)).toBeNull();
    const order = loadOrder(shapes);
    expect(order.indexOf("customers")).toBeLessThan(order.indexOf("jobs"));
    expect(order.indexOf("jobs")).toBeLessThan(order.indexOf("business_events"));
  });
});

describe("synthetic report API", () => {
  let t: ConsoleApp;
  let id = "";
  beforeAll(async () => {
    t = await openConsoleApp("synthreport");
    const ds = await createDataset(t.db, { name: "judged", kind: "synthetic", owner: "e" });
    id = ds?.id ?? "";
    // A stored profile row to point at (its contents do not matter to the report route).
    const profile = await t.db
      .insertInto("governance.synthetic_profiles")
      .values({ created_by: "e", source: "{}", params: "{}", version: 1 })
      .returning("id")
      .executeTakeFirstOrThrow();
    await saveReport(t.db, {
      datasetId: id,
      profileId: profile.id,
      report: judgeReport(report, { ks: 0.15, tvd: 0.15 }),
    });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });
  const get = (path: string) =>
    t.request(path, { method: "GET", headers: asToken(t.logins.engineer.token) });

  it("serves the verdict per table, judged again under the limits asked for", async () => {
    const stored = await get(`/api/v1/datasets/${id}/synthetic-report`);
    expect(stored.status).toBe(200);
    const body = (await stored.json()) as {
      pass: boolean;
      thresholds: { ks: number; tvd: number };
      tables: { table: string; pass: boolean }[];
    };
    expect(body.pass).toBe(true);
    expect(body.thresholds).toEqual({ ks: 0.15, tvd: 0.15 });
    expect(body.tables.map((x) => x.table)).toEqual(["communications", "payments"]);
    const strict = await get(`/api/v1/datasets/${id}/synthetic-report?ks=0.05`);
    const judged = (await strict.json()) as typeof body;
    expect(judged.pass).toBe(false);
    expect(judged.thresholds).toEqual({ ks: 0.05, tvd: 0.15 });
    expect((await get(`/api/v1/datasets/${id}/synthetic-report?ks=2`)).status).toBe(400);
    expect((await get(`/api/v1/datasets/${id}/synthetic-report?other=1`)).status).toBe(400);
  });
});
