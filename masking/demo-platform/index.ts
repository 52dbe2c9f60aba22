import type pg from "pg";
import { Clock, DAY, startOfTodayUtc } from "./clock.ts";
import type { TenantContext } from "./context.ts";
import { CopyLoader, type CopyLoaderOptions, type CopyProgress } from "./copy-writer.ts";
import {
  writeAiContext,
  writeAiConversations,
  writeDailyMetrics,
  writeStaffActivity,
} from "./gen-activity.ts";
import { writeCustomer } from "./gen-customers.ts";
import { writeStaffDocuments } from "./gen-documents.ts";
import { writeIntegrations } from "./gen-integrations.ts";
import { generateTenantSetup, tenantIdFor } from "./gen-tenant.ts";
import { buildPools } from "./pools.ts";
import { demoCredentialKey } from "./secrets.ts";
import { LOAD_ORDER } from "./tables.ts";

/**
 * The demo platform generator: a realistic, correlated multi-tenant SMB platform (tenants,
 * staff, customers, jobs, invoices, payments, messages, documents, integrations, metrics and
 * events over two years), streamed into the operational store with COPY.
 *
 * Same options ⇒ same rows, byte for byte: one seeded PRNG stream per tenant, ids drawn from it,
 * every timestamp an offset from `asOf`, faker only used to build value pools up front.
 */

export type SeedOptions = {
  tenants: number;
  customersPerTenant: number;
  seed: number;
  /** Default: today 00:00 UTC; data spans the two years before it. */
  asOf?: Date;
  onProgress?: (p: CopyProgress) => void;
  /** Bulk-load tuning for benchmarks and tests; the defaults suit normal use. */
  loading?: Pick<
    CopyLoaderOptions,
    "connections" | "chunkBytes" | "segmentBytes" | "disableTriggers"
  >;
};

export type SeedReport = {
  tables: Record<string, number>;
  totalRows: number;
  durationMs: number;
  rowsPerSecond: number;
  tenantIds: string[];
  /** Where the time went: partitions, generate+load, analyze+refresh (ms). */
  phasesMs?: { partitions: number; load: number; finalize: number };
  /** Whether FK and audit triggers were skipped during the load (superuser). */
  triggersDisabled?: boolean;
};

export type { CopyProgress } from "./copy-writer.ts";
export { abaValid, luhnValid, TEST_CARDS } from "./payment-instruments.ts";
export { decryptCredential, demoCredentialKey } from "./secrets.ts";
export { LOAD_ORDER, TABLES } from "./tables.ts";

/** Customers generated between two looks at the loader (small: its sockets wait meanwhile). */
const CUSTOMERS_PER_BATCH = 5;
/** Staff members whose activity is generated between two looks at backpressure. */
const USERS_PER_BATCH = 4;

/** True when the operational store has no tenant yet (npm start seeds only then). */
export async function isOperationalStoreEmpty(pool: pg.Pool): Promise<boolean> {
  const result = await pool.query<{ empty: boolean }>(
    "SELECT NOT EXISTS (SELECT 1 FROM tenants) AS empty",
  );
  return result.rows[0]?.empty ?? true;
}

/**
 * Generates and loads the demo platform. Refuses (before writing anything) when one of the
 * tenants it would create already exists. If loading fails midway, the rows of its tenants are
 * deleted again, so a retry starts clean.
 */
export async function seedDemoPlatform(pool: pg.Pool, options: SeedOptions): Promise<SeedReport> {
  const { tenants, customersPerTenant, seed } = options;
  if (!Number.isInteger(tenants) || tenants < 1) {
    throw new RangeError("tenants must be a positive integer");
  }
  if (!Number.isInteger(customersPerTenant) || customersPerTenant < 0) {
    throw new RangeError("customersPerTenant must be a non-negative integer");
  }
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError("seed must be an integer");
  }
  const started = performance.now();
  const clock = new Clock(options.asOf ?? startOfTodayUtc());
  const tenantIds = Array.from({ length: tenants }, (_, i) => tenantIdFor(seed, i));

  const existing = await pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM tenants WHERE id = ANY($1::uuid[])",
    [tenantIds],
  );
  if ((existing.rows[0]?.n ?? 0) > 0) {
    throw new Error(
      `the demo platform for seed ${seed} is already loaded (tenant ${tenantIds[0]} exists)`,
    );
  }
  await ensureDemoPartitions(pool, new Date(clock.end));
  const partitionsDone = performance.now();

  const pools = buildPools(seed);
  const key = demoCredentialKey(seed);
  const loader = await CopyLoader.open(pool, {
    ...options.loading,
    onProgress: options.onProgress,
  });
  try {
    for (let t = 0; t < tenants; t++) {
      const ctx = generateTenantSetup({
        seed,
        tenantIndex: t,
        clock,
        pools,
        out: loader.sinks,
        customersPerTenant,
      });
      for (let i = 0; i < customersPerTenant; i++) {
        writeCustomer(ctx, i);
        if ((i + 1) % CUSTOMERS_PER_BATCH === 0) {
          await loader.pace();
        }
      }
      await writeTenantTail(ctx, key, () => loader.pace());
    }
    await loader.finish();
  } catch (error) {
    await loader.abort(error);
    await deleteTenants(pool, tenantIds).catch(() => {});
    throw error;
  }
  const loadDone = performance.now();

  await pool.query(`ANALYZE ${LOAD_ORDER.join(", ")}`);
  await pool.query("REFRESH MATERIALIZED VIEW customer_lifetime_value");
  const finished = performance.now();

  const tables: Record<string, number> = {};
  let totalRows = 0;
  for (const t of LOAD_ORDER) {
    tables[t] = loader.loaded[t] ?? 0;
    totalRows += tables[t];
  }
  const durationMs = Math.round(finished - started);
  return {
    tables,
    totalRows,
    durationMs,
    rowsPerSecond: Math.round(totalRows / Math.max(0.001, durationMs / 1000)),
    tenantIds,
    phasesMs: {
      partitions: Math.round(partitionsDone - started),
      load: Math.round(loadDone - partitionsDone),
      finalize: Math.round(finished - loadDone),
    },
    triggersDisabled: loader.triggersDisabled,
  };
}

/** What a tenant has beyond its customers: staff paperwork, integrations, AI traces, metrics. */
async function writeTenantTail(
  ctx: TenantContext,
  key: Buffer,
  pace: () => Promise<void>,
): Promise<void> {
  writeStaffDocuments(ctx);
  writeIntegrations(ctx, key);
  writeAiContext(ctx);
  writeAiConversations(ctx);
  await pace();
  for (const business of ctx.businesses) {
    writeDailyMetrics(ctx, business);
    await pace();
  }
  for (let u = 0; u < ctx.users.length; u++) {
    writeStaffActivity(ctx, u);
    if ((u + 1) % USERS_PER_BATCH === 0) {
      await pace();
    }
  }
  await pace();
}

/**
 * The time-partitioned tables need their partitions before rows arrive: daily business_events
 * and weekly business_metrics over the two years before `asOf`, plus a few days ahead.
 */
export async function ensureDemoPartitions(pool: pg.Pool, asOf: Date): Promise<void> {
  const clock = new Clock(asOf);
  const from = new Date(clock.start);
  const to = new Date(clock.end + 2 * DAY);
  await pool.query(
    "SELECT governance.ensure_time_partitions('business_events'::regclass, 'day', $1, $2)",
    [from, to],
  );
  await pool.query(
    "SELECT governance.ensure_time_partitions('business_metrics'::regclass, 'week', $1, $2)",
    [from, to],
  );
}

/**
 * Removes every row of the given tenants (children first) after a failed load. Triggers are
 * skipped where allowed, so the platform's audit trigger does not log the clean-up itself; the
 * audit rows are deleted last in any case.
 */
async function deleteTenants(pool: pg.Pool, tenantIds: string[]): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("SET session_replication_role = replica").catch(() => {});
    for (const table of [...LOAD_ORDER.filter((t) => t !== "audit_logs")].reverse()) {
      const column = table === "tenants" ? "id" : "tenant_id";
      await client.query(`DELETE FROM ${table} WHERE ${column} = ANY($1::uuid[])`, [tenantIds]);
    }
    await client.query("DELETE FROM audit_logs WHERE tenant_id = ANY($1::uuid[])", [tenantIds]);
  } finally {
    client.release(true);
  }
}
