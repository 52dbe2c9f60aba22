import { sql } from "kysely";
import type { Db } from "../../schema/postgres.ts";
import type { TableInfo } from "./graph.ts";

/**
 * Which columns of a table an erasure treats as the person's, and which text columns it scrubs
 * for their identifiers: from the catalog (governance.catalog_effective_columns) when it knows
 * the table, else from the fixed lists below.
 *
 * The catalog knows a table when its scan saw every column the table has now and each has an
 * effective category (a steward's decision, else the scanner's proposal). A table added or
 * altered since the last scan, or not classified yet, falls back: a stale catalog must not
 * leave a new personal column untouched.
 */

export type ColumnSource = "catalog" | "fixed_list";

export type ColumnDecision = {
  source: ColumnSource;
  /** column → anonymization strategy (null, redact, empty_json; see executor.ts). */
  anonymize: Record<string, string>;
  /** Anonymized columns' categories, as the catalog classified them (catalog only). */
  categories: Record<string, string>;
  /** Text, text[] and JSON columns whose identifiers are replaced; null: every such column. */
  scrubColumns: string[] | null;
  /** Why the source was chosen, for the plan's reader. */
  why: string;
};

/** The fallback: personal columns of the platform's tables, by name. */
const PERSONAL: Record<string, Record<string, string>> = {
  customers: {
    first_name: "redact",
    last_name: "redact",
    company_name: "null",
    email: "null",
    phone: "null",
    secondary_phone: "null",
    addresses: "empty_json",
    communication_preferences: "empty_json",
    customer_insights: "empty_json",
    custom_fields: "empty_json",
  },
  jobs: { service_address: "null", location_notes: "null" },
  payments: {
    credit_card_number: "null",
    bank_account_number: "null",
    bank_routing_number: "null",
    cardholder_name: "redact",
    billing_address: "null",
  },
};

/**
 * Columns that name who acted, not whom the row is about: the audit trigger records the staff
 * member's id, email and address next to the copied row. They stay (scrubbed only).
 */
const ACTOR_COLUMNS: Record<string, string[]> = {
  audit_logs: ["user_id", "user_email", "ip_address", "user_agent"],
};

type CatalogColumn = { data_type: string; category: string | null; is_pii: boolean };

/** The catalog's live Postgres columns (json paths left out), per table of `public`. */
export type CatalogColumns = Map<string, Map<string, CatalogColumn>>;

export async function loadCatalogColumns(db: Db): Promise<CatalogColumns> {
  const rows = await sql<{
    table_name: string;
    column_name: string;
    data_type: string;
    effective_category: string | null;
    is_pii: boolean | null;
  }>`
    SELECT table_name, column_name, data_type, effective_category, is_pii
    FROM governance.catalog_effective_columns
    WHERE store = 'postgres' AND schema_name = 'public' AND json_path = '' AND dropped_at IS NULL
    ORDER BY table_name, ordinal, column_name`.execute(db);
  const out: CatalogColumns = new Map();
  for (const row of rows.rows) {
    const table = out.get(row.table_name) ?? new Map<string, CatalogColumn>();
    table.set(row.column_name, {
      data_type: row.data_type,
      category: row.effective_category,
      is_pii: row.is_pii === true,
    });
    out.set(row.table_name, table);
  }
  return out;
}

/** The catalog's types (format_type) the executor scrubs: text, text arrays, JSON. */
const TEXTUAL = /^((text|character varying(\(\d+\))?|character(\(\d+\))?)(\[\])?|json|jsonb)$/;
const JSON_TYPE = /^jsonb?$/;

/** How a personal column is anonymized, by what it holds. */
function strategyFor(category: string, dataType: string): string {
  if (JSON_TYPE.test(dataType)) {
    return "empty_json";
  }
  return category === "person_name" ? "redact" : "null";
}

/**
 * The column decision for one table of an erasure. `personal` is false for tables whose rows
 * only mention the person (someone else's message naming them): there the identifiers are
 * scrubbed and the other people's data left alone.
 */
export function decideColumns(
  catalog: CatalogColumns,
  table: TableInfo,
  personal: boolean,
): ColumnDecision {
  const known = catalog.get(table.name);
  const missing = [...table.columns.keys()].filter((c) => !known?.get(c)?.category);
  if (!known || missing.length > 0) {
    return {
      source: "fixed_list",
      anonymize: personal ? (PERSONAL[table.name] ?? {}) : {},
      categories: {},
      scrubColumns: null,
      why: !known
        ? "the catalog has not scanned this table"
        : `the catalog has not classified ${missing.length === 1 ? "column" : "columns"} ${missing.join(", ")}`,
    };
  }
  const anonymize: Record<string, string> = {};
  const categories: Record<string, string> = {};
  const actors = ACTOR_COLUMNS[table.name] ?? [];
  if (personal) {
    for (const [column, info] of known) {
      if (info.is_pii && info.category && !actors.includes(column)) {
        anonymize[column] = strategyFor(info.category, info.data_type);
        categories[column] = info.category;
      }
    }
  }
  const scrubColumns = [...known]
    .filter(([column, info]) => TEXTUAL.test(info.data_type) && !(column in anonymize))
    .map(([column]) => column);
  return {
    source: "catalog",
    anonymize,
    categories,
    scrubColumns,
    why: personal
      ? "columns the catalog classifies as personal are anonymized; its text and JSON columns scrubbed"
      : "rows only mention the person: the catalog's text and JSON columns are scrubbed",
  };
}
