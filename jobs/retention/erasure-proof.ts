import { createHash } from "node:crypto";
import { sql } from "kysely";
import type { AnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import type { Db } from "../../schema/postgres.ts";
import { isColdTable } from "../tiering/stores.ts";
import { quoteIdent } from "./graph.ts";

/**
 * The proof that an erased person's identifiers appear nowhere: every table of the operational
 * store (each row's whole text form, which covers text, JSONB, arrays and every other column;
 * the tenant's rows where the table has a tenant) and every String column of every table of the
 * analytics store. The proof names identifiers by their sha256 only.
 */
export type ErasureProof = {
  identifiers: { kind: string; sha256: string }[];
  /** matches: per identifier kind; byTable: per table searched, every kind together. */
  postgres: { tables: number; matches: Record<string, number>; byTable?: Record<string, number> };
  clickhouse: {
    tables: number;
    columns: number;
    matches: Record<string, number>;
    byTable?: Record<string, number>;
  };
  clean: boolean;
  checkedAt: string;
};

export type Identifier = { kind: "email" | "phone" | "name"; value: string };

/** A POSIX regex (use case-insensitively) matching any of the values, each escaped. */
export function anyOf(values: string[]): string {
  const parts = values
    .filter((v) => v.trim().length > 0)
    .map((v) => v.replace(/[^A-Za-z0-9]/g, (c) => `\\${c}`));
  return parts.length ? `(${parts.join("|")})` : "(?!x)x";
}

export function identifierHash(value: string): string {
  return createHash("sha256").update(value.toLowerCase()).digest("hex");
}

const CH_TABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** String-typed ClickHouse columns (String, Nullable(String), LowCardinality(...)). */
export async function analyticsStringColumns(
  store: AnalyticsStore,
): Promise<Map<string, { columns: string[]; hasCustomer: boolean; hasTenant: boolean }>> {
  const rows = await store.query<{ table: string; name: string; type: string }>(
    `SELECT c.table AS table, c.name AS name, c.type AS type FROM system.columns c
     JOIN system.tables t ON t.database = c.database AND t.name = c.table
     WHERE c.database = currentDatabase() AND t.engine NOT IN ('View', 'MaterializedView')
     ORDER BY c.table, c.position`,
  );
  const out = new Map<string, { columns: string[]; hasCustomer: boolean; hasTenant: boolean }>();
  for (const row of rows) {
    if (!CH_TABLE.test(row.table) || !CH_TABLE.test(row.name)) {
      continue;
    }
    const entry = out.get(row.table) ?? { columns: [], hasCustomer: false, hasTenant: false };
    if (/^(LowCardinality\()?(Nullable\()?String\)?\)?$/.test(row.type)) {
      entry.columns.push(row.name);
    }
    if (row.name === "customer_id") {
      entry.hasCustomer = true;
    }
    if (row.name === "tenant_id") {
      entry.hasTenant = true;
    }
    out.set(row.table, entry);
  }
  return out;
}

/** SQL (ClickHouse) true when any String column of the row holds one of {needles}. */
export function analyticsMatch(columns: string[]): string {
  return columns
    .map(
      (c) =>
        `multiSearchAnyCaseInsensitiveUTF8(ifNull(toString(\`${c}\`), ''), {needles:Array(String)})`,
    )
    .join(" OR ");
}

/** Counts, per identifier kind, rows still holding the person's identifiers in either store. */
export async function proveErasure(
  deps: { db: Db; analytics?: AnalyticsStore },
  input: { tenantId: string; identifiers: Identifier[] },
): Promise<ErasureProof> {
  const kinds = [...new Set(input.identifiers.map((i) => i.kind))];
  const pg: ErasureProof["postgres"] = { tables: 0, matches: {}, byTable: {} };
  const pgByTable: Record<string, number> = {};
  const tables = await sql<{ name: string; has_tenant: boolean }>`
    SELECT c.relname AS name,
      EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id'
              AND NOT a.attisdropped) AS has_tenant
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
    WHERE c.relkind IN ('r', 'p', 'm') AND NOT c.relispartition
    ORDER BY c.relname`.execute(deps.db);
  for (const kind of kinds) {
    const pattern = anyOf(input.identifiers.filter((i) => i.kind === kind).map((i) => i.value));
    let matches = 0;
    for (const table of tables.rows) {
      const tenant = table.has_tenant ? sql`t.tenant_id = ${input.tenantId}::uuid AND` : sql``;
      const result = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM ${sql.raw(`public.${quoteIdent(table.name)}`)} t
        WHERE ${tenant} (t.*)::text ~* ${pattern}`.execute(deps.db);
      const n = result.rows[0]?.n ?? 0;
      matches += n;
      pgByTable[`public.${table.name}`] = (pgByTable[`public.${table.name}`] ?? 0) + n;
    }
    pg.matches[kind] = matches;
  }
  pg.tables = tables.rows.length;
  pg.byTable = pgByTable;
  const ch: ErasureProof["clickhouse"] = { tables: 0, columns: 0, matches: {}, byTable: {} };
  const chByTable: Record<string, number> = {};
  if (deps.analytics) {
    const columns = await analyticsStringColumns(deps.analytics);
    for (const kind of kinds) {
      const needles = input.identifiers.filter((i) => i.kind === kind).map((i) => i.value);
      let matches = 0;
      for (const [table, entry] of columns) {
        if (entry.columns.length === 0) {
          continue;
        }
        const rows = await deps.analytics.query<{ n: string }>(
          `SELECT count() AS n FROM {table:Identifier} WHERE ${analyticsMatch(entry.columns)}`,
          { table, needles },
        );
        const n = Number(rows[0]?.n ?? 0);
        matches += n;
        chByTable[table] = (chByTable[table] ?? 0) + n;
      }
      ch.matches[kind] = matches;
    }
    ch.tables = columns.size;
    ch.byTable = chByTable;
    ch.columns = [...columns.values()].reduce((n, e) => n + e.columns.length, 0);
  }
  const clean =
    Object.values(pg.matches).every((n) => n === 0) &&
    Object.values(ch.matches).every((n) => n === 0);
  return {
    identifiers: input.identifiers.map((i) => ({ kind: i.kind, sha256: identifierHash(i.value) })),
    postgres: pg,
    clickhouse: ch,
    clean,
    checkedAt: new Date().toISOString(),
  };
}

/**
 * Removes the person from the analytics store: rows about them (customer_id) and rows whose
 * String columns hold their identifiers, in every table (synchronous mutations).
 */
export async function eraseFromAnalytics(
  store: AnalyticsStore,
  input: { customerId: string; identifiers: Identifier[] },
): Promise<Record<string, number>> {
  const needles = input.identifiers.map((i) => i.value);
  const erased: Record<string, number> = {};
  for (const [table, entry] of await analyticsStringColumns(store)) {
    if (isColdTable(table)) {
      continue; // the cold tier: erased by the tier reach, which keeps others' rows (scrubbed)
    }
    const parts: string[] = [];
    if (entry.columns.length) {
      parts.push(analyticsMatch(entry.columns));
    }
    if (entry.hasCustomer) {
      parts.push("customer_id = {customer:UUID}");
    }
    if (!parts.length) {
      continue;
    }
    const where = parts.join(" OR ");
    const params = { table, needles, customer: input.customerId };
    const before = await store.query<{ n: string }>(
      `SELECT count() AS n FROM {table:Identifier} WHERE ${where}`,
      params,
    );
    const n = Number(before[0]?.n ?? 0);
    if (n > 0) {
      await store.command(
        `ALTER TABLE {table:Identifier} DELETE WHERE ${where} SETTINGS mutations_sync = 2`,
        params,
      );
      erased[table] = n;
    }
  }
  return erased;
}
