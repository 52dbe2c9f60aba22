/**
 * `npm run bench -- retention [rows] [batch]` (default 1,000,000 rows, batches of 5,000).
 *
 * Measures an approved archive-then-delete by the retention executor (bounded batches, legal
 * holds re-checked per batch, ledger rows written with each delete, rows streamed through gzip
 * into fsynced archive files) against a plain batched DELETE of the same rows in 10,000-row
 * batches, in the same run on an identical copy: two tenants of one freshly migrated database
 * with the same generated customer_interactions past the CCPA policy's two-year cutoff. Prints
 * rows/s of each, the longest time a batch held its locks, and as the last line the ratio.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { approveRequest } from "../jobs/retention/approvals.ts";
import { executeRequest } from "../jobs/retention/executor.ts";
import { planRetention } from "../jobs/retention/planner.ts";
import { loadRetentionSchedule } from "../rules/retention/index.ts";
import { loadConfig, withDatabase } from "../schema/config.ts";
import { migrateToLatest } from "../schema/migrate.ts";
import { createOwnerDb, type Db } from "../schema/postgres.ts";

const PLAIN_BATCH = 10_000;

export async function main(args: string[]): Promise<void> {
  const rows = Number(args[0] ?? 1_000_000);
  const batch = Number(args[1] ?? 5_000);
  if (!Number.isInteger(rows) || rows < 1000 || !Number.isInteger(batch) || batch < 100) {
    console.error("usage: npm run bench -- retention [rows >= 1000] [batch >= 100]");
    process.exit(2);
  }
  const base = loadConfig();
  const name = `govern_bench_retention_${randomBytes(3).toString("hex")}`;
  const archiveDir = mkdtempSync(join(tmpdir(), "govern-bench-retention-"));
  const config = { ...withDatabase(base, name), archiveDir };
  const admin = createOwnerDb(withDatabase(base, "postgres"), { max: 1 });
  await sql`CREATE DATABASE ${sql.id(name)}`.execute(admin.db);
  const { db, pool } = createOwnerDb(config, { max: 4 });
  try {
    await migrateToLatest(db, config);
    console.log(`retention: loading 2 x ${rows} customer_interactions past the cutoff`);
    const t0 = performance.now();
    const [archived, plain] = [
      await seedTenant(db, "archive", rows),
      await seedTenant(db, "plain", rows),
    ];
    await sql`VACUUM ANALYZE customer_interactions`.execute(db);
    // No autovacuum during the timed legs: the first leg's million dead rows would otherwise
    // have it vacuum the table while the second leg runs, on the same two cores.
    await sql`ALTER TABLE customer_interactions SET (autovacuum_enabled = false)`.execute(db);
    console.log(`retention: loaded in ${Math.round(performance.now() - t0)} ms`);

    // The approved archive-then-delete, as the job runs it: plan, approve, execute.
    const schedule = loadRetentionSchedule();
    const policy = schedule.policies.find((p) => p.id === "ccpa-interactions-2y");
    if (!policy) {
      throw new Error("policy ccpa-interactions-2y is missing");
    }
    const t1 = performance.now();
    const [planned] = await planRetention(db, {
      requestedBy: "bench-requester@govern.local",
      schedule: { ...schedule, policies: [policy] },
      tenantIds: [archived],
    });
    const request = planned?.request;
    if (!request || request.totalRows !== rows) {
      throw new Error(`planned ${request?.totalRows} rows, expected ${rows}`);
    }
    const approval = await approveRequest(db, {
      requestId: request.id,
      decider: { name: "bench-officer@govern.local", role: "compliance_officer" },
      reason: "benchmark",
    });
    if (!approval.ok) {
      throw new Error(approval.message);
    }
    console.log(
      `retention: planned and approved ${request.totalRows} rows in ${Math.round(performance.now() - t1)} ms (not timed below)`,
    );
    // The plan's million keys vacuumed now, not by autovacuum during the timed execution; and
    // each timed phase starts from a checkpoint, so neither pays for the other's dirty pages.
    await sql`VACUUM ANALYZE governance.retention_request_keys`.execute(db);
    await sql`CHECKPOINT`.execute(db);
    const t2 = performance.now();
    const outcome = await executeRequest({ db, pool, config }, request.id, {
      actor: "bench",
      batchSize: batch,
      checkDrift: false,
    });
    const executeMs = performance.now() - t2;
    if (outcome.outcome !== "done") {
      throw new Error(`execution ${outcome.outcome}: ${JSON.stringify(outcome)}`);
    }
    const deleteMs = outcome.report.durationMs;
    const archiveBytes = (outcome.certificate.body.archive?.files ?? []).reduce(
      (n, f) => n + f.bytes,
      0,
    );
    const executorRate = Math.round((outcome.report.rows / deleteMs) * 1000);
    console.log(
      `retention: archive-then-delete ${outcome.report.rows} rows in ${Math.round(deleteMs)} ms (${executorRate} rows/s; ${outcome.report.batches} batches of ${batch}; archive ${(archiveBytes / 1e6).toFixed(1)} MB gzip; longest batch lock ${outcome.report.longestBatchLockMs.toFixed(1)} ms; whole call incl. gate and certificate ${Math.round(executeMs)} ms)`,
    );

    const phases = Object.entries(outcome.report.phasesMs)
      .map(([phase, ms]) => `${phase} ${Math.round(ms)}`)
      .join(", ");
    console.log(`retention: executor time by phase, ms: ${phases}`);

    // The baseline: plain batched DELETE of the same rows, 10k per batch, one transaction each.
    await sql`CHECKPOINT`.execute(db);
    const t3 = performance.now();
    let deleted = 0;
    let longestPlain = 0;
    for (;;) {
      const b0 = performance.now();
      const result = await sql`
        DELETE FROM customer_interactions WHERE id IN (
          SELECT id FROM customer_interactions
          WHERE tenant_id = ${plain} AND created_at < now() - interval '2 years'
          LIMIT ${PLAIN_BATCH})`.execute(db);
      longestPlain = Math.max(longestPlain, performance.now() - b0);
      const n = Number(result.numAffectedRows ?? 0);
      deleted += n;
      if (n === 0) {
        break;
      }
    }
    const plainMs = performance.now() - t3;
    const plainRate = Math.round((deleted / plainMs) * 1000);
    console.log(
      `retention: plain batched DELETE ${deleted} rows in ${Math.round(plainMs)} ms (${plainRate} rows/s; longest batch ${longestPlain.toFixed(1)} ms)`,
    );
    const lockOk = outcome.report.longestBatchLockMs < 250 ? "under" : "OVER";
    console.log(
      `retention: longest batch lock ${outcome.report.longestBatchLockMs.toFixed(1)} ms (${lockOk} the 250 ms target)`,
    );
    const ratio = executorRate / plainRate;
    console.log(
      `retention: ratio ${ratio.toFixed(2)} (archive-then-delete over plain batched delete), ${executorRate} rows/s`,
    );
  } finally {
    await db.destroy();
    await sql`DROP DATABASE IF EXISTS ${sql.id(name)} WITH (FORCE)`.execute(admin.db);
    await admin.db.destroy();
    rmSync(archiveDir, { recursive: true, force: true });
  }
}

/** A tenant with 1,000 customers and `rows` interactions three years old (same text per tenant). */
export async function seedTenant(db: Db, label: string, rows: number): Promise<string> {
  const tenant = await sql<{ id: string }>`
    INSERT INTO tenants (business_name) VALUES (${`Bench ${label}`}) RETURNING id::text AS id`.execute(
    db,
  );
  const tenantId = tenant.rows[0]?.id as string;
  const business = await sql<{ id: string }>`
    INSERT INTO businesses (tenant_id, legal_name, display_name)
    VALUES (${tenantId}, ${`Bench ${label} LLC`}, ${`Bench ${label}`}) RETURNING id::text AS id`.execute(
    db,
  );
  const businessId = business.rows[0]?.id as string;
  await sql`
    INSERT INTO customers (tenant_id, business_id, first_name, last_name, email, phone, created_at)
    SELECT ${tenantId}, ${businessId}, 'Pat', 'Customer ' || g, 'pat' || g || '@example.com',
           '+1555' || lpad(g::text, 7, '0'), now() - interval '9 years'
    FROM generate_series(1, 1000) g`.execute(db);
  await sql`
    INSERT INTO customer_interactions (tenant_id, customer_id, interaction_type, direction, channel,
                                       subject, content, metadata, ai_summary, sentiment_score, created_at)
    SELECT ${tenantId}, c.ids[1 + (g % 1000)], 'call', 'inbound', 'phone',
           'Question about invoice ' || g,
           'Customer called about the invoice and asked to move the visit to next week. Follow up ' || md5(g::text),
           jsonb_build_object('duration_seconds', 30 + g % 600, 'caller_id', '+1555' || lpad((g % 1000)::text, 7, '0')),
           'Rescheduling request', ((g % 200) - 100) / 100.0,
           now() - interval '3 years' - (g % 500) * interval '1 day'
    FROM generate_series(1, ${rows}) g,
         (SELECT array_agg(id ORDER BY id) AS ids FROM customers WHERE tenant_id = ${tenantId}) c`.execute(
    db,
  );
  return tenantId;
}
