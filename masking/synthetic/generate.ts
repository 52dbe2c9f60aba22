import { en, Faker } from "@faker-js/faker";
import type pg from "pg";
import { esc as e, json, money, NULL, T } from "../demo-platform/copy-text.ts";
import { hash32, Prng } from "../demo-platform/prng.ts";
import { copyTable } from "./copy-table.ts";
import { languageOf, sentence } from "./free-text.ts";
import {
  type CustomerPlan,
  planCustomer,
  planTenant,
  planWindow,
  type TenantPlan,
  type Window,
} from "./plan.ts";
import type { ProfileParams } from "./profile.ts";
import { loadOrder, referenceOf, type TableShape } from "./schema-shape.ts";
import { genericLines, type TableContext, withExtraColumns } from "./table-generate.ts";

/**
 * Generates a fully synthetic platform from a profile into an empty, migrated database: tenants,
 * their business and staff, customers, interactions, jobs, invoices and payments. Tables load one
 * after another in foreign-key order, each with one COPY; each pass draws the customers' plans
 * again from their own streams (plan.ts), so nothing is held between tables. The caller builds
 * the schema around the load (target-database.ts).
 *
 * Identities come from faker, seeded per row, and are fictitious by construction: e-mails at the
 * reserved example.com/.net/.org domains, phone numbers in the 555-01xx block reserved for
 * fiction, no card or bank numbers at all. Nothing is read from the real store.
 */

export type GenerateOptions = {
  tenants: number;
  customersPerTenant: number;
  seed: number;
  /** The generated history ends here (default today 00:00 UTC), so runs are reproducible. */
  asOf?: Date;
  /**
   * The generated database's tables (schema-shape.ts). Every table the profile fitted (the
   * masked copy's table list) is generated; a fitted table missing here is an error.
   */
  shapes?: Map<string, TableShape>;
  onProgress?: (p: { table: string; rows: number; done: boolean }) => void;
};

export type GenerateReport = {
  tables: Record<string, number>;
  totalRows: number;
  durationMs: number;
};

/** The core tables written by hand below, with the relationships between them drawn jointly. */
export const SYNTHETIC_TABLES = [
  "tenants",
  "businesses",
  "users",
  "customers",
  "customer_interactions",
  "jobs",
  "invoices",
  "payments",
] as const;

const DAY = 86_400_000;
const DOMAINS = ["example.com", "example.net", "example.org"];

export async function generateSyntheticPlatform(
  pool: pg.Pool,
  params: ProfileParams,
  options: GenerateOptions,
): Promise<GenerateReport> {
  const started = performance.now();
  const asOf = options.asOf ?? new Date(Math.floor(Date.now() / DAY) * DAY);
  const window = planWindow(params, asOf);
  const tenants = Array.from({ length: options.tenants }, (_, i) =>
    planTenant(params, options.seed, i),
  );
  const faker = new Faker({ locale: [en] });
  const ctx: Ctx = { seed: options.seed, window, tenants, faker, m: options.customersPerTenant };
  const tables: Record<string, number> = {};
  const fitted = params.tables ?? {};
  const shapes = options.shapes ?? new Map<string, TableShape>();
  const handWritten = new Map(tableWriters(ctx).map((w) => [w[0], w]));
  const wanted = new Set([...Object.keys(fitted), ...handWritten.keys()]);
  const missing = [...wanted].filter((t) => options.shapes && !shapes.has(t));
  if (missing.length > 0) {
    throw new Error(`the synthetic schema lacks fitted tables: ${missing.join(", ")}`);
  }
  const order = options.shapes
    ? loadOrder(new Map([...shapes].filter(([t]) => wanted.has(t))))
    : [...handWritten.keys()];
  const tctx: TableContext = {
    seed: options.seed,
    asOf: asOf.getTime(),
    tenants: tenants.map((t) => ({
      id: t.id,
      index: t.index,
      language: languageOf(t.profile.language),
    })),
    customersPerTenant: options.customersPerTenant,
    parents: new Map(),
    tables: new Set(order),
  };
  const referenced = referencedTables(shapes, tctx.tables);
  for (const table of order) {
    const shape = shapes.get(table);
    const model = fitted[table];
    const hand = handWritten.get(table);
    let columns: readonly string[];
    let lines: () => Iterable<string>;
    if (hand) {
      const extra = shape && model ? shape.columns.filter((c) => !hand[1].includes(c.name)) : [];
      columns = [...hand[1], ...extra.map((c) => c.name)];
      const tenantField = hand[1].indexOf(table === "tenants" ? "id" : "tenant_id");
      lines =
        shape && model && extra.length > 0
          ? () => withExtraColumns(tctx, shape, model, extra, tenantField, hand[2]())
          : hand[2];
    } else if (shape && model) {
      columns = shape.columns.map((c) => c.name);
      lines = () => genericLines(tctx, shape, model);
    } else {
      continue;
    }
    if (shape?.partitioned) {
      await defaultPartition(pool, table);
    }
    options.onProgress?.({ table, rows: 0, done: false });
    tables[table] = await copyTable(pool, table, columns, lines, (rows) =>
      options.onProgress?.({ table, rows, done: false }),
    );
    if (referenced.has(table)) {
      tctx.parents.set(table, await idsByTenant(pool, table));
    }
    options.onProgress?.({ table, rows: tables[table] ?? 0, done: true });
  }
  const totalRows = Object.values(tables).reduce((a, b) => a + b, 0);
  return { tables, totalRows, durationMs: Math.round(performance.now() - started) };
}

/** Tables some other table points at (declared or implied), whose ids the generator keeps. */
function referencedTables(
  shapes: Map<string, TableShape>,
  tables: ReadonlySet<string>,
): Set<string> {
  const out = new Set<string>(["users"]);
  for (const shape of shapes.values()) {
    for (const c of shape.columns) {
      const parent = referenceOf(shape, c.name, tables);
      if (parent) {
        out.add(parent);
      }
    }
  }
  return out;
}

async function idsByTenant(pool: pg.Pool, table: string): Promise<Map<string, string[]>> {
  const tenantColumn = table === "tenants" ? "id" : "tenant_id";
  const r = await pool.query<{ t: string; id: string }>(
    `SELECT "${tenantColumn}"::text AS t, id::text AS id FROM "${table}" ORDER BY 1, 2`,
  );
  const out = new Map<string, string[]>();
  for (const row of r.rows) {
    const list = out.get(row.t) ?? [];
    list.push(row.id);
    out.set(row.t, list);
  }
  return out;
}

/**
 * Generated rows of a time-partitioned table land in one default partition: the platform's
 * daily partitions over the whole window would be hundreds of tables of DDL for a few rows.
 */
async function defaultPartition(pool: pg.Pool, table: string): Promise<void> {
  const r = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid
     WHERE c.relname = $1 AND c.relnamespace = 'public'::regnamespace AND p.partdefid <> 0`,
    [table],
  );
  if (!r.rows[0]?.n) {
    await pool.query(`CREATE TABLE "${table}_synthetic" PARTITION OF "${table}" DEFAULT`);
  }
}

type Ctx = { seed: number; window: Window; tenants: TenantPlan[]; faker: Faker; m: number };

type Writer = [table: string, columns: readonly string[], lines: () => Iterable<string>];

function* customers(ctx: Ctx): Generator<[TenantPlan, CustomerPlan]> {
  for (const t of ctx.tenants) {
    for (let i = 0; i < ctx.m; i++) {
      yield [t, planCustomer(t, ctx.seed, i, ctx.window)];
    }
  }
}

const ts = (ms: number) => new Date(ms).toISOString();
const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function tableWriters(ctx: Ctx): Writer[] {
  const { faker, window } = ctx;
  const created = ts(window.start - 30 * DAY);
  const seedFaker = (...labels: (string | number)[]) =>
    faker.seed(hash32(`${ctx.seed}|${labels.join("|")}`));
  return [
    [
      "tenants",
      ["id", "business_name", "plan_tier", "created_at", "updated_at"],
      function* () {
        for (const t of ctx.tenants) {
          seedFaker("tenant", t.index);
          yield `${t.id}${T}${e(faker.company.name())}${T}professional${T}${created}${T}${created}\n`;
        }
      },
    ],
    [
      "businesses",
      [
        "id",
        "tenant_id",
        "legal_name",
        "display_name",
        "phone",
        "email",
        "address",
        "created_at",
        "updated_at",
      ],
      function* () {
        for (const t of ctx.tenants) {
          seedFaker("business", t.index);
          const name = faker.company.name();
          yield `${t.businessId}${T}${t.id}${T}${e(`${name} LLC`)}${T}${e(name)}${T}${fictionalPhone(t.index, 99_999)}${T}office.${t.index + 1}@${DOMAINS[0]}${T}${json(address(faker))}${T}${created}${T}${created}\n`;
        }
      },
    ],
    [
      "users",
      [
        "id",
        "tenant_id",
        "business_id",
        "email",
        "first_name",
        "last_name",
        "display_name",
        "role",
        "active",
        "created_at",
        "updated_at",
      ],
      function* () {
        for (const t of ctx.tenants) {
          for (let u = 0; u < t.staffIds.length; u++) {
            seedFaker("user", t.index, u);
            const first = faker.person.firstName();
            const last = faker.person.lastName();
            const role = u === 0 ? "owner" : "employee";
            yield `${t.staffIds[u]}${T}${t.id}${T}${t.businessId}${T}${e(emailOf(first, last, `s${u + 1}`, 1))}${T}${e(first)}${T}${e(last)}${T}${e(`${first} ${last}`)}${T}${role}${T}t${T}${created}${T}${created}\n`;
          }
        }
      },
    ],
    [
      "customers",
      [
        "id",
        "tenant_id",
        "business_id",
        "customer_type",
        "first_name",
        "last_name",
        "company_name",
        "email",
        "phone",
        "addresses",
        "preferred_address_id",
        "customer_since",
        "last_interaction_at",
        "lifetime_value",
        "total_jobs",
        "marketing_consent",
        "created_at",
        "updated_at",
      ],
      function* () {
        for (const [t, c] of customers(ctx)) {
          seedFaker("customer", t.index, c.index);
          const first = faker.person.firstName();
          const last = faker.person.lastName();
          const company = c.type === "individual" ? NULL : e(faker.company.name());
          const completed = c.jobs.filter((j) => j.finalCents !== null);
          const lifetime = completed.reduce((a, j) => a + (j.finalCents ?? 0), 0);
          const last_at = Math.max(
            c.createdAt,
            ...c.jobs.map((j) => Math.min(j.at, window.now)),
            ...c.interactions.map((i) => i.at),
          );
          const addresses = [{ id: "addr_1", type: "home", ...address(faker) }];
          yield `${c.id}${T}${t.id}${T}${t.businessId}${T}${e(c.type)}${T}${e(first)}${T}${e(last)}${T}${company}${T}${e(emailOf(first, last, `c${c.index + 1}`, c.index))}${T}${fictionalPhone(c.index, 79_999)}${T}${json(addresses)}${T}addr_1${T}${date(c.createdAt)}${T}${ts(last_at)}${T}${money(lifetime)}${T}${completed.length}${T}${c.index % 3 === 0 ? "t" : "f"}${T}${ts(c.createdAt)}${T}${ts(last_at)}\n`;
        }
      },
    ],
    [
      "customer_interactions",
      [
        "id",
        "tenant_id",
        "customer_id",
        "interaction_type",
        "direction",
        "channel",
        "subject",
        "content",
        "created_at",
      ],
      function* () {
        for (const [t, c] of customers(ctx)) {
          for (const i of c.interactions) {
            // Free text from templates in the tenant's language (free-text.ts), never the source's.
            const rng = Prng.derive(ctx.seed, "synthetic-interaction", t.index, i.id);
            const language = languageOf(t.profile.language);
            const subject = `${i.type.replaceAll("_", " ")}: ${sentence(rng, faker, language).slice(0, 60)}`;
            yield `${i.id}${T}${t.id}${T}${c.id}${T}${e(i.type)}${T}${e(i.direction)}${T}${e(i.channel)}${T}${e(subject)}${T}${e(sentence(rng, faker, language))}${T}${ts(i.at)}\n`;
          }
        }
      },
    ],
    [
      "jobs",
      [
        "id",
        "tenant_id",
        "business_id",
        "customer_id",
        "job_number",
        "title",
        "job_type",
        "scheduled_start",
        "scheduled_end",
        "status",
        "quoted_amount",
        "final_amount",
        "primary_assignee",
        "created_at",
        "updated_at",
      ],
      function* () {
        for (const [t, c] of customers(ctx)) {
          for (const j of c.jobs) {
            const title = j.type.replaceAll("_", " ");
            const createdAt = Math.min(j.at - DAY, window.now);
            yield `${j.id}${T}${t.id}${T}${t.businessId}${T}${c.id}${T}${j.number}${T}${e(title)}${T}${e(j.type)}${T}${ts(j.at)}${T}${ts(j.at + 2 * 3_600_000)}${T}${e(j.status)}${T}${money(j.quotedCents)}${T}${j.finalCents === null ? NULL : money(j.finalCents)}${T}${j.assignee}${T}${ts(createdAt)}${T}${ts(createdAt)}\n`;
          }
        }
      },
    ],
    [
      "invoices",
      [
        "id",
        "tenant_id",
        "business_id",
        "customer_id",
        "job_id",
        "invoice_type",
        "invoice_number",
        "status",
        "subtotal",
        "tax_amount",
        "total_amount",
        "amount_paid",
        "issue_date",
        "due_date",
        "created_at",
        "updated_at",
      ],
      function* () {
        for (const [t, c] of customers(ctx)) {
          for (const j of c.jobs) {
            const inv = j.invoice;
            if (!inv) {
              continue;
            }
            const total = inv.subtotalCents + inv.taxCents;
            const paid = inv.payments
              .filter((p) => p.status === "completed")
              .reduce((a, p) => a + p.amountCents, 0);
            yield `${inv.id}${T}${t.id}${T}${t.businessId}${T}${c.id}${T}${j.id}${T}invoice${T}${inv.number}${T}${e(inv.status)}${T}${money(inv.subtotalCents)}${T}${money(inv.taxCents)}${T}${money(total)}${T}${money(paid)}${T}${date(inv.issued)}${T}${date(inv.issued + 30 * DAY)}${T}${ts(inv.issued)}${T}${ts(inv.issued)}\n`;
          }
        }
      },
    ],
    [
      "payments",
      [
        "id",
        "tenant_id",
        "business_id",
        "customer_id",
        "invoice_id",
        "job_id",
        "amount",
        "currency",
        "status",
        "payment_method",
        "paid_at",
        "created_at",
        "updated_at",
      ],
      function* () {
        for (const [t, c] of customers(ctx)) {
          for (const j of c.jobs) {
            for (const p of j.invoice?.payments ?? []) {
              const paidAt = p.status === "completed" ? ts(p.at) : NULL;
              yield `${p.id}${T}${t.id}${T}${t.businessId}${T}${c.id}${T}${j.invoice?.id}${T}${j.id}${T}${money(p.amountCents)}${T}USD${T}${e(p.status)}${T}${e(p.method)}${T}${paidAt}${T}${ts(p.at)}${T}${ts(p.at)}\n`;
            }
          }
        }
      },
    ],
  ];
}

function address(faker: Faker) {
  return {
    line1: faker.location.streetAddress(),
    line2: null,
    city: faker.location.city(),
    state: faker.location.state({ abbreviated: true }),
    zip: faker.location.zipCode("#####"),
    country: "US",
  };
}

/** A unique, undeliverable address: the reserved example domains plus a per-row tag. */
function emailOf(first: string, last: string, tag: string, n: number): string {
  const slug = (s: string) => s.toLowerCase().replace(/[^a-z]/g, "") || "x";
  return `${slug(first)}.${slug(last)}.${tag}@${DOMAINS[n % DOMAINS.length]}`;
}

/**
 * (AAA) 555-01NN, the block reserved for fiction: unique per tenant for the first 80,000 rows
 * (area codes 200-999 × 100 numbers); rows beyond get no phone rather than a possibly real one.
 */
function fictionalPhone(n: number, max: number): string {
  if (n > max) {
    return NULL;
  }
  const area = 200 + (Math.floor(n / 100) % 800);
  return `(${area}) 555-01${String(n % 100).padStart(2, "0")}`;
}
