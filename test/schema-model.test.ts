import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

/**
 * Every table and column of the seed document exists with its type, nullability, default and
 * references, apart from the deviations written down in schema/README.md (listed here too).
 */

type SeedColumn = {
  table: string;
  column: string;
  type: string;
  notNull: boolean;
  hasDefault: boolean;
  references?: string;
  unique: boolean;
};

const ROOT = join(import.meta.dirname, "..");
const MODEL = readFileSync(join(ROOT, "schema/seed-model.sql"), "utf8");

/** Deviations from the seed's column definitions, each explained in schema/README.md. */
const TYPE_DEVIATIONS: Record<string, string> = {
  "ai_context_cache.embeddings": "real[]",
};
const UNIQUE_PER_TENANT = new Set(["jobs.job_number", "invoices.invoice_number", "users.email"]);

const TYPE_MAP: [RegExp, (m: RegExpMatchArray) => string][] = [
  [/^VARCHAR\((\d+)\)$/, (m) => `character varying(${m[1]})`],
  [/^DECIMAL\((\d+),\s*(\d+)\)$/, (m) => `numeric(${m[1]},${m[2]})`],
  [/^TIMESTAMP WITH TIME ZONE$|^TIMESTAMPTZ$/, () => "timestamp with time zone"],
  [/^TIMESTAMP$/, () => "timestamp without time zone"],
  [/^TIME$/, () => "time without time zone"],
  [/^UUID\[\]$/, () => "uuid[]"],
  [/^TEXT\[\]$/, () => "text[]"],
  [
    /^(UUID|TEXT|JSONB|DATE|INTEGER|BOOLEAN|INTERVAL|BIGINT|INET|BYTEA)$/,
    (m) => (m[1] ?? "").toLowerCase(),
  ],
];

function normaliseType(raw: string): string {
  for (const [pattern, map] of TYPE_MAP) {
    const match = raw.match(pattern);
    if (match) {
      return map(match);
    }
  }
  return raw.toLowerCase();
}

function parseModel(text: string): SeedColumn[] {
  const columns: SeedColumn[] = [];
  for (const [, table, body] of text.matchAll(/CREATE TABLE (\w+) \(([\s\S]*?)\n\);/g)) {
    for (const rawLine of (body ?? "").split("\n")) {
      const line = rawLine.replace(/--.*$/, "").trim().replace(/,$/, "");
      const match = line.match(
        /^(\w+)\s+((?:VARCHAR|DECIMAL|VECTOR)\([\d,\s]+\)|TIMESTAMP WITH TIME ZONE|[A-Z]+(?:\[\])?)(.*)$/,
      );
      if (!match || /^(CONSTRAINT|PRIMARY|UNIQUE|FOREIGN)$/i.test(match[1] ?? "")) {
        continue;
      }
      const rest = match[3] ?? "";
      columns.push({
        table: table ?? "",
        column: match[1] ?? "",
        type: normaliseType(match[2] ?? ""),
        notNull: /NOT NULL|PRIMARY KEY/.test(rest),
        hasDefault: /DEFAULT/.test(rest),
        references: rest.match(/REFERENCES (\w+)/)?.[1],
        unique: /\bUNIQUE\b/.test(rest),
      });
    }
  }
  return columns;
}

let t: TestDatabase;
const model = parseModel(MODEL);

beforeAll(async () => {
  t = await createTestDatabase("model");
});
afterAll(async () => {
  await t?.drop();
});

describe("the seed document's data model", () => {
  test("the committed extract matches the seed document when it is at hand", () => {
    const seed = join(ROOT, "../shared/seed/000_3bdd5f1b81464f19.txt");
    if (!existsSync(seed)) {
      return;
    }
    const fromDoc = parseModel(readFileSync(seed, "utf8"));
    expect(fromDoc).toEqual(model);
  });

  test("parses all 27 tables", () => {
    expect(new Set(model.map((c) => c.table)).size).toBe(27);
    expect(model.length).toBeGreaterThan(350);
  });

  test("every column exists with the seed's type, nullability and default", async () => {
    const catalog = await sql<{
      table: string;
      column: string;
      type: string;
      not_null: boolean;
      has_default: boolean;
    }>`
      SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
             a.attnotnull AS not_null, a.atthasdef AS has_default
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
      WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
        AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped`.execute(t.owner);
    const actual = new Map(catalog.rows.map((r) => [`${r.table}.${r.column}`, r]));
    const problems: string[] = [];
    for (const expected of model) {
      const key = `${expected.table}.${expected.column}`;
      const found = actual.get(key);
      if (!found) {
        problems.push(`${key} missing`);
        continue;
      }
      const type = TYPE_DEVIATIONS[key] ?? expected.type;
      if (found.type !== type) {
        problems.push(`${key}: ${found.type} instead of ${type}`);
      }
      if (found.not_null !== expected.notNull) {
        problems.push(`${key}: NOT NULL ${found.not_null} instead of ${expected.notNull}`);
      }
      if (found.has_default !== expected.hasDefault) {
        problems.push(`${key}: default ${found.has_default} instead of ${expected.hasDefault}`);
      }
    }
    expect(problems).toEqual([]);
  });

  test("every reference of the seed is a foreign key (tenant-consistent where the child has tenant_id)", async () => {
    const fks = await sql<{ table: string; columns: string[]; target: string }>`
      SELECT c.relname AS table, t.relname AS target,
             array(SELECT attname FROM pg_attribute WHERE attrelid = k.conrelid AND attnum = ANY(k.conkey)
                   ORDER BY array_position(k.conkey, attnum))::text[] AS columns
      FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class t ON t.oid = k.confrelid
      WHERE k.contype = 'f' AND c.relnamespace = 'public'::regnamespace`.execute(t.owner);
    const problems: string[] = [];
    for (const expected of model.filter((c) => c.references)) {
      const match = fks.rows.find(
        (fk) =>
          fk.table === expected.table &&
          fk.target === expected.references &&
          fk.columns.includes(expected.column),
      );
      if (!match) {
        problems.push(`${expected.table}.${expected.column} -> ${expected.references} missing`);
      } else if (expected.column !== "tenant_id" && !match.columns.includes("tenant_id")) {
        problems.push(`${expected.table}.${expected.column} is not tenant-consistent`);
      }
    }
    expect(problems).toEqual([]);
  });

  test("the seed's unique columns are unique, per tenant where the seed was global", async () => {
    const uniques = await sql<{ table: string; columns: string[] }>`
      SELECT c.relname AS table,
             array(SELECT attname FROM pg_attribute WHERE attrelid = k.conrelid AND attnum = ANY(k.conkey)
                   ORDER BY attname)::text[] AS columns
      FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
      WHERE k.contype IN ('u', 'p') AND c.relnamespace = 'public'::regnamespace`.execute(t.owner);
    for (const expected of model.filter((c) => c.unique)) {
      const key = `${expected.table}.${expected.column}`;
      const want = UNIQUE_PER_TENANT.has(key)
        ? [expected.column, "tenant_id"].sort()
        : [expected.column];
      expect(
        uniques.rows.some((u) => u.table === expected.table && u.columns.join() === want.join()),
        key,
      ).toBe(true);
    }
    expect(UNIQUE_PER_TENANT.size).toBe(3);
  });

  test("the tables the seed's code uses without defining them exist", async () => {
    const result = await sql<{ name: string }>`
      SELECT table_name || '.' || column_name AS name FROM information_schema.columns
      WHERE table_schema = 'public' AND (
        (table_name = 'payments' AND column_name IN ('credit_card_number', 'amount', 'status'))
        OR (table_name = 'business_events_archive' AND column_name = 'time')
        OR (table_name = 'jobs' AND column_name IN ('archived', 'storage_tier'))
        OR (table_name IN ('customer_interactions', 'payments', 'financial_transactions') AND column_name = 'storage_tier'))
      ORDER BY 1`.execute(t.owner);
    expect(result.rows.map((r) => r.name)).toEqual([
      "business_events_archive.time",
      "customer_interactions.storage_tier",
      "financial_transactions.storage_tier",
      "jobs.archived",
      "jobs.storage_tier",
      "payments.amount",
      "payments.credit_card_number",
      "payments.status",
      "payments.storage_tier",
    ]);
  });
});
