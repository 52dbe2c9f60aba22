import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCatalogScan } from "../jobs/classify/scan.ts";
import { createDataset, updateDataset } from "../masking/datasets.repository.ts";
import { startOfTodayUtc } from "../masking/demo-platform/clock.ts";
import { seedDemoPlatform } from "../masking/demo-platform/index.ts";
import { saveReport } from "../masking/synthetic/synthetic.repository.ts";
import type { Role } from "../schema/domain/permissions.ts";
import { createOwnerDb } from "../schema/postgres.ts";
import { asToken, type ConsoleApp, openConsoleApp } from "./support/console-app.ts";

/** The masked-datasets API: datasets, the provisioning gate, masking rules, synthetic data. */

let t: ConsoleApp;

beforeAll(async () => {
  t = await openConsoleApp("datasetsapi", { demoPartitionsFor: startOfTodayUtc() });
  const { pool, db } = createOwnerDb(t.config, { max: 2 });
  try {
    await seedDemoPlatform(pool, { tenants: 1, customersPerTenant: 15, seed: 23 });
  } finally {
    await db.destroy();
  }
  // The catalog knows every column; personal-data proposals stay pending review.
  await runCatalogScan({ db: t.db }, { stores: ["postgres"], triggeredBy: "test" });
}, 180_000);

afterAll(async () => {
  await t?.close();
});

function call(
  role: Role | undefined,
  path: string,
  init: { method?: string; body?: unknown } = {},
) {
  return t.request(path, {
    method: init.method ?? "GET",
    headers: asToken(role ? t.logins[role].token : undefined),
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
}

async function auditActions(): Promise<string[]> {
  const rows = await t.db.selectFrom("governance.audit_events").select("action").execute();
  return rows.map((r) => r.action);
}

describe("masked dataset requests", () => {
  it("refuses with a 409 naming every blocking table.column while reviews are pending", async () => {
    const gate = await call("engineer", "/api/v1/masking/gate");
    expect(gate.status).toBe(200);
    const gateBody = (await gate.json()) as {
      ok: boolean;
      blocking: { column: string; reason: string; catalogColumnId: string | null }[];
    };
    expect(gateBody.ok).toBe(false);
    const email = gateBody.blocking.find((b) => b.column === "customers.email");
    expect(email?.reason).toBe("pending_review");
    expect(email?.catalogColumnId).toMatch(/^[0-9a-f-]{36}$/);

    const res = await call("engineer", "/api/v1/datasets", {
      method: "POST",
      body: { name: "debug_copy", percent: 10 },
    });
    expect(res.status).toBe(409);
    const body = (await res.json()) as {
      error: { code: string; message: string; details: { blocking: { column: string }[] } };
    };
    expect(body.error.code).toBe("conflict");
    expect(body.error.message).toContain("customers.email");
    const named = body.error.details.blocking.map((b) => b.column);
    expect(named).toEqual(gateBody.blocking.map((b) => b.column));
    expect(await auditActions()).toContain("datasets.request.refused");
    const rows = await t.db.selectFrom("governance.datasets").select("id").execute();
    expect(rows).toHaveLength(0);
  });

  it("rejects bad requests and roles without datasets:provision", async () => {
    const steward = await call("steward", "/api/v1/datasets", {
      method: "POST",
      body: { name: "x1" },
    });
    expect(steward.status).toBe(403);
    const bad = await call("engineer", "/api/v1/datasets", {
      method: "POST",
      body: { name: "Bad Name!" },
    });
    expect(bad.status).toBe(400);
    const both = await call("engineer", "/api/v1/datasets", {
      method: "POST",
      body: { name: "both", percent: 5, tenants: ["00000000-0000-4000-8000-000000000000"] },
    });
    expect(both.status).toBe(400);
    expect((await call(undefined, "/api/v1/datasets")).status).toBe(401);
  });
});

describe("dataset list, get and drop", () => {
  let mine: string;
  let theirs: string;

  beforeAll(async () => {
    const a = await createDataset(t.db, {
      name: "engineer_copy",
      kind: "masked",
      owner: t.logins.engineer.user.email,
    });
    const b = await createDataset(t.db, {
      name: "someone_else",
      kind: "synthetic",
      owner: "x@y.z",
    });
    mine = a?.id ?? "";
    theirs = b?.id ?? "";
    await updateDataset(t.db, mine, {
      status: "ready",
      progress: { customers: { status: "done", rows: 15 } },
      sizeBytes: 1234,
    });
    await updateDataset(t.db, theirs, { status: "ready" });
  });

  it("lists every dataset with its owner to every role that reads masking", async () => {
    for (const role of ["engineer", "steward", "compliance_officer", "admin"] as const) {
      const res = await call(role, "/api/v1/datasets");
      expect(res.status, role).toBe(200);
      const body = (await res.json()) as {
        items: { name: string; owner: string }[];
        total: number;
      };
      expect(body.items.map((d) => d.name).sort()).toEqual(["engineer_copy", "someone_else"]);
      expect(body.items.find((d) => d.name === "someone_else")?.owner).toBe("x@y.z");
    }
    const filtered = await call("engineer", "/api/v1/datasets?kind=synthetic");
    expect(((await filtered.json()) as { total: number }).total).toBe(1);
  });

  it("gets one dataset with its per-table progress, 404 for an unknown id", async () => {
    const res = await call("engineer", `/api/v1/datasets/${mine}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      progress: Record<string, { rows: number }>;
      sizeBytes: number;
    };
    expect(body.progress.customers?.rows).toBe(15);
    expect(body.sizeBytes).toBe(1234);
    const missing = await call("engineer", "/api/v1/datasets/00000000-0000-4000-8000-000000000000");
    expect(missing.status).toBe(404);
    expect((await call("engineer", "/api/v1/datasets/not-a-uuid")).status).toBe(400);
  });

  it("lets the owner drop their dataset, not another engineer's; admins drop any", async () => {
    const other = await call("engineer", `/api/v1/datasets/${theirs}`, { method: "DELETE" });
    expect(other.status).toBe(403);
    const steward = await call("steward", `/api/v1/datasets/${mine}`, { method: "DELETE" });
    expect(steward.status).toBe(403);
    const own = await call("engineer", `/api/v1/datasets/${mine}`, { method: "DELETE" });
    expect(own.status).toBe(200);
    const again = await call("engineer", `/api/v1/datasets/${mine}`, { method: "DELETE" });
    expect(again.status).toBe(404);
    const admin = await call("admin", `/api/v1/datasets/${theirs}`, { method: "DELETE" });
    expect(admin.status).toBe(200);
    const list = (await (await call("engineer", "/api/v1/datasets")).json()) as { total: number };
    expect(list.total).toBe(0);
    expect(await auditActions()).toContain("datasets.drop");
  });
});

describe("masking rules", () => {
  it("shows the rule in force per personal-data column, default until a steward sets one", async () => {
    const res = await call("engineer", "/api/v1/masking/rules?table=customers");
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      items: {
        table: string;
        column: string;
        jsonPath: string;
        strategy: string;
        source: string;
      }[];
    };
    expect(body.items.every((r) => r.table === "customers")).toBe(true);
    const email = body.items.find((r) => r.column === "email" && r.jsonPath === "");
    expect(email?.source).toBe("default");
  });

  it("lets a steward set a strategy per column and per JSONB path, audited and versioned", async () => {
    const set = await call("steward", "/api/v1/masking/rules", {
      method: "PUT",
      body: { table: "customers", column: "email", strategy: "hash" },
    });
    expect(set.status).toBe(200);
    expect(((await set.json()) as { version: number }).version).toBe(1);
    const again = await call("steward", "/api/v1/masking/rules", {
      method: "PUT",
      body: { table: "customers", column: "email", strategy: "tokenize" },
    });
    expect(((await again.json()) as { version: number }).version).toBe(2);
    const path = await call("steward", "/api/v1/masking/rules", {
      method: "PUT",
      body: {
        table: "customers",
        column: "addresses",
        jsonPath: "[].line1",
        strategy: "substitute",
        params: { category: "postal_address" },
      },
    });
    expect(path.status).toBe(200);
    const list = (await (
      await call("steward", "/api/v1/masking/rules?table=customers")
    ).json()) as {
      items: { column: string; jsonPath: string; strategy: string; source: string }[];
    };
    expect(list.items.find((r) => r.column === "email" && r.jsonPath === "")).toMatchObject({
      strategy: "tokenize",
      source: "rule",
    });
    expect(list.items.find((r) => r.jsonPath === "[].line1")?.strategy).toBe("substitute");
    expect(await auditActions()).toContain("masking.rules.set");
  });

  it("marks a column allowed as is only with a reason, and only for masking:rules", async () => {
    const engineer = await call("engineer", "/api/v1/masking/rules/allow", {
      method: "POST",
      body: { table: "customers", column: "source", reason: "acquisition channel, not personal" },
    });
    expect(engineer.status).toBe(403);
    const noReason = await call("steward", "/api/v1/masking/rules/allow", {
      method: "POST",
      body: { table: "customers", column: "source" },
    });
    expect(noReason.status).toBe(400);
    const ok = await call("steward", "/api/v1/masking/rules/allow", {
      method: "POST",
      body: { table: "customers", column: "source", reason: "acquisition channel, not personal" },
    });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { strategy: string }).strategy).toBe("allow");
    const unknown = await call("steward", "/api/v1/masking/rules/allow", {
      method: "POST",
      body: { table: "customers", column: "no_such_column", reason: "whatever it is" },
    });
    expect(unknown.status).toBe(400);
    expect(await auditActions()).toContain("masking.rules.allow");
  });
});

describe("synthetic datasets", () => {
  it("fits a profile (engineer), shows it to readers, refuses it to roles without provisioning", async () => {
    expect((await call("steward", "/api/v1/synthetic/profiles", { method: "POST" })).status).toBe(
      403,
    );
    const fit = await call("engineer", "/api/v1/synthetic/profiles", { method: "POST" });
    expect(fit.status).toBe(201);
    const profile = (await fit.json()) as { id: string; params: { tenants: unknown[] } };
    expect(profile.params.tenants).toHaveLength(1);
    const latest = await call("compliance_officer", "/api/v1/synthetic/profiles/latest");
    expect(((await latest.json()) as { id: string }).id).toBe(profile.id);
    expect(await auditActions()).toContain("synthetic.profile.fit");
  });

  it("registers a synthetic dataset and queues the synth job; a taken name is a 409", async () => {
    const res = await call("engineer", "/api/v1/synthetic/datasets", {
      method: "POST",
      body: { name: "synthetic_one", tenants: 1, customersPerTenant: 10, expiresInDays: 3 },
    });
    expect(res.status).toBe(202);
    const body = (await res.json()) as {
      dataset: { id: string; kind: string; status: string; owner: string; expiresAt: string };
      jobId: string;
    };
    expect(body.dataset).toMatchObject({
      kind: "synthetic",
      status: "requested",
      owner: t.logins.engineer.user.email,
    });
    expect(new Date(body.dataset.expiresAt).getTime()).toBeGreaterThan(Date.now());
    const run = await sql<{ payload: { datasetId: string } }>`
      SELECT payload FROM governance.job_runs WHERE queue = 'synth'`.execute(t.db);
    expect(run.rows[0]?.payload.datasetId).toBe(body.dataset.id);
    const taken = await call("engineer", "/api/v1/synthetic/datasets", {
      method: "POST",
      body: { name: "synthetic_one" },
    });
    expect(taken.status).toBe(409);
    const tooBig = await call("engineer", "/api/v1/synthetic/datasets", {
      method: "POST",
      body: { name: "too_big", customersPerTenant: 10_000_000 },
    });
    expect(tooBig.status).toBe(400);
  });

  it("serves a dataset's synthetic report; 404 before there is one", async () => {
    const ds = await createDataset(t.db, { name: "with_report", kind: "synthetic", owner: "e" });
    const id = ds?.id ?? "";
    expect((await call("engineer", `/api/v1/datasets/${id}/synthetic-report`)).status).toBe(404);
    const profile = await t.db
      .selectFrom("governance.synthetic_profiles")
      .select("id")
      .executeTakeFirstOrThrow();
    await saveReport(t.db, {
      datasetId: id,
      profileId: profile.id,
      report: {
        columns: [
          {
            column: "payments.payment_method",
            kind: "categorical",
            statistic: "tvd",
            value: 0.04,
            chiSquare: { statistic: 1.2, df: 3 },
            realTotal: 10,
            syntheticTotal: 12,
            labels: ["card", "cash"],
            real: [6, 4],
            synthetic: [7, 5],
          },
        ],
        worst: { ks: 0, tvd: 0.04 },
        generatedAt: new Date().toISOString(),
      },
    });
    const res = await call("steward", `/api/v1/datasets/${id}/synthetic-report`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { columns: { column: string; value: number }[] };
    expect(body.columns[0]).toMatchObject({ column: "payments.payment_method", value: 0.04 });
  });
});

describe("masked dataset request once the gate opens", () => {
  it("registers the dataset and queues the masking job with the engine's payload", async () => {
    // A steward has decided every column: the gate has nothing left to refuse.
    await sql`UPDATE governance.catalog_columns
      SET review_status = 'accepted', decided_category = coalesce(proposed_category, 'none'),
          decided_sensitivity = proposed_sensitivity, needs_rereview = false`.execute(t.db);
    const gate = (await (await call("engineer", "/api/v1/masking/gate")).json()) as { ok: boolean };
    expect(gate.ok).toBe(true);
    const res = await call("engineer", "/api/v1/datasets", {
      method: "POST",
      body: { name: "masked_ten", percent: 10, expiresInDays: 2 },
    });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { dataset: { id: string; kind: string; status: string } };
    expect(body.dataset).toMatchObject({ kind: "masked", status: "requested" });
    const run = await sql<{ payload: Record<string, unknown> }>`
      SELECT payload FROM governance.job_runs WHERE queue = 'masking'`.execute(t.db);
    expect(run.rows[0]?.payload).toMatchObject({
      action: "provision",
      datasetId: body.dataset.id,
      name: "masked_ten",
      percent: 10,
      requestedBy: t.logins.engineer.user.email,
    });
    const again = await call("engineer", "/api/v1/datasets", {
      method: "POST",
      body: { name: "masked_ten" },
    });
    expect(again.status).toBe(409);
    expect(await auditActions()).toContain("datasets.request");
  });
});
