import { sql } from "kysely";
import type { Db } from "../../schema/postgres.ts";
import { withReader } from "../../schema/tenant.ts";
import { MaskingError } from "../masking-error.ts";
import { fitMarginal, MARGINAL_DEFS } from "./marginals.ts";
import {
  COUNT_CAP,
  isSafeLabel,
  type Marginal,
  MIN_CELL,
  OTHER,
  PROFILE_VERSION,
  type ProfileParams,
  type ProfileSource,
  SKETCH_POINTS,
  type TenantProfile,
  type ValueSketch,
} from "./profile.ts";
import { fitTableModels } from "./table-fit.ts";

/**
 * Fits a synthetic profile to the real operational store. Every read is an aggregate computed in
 * Postgres (GROUP BY, percentile_cont, width_bucket) through the read-only cross-tenant role;
 * only per-tenant figures come back. Labels are restricted to each column's vocabulary as fitted
 * in the marginals (enum-like, seen at least MIN_CELL times), so nothing else can slip into the
 * per-tenant mixes.
 */
export async function fitSyntheticProfile(
  db: Db,
): Promise<{ params: ProfileParams; source: ProfileSource }> {
  const started = performance.now();
  return withReader(db, async (trx) => {
    const r = trx as unknown as Db;
    const marginals: Record<string, Marginal> = {};
    for (const def of MARGINAL_DEFS) {
      marginals[def.column] = await fitMarginal(r, def);
    }
    const vocab = (column: string): string[] => {
      const m = marginals[column];
      return m?.kind === "categorical" ? Object.keys(m.counts).filter((k) => k !== OTHER) : [];
    };
    const tables = await tableCounts(r);
    const tenantRows = await sql<{ id: string; customers: number; staff: number }>`
      SELECT t.id,
        (SELECT count(*) FROM customers c WHERE c.tenant_id = t.id)::int AS customers,
        (SELECT count(*) FROM users u WHERE u.tenant_id = t.id)::int AS staff
      FROM tenants t ORDER BY customers DESC, t.id`.execute(r);
    const active = tenantRows.rows.filter((t) => t.customers > 0);
    if (active.length === 0) {
      throw new MaskingError(
        "conflict",
        "the operational store has no customers to fit a profile to",
      );
    }
    const totalCustomers = active.reduce((a, t) => a + t.customers, 0);

    const customerTypes = await mixBy(
      r,
      "SELECT tenant_id AS t, customer_type AS v FROM customers",
      vocab("customers.customer_type"),
    );
    const jobStatus = await mixBy(
      r,
      "SELECT tenant_id AS t, status AS v FROM jobs",
      vocab("jobs.status"),
    );
    const invoiceStatus = await mixBy(
      r,
      "SELECT tenant_id AS t, status AS v FROM invoices",
      vocab("invoices.status"),
    );
    const paymentMethod = await mixBy(
      r,
      "SELECT tenant_id AS t, payment_method AS v FROM payments",
      vocab("payments.payment_method"),
    );
    const paymentStatus = await mixBy(
      r,
      "SELECT tenant_id AS t, status AS v FROM payments",
      vocab("payments.status"),
    );
    const interactionKinds = await interactionKindMix(r);
    const jobTypes = await jobTypesByCustomerType(
      r,
      vocab("jobs.job_type"),
      vocab("customers.customer_type"),
    );
    const values = await jobValueSketches(r, vocab("jobs.job_type"));
    const finalRatios = await finalRatio(r);
    const jobsPerCustomer = await countHistogram(r, "jobs", vocab("customers.customer_type"));
    const interactionsPerCustomer = await countHistogram(
      r,
      "customer_interactions",
      vocab("customers.customer_type"),
    );
    const seasons = await seasonality(r);
    const invoiceByStatus = await invoiceShareByJobStatus(r, vocab("jobs.status"));
    const taxRates = await medianTaxRate(r);
    const paymentsPerInvoice = await paymentsPerInvoiceByStatus(r, vocab("invoices.status"));
    const span = await timeSpan(r);
    const languages = await tenantLanguages(r);
    const tableModels = await fitTableModels(r);
    for (const [table, model] of Object.entries(tableModels)) {
      tables[table] = model.rows;
    }

    const tenants: TenantProfile[] = active.map((t, i) => ({
      key: `t${i + 1}`,
      customerShare: round(t.customers / totalCustomers, 6),
      staff: Math.max(1, Math.round(t.staff)),
      customerTypes: customerTypes.get(t.id) ?? { individual: 1 },
      jobTypesByCustomerType: jobTypes.get(t.id) ?? {},
      jobValue: fillSketches(values.byTenant.get(t.id) ?? {}, values.global),
      finalRatio: finalRatios.get(t.id) ?? { mu: 0, sigma: 0 },
      jobStatus: jobStatus.get(t.id) ?? {},
      jobsPerCustomer: jobsPerCustomer.get(t.id) ?? {},
      monthOfYear: seasons.month.get(t.id) ?? new Array(12).fill(1),
      dayOfWeek: seasons.dow.get(t.id) ?? new Array(7).fill(1),
      invoiceByJobStatus: invoiceByStatus.get(t.id) ?? {},
      invoiceStatus: invoiceStatus.get(t.id) ?? {},
      taxRate: taxRates.get(t.id) ?? 0,
      paymentsPerInvoice: paymentsPerInvoice.get(t.id) ?? {},
      paymentMethod: paymentMethod.get(t.id) ?? {},
      paymentStatus: paymentStatus.get(t.id) ?? {},
      interactionsPerCustomer: interactionsPerCustomer.get(t.id) ?? {},
      interactionKinds: interactionKinds.get(t.id) ?? {},
      language: languages.get(t.id) ?? "en",
    }));
    const customers = tables.customers || 1;
    const ratios: Record<string, number> = {};
    for (const [table, n] of Object.entries(tables)) {
      ratios[`${table}_per_customer`] = round(n / customers, 4);
    }
    const params: ProfileParams = {
      version: PROFILE_VERSION,
      spanDays: span.spanDays,
      futureDays: span.futureDays,
      tenants,
      ratios,
      marginals,
      tables: tableModels,
    };
    const source: ProfileSource = {
      tables,
      tenants: active.length,
      fittedAt: new Date().toISOString(),
      durationMs: Math.round(performance.now() - started),
    };
    return { params, source };
  });
}

/** Each tenant's language, from its settings' locale: only a two-letter code is kept. */
async function tenantLanguages(db: Db): Promise<Map<string, string>> {
  const rows = await sql<{ id: string; l: string | null }>`
    SELECT id, lower(left(settings->>'locale', 2)) AS l FROM tenants`.execute(db);
  return new Map(
    rows.rows.filter((r) => r.l && /^[a-z]{2}$/.test(r.l)).map((r) => [r.id, r.l as string]),
  );
}

const COUNTED_TABLES = [
  "tenants",
  "businesses",
  "users",
  "customers",
  "customer_interactions",
  "jobs",
  "invoices",
  "payments",
] as const;

async function tableCounts(db: Db): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of COUNTED_TABLES) {
    const n = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(
      db,
    );
    out[table] = n.rows[0]?.n ?? 0;
  }
  return out;
}

/** `CASE WHEN v = ANY(vocab) THEN v ELSE 'other' END`, as SQL over a query's `v`. */
function inVocab(vocab: string[]) {
  return sql`CASE WHEN v = ANY(${sql.val(vocab)}::text[]) THEN v ELSE ${OTHER} END`;
}

/** Per tenant: share of each label (restricted to the column's vocabulary). */
async function mixBy(
  db: Db,
  query: string,
  vocab: string[],
): Promise<Map<string, Record<string, number>>> {
  const rows = await sql<{ t: string; v: string; n: number }>`
    SELECT t, ${inVocab(vocab)} AS v, count(*)::int AS n FROM (${sql.raw(query)}) s
    WHERE v IS NOT NULL GROUP BY 1, 2`.execute(db);
  return sharesByTenant(rows.rows.map((r) => [r.t, r.v, r.n]));
}

function sharesByTenant(
  rows: [tenant: string, label: string, n: number][],
): Map<string, Record<string, number>> {
  const counts = new Map<string, Record<string, number>>();
  for (const [t, v, n] of rows) {
    const mix = counts.get(t) ?? {};
    mix[v] = (mix[v] ?? 0) + n;
    counts.set(t, mix);
  }
  for (const mix of counts.values()) {
    normalise(mix);
  }
  return counts;
}

function normalise(mix: Record<string, number>): void {
  const total = Object.values(mix).reduce((a, b) => a + b, 0);
  for (const k of Object.keys(mix)) {
    mix[k] = total ? round((mix[k] ?? 0) / total, 6) : 0;
  }
}

/** Type, channel and direction together; a combination kept only when common and enum-like. */
async function interactionKindMix(db: Db): Promise<Map<string, Record<string, number>>> {
  const rows = await sql<{
    t: string;
    ty: string | null;
    ch: string | null;
    di: string | null;
    n: number;
  }>`
    SELECT tenant_id AS t, interaction_type AS ty, channel AS ch, direction AS di, count(*)::int AS n
    FROM customer_interactions GROUP BY 1, 2, 3, 4`.execute(db);
  const global = new Map<string, number>();
  const key = (r: { ty: string | null; ch: string | null; di: string | null }) =>
    [r.ty ?? "none", r.ch ?? "none", r.di ?? "none"].join("|");
  for (const r of rows.rows) {
    global.set(key(r), (global.get(key(r)) ?? 0) + r.n);
  }
  const kept = (k: string) =>
    (global.get(k) ?? 0) >= MIN_CELL && k.split("|").every((part) => isSafeLabel(part));
  return sharesByTenant(
    rows.rows.map((r) => [r.t, kept(key(r)) ? key(r) : `${OTHER}|${OTHER}|${OTHER}`, r.n]),
  );
}

async function jobTypesByCustomerType(
  db: Db,
  jobTypes: string[],
  customerTypes: string[],
): Promise<Map<string, Record<string, Record<string, number>>>> {
  const rows = await sql<{ t: string; ct: string; v: string; n: number }>`
    SELECT t, CASE WHEN ct = ANY(${sql.val(customerTypes)}::text[]) THEN ct ELSE ${OTHER} END AS ct,
           ${inVocab(jobTypes)} AS v, count(*)::int AS n
    FROM (SELECT j.tenant_id AS t, c.customer_type AS ct, j.job_type AS v
          FROM jobs j JOIN customers c ON c.tenant_id = j.tenant_id AND c.id = j.customer_id) s
    GROUP BY 1, 2, 3`.execute(db);
  const out = new Map<string, Record<string, Record<string, number>>>();
  for (const r of rows.rows) {
    const byType = out.get(r.t) ?? {};
    const mix = byType[r.ct] ?? {};
    mix[r.v] = (mix[r.v] ?? 0) + r.n;
    byType[r.ct] = mix;
    out.set(r.t, byType);
  }
  for (const byType of out.values()) {
    for (const mix of Object.values(byType)) {
      normalise(mix);
    }
  }
  return out;
}

type SketchRow = {
  t: string | null;
  v: string;
  n: number;
  mu: number | null;
  sigma: number | null;
  q: number[] | null;
};

/**
 * Quoted value per job type, per tenant and across tenants (GROUPING SETS, one scan): a
 * log-normal fit plus a 21-point quantile sketch the generator interpolates.
 */
async function jobValueSketches(
  db: Db,
  jobTypes: string[],
): Promise<{
  byTenant: Map<string, Record<string, ValueSketch>>;
  global: Record<string, ValueSketch>;
}> {
  const rows = await sql<SketchRow>`
    SELECT t, v, count(*)::int AS n, avg(ln(x)) AS mu, coalesce(stddev_pop(ln(x)), 0) AS sigma,
           percentile_cont(${sql.val(SKETCH_POINTS)}::float8[]) WITHIN GROUP (ORDER BY x) AS q
    FROM (SELECT tenant_id AS t, ${inVocab(jobTypes)} AS v, x
          FROM (SELECT tenant_id, job_type AS v, quoted_amount::float8 AS x FROM jobs
                WHERE quoted_amount > 0) j) s
    GROUP BY GROUPING SETS ((t, v), (v))`.execute(db);
  const byTenant = new Map<string, Record<string, ValueSketch>>();
  const global: Record<string, ValueSketch> = {};
  for (const r of rows.rows) {
    const sketch: ValueSketch = {
      n: r.n,
      mu: round(r.mu ?? 0, 6),
      sigma: round(r.sigma ?? 0, 6),
      q: (r.q ?? []).map((x) => round(x, 2)),
    };
    if (r.t === null) {
      global[r.v] = sketch;
    } else {
      const m = byTenant.get(r.t) ?? {};
      m[r.v] = sketch;
      byTenant.set(r.t, m);
    }
  }
  return { byTenant, global };
}

/** A tenant's sketch from too few jobs is replaced by the same type's sketch across tenants. */
function fillSketches(
  own: Record<string, ValueSketch>,
  global: Record<string, ValueSketch>,
): Record<string, ValueSketch> {
  const out: Record<string, ValueSketch> = {};
  for (const [type, sketch] of Object.entries(global)) {
    const mine = own[type];
    out[type] = mine && mine.n >= MIN_CELL ? mine : sketch;
  }
  return out;
}

async function finalRatio(db: Db): Promise<Map<string, { mu: number; sigma: number }>> {
  const rows = await sql<{ t: string; mu: number | null; sigma: number | null }>`
    SELECT tenant_id AS t, avg(ln(final_amount / quoted_amount))::float8 AS mu,
           coalesce(stddev_pop(ln(final_amount / quoted_amount)), 0)::float8 AS sigma
    FROM jobs WHERE final_amount > 0 AND quoted_amount > 0 GROUP BY 1`.execute(db);
  return new Map(
    rows.rows.map((r) => [r.t, { mu: round(r.mu ?? 0, 6), sigma: round(r.sigma ?? 0, 6) }]),
  );
}

/**
 * Per tenant and customer type: share of customers with 0, 1, 2 ... child rows in `table`
 * (pooled at COUNT_CAP). Commercial customers order far more work than households, so the
 * count depends on the type.
 */
async function countHistogram(
  db: Db,
  table: "jobs" | "customer_interactions",
  customerTypes: string[],
): Promise<Map<string, Record<string, number[]>>> {
  const rows = await sql<{ t: string; v: string; k: number; n: number }>`
    SELECT t, ${inVocab(customerTypes)} AS v, least(k, ${COUNT_CAP})::int AS k, count(*)::int AS n
    FROM (SELECT c.tenant_id AS t, c.customer_type AS v,
            (SELECT count(*) FROM ${sql.table(table)} x
             WHERE x.tenant_id = c.tenant_id AND x.customer_id = c.id) AS k
          FROM customers c) s
    GROUP BY 1, 2, 3`.execute(db);
  const out = new Map<string, Record<string, number[]>>();
  for (const r of rows.rows) {
    const byType = out.get(r.t) ?? {};
    const hist = byType[r.v] ?? [];
    while (hist.length <= r.k) {
      hist.push(0);
    }
    hist[r.k] = (hist[r.k] ?? 0) + r.n;
    byType[r.v] = hist;
    out.set(r.t, byType);
  }
  for (const byType of out.values()) {
    for (const hist of Object.values(byType)) {
      const total = hist.reduce((a, b) => a + b, 0);
      for (let i = 0; i < hist.length; i++) {
        hist[i] = round((hist[i] ?? 0) / total, 6);
      }
    }
  }
  return out;
}

/** Jobs per month of year (1..12) and per day of week (0 = Sunday), UTC, per tenant. */
async function seasonality(
  db: Db,
): Promise<{ month: Map<string, number[]>; dow: Map<string, number[]> }> {
  const rows = await sql<{ t: string; m: number | null; d: number | null; n: number }>`
    SELECT t, m, d, count(*)::int AS n
    FROM (SELECT tenant_id AS t,
            extract(month FROM (coalesce(scheduled_start, created_at) AT TIME ZONE 'UTC'))::int AS m,
            extract(dow FROM (coalesce(scheduled_start, created_at) AT TIME ZONE 'UTC'))::int AS d
          FROM jobs) s
    GROUP BY GROUPING SETS ((t, m), (t, d))`.execute(db);
  const month = new Map<string, number[]>();
  const dow = new Map<string, number[]>();
  for (const r of rows.rows) {
    if (r.m !== null) {
      const a = month.get(r.t) ?? new Array<number>(12).fill(0);
      a[r.m - 1] = (a[r.m - 1] ?? 0) + r.n;
      month.set(r.t, a);
    } else if (r.d !== null) {
      const a = dow.get(r.t) ?? new Array<number>(7).fill(0);
      a[r.d] = (a[r.d] ?? 0) + r.n;
      dow.set(r.t, a);
    }
  }
  for (const a of [...month.values(), ...dow.values()]) {
    const total = a.reduce((x, y) => x + y, 0);
    for (let i = 0; i < a.length; i++) {
      a[i] = round((a[i] ?? 0) / total, 6);
    }
  }
  return { month, dow };
}

async function invoiceShareByJobStatus(
  db: Db,
  statuses: string[],
): Promise<Map<string, Record<string, number>>> {
  const rows = await sql<{ t: string; v: string; jobs: number; invoiced: number }>`
    SELECT t, ${inVocab(statuses)} AS v, count(*)::int AS jobs,
           count(*) FILTER (WHERE invoiced)::int AS invoiced
    FROM (SELECT j.tenant_id AS t, j.status AS v,
            EXISTS (SELECT 1 FROM invoices i WHERE i.tenant_id = j.tenant_id AND i.job_id = j.id)
              AS invoiced
          FROM jobs j) s
    WHERE v IS NOT NULL GROUP BY 1, 2`.execute(db);
  const out = new Map<string, Record<string, number>>();
  for (const r of rows.rows) {
    const m = out.get(r.t) ?? {};
    m[r.v] = round(r.invoiced / Math.max(1, r.jobs), 6);
    out.set(r.t, m);
  }
  return out;
}

async function medianTaxRate(db: Db): Promise<Map<string, number>> {
  const rows = await sql<{ t: string; rate: number | null }>`
    SELECT tenant_id AS t,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY (tax_amount / subtotal)::float8) AS rate
    FROM invoices WHERE subtotal > 0 AND tax_amount IS NOT NULL GROUP BY 1`.execute(db);
  return new Map(rows.rows.map((r) => [r.t, round(r.rate ?? 0, 4)]));
}

async function paymentsPerInvoiceByStatus(
  db: Db,
  statuses: string[],
): Promise<Map<string, Record<string, number[]>>> {
  const rows = await sql<{ t: string; v: string; k: number; n: number }>`
    SELECT t, ${inVocab(statuses)} AS v, least(k, 3)::int AS k, count(*)::int AS n
    FROM (SELECT i.tenant_id AS t, i.status AS v,
            (SELECT count(*) FROM payments p WHERE p.tenant_id = i.tenant_id
               AND p.invoice_id = i.id) AS k
          FROM invoices i) s
    WHERE v IS NOT NULL GROUP BY 1, 2, 3`.execute(db);
  const out = new Map<string, Record<string, number[]>>();
  for (const r of rows.rows) {
    const byStatus = out.get(r.t) ?? {};
    const hist = byStatus[r.v] ?? [0, 0, 0, 0];
    hist[r.k] = (hist[r.k] ?? 0) + r.n;
    byStatus[r.v] = hist;
    out.set(r.t, byStatus);
  }
  for (const byStatus of out.values()) {
    for (const hist of Object.values(byStatus)) {
      const total = hist.reduce((a, b) => a + b, 0);
      for (let i = 0; i < hist.length; i++) {
        hist[i] = round((hist[i] ?? 0) / total, 6);
      }
    }
  }
  return out;
}

/** How many days of jobs the store holds, and how far they reach past today (scheduled work). */
async function timeSpan(db: Db): Promise<{ spanDays: number; futureDays: number }> {
  const rows = await sql<{ past: number | null; future: number | null }>`
    SELECT extract(epoch FROM (now() - min(coalesce(scheduled_start, created_at)))) / 86400 AS past,
           extract(epoch FROM (max(coalesce(scheduled_start, created_at)) - now())) / 86400 AS future
    FROM jobs`.execute(db);
  const past = Math.max(30, Math.ceil(Number(rows.rows[0]?.past ?? 365)));
  const future = Math.max(0, Math.ceil(Number(rows.rows[0]?.future ?? 0)));
  return { spanDays: past + future, futureDays: future };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
