import pg from "pg";
import { evidenceExample } from "../../rules/classification/free-text.ts";
import { maskValue } from "../../rules/classification/mask.ts";
import type { Config } from "../../schema/config.ts";
import type { Category } from "../../schema/domain/classification.ts";
import type { Db } from "../../schema/postgres.ts";
import { type AddressLineSet, sourceAddressLines } from "../address-line-set.ts";
import { MaskingError } from "../masking-error.ts";
import {
  arrayElements,
  maskedJson,
  nodeRewriters,
  scrubbedInNode,
} from "../provision/node-masks.ts";
import {
  type ColumnPlan,
  checkProvisioningGate,
  sourceColumns,
  type TablePlan,
} from "../provision/plan.ts";
import { nameDictionary } from "../provision/provision.ts";
import { columnExpr, ident } from "../provision/select.ts";
import { maskingKey } from "../strategies/key.ts";
import { maskingFunctionsSql } from "../strategies/sql-functions.ts";
import type { Strategy, StrategyParams } from "../strategies/strategies.ts";

/**
 * The live before/after preview of a column's masking rule on a few source rows. "After" is not
 * a re-implementation: the column's plan (the provisioning gate's, with the draft rule put in
 * place of the one in force) goes through the copy's own code — `columnExpr` (select.ts) calls
 * the session's pg_temp.gm_* functions inside the source's SELECT, and free text and JSON go
 * through `nodeRewriters` (node-masks.ts), the rewriters the masking threads apply to the COPY
 * stream, with the same key and the same name dictionary. A previewed row therefore reads in
 * the preview exactly as it will in a provisioned copy. "Before" is the source value, or, for a
 * viewer who may not see raw values, the catalog evidence's masked form of it.
 */

export type RulePreviewInput = {
  table: string;
  column: string;
  jsonPath?: string;
  /** The draft rule; omitted: the rule in force. */
  strategy?: Strategy;
  params?: StrategyParams;
  /** Rows to show (default 5, at most 20). */
  limit?: number;
  /** Whether "before" may show the source values as they are. */
  raw: boolean;
};

export type RulePreviewRow = {
  /** The row's primary key, as text (`a|b` for a composite key), to find it in a copy. */
  key: string | null;
  before: string | null;
  after: string | null;
};

export type RulePreview = {
  table: string;
  column: string;
  jsonPath: string;
  category: string;
  strategy: string;
  params: StrategyParams;
  /** Where the copy masks this column: in the source's SELECT, in Node on the stream, or not. */
  maskedIn: "sql" | "node" | "none";
  /** Whether "before" holds raw source values (else masked as catalog evidence). */
  beforeRaw: boolean;
  /**
   * Whether a unique index covers the column: values the strategy makes equal get a tag derived
   * from their row in the copy (unique-values.ts), which a few sample rows cannot show.
   */
  uniqueIndex: boolean;
  rows: RulePreviewRow[];
};

/** Settings of every provisioning connection (provision.ts): no JIT, row security off. */
const SESSION_OPTIONS = "-c jit=off -c row_security=off";

/** How long a name dictionary is reused: building it reads every name column of the source. */
const NAMES_TTL_MS = 60_000;
let namesCache: {
  url: string;
  at: number;
  names: { first: string[]; last: string[] };
  lines: AddressLineSet;
} | null = null;

async function cachedNames(
  client: pg.Client,
  url: string,
  tables: TablePlan[],
  key: Buffer,
): Promise<{ first: string[]; last: string[]; lines: AddressLineSet }> {
  if (namesCache && namesCache.url === url && Date.now() - namesCache.at < NAMES_TTL_MS) {
    return { ...namesCache.names, lines: namesCache.lines };
  }
  const names = await nameDictionary(client as unknown as pg.PoolClient, tables, "public");
  // The source's address lines, which scrub replaces in prose as provisioning does.
  const lines = await sourceAddressLines(client as unknown as pg.PoolClient, tables, "public", key);
  namesCache = { url, at: Date.now(), names, lines };
  return { ...names, lines };
}

/** Puts the draft rule in place of the one in force, on the column or on one of its paths. */
function withDraft(column: ColumnPlan, input: RulePreviewInput): ColumnPlan {
  if (input.strategy === undefined) {
    return column;
  }
  const params = input.params ?? {};
  const path = input.jsonPath ?? "";
  if (path === "") {
    return { ...column, strategy: input.strategy, params, ruleSource: "rule" };
  }
  const others = column.paths.filter((p) => p.path !== path);
  const current = column.paths.find((p) => p.path === path);
  return {
    ...column,
    paths: [
      ...others,
      {
        path,
        category: current?.category ?? "none",
        strategy: input.strategy,
        params,
        ruleSource: "rule",
      },
    ],
  };
}

/** "Before" for a viewer who may not see raw values: the catalog evidence's masked form. */
function maskedBefore(value: string, category: Category, json: boolean): string {
  if (json || category === "free_text_pii" || category === "none") {
    return evidenceExample(value);
  }
  return maskValue(value, category);
}

/** The preview; throws MaskingError('invalid') for a table or column the source does not have. */
export async function previewColumnRule(
  deps: { db: Db; config: Config },
  input: RulePreviewInput,
): Promise<RulePreview> {
  const limit = Math.min(Math.max(input.limit ?? 5, 1), 20);
  const columns = (await sourceColumns(deps.db)).filter((c) => c.table_name === input.table);
  const source = columns.find((c) => c.column_name === input.column);
  if (!source) {
    throw new MaskingError(
      "invalid",
      `${input.table}.${input.column} is not a column of the source`,
    );
  }
  const gate = await checkProvisioningGate({ db: deps.db, source: deps.db });
  const tables = gate.kind === "ok" ? gate.tables : (gate.tables ?? []);
  const planned = tables
    .find((t) => t.table === input.table)
    ?.columns.find((c) => c.column === input.column);
  // A column that still blocks the gate has no plan yet: preview it under its proposed category.
  const category = (planned?.category ??
    (await proposedCategory(deps.db, input.table, input.column))) as Category;
  const base: ColumnPlan = planned ?? {
    column: source.column_name,
    type: source.type,
    typeCategory: source.typcategory,
    elementCategory: source.elemcategory,
    udt: source.udt,
    nullable: source.nullable,
    category,
    strategy: "allow",
    params: {},
    ruleSource: "none",
    paths: [],
  };
  const column = withDraft(base, input);
  // Every column of the table by name (date_shift reads its entity column), masked or not.
  const table: TablePlan = {
    table: input.table,
    kind: source.relkind === "p" ? "p" : "r",
    estimatedRows: Number(source.estimated_rows),
    columns: columns.map((c) =>
      c.column_name === column.column
        ? column
        : {
            column: c.column_name,
            type: c.type,
            typeCategory: c.typcategory,
            elementCategory: c.elemcategory,
            udt: c.udt,
            nullable: c.nullable,
            category: "none" as Category,
            strategy: "allow" as Strategy,
            params: {},
            ruleSource: "none" as const,
            paths: [],
          },
    ),
  };
  const inNode = maskedJson(column) || scrubbedInNode(column);
  const expr = columnExpr(column, table);
  const key = maskingKey(deps.config.secret).bytes;
  const client = new pg.Client({
    connectionString: deps.config.databaseUrl,
    application_name: "govern-preview",
    options: SESSION_OPTIONS,
  });
  await client.connect();
  try {
    const pk = await client.query<{ name: string }>(
      `SELECT a.attname AS name FROM pg_index i
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
       WHERE i.indrelid = to_regclass($1) AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`,
      [`public.${ident(input.table)}`],
    );
    const keyCols = pk.rows.map((r) => r.name);
    const unique = await client.query<{ u: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM pg_index i
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
         WHERE i.indrelid = to_regclass($1) AND i.indisunique AND a.attname = $2) AS u`,
      [`public.${ident(input.table)}`, input.column],
    );
    const keyExpr = keyCols.length
      ? keyCols.map((k) => `t.${ident(k)}::text`).join(" || '|' || ")
      : "NULL::text";
    const order = keyCols.length ? keyCols.map((k) => `t.${ident(k)}`).join(", ") : "t.ctid";
    // pg_temp objects of this session only: they vanish when it ends (nothing stays in the source).
    await client.query(maskingFunctionsSql(key));
    const names = await cachedNames(client, deps.config.databaseUrl, tables, key);
    await client.query("INSERT INTO pg_temp.gm_first_names SELECT DISTINCT unnest($1::text[])", [
      names.first,
    ]);
    await client.query("INSERT INTO pg_temp.gm_last_names SELECT DISTINCT unnest($1::text[])", [
      names.last,
    ]);
    const col = `t.${ident(column.column)}`;
    // An array masked in Node is read in its binary form, as the copy's stream carries it.
    const binaryArray = inNode && column.typeCategory === "A";
    const r = await client.query<{
      k: string | null;
      before: string | null;
      after: string | null;
      bin?: Buffer | null;
    }>(
      `SELECT ${keyExpr} AS k, ${col}::text AS before, (${expr})::text AS after${binaryArray ? `, array_send(${col}) AS bin` : ""}
       FROM public.${ident(input.table)} AS t WHERE ${col} IS NOT NULL ORDER BY ${order} LIMIT ${limit}`,
    );
    // Free text and JSON: the copy's stream rewriter of this very column.
    const rewrite = inNode
      ? nodeRewriters({ ...table, columns: [column] }, key, {
          first: new Set(names.first),
          last: new Set(names.last),
          lines: names.lines,
        }).get(0)
      : undefined;
    const jsonb = column.udt === "jsonb";
    const json = column.udt === "jsonb" || column.udt === "json";
    const rows = r.rows.map((row) => {
      let after = row.after;
      if (rewrite && binaryArray && row.bin) {
        after = arrayLiteral(arrayElements(rewrite(row.bin) as Buffer).elements);
      } else if (rewrite && after !== null) {
        // The stream carries jsonb in its binary form: a version byte, then the text.
        const bytes = jsonb
          ? Buffer.concat([Buffer.from([1]), Buffer.from(after)])
          : Buffer.from(after);
        const out = rewrite(bytes).toString();
        after = jsonb ? out.slice(1) : out;
      }
      const before =
        row.before === null || input.raw ? row.before : maskedBefore(row.before, category, json);
      return { key: row.k, before, after };
    });
    return {
      table: input.table,
      column: input.column,
      jsonPath: input.jsonPath ?? "",
      category,
      strategy:
        (input.jsonPath
          ? column.paths.find((p) => p.path === input.jsonPath)?.strategy
          : column.strategy) ?? column.strategy,
      params:
        (input.jsonPath
          ? column.paths.find((p) => p.path === input.jsonPath)?.params
          : column.params) ?? {},
      maskedIn: inNode ? "node" : expr === ident(column.column) ? "none" : "sql",
      beforeRaw: input.raw,
      uniqueIndex: unique.rows[0]?.u === true,
      rows,
    };
  } finally {
    await client.end().catch(() => {});
  }
}

async function proposedCategory(db: Db, table: string, column: string): Promise<string> {
  const row = await db
    .selectFrom("governance.catalog_effective_columns")
    .select(["effective_category"])
    .where("store", "=", "postgres")
    .where("schema_name", "=", "public")
    .where("table_name", "=", table)
    .where("column_name", "=", column)
    .where("json_path", "=", "")
    .executeTakeFirst();
  const proposed = await db
    .selectFrom("governance.catalog_columns")
    .select(["proposed_category"])
    .where("store", "=", "postgres")
    .where("schema_name", "=", "public")
    .where("table_name", "=", table)
    .where("column_name", "=", column)
    .where("json_path", "=", "")
    .where("dropped_at", "is", null)
    .executeTakeFirst();
  return row?.effective_category ?? proposed?.proposed_category ?? "none";
}

/** Elements as a one-dimensional array literal (every element quoted, NULL as NULL). */
function arrayLiteral(elements: (string | null)[]): string {
  return `{${elements.map((e) => (e === null ? "NULL" : `"${e.replace(/["\\]/g, "\\$&")}"`)).join(",")}}`;
}
