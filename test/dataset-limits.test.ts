import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCatalogScan } from "../jobs/classify/scan.ts";
import { type RunningWorker, startWorker } from "../jobs/worker.ts";
import { getDataset } from "../masking/datasets.repository.ts";
import { startOfTodayUtc } from "../masking/demo-platform/clock.ts";
import { seedDemoPlatform } from "../masking/demo-platform/index.ts";
import { datasetDatabaseName } from "../masking/provision/provision.ts";
import { withDatabase } from "../schema/config.ts";
import type { Role } from "../schema/domain/permissions.ts";
import type { Logger } from "../schema/logger.ts";
import { createOwnerDb, createPool } from "../schema/postgres.ts";
import { asToken, type ConsoleApp, openConsoleApp } from "./support/console-app.ts";
import { dropDatasetByName } from "./support/dataset-cleanup.ts";

/**
 * Datasets through the API with a real worker: size limits with an estimate before submit,
 * cancellation while running, the API answering while the largest allowed dataset is built,
 * and the connection string kept a secret (requester and admins only; never in job runs, logs
 * or the audit trail).
 */

const SLOW = 600_000;
let t: ConsoleApp;
let worker: RunningWorker;
let workerPool: pg.Pool;
const logLines: string[] = [];
const capture: Logger = {
  debug: (m, f) => logLines.push(JSON.stringify({ m, ...f })),
  info: (m, f) => logLines.push(JSON.stringify({ m, ...f })),
  warn: (m, f) => logLines.push(JSON.stringify({ m, ...f })),
  error: (m, f) => logLines.push(JSON.stringify({ m, ...f })),
};
const suffix = Math.random().toString(36).slice(2, 7);
const names: string[] = [];
const dsName = (n: string) => {
  const name = `lim${suffix}_${n}`;
  names.push(datasetDatabaseName(name));
  return name;
};

beforeAll(async () => {
  t = await openConsoleApp("dslimits", { demoPartitionsFor: startOfTodayUtc() });
  const { pool, db } = createOwnerDb(t.config, { max: 2 });
  try {
    await seedDemoPlatform(pool, { tenants: 1, customersPerTenant: 15, seed: 29 });
  } finally {
    await db.destroy();
  }
  await runCatalogScan({ db: t.db }, { stores: ["postgres"], triggeredBy: "test" });
  await sql`UPDATE governance.catalog_columns
    SET review_status = 'accepted', decided_category = coalesce(proposed_category, 'none'),
        decided_sensitivity = proposed_sensitivity, needs_rereview = false`.execute(t.db);
  await sql`ANALYZE`.execute(t.db);
  workerPool = createPool(t.config.databaseUrl, { max: 2 });
  worker = await startWorker({
    config: t.config,
    db: t.db,
    pool: workerPool,
    analytics: t.analytics,
    redis: t.redis,
    logger: capture,
  });
}, SLOW);

afterAll(async () => {
  await worker?.close();
  await workerPool?.end();
  for (const n of names) {
    await dropDatasetByName(t.config, n).catch(() => {});
  }
  await t?.close();
});

function call(role: Role, path: string, init: { method?: string; body?: unknown } = {}) {
  return t.request(path, {
    method: init.method ?? "GET",
    headers: asToken(t.logins[role].token),
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
}

async function waitFor<T>(probe: () => Promise<T | undefined>, ms: number): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > until) {
      throw new Error("timed out");
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function exists(name: string): Promise<{ database: boolean; role: boolean }> {
  const admin = new pg.Client({ connectionString: withDatabase(t.config, "postgres").databaseUrl });
  await admin.connect();
  try {
    const r = await admin.query<{ d: boolean; r: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS d,
              EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS r`,
      [name],
    );
    return { database: Boolean(r.rows[0]?.d), role: Boolean(r.rows[0]?.r) };
  } finally {
    await admin.end();
  }
}

type Estimate = {
  allowed: boolean;
  limit: { rows: number; bytes: number };
  estimate: { rows: number; bytes: number };
};

describe("size limits", () => {
  it("estimates a request before it is sent and refuses one over the role's limit (413, nothing stored); an admin's limit is higher", async () => {
    const small = await call("engineer", "/api/v1/datasets/estimate", {
      method: "POST",
      body: { kind: "synthetic", tenants: 1, customersPerTenant: 10 },
    });
    expect(small.status).toBe(200);
    const smallBody = (await small.json()) as Estimate;
    expect(smallBody.allowed).toBe(true);
    expect(smallBody.estimate.rows).toBeGreaterThan(10);

    const huge = { kind: "synthetic", tenants: 100, customersPerTenant: 200_000 };
    const hugeEstimate = (await (
      await call("engineer", "/api/v1/datasets/estimate", { method: "POST", body: huge })
    ).json()) as Estimate;
    expect(hugeEstimate.allowed).toBe(false);
    expect(hugeEstimate.estimate.rows).toBeGreaterThan(20_000_000);

    const name = dsName("huge");
    const refused = await call("engineer", "/api/v1/synthetic/datasets", {
      method: "POST",
      body: { name, tenants: 100, customersPerTenant: 200_000 },
    });
    expect(refused.status).toBe(413);
    const error = ((await refused.json()) as { error: { message: string; details: Estimate } })
      .error;
    expect(error.message).toMatch(/limit/);
    expect(error.details.limit.rows).toBe(t.config.datasetLimits.rows.engineer);
    expect(error.details.estimate.rows).toBe(hugeEstimate.estimate.rows);
    expect(await getDataset(t.db, name)).toBeUndefined();
    const audit = await t.db
      .selectFrom("governance.audit_events")
      .select("action")
      .where("target", "=", `dataset:${name}`)
      .execute();
    expect(audit.map((a) => a.action)).toContain("datasets.synthetic.request.too_large");

    // A masked copy of the whole store, with the engineer's limit below it: refused as well.
    const saved = t.config.datasetLimits.rows.engineer ?? 0;
    t.config.datasetLimits.rows.engineer = 10;
    try {
      const masked = await call("engineer", "/api/v1/datasets", {
        method: "POST",
        body: { name: dsName("masked_big") },
      });
      expect(masked.status).toBe(413);
      const admin = (await (
        await call("admin", "/api/v1/datasets/estimate", {
          method: "POST",
          body: { kind: "masked" },
        })
      ).json()) as Estimate;
      expect(admin.allowed).toBe(true);
    } finally {
      t.config.datasetLimits.rows.engineer = saved;
    }
  });
});

describe("the largest allowed dataset being built", () => {
  it(
    "leaves the API answering within 1 s, stops when cancelled, drops its database and role, and is not retried",
    async () => {
      // The engineer's limit is set to what this request will weigh: the largest allowed.
      // Big enough that it is still building when cancelled, however fast the machine (at 2 x
      // 4,000 it once finished during the health checks).
      const size = { tenants: 2, customersPerTenant: 20_000 };
      const estimate = (await (
        await call("engineer", "/api/v1/datasets/estimate", {
          method: "POST",
          body: { kind: "synthetic", ...size },
        })
      ).json()) as Estimate;
      const saved = { rows: t.config.datasetLimits.rows, bytes: t.config.datasetLimits.bytes };
      // (1% slack: the source's live counts may move between two estimates.)
      t.config.datasetLimits.rows = {
        ...saved.rows,
        engineer: Math.ceil(estimate.estimate.rows * 1.01),
      };
      t.config.datasetLimits.bytes = {
        ...saved.bytes,
        engineer: Math.ceil(estimate.estimate.bytes * 1.01),
      };
      const name = dsName("largest");
      try {
        const res = await call("engineer", "/api/v1/synthetic/datasets", {
          method: "POST",
          body: { name, ...size },
        });
        expect(res.status).toBe(202);
        const { dataset, jobId } = (await res.json()) as {
          dataset: { id: string };
          jobId: string;
        };
        // Running, with rows going in.
        await waitFor(async () => {
          const d = await getDataset(t.db, dataset.id);
          const rows = Object.values(d?.progress ?? {}).reduce((n, p) => n + p.rows, 0);
          return d?.status === "running" && rows > 0 ? true : undefined;
        }, 240_000);

        const latencies: number[] = [];
        for (let i = 0; i < 12; i++) {
          const started = performance.now();
          const health = await t.request("/api/v1/health");
          latencies.push(performance.now() - started);
          // An answer (ok, or degraded naming a store), not a timeout.
          expect([200, 503]).toContain(health.status);
          const body = (await health.json()) as { checks: { postgres: { ok: boolean } } };
          expect(body.checks.postgres.ok).toBe(true);
          await new Promise((r) => setTimeout(r, 250));
        }
        expect(Math.max(...latencies)).toBeLessThan(1000);

        const cancelled = await call("engineer", `/api/v1/datasets/${dataset.id}`, {
          method: "DELETE",
        });
        expect(cancelled.status).toBe(200);
        const after = await getDataset(t.db, dataset.id);
        expect(after?.status).toBe("dropped");
        expect(await exists(datasetDatabaseName(name))).toEqual({ database: false, role: false });

        const queue = worker.queues.get("synth");
        const state = await waitFor(async () => {
          const s = await queue?.getJobState(jobId);
          return s === "failed" ? s : undefined;
        }, 30_000);
        expect(state).toBe("failed");
        const job = await queue?.getJob(jobId);
        expect(job?.attemptsMade).toBe(1);
        // Not queued again.
        await new Promise((r) => setTimeout(r, 1500));
        expect(await queue?.getJobState(jobId)).toBe("failed");
      } finally {
        t.config.datasetLimits.rows = saved.rows;
        t.config.datasetLimits.bytes = saved.bytes;
      }
    },
    SLOW,
  );
});

describe("the connection string is a secret", () => {
  it(
    "goes to the requester and admins only, never into job runs, logs or the audit trail; rotating replaces the password",
    async () => {
      const name = dsName("secret");
      const res = await call("engineer", "/api/v1/datasets", {
        method: "POST",
        body: { name, percent: 50 },
      });
      expect(res.status).toBe(202);
      const { dataset } = (await res.json()) as { dataset: { id: string } };
      const ready = await waitFor(async () => {
        const d = await getDataset(t.db, dataset.id);
        if (d?.status === "failed") {
          throw new Error(d.error ?? "failed");
        }
        return d?.status === "ready" ? d : undefined;
      }, 500_000);
      expect(ready.databaseUrl).not.toContain("postgres@");

      const mine = await call("engineer", `/api/v1/datasets/${dataset.id}/connection`);
      expect(mine.status).toBe(200);
      const { connectionString } = (await mine.json()) as { connectionString: string };
      const password = decodeURIComponent(new URL(connectionString).password);
      expect(password.length).toBeGreaterThanOrEqual(24);
      const client = new pg.Client({ connectionString });
      await client.connect();
      await client.end();
      expect((await call("admin", `/api/v1/datasets/${dataset.id}/connection`)).status).toBe(200);
      for (const role of ["steward", "compliance_officer"] as const) {
        expect((await call(role, `/api/v1/datasets/${dataset.id}/connection`)).status, role).toBe(
          403,
        );
        const listed = await (await call(role, "/api/v1/datasets")).text();
        expect(listed).not.toContain(password);
        const one = (await (await call(role, `/api/v1/datasets/${dataset.id}`)).json()) as {
          connectionVisible: boolean;
        };
        expect(one.connectionVisible).toBe(false);
      }

      const verifier = async () =>
        (
          await sql<{
            p: string;
          }>`SELECT rolpassword AS p FROM pg_authid WHERE rolname = ${ready.roleName}`.execute(t.db)
        ).rows[0]?.p;
      const before = await verifier();
      const rotated = await call("engineer", `/api/v1/datasets/${dataset.id}/rotate-password`, {
        method: "POST",
      });
      expect(rotated.status).toBe(200);
      const next = ((await rotated.json()) as { connectionString: string }).connectionString;
      const nextPassword = decodeURIComponent(new URL(next).password);
      expect(nextPassword).not.toBe(password);
      // The role's stored verifier changed (this test cluster trusts local connections, so the
      // old password is not refused at login here; on a server with password auth it is).
      const after = await verifier();
      expect(after).toMatch(/^SCRAM-SHA-256\$/);
      expect(after).not.toBe(before);

      // Nowhere at rest or in the trail: run outcomes and payloads, audit rows, log lines, the
      // dataset row itself (sealed there).
      const everywhere = [
        JSON.stringify((await sql`SELECT * FROM governance.job_runs`.execute(t.db)).rows),
        JSON.stringify((await sql`SELECT * FROM governance.audit_events`.execute(t.db)).rows),
        JSON.stringify((await sql`SELECT * FROM governance.datasets`.execute(t.db)).rows),
        logLines.join("\n"),
      ].join("\n");
      for (const secret of [password, nextPassword]) {
        expect(everywhere).not.toContain(secret);
        expect(everywhere).not.toContain(encodeURIComponent(secret));
      }
      const actions = (
        await t.db.selectFrom("governance.audit_events").select("action").execute()
      ).map((a) => a.action);
      expect(actions).toContain("datasets.rotate_password");
      expect(actions).toContain("datasets.connection.read");
    },
    SLOW,
  );
});
