import { Queue } from "bullmq";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCatalogScan } from "../jobs/classify/scan.ts";
import { createDataset, getDataset, updateDataset } from "../masking/datasets.repository.ts";
import { startOfTodayUtc } from "../masking/demo-platform/clock.ts";
import { seedDemoPlatform } from "../masking/demo-platform/index.ts";
import { datasetDatabaseName, provisionDataset } from "../masking/provision/provision.ts";
import { refreshDataset } from "../masking/provision/refresh.ts";
import { refreshSchedulerId } from "../masking/provision/refresh-schedule.ts";
import { withDatabase } from "../schema/config.ts";
import type { TRulePreview } from "../schema/contracts/datasets-controls.ts";
import type { Role } from "../schema/domain/permissions.ts";
import { reviewColumns } from "../schema/governance/catalog-review.repository.ts";
import { createOwnerDb } from "../schema/postgres.ts";
import { asToken, type ConsoleApp, openConsoleApp } from "./support/console-app.ts";
import { dropDatasetByName } from "./support/dataset-cleanup.ts";

/**
 * The dataset controls: the masking rule editor's preview (equal to what a provisioned copy
 * holds for the same rows), expiry extension within the role's bound, the refresh schedule and
 * a refresh run, refused requests listed with their reason.
 */

let t: ConsoleApp;
const suffix = Math.random().toString(36).slice(2, 8);
const created: string[] = [];
const dsName = (n: string) => {
  const name = `c${suffix}-${n}`;
  created.push(datasetDatabaseName(name));
  return name;
};

beforeAll(async () => {
  t = await openConsoleApp("dsctl", { demoPartitionsFor: startOfTodayUtc() });
  const { pool, db } = createOwnerDb(t.config, { max: 2 });
  try {
    await seedDemoPlatform(pool, { tenants: 1, customersPerTenant: 10, seed: 31 });
  } finally {
    await db.destroy();
  }
  await runCatalogScan({ db: t.db }, { stores: ["postgres"], triggeredBy: "test" });
}, 300_000);

afterAll(async () => {
  for (const name of created) {
    await dropDatasetByName(t.config, name).catch(() => {});
  }
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

type Refusal = { name: string; reason: string; message: string; details: unknown };

describe("refused requests", () => {
  it("a request refused at the closed gate and one over the size limit are listed with their reason", async () => {
    const gated = await call("engineer", "/api/v1/datasets", {
      method: "POST",
      body: { name: "gated_copy", percent: 50 },
    });
    expect(gated.status).toBe(409);
    const saved = t.config.datasetLimits.rows.engineer ?? 0;
    t.config.datasetLimits.rows.engineer = 1;
    try {
      const big = await call("engineer", "/api/v1/datasets", {
        method: "POST",
        body: { name: "too_big" },
      });
      expect(big.status).toBe(413);
    } finally {
      t.config.datasetLimits.rows.engineer = saved;
    }
    const res = await call("steward", "/api/v1/datasets/refusals");
    expect(res.status).toBe(200);
    const { items } = (await res.json()) as { items: Refusal[] };
    const gate = items.find((r) => r.name === "gated_copy");
    expect(gate?.reason).toBe("gate_closed");
    const blocking = (
      gate?.details as { blocking: { column: string }[] } | undefined
    )?.blocking.map((b) => b.column);
    expect(blocking).toContain("customers.email");
    const size = items.find((r) => r.name === "too_big");
    expect(size?.reason).toBe("size_limit");
    expect(size?.message).toMatch(/limit/);
    expect((await call("engineer", "/api/v1/datasets/refusals?bogus=1")).status).toBe(400);
  });
});

describe("column rule editor with preview", () => {
  let previewEmail: TRulePreview;
  let previewNotes: TRulePreview;
  let dataset = "";

  beforeAll(async () => {
    await reviewColumns(t.db, {
      target: { filter: { store: "postgres" } },
      action: "accept",
      actor: "steward@test",
    });
  });

  it("an engineer previews a draft rule: before masked as evidence, after the strategy's output; an admin sees raw before (audited)", async () => {
    const res = await call("engineer", "/api/v1/masking/rules/preview", {
      method: "POST",
      body: { table: "customers", column: "email", strategy: "partial", params: { keep: 3 } },
    });
    expect(res.status).toBe(200);
    previewEmail = (await res.json()) as TRulePreview;
    expect(previewEmail.maskedIn).toBe("sql");
    expect(previewEmail.beforeRaw).toBe(false);
    expect(previewEmail.rows.length).toBe(5);
    const raw = await t.db
      .selectFrom("customers")
      .select(["id", "email"])
      .where("email", "is not", null)
      .execute();
    const byId = new Map(raw.map((r) => [r.id, r.email as string]));
    for (const row of previewEmail.rows) {
      const source = byId.get(row.key ?? "") as string;
      expect(source).toBeTruthy();
      // The engineer never sees the source value, only its evidence shape.
      expect(row.before).not.toBe(source);
      expect(row.before).toContain("***");
      expect(row.after).not.toBe(source);
      expect(row.after?.slice(-3)).toBe(source.slice(-3));
    }
    const admin = await call("admin", "/api/v1/masking/rules/preview", {
      method: "POST",
      body: { table: "customers", column: "email", strategy: "partial", params: { keep: 3 } },
    });
    const adminPreview = (await admin.json()) as TRulePreview;
    expect(adminPreview.beforeRaw).toBe(true);
    for (const row of adminPreview.rows) {
      expect(row.before).toBe(byId.get(row.key ?? ""));
    }
    const audit = await t.db
      .selectFrom("governance.audit_events")
      .select("action")
      .where("action", "=", "masking.rules.preview_raw")
      .execute();
    expect(audit.length).toBeGreaterThan(0);
  });

  it("refuses an unknown column, a bad strategy, and an engineer allowing a column as is", async () => {
    const unknown = await call("engineer", "/api/v1/masking/rules/preview", {
      method: "POST",
      body: { table: "customers", column: "nope", strategy: "hash" },
    });
    expect(unknown.status).toBe(400);
    const bad = await call("engineer", "/api/v1/masking/rules/preview", {
      method: "POST",
      body: { table: "customers", column: "email", strategy: "rot13" },
    });
    expect(bad.status).toBe(400);
    const allow = await call("engineer", "/api/v1/masking/rules", {
      method: "PUT",
      body: { table: "customers", column: "email", strategy: "allow", reason: "debug" },
    });
    expect(allow.status).toBe(403);
  });

  it("the engineer's rule is stored (audited) and a provisioned copy holds exactly the previewed values, SQL- and Node-masked", async () => {
    // hash keeps the unique index of emails free of collisions (partial would make them collide,
    // and the copy tags colliding values: what the preview's `uniqueIndex` warns of).
    const set = await call("engineer", "/api/v1/masking/rules", {
      method: "PUT",
      body: { table: "customers", column: "email", strategy: "hash" },
    });
    expect(set.status).toBe(200);
    const emailRes = await call("engineer", "/api/v1/masking/rules/preview", {
      method: "POST",
      body: { table: "customers", column: "email" },
    });
    previewEmail = (await emailRes.json()) as TRulePreview;
    expect(previewEmail.strategy).toBe("hash");
    const notesRule = await call("engineer", "/api/v1/masking/rules", {
      method: "PUT",
      body: { table: "customer_interactions", column: "content", strategy: "scrub" },
    });
    expect(notesRule.status).toBe(200);
    const audit = await t.db
      .selectFrom("governance.audit_events")
      .select(["action", "actor"])
      .where("action", "=", "masking.rules.set")
      .execute();
    expect(audit.map((a) => a.actor)).toContain(t.logins.engineer.user.email);
    // The preview of the rule in force (no draft) after saving.
    const res = await call("engineer", "/api/v1/masking/rules/preview", {
      method: "POST",
      body: { table: "customer_interactions", column: "content", limit: 8 },
    });
    previewNotes = (await res.json()) as TRulePreview;
    expect(previewNotes.maskedIn).toBe("node");
    expect(previewNotes.strategy).toBe("scrub");

    dataset = dsName("preview");
    const result = await provisionDataset(
      { db: t.db, config: t.config },
      { name: dataset, requestedBy: t.logins.engineer.user.email },
    );
    expect(result.kind).toBe("ready");
    const target = new pg.Client({
      connectionString: withDatabase(t.config, datasetDatabaseName(dataset)).databaseUrl,
    });
    await target.connect();
    try {
      for (const row of previewEmail.rows) {
        const r = await target.query("SELECT email FROM customers WHERE id = $1", [row.key]);
        expect(r.rows[0]?.email).toBe(row.after);
      }
      expect(previewNotes.rows.length).toBeGreaterThan(0);
      for (const row of previewNotes.rows) {
        const r = await target.query("SELECT content FROM customer_interactions WHERE id = $1", [
          row.key,
        ]);
        expect(r.rows[0]?.content).toBe(row.after);
      }
    } finally {
      await target.end();
    }
  }, 600_000);

  it("a refresh provisions the dataset again with today's rows, a rotated password, its schedule and expiry kept", async () => {
    const before = await getDataset(t.db, dataset);
    expect(before?.status).toBe("ready");
    const expiresAt = new Date(Date.now() + 3 * 86_400_000);
    await updateDataset(t.db, before?.id ?? "", { expiresAt, refreshCron: "0 4 * * *" });
    const countSql = "SELECT count(*)::int AS n FROM customer_interactions";
    const sourceCount = (await t.db.selectFrom("customer_interactions").select("id").execute())
      .length;
    // New data in the source: one interaction less.
    const victim = await t.db
      .selectFrom("customer_interactions")
      .select("id")
      .limit(1)
      .executeTakeFirstOrThrow();
    await t.db.deleteFrom("customer_interactions").where("id", "=", victim.id).execute();
    const remaining = sourceCount - 1;

    const outcome = await refreshDataset({ db: t.db, config: t.config }, before?.id ?? "");
    expect(outcome.refreshed).toBe(true);
    const after = await getDataset(t.db, dataset);
    expect(after?.id).toBe(before?.id);
    expect(after?.status).toBe("ready");
    expect(after?.passwordEnc).not.toBe(before?.passwordEnc);
    expect(after?.refreshCron).toBe("0 4 * * *");
    expect(after?.expiresAt?.getTime()).toBe(expiresAt.getTime());
    expect(after?.refreshedAt).not.toBeNull();
    const target = new pg.Client({
      connectionString: withDatabase(t.config, datasetDatabaseName(dataset)).databaseUrl,
    });
    await target.connect();
    try {
      const n = (await target.query(countSql)).rows[0]?.n;
      expect(n).toBe(remaining);
    } finally {
      await target.end();
    }
  }, 600_000);
});

describe("expiry and refresh schedule", () => {
  let id = "";

  beforeAll(async () => {
    const d = await createDataset(t.db, {
      name: `ready_${suffix}`,
      kind: "masked",
      owner: t.logins.engineer.user.email,
      expiresAt: new Date(Date.now() + 5 * 86_400_000),
    });
    id = d?.id ?? "";
    await updateDataset(t.db, id, { status: "ready" });
  });

  it("extends the expiry within the engineer's 30 days and refuses beyond it; an admin may go further", async () => {
    const ok = await call("engineer", `/api/v1/datasets/${id}/expiry`, {
      method: "POST",
      body: { days: 10 },
    });
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { expiresAt: string; maxExpiresAt: string };
    const days = (new Date(body.expiresAt).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(14.9);
    expect(days).toBeLessThan(15.1);
    const tooFar = await call("engineer", `/api/v1/datasets/${id}/expiry`, {
      method: "POST",
      body: { days: 20 },
    });
    expect(tooFar.status).toBe(400);
    expect(((await tooFar.json()) as { error: { message: string } }).error.message).toMatch(
      /15 day/,
    );
    const admin = await call("admin", `/api/v1/datasets/${id}/expiry`, {
      method: "POST",
      body: { days: 100 },
    });
    expect(admin.status).toBe(200);
    const steward = await call("steward", `/api/v1/datasets/${id}/expiry`, {
      method: "POST",
      body: { days: 1 },
    });
    expect(steward.status).toBe(403);
    const zero = await call("engineer", `/api/v1/datasets/${id}/expiry`, {
      method: "POST",
      body: { days: 0 },
    });
    expect(zero.status).toBe(400);
    const audit = await t.db
      .selectFrom("governance.audit_events")
      .select("summary")
      .where("action", "=", "datasets.expiry.extend")
      .execute();
    expect(audit).toHaveLength(2);
  });

  it("validates the refresh cron, applies it as a BullMQ scheduler, and removes it", async () => {
    for (const cron of ["*/5 * * * *", "0 3 * *", "61 3 * * *"]) {
      const bad = await call("engineer", `/api/v1/datasets/${id}/refresh-schedule`, {
        method: "PUT",
        body: { cron },
      });
      expect(bad.status).toBe(400);
    }
    const ok = await call("engineer", `/api/v1/datasets/${id}/refresh-schedule`, {
      method: "PUT",
      body: { cron: "0 3 * * 1" },
    });
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { nextRefreshAt: string };
    expect(new Date(body.nextRefreshAt).getUTCDay()).toBe(1);
    expect(new Date(body.nextRefreshAt).getUTCHours()).toBe(3);
    const queue = new Queue("masking", { connection: t.redis, prefix: t.config.queuePrefix });
    const scheduler = await queue.getJobScheduler(refreshSchedulerId(id));
    expect(scheduler?.pattern).toBe("0 3 * * 1");
    const listed = await call("engineer", `/api/v1/datasets/${id}`);
    expect(((await listed.json()) as { refreshCron: string }).refreshCron).toBe("0 3 * * 1");
    const off = await call("engineer", `/api/v1/datasets/${id}/refresh-schedule`, {
      method: "PUT",
      body: { cron: null },
    });
    expect(off.status).toBe(200);
    expect(await queue.getJobScheduler(refreshSchedulerId(id))).toBeFalsy();
    await queue.close();
  });
});
