import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { approveRequest } from "../jobs/retention/approvals.ts";
import { fileSha256, readArchiveRows } from "../jobs/retention/archive.ts";
import { verifyCertificate } from "../jobs/retention/certificate.ts";
import {
  batchStatement,
  executeRequest,
  FAST_PLAN,
  planTable,
} from "../jobs/retention/executor.ts";
import { loadSchemaGraph } from "../jobs/retention/graph.ts";
import { addHold, releaseHold } from "../jobs/retention/holds.ts";
import {
  keySetHashOf,
  ledgerKeySetHash,
  plannedKeySetHash,
} from "../jobs/retention/ledger-hash.ts";
import { planRetention } from "../jobs/retention/planner.ts";
import { getRequest, type RetentionRequest } from "../jobs/retention/requests.ts";
import { readTableShape } from "../jobs/retention/table-shape.ts";
import { seedDemoPlatform } from "../masking/demo-platform/index.ts";
import { loadRetentionSchedule, type TRetentionSchedule } from "../rules/retention/index.ts";
import type { Config } from "../schema/config.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

/**
 * The executor over a small demo platform whose history ended nine years ago, with the CCPA
 * interactions policy (archive-then-delete) at a small threshold: the approval gate, legal holds
 * (at the start and placed mid-run), drift, and the identity previewed = deleted = ledger =
 * archived, by count and by key-set hash.
 */

const NOW = new Date();
const AS_OF_SEED = new Date(Date.UTC(NOW.getUTCFullYear() - 9, 0, 1));
const requester = "alice@compliance.test";
const officer = { name: "bob@compliance.test", role: "compliance_officer" as const };

let database: TestDatabase;
let pool: pg.Pool;
let config: Config;
let tenantIds: string[];
let schedule: TRetentionSchedule;
let archiveDir: string;

beforeAll(async () => {
  database = await createTestDatabase("retention_executor", { demoPartitionsFor: AS_OF_SEED });
  archiveDir = mkdtempSync(join(tmpdir(), "govern-retention-exec-"));
  config = { ...database.config, archiveDir };
  pool = new pg.Pool({ connectionString: config.databaseUrl, max: 4 });
  const report = await seedDemoPlatform(pool, {
    tenants: 3,
    customersPerTenant: 20,
    seed: 71,
    asOf: AS_OF_SEED,
  });
  tenantIds = report.tenantIds;
  const base = loadRetentionSchedule();
  schedule = {
    ...base,
    policies: base.policies
      .filter((p) => p.id === "ccpa-interactions-2y")
      .map((p) => ({ ...p, threshold: 10 })),
  };
}, 120_000);

afterAll(async () => {
  await pool?.end();
  await database?.drop();
  rmSync(archiveDir, { recursive: true, force: true });
});

async function planFor(tenantId: string): Promise<RetentionRequest> {
  const outcomes = await planRetention(database.owner, {
    requestedBy: requester,
    schedule,
    tenantIds: [tenantId],
  });
  const request = outcomes[0]?.request;
  if (!request) {
    throw new Error("nothing planned");
  }
  return request;
}

async function approve(request: RetentionRequest): Promise<void> {
  const decision = await approveRequest(database.owner, {
    requestId: request.id,
    decider: officer,
    reason: "CCPA business records past 2 years",
  });
  expect(decision.ok, JSON.stringify(decision)).toBe(true);
}

const deps = () => ({ db: database.owner, pool, config });

async function interactionIds(tenantId: string): Promise<Set<string>> {
  const rows = await sql<{ id: string }>`
    SELECT id::text AS id FROM customer_interactions WHERE tenant_id = ${tenantId}`.execute(
    database.owner,
  );
  return new Set(rows.rows.map((r) => r.id));
}

async function plannedKeys(requestId: string): Promise<string[]> {
  const rows = await sql<{ key: string }>`
    SELECT key FROM governance.retention_request_keys WHERE request_id = ${requestId}`.execute(
    database.owner,
  );
  return rows.rows.map((r) => r.key);
}

async function ledgerKeys(requestId: string): Promise<string[]> {
  const rows = await sql<{ key: string }>`
    SELECT key FROM governance.retention_ledger WHERE request_id = ${requestId}`.execute(
    database.owner,
  );
  return rows.rows.map((r) => r.key);
}

describe("retention executor", () => {
  test("a plan above threshold cannot execute without approval; a legal hold blocks the approved request; released, it runs: previewed = deleted = ledger = archived", async () => {
    const tenant = tenantIds[0] as string;
    const request = await planFor(tenant);
    expect(request.status).toBe("pending_approval");
    expect(request.approvalReasons).toContain("above_threshold");
    const before = await interactionIds(tenant);

    const unapproved = await executeRequest(deps(), request.id, { actor: "worker" });
    expect(unapproved.outcome).toBe("refused");
    expect(unapproved.outcome === "refused" && unapproved.reason).toBe("not_approved");
    expect(await ledgerKeys(request.id)).toHaveLength(0);

    await approve(request);
    const customer = await sql<{ customer_id: string }>`
      SELECT customer_id::text AS customer_id FROM customer_interactions
      WHERE tenant_id = ${tenant} ORDER BY id LIMIT 1`.execute(database.owner);
    const hold = await addHold(database.owner, {
      tenantId: tenant,
      customerId: customer.rows[0]?.customer_id ?? null,
      reason: "litigation: Doe v. Business",
      createdBy: "carol@legal.test",
    });
    const held = await executeRequest(deps(), request.id, { actor: "worker", batchSize: 25 });
    expect(held.outcome).toBe("refused");
    if (held.outcome === "refused") {
      expect(held.reason).toBe("held");
      expect(held.message).toContain(hold.id);
    }
    expect((await getRequest(database.owner, request.id))?.status).toBe("blocked");
    expect(await interactionIds(tenant)).toEqual(before);

    await releaseHold(database.owner, { id: hold.id, releasedBy: "carol@legal.test" });
    const progress: number[] = [];
    // The table's batches run on two connections at once: both workers are seen starting one.
    let starting = 0;
    let mostStarting = 0;
    const done = await executeRequest(deps(), request.id, {
      actor: "worker",
      batchSize: 25,
      onProgress: (p) => {
        progress.push(p.percent);
      },
      beforeBatch: async () => {
        starting += 1;
        mostStarting = Math.max(mostStarting, starting);
        await new Promise((resolve) => setTimeout(resolve, 20));
        starting -= 1;
      },
    });
    expect(done.outcome, JSON.stringify(done)).toBe("done");
    if (done.outcome !== "done") {
      return;
    }
    expect(mostStarting).toBe(2);
    expect(progress.length).toBeGreaterThan(1);
    expect(done.report.longestBatchLockMs).toBeGreaterThan(0);

    // previewed = deleted = ledger = archived, by count and by key-set hash
    const planned = await plannedKeys(request.id);
    const ledger = await ledgerKeys(request.id);
    const after = await interactionIds(tenant);
    const deleted = [...before].filter((id) => !after.has(id));
    expect(planned.length).toBe(request.totalRows);
    expect(deleted.length).toBe(planned.length);
    expect(ledger.length).toBe(planned.length);
    expect(new Set(deleted)).toEqual(new Set(planned));
    const body = done.certificate.body;
    const archive = body.archive;
    expect(archive).not.toBeNull();
    const archivedKeys: string[] = [];
    for (const file of archive?.files ?? []) {
      const path = join(archiveDir, file.path);
      expect(await fileSha256(path)).toBe(file.sha256);
      const rows = await readArchiveRows(path);
      expect(rows).toHaveLength(file.rows);
      archivedKeys.push(...rows.map((r) => String(r.id)));
    }
    expect(archivedKeys.length).toBe(planned.length);
    const plannedHash = await plannedKeySetHash(database.owner, request.id);
    expect(request.keySetHash).toBe(plannedHash);
    expect(await ledgerKeySetHash(database.owner, request.id)).toBe(plannedHash);
    expect(await keySetHashOf(deleted.map((k) => ["customer_interactions", k]))).toBe(plannedHash);
    expect(await keySetHashOf(archivedKeys.map((k) => ["customer_interactions", k]))).toBe(
      plannedHash,
    );
    expect(body.keySet).toEqual({
      planned: plannedHash,
      ledger: plannedHash,
      archived: plannedHash,
    });
    // the manifest on disk lists the same files and checksums as the certificate
    const manifest = JSON.parse(
      await readFile(join(archiveDir, archive?.manifest ?? ""), "utf8"),
    ) as { files: { sha256: string }[]; tables: Record<string, { rows: number }> };
    expect(manifest.files.map((f) => f.sha256)).toEqual(archive?.files.map((f) => f.sha256));
    expect(manifest.tables.customer_interactions?.rows).toBe(planned.length);
    expect(await fileSha256(join(archiveDir, archive?.manifest ?? ""))).toBe(
      archive?.manifestSha256,
    );
    // the certificate: who requested, who approved, counts per table, and its own checksum
    expect(body.requestedBy).toBe(requester);
    expect(body.approvedBy).toBe(officer.name);
    expect(body.tables.customer_interactions?.done).toBe(planned.length);
    expect(verifyCertificate(done.certificate)).toBe(true);
    expect((await getRequest(database.owner, request.id))?.status).toBe("done");

    // executing again deletes nothing more and returns the same certificate
    const again = await executeRequest(deps(), request.id, { actor: "worker" });
    expect(again.outcome).toBe("done");
    expect(again.outcome === "done" && again.certificate.sha256).toBe(done.certificate.sha256);
    expect(await ledgerKeys(request.id)).toHaveLength(planned.length);
    expect(await interactionIds(tenant)).toEqual(after);
  }, 60_000);

  test("a hold placed mid-run keeps its rows: the rest is deleted, the request ends blocked naming the hold, and finishes after release", async () => {
    const tenant = tenantIds[1] as string;
    const request = await planFor(tenant);
    await approve(request);
    const keys = (await plannedKeys(request.id)).sort();
    // Hold the customer of the last key in the executor's order (the plan's physical order):
    // reached only after the first batch.
    const inOrder = await sql<{ key: string }>`
      SELECT key FROM governance.retention_request_keys WHERE request_id = ${request.id}
      ORDER BY seq DESC LIMIT 1`.execute(database.owner);
    const last = inOrder.rows[0]?.key as string;
    const owner = await sql<{ customer_id: string }>`
      SELECT customer_id::text AS customer_id FROM customer_interactions WHERE id = ${last}`.execute(
      database.owner,
    );
    const heldCustomer = owner.rows[0]?.customer_id as string;
    let holdId = "";
    let batches = 0;
    const outcome = await executeRequest(deps(), request.id, {
      actor: "worker",
      batchSize: 20,
      beforeBatch: async () => {
        batches += 1;
        if (batches === 2) {
          holdId = (
            await addHold(database.owner, {
              tenantId: tenant,
              customerId: heldCustomer,
              reason: "subpoena",
              createdBy: "carol@legal.test",
            })
          ).id;
        }
      },
    });
    expect(outcome.outcome).toBe("blocked");
    if (outcome.outcome !== "blocked") {
      return;
    }
    expect(outcome.heldBy).toEqual([holdId]);
    expect(outcome.message).toContain(holdId);
    const stored = await getRequest(database.owner, request.id);
    expect(stored?.status).toBe("blocked");
    expect(JSON.stringify(stored?.blockedBy)).toContain(holdId);
    const heldRows = await sql<{ id: string }>`
      SELECT id::text AS id FROM customer_interactions
      WHERE tenant_id = ${tenant} AND customer_id = ${heldCustomer} AND id::text = ANY(${keys})`.execute(
      database.owner,
    );
    expect(heldRows.rows.length).toBeGreaterThan(0);
    expect(heldRows.rows.length).toBe(outcome.heldKeys);
    expect((await ledgerKeys(request.id)).length).toBe(keys.length - heldRows.rows.length);

    await releaseHold(database.owner, { id: holdId, releasedBy: "carol@legal.test" });
    const done = await executeRequest(deps(), request.id, { actor: "worker", batchSize: 20 });
    expect(done.outcome, JSON.stringify(done)).toBe("done");
    expect(new Set(await ledgerKeys(request.id))).toEqual(new Set(keys));
    expect(await ledgerKeySetHash(database.owner, request.id)).toBe(request.keySetHash);
  }, 60_000);

  test("drift beyond the tolerance since approval stops the execution before any delete and asks for approval again", async () => {
    const tenant = tenantIds[2] as string;
    const request = await planFor(tenant);
    await approve(request);
    // New rows matching the policy (old interactions), well beyond 5% of the plan.
    const extra = Math.ceil(request.totalRows * 0.2) + 1;
    await sql`
      INSERT INTO customer_interactions (id, tenant_id, customer_id, interaction_type, content, created_at)
      SELECT ${randomUUID()}::uuid, tenant_id, id, 'call', 'late import', now() - interval '5 years'
      FROM customers WHERE tenant_id = ${tenant} LIMIT 1`.execute(database.owner);
    await sql`
      INSERT INTO customer_interactions (tenant_id, customer_id, interaction_type, content, created_at)
      SELECT c.tenant_id, c.id, 'call', 'late import', now() - interval '5 years'
      FROM customers c, generate_series(1, ${extra}) g WHERE c.tenant_id = ${tenant} LIMIT ${extra}`.execute(
      database.owner,
    );
    const before = await interactionIds(tenant);
    const outcome = await executeRequest(deps(), request.id, { actor: "worker" });
    expect(outcome.outcome).toBe("refused");
    if (outcome.outcome === "refused") {
      expect(outcome.reason).toBe("drift");
      expect(outcome.message).toMatch(/approve again/);
    }
    const stored = await getRequest(database.owner, request.id);
    expect(stored?.status).toBe("pending_approval");
    expect(stored?.approvedBy).toBeNull();
    expect(await interactionIds(tenant)).toEqual(before);
    expect(await ledgerKeys(request.id)).toHaveLength(0);
  }, 60_000);
  test("a fast batch finds its rows with one TID scan joined to its keys by hash, never a nested loop over the batch", async () => {
    const tenant = tenantIds[2] as string;
    const request = await planFor(tenant);
    const keys = await sql<{ ord: number; n: number; upto: string }>`
      SELECT min(ord)::int AS ord, count(*)::int AS n, max(seq)::text AS upto
      FROM governance.retention_request_keys
      WHERE request_id = ${request.id} AND table_name = 'customer_interactions'`.execute(
      database.owner,
    );
    const { ord, n, upto } = keys.rows[0] ?? { ord: 0, n: 0, upto: "0" };
    expect(n).toBeGreaterThan(10);
    const plan = planTable(request, "customer_interactions", ord, n);
    const shape = await readTableShape(
      database.owner,
      await loadSchemaGraph(database.owner),
      "customer_interactions",
    );
    const statement = batchStatement(
      {
        request,
        plan,
        shape,
        range: { after: "0", upto },
        batch: 1,
        skip: [],
        resumed: false,
        fast: true,
      },
      [],
      (v) => `'${v.replaceAll("'", "''")}'`,
    );
    const query = /^COPY \(([\s\S]*)\) TO STDOUT \(FORMAT csv, HEADER\)$/.exec(statement)?.[1];
    expect(query).toBeDefined();
    const client = await pool.connect();
    const explain = async (fastPlan: boolean) => {
      await client.query("BEGIN");
      try {
        // As on a table of millions of rows, where reading it whole is out of the question.
        await client.query("SET LOCAL enable_seqscan = off");
        if (fastPlan) {
          await client.query(FAST_PLAN.off);
        }
        const explained = await client.query<{ "QUERY PLAN": string }>(`EXPLAIN ${query}`);
        return explained.rows.map((r) => r["QUERY PLAN"]).join("\n");
      } finally {
        await client.query("ROLLBACK");
      }
    };
    try {
      const fast = await explain(true);
      expect(fast).toMatch(/Tid Scan on customer_interactions t/);
      expect(fast).toMatch(/Hash Join/);
      expect(fast).not.toMatch(/Nested Loop/);
      // What FAST_PLAN prevents: freshly planned keys are estimated at one row, and the
      // planner's own choice tests the whole TID array on every row of the batch.
      expect(await explain(false)).toMatch(/Nested Loop/);
    } finally {
      client.release();
    }
  }, 60_000);

  test("rows updated after planning (moved from where the plan saw them) are still found by key: deleted, in the ledger once, archived as they are now", async () => {
    // After the drift test: the new plan supersedes its request.
    const tenant = tenantIds[2] as string;
    const request = await planFor(tenant);
    await approve(request);
    const planned = await plannedKeys(request.id);
    const moved = planned.slice(0, 5);
    // An UPDATE writes a new row version elsewhere: the plan's location no longer holds it.
    await sql`UPDATE customer_interactions SET content = 'edited after approval'
      WHERE id::text = ANY(${moved})`.execute(database.owner);
    const outcome = await executeRequest(deps(), request.id, { actor: "worker", batchSize: 4 });
    expect(outcome.outcome, JSON.stringify(outcome)).toBe("done");
    const after = await interactionIds(tenant);
    expect(planned.filter((k) => after.has(k))).toEqual([]);
    const ledger = await ledgerKeys(request.id);
    expect(ledger.length).toBe(planned.length);
    expect(new Set(ledger)).toEqual(new Set(planned));
    const archived: Record<string, string | null>[] = [];
    for (const file of outcome.outcome === "done"
      ? (outcome.certificate.body.archive?.files ?? [])
      : []) {
      archived.push(...(await readArchiveRows(join(archiveDir, file.path))));
    }
    expect(archived.map((r) => r.id).sort()).toEqual([...planned].sort());
    for (const row of archived.filter((r) => moved.includes(String(r.id)))) {
      expect(row.content).toBe("edited after approval");
    }
    const manifest = JSON.parse(
      await readFile(
        join(
          archiveDir,
          outcome.outcome === "done" ? (outcome.certificate.body.archive?.manifest ?? "") : "",
        ),
        "utf8",
      ),
    );
    expect(manifest.format).toBe("csv+header;gzip");
    expect(
      manifest.tables.customer_interactions.columns.map((c: { name: string }) => c.name),
    ).toEqual(Object.keys(archived[0] ?? {}));
  }, 60_000);

  test("anonymizing varchar(n) columns: a marker, a hash or a scrubbed text longer than n is trimmed to fit", async () => {
    const tenant = tenantIds[0] as string;
    const payments = await sql<{ id: string; customer_id: string }>`
      SELECT id::text AS id, customer_id::text AS customer_id FROM payments
      WHERE tenant_id = ${tenant} AND customer_id IS NOT NULL ORDER BY id LIMIT 3`.execute(
      database.owner,
    );
    expect(payments.rows.length).toBeGreaterThan(0);
    const ids = payments.rows.map((r) => r.id);
    // card_brand is varchar(20): "Bo" → "[erased]" makes its 19 characters 25.
    await sql`UPDATE payments SET card_last4 = '4242', bank_routing_number = '021000021',
        card_brand = 'Card of Bo S. Smith'
      WHERE id::text = ANY(${ids})`.execute(database.owner);
    const definition = {
      tables: [
        {
          table: "payments",
          action: "anonymize",
          anonymize: { card_last4: "redact", bank_routing_number: "hash" },
          scrub: true,
        },
      ],
    };
    const inserted = await sql<{ id: string }>`
      INSERT INTO governance.retention_requests (kind, tenant_id, subject, definition, counts,
        total_rows, fingerprint, status, requires_approval, requested_by, approved_by, approved_at,
        approved_fingerprint, approval_expires_at)
      VALUES ('erasure', ${tenant}, ${JSON.stringify({ customer_id: payments.rows[0]?.customer_id })}::jsonb,
        ${JSON.stringify(definition)}::jsonb, ${JSON.stringify({ payments: ids.length })}::jsonb,
        ${ids.length}, 'fp-varchar', 'approved', false, ${requester}, 'policy', now(), 'fp-varchar',
        now() + interval '1 day')
      RETURNING id::text AS id`.execute(database.owner);
    const requestId = inserted.rows[0]?.id as string;
    // Keys without a location (as the erasure planner writes them): looked up by key.
    await sql`INSERT INTO governance.retention_request_keys (request_id, table_name, key, ord)
      SELECT ${requestId}::uuid, 'payments', k, 0 FROM unnest(${ids}::text[]) k`.execute(
      database.owner,
    );
    const outcome = await executeRequest(deps(), requestId, {
      actor: "worker",
      checkDrift: false,
      identifiers: ["Bo"],
    });
    expect(outcome.outcome, JSON.stringify(outcome)).toBe("done");
    const rows = await sql<{ card_last4: string; bank_routing_number: string; card_brand: string }>`
      SELECT card_last4, bank_routing_number, card_brand FROM payments WHERE id::text = ANY(${ids})`.execute(
      database.owner,
    );
    for (const row of rows.rows) {
      expect(row.card_last4).toBe("REDA");
      expect(row.bank_routing_number).toMatch(/^[0-9a-f]{9}$/);
      expect(row.card_brand).toBe("Card of [erased] S. ");
    }
    expect(new Set(await ledgerKeys(requestId))).toEqual(new Set(ids));
  }, 60_000);
});
