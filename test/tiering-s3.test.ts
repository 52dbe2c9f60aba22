import { createHash, randomBytes } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from "@aws-sdk/client-s3";
import pg from "pg";
import S3rver from "s3rver";
import { afterAll, beforeAll, expect, test } from "vitest";
import { saveTieringPolicy } from "../jobs/tiering/policies.ts";
import { queryAcrossTiers, tierStatus } from "../jobs/tiering/read.ts";
import { runRestore, runTiering } from "../jobs/tiering/run.ts";
import { startOfTodayUtc } from "../masking/demo-platform/clock.ts";
import { seedDemoPlatform } from "../masking/demo-platform/index.ts";
import {
  type AnalyticsStore,
  createAnalyticsStore,
  migrateAnalytics,
} from "../schema/analytics/analytics-store.ts";
import type { Config } from "../schema/config.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

/**
 * The archive tier in S3-compatible object storage: a real S3 server (s3rver) started here, the
 * mover writing Parquet and manifests into the bucket (nothing in ARCHIVE_DIR), ClickHouse
 * reading the objects in place, the status counting object sizes, and a restore from S3. The
 * checks read the bucket with their own S3 client and hash the bytes themselves.
 */

const id = randomBytes(4).toString("hex");
const AS_OF = startOfTodayUtc();
const dataDir = resolve(".data/test-clickhouse", `tiering-s3-${id}`);
const archiveDir = join(tmpdir(), `govern-tier-s3-folder-${id}`);
const s3Dir = join(tmpdir(), `govern-tier-s3-${id}`);
const BUCKET = "govern-archive";

let database: TestDatabase;
let config: Config;
let pool: pg.Pool;
let store: AnalyticsStore;
let server: S3rver;
let s3: S3Client;

async function objects(): Promise<{ key: string; size: number }[]> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  return (page.Contents ?? []).map((o) => ({ key: o.Key as string, size: Number(o.Size) }));
}

async function body(key: string): Promise<Buffer> {
  const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(
    await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  );
}

async function allRows(): Promise<string[]> {
  const r = await pool.query<{ id: string }>("SELECT id::text FROM customer_interactions");
  return r.rows.map((x) => x.id).sort();
}

beforeAll(async () => {
  server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: s3Dir });
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  s3 = new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
  });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  database = await createTestDatabase("tiering_s3", { demoPartitionsFor: AS_OF });
  config = {
    ...database.config,
    archiveDir,
    archiveS3: {
      bucket: BUCKET,
      endpoint,
      region: "us-east-1",
      accessKeyId: "S3RVER",
      secretAccessKey: "S3RVER",
      prefix: "test/",
    },
  };
  pool = new pg.Pool({ connectionString: config.databaseUrl, max: 6 });
  await seedDemoPlatform(pool, { tenants: 2, customersPerTenant: 6, seed: 23, asOf: AS_OF });
  store = await createAnalyticsStore({
    ...config,
    clickhouse: { database: "govern_tier_s3_test", dataDir },
  });
  await migrateAnalytics(store);
  // Short ages: interactions older than 3 days go cold and, past 5 days, to the archive.
  await saveTieringPolicy(database.owner, {
    table: "customer_interactions",
    actor: "admin@example.test",
    body: `table: customer_interactions
date_column: created_at
tiers: { hot: 1 day, warm: 3 days, cold: 5 days, archive: 7 years }
business_rules:
  retain_active_customers: false
  comply_with_regulations: [CCPA]
  preserve_audit_trail: true
`,
  });
}, 180_000);

afterAll(async () => {
  await store?.close();
  await pool?.end();
  await database?.drop();
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(archiveDir, { recursive: true, force: true });
  rmSync(s3Dir, { recursive: true, force: true });
});

function deps() {
  return { db: database.owner, pool, config, analytics: store, requestedBy: "admin@example.test" };
}

test("a run archives to the S3 bucket: Parquet with manifests whose sha256, rows and schema match the objects; nothing in the folder", async () => {
  const before = await allRows();
  const report = await runTiering(deps(), { tables: ["customer_interactions"] });
  const archived = report.moves.filter((m) => m.to === "archive");
  expect(archived.length).toBeGreaterThan(0);
  expect(report.rolledBack).toEqual([]);
  const listed = await objects();
  const parquets = listed.filter((o) => o.key.endsWith(".parquet"));
  expect(parquets.length).toBe(archived.length);
  expect(parquets.every((o) => o.key.startsWith("test/tiering/customer_interactions/"))).toBe(true);
  expect(existsSync(join(archiveDir, "tiering"))).toBe(false);
  let archivedRows = 0;
  for (const p of parquets) {
    const manifest = JSON.parse(
      (await body(p.key.replace(/\.parquet$/, ".manifest.json"))).toString("utf8"),
    );
    const bytes = await body(p.key);
    expect(manifest.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
    expect(manifest.bytes).toBe(bytes.length);
    expect(manifest.file).toBe(`s3://${BUCKET}/${p.key}`);
    expect(manifest.schema.map((c: { name: string }) => c.name)).toContain("tenant_id");
    // ClickHouse reads the object in place through s3().
    const url = `${config.archiveS3?.endpoint}/${BUCKET}/${p.key}`;
    const n = await store.query<{ n: string }>(
      "SELECT toString(count()) AS n FROM s3({u:String}, 'S3RVER', 'S3RVER', 'Parquet')",
      { u: url },
    );
    expect(Number(n[0]?.n)).toBe(manifest.rows);
    archivedRows += manifest.rows;
  }
  expect(archivedRows).toBe(archived.reduce((s, m) => s + m.rows, 0));
  // Every row is somewhere: hot, cold or the bucket (counted independently).
  const hot = (await allRows()).length;
  const cold = await store.query<{ n: string }>(
    "SELECT toString(count()) AS n FROM tier_customer_interactions_cold",
  );
  expect(hot + Number(cold[0]?.n) + archivedRows).toBe(before.length);
  // The cross-tier query returns exactly the rows the hot table had.
  const all = await queryAcrossTiers(deps(), {
    table: "customer_interactions",
    from: new Date("2000-01-01T00:00:00Z"),
    to: new Date("2100-01-01T00:00:00Z"),
  });
  expect(all.counts.archive).toBe(archivedRows);
  expect(all.rows.map((r) => r.row.id as string).sort()).toEqual(before);
  // Status: archive bytes are the objects' sizes, rows from the manifests of complete files.
  const status = await tierStatus(deps(), { exact: true });
  const ci = status.tables.find((t) => t.table === "public.customer_interactions");
  expect(ci?.tiers.archive).toEqual({
    rows: archivedRows,
    bytes: parquets.reduce((s, p) => s + p.size, 0),
  });
}, 180_000);

test("a restore from S3 brings a tenant's range back to hot and rewrites the objects without it", async () => {
  const tenant = await pool.query<{ tenant_id: string; created_at: Date }>(
    "SELECT tenant_id::text FROM customers ORDER BY tenant_id LIMIT 1",
  );
  const tenantId = tenant.rows[0]?.tenant_id as string;
  const from = new Date("2000-01-01T00:00:00Z");
  const to = new Date(AS_OF.getTime() - 5 * 86_400_000);
  const keysBefore = (await objects()).map((o) => o.key);
  const hotBefore = (await allRows()).length;
  const inArchive = await queryAcrossTiers(deps(), {
    table: "customer_interactions",
    tenantId,
    from,
    to,
  });
  expect(inArchive.counts.archive).toBeGreaterThan(0);
  const outcomes = await runRestore(deps(), { table: "customer_interactions", tenantId, from, to });
  const restored = outcomes.reduce((s, o) => s + o.rows, 0);
  expect(restored).toBe(inArchive.counts.archive + inArchive.counts.cold);
  expect((await allRows()).length).toBe(hotBefore + restored);
  const after = await queryAcrossTiers(deps(), {
    table: "customer_interactions",
    tenantId,
    from,
    to,
  });
  expect(after.counts.archive).toBe(0);
  expect(after.counts.cold).toBe(0);
  // New objects replaced old ones; the old ones are gone from the bucket.
  const keysAfter = (await objects()).map((o) => o.key);
  expect(keysBefore.some((k) => !keysAfter.includes(k))).toBe(true);
  for (const key of keysAfter.filter((k) => k.endsWith(".parquet"))) {
    const url = `${config.archiveS3?.endpoint}/${BUCKET}/${key}`;
    const n = await store.query<{ n: string }>(
      "SELECT toString(count()) AS n FROM s3({u:String}, 'S3RVER', 'S3RVER', 'Parquet') WHERE tenant_id = {t:String}",
      { u: url, t: tenantId },
    );
    expect(Number(n[0]?.n)).toBe(0);
  }
}, 180_000);
