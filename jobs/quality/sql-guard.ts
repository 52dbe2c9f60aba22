import { parse } from "libpg-query";

/**
 * The gate user-authored SQL (custom_sql rules) passes before it may run. The text is parsed by
 * the real PostgreSQL parser (libpg-query), and only this shape is accepted: exactly one
 * SelectStmt; no writable CTE (every CTE a SELECT); no `SELECT … INTO`; no locking clause; every
 * function call, schema-qualified or not, on an allowlist; every table reference resolved
 * against the platform's tenant tables (never `governance`, pg_catalog, information_schema,
 * views or other schemas); no schema-qualified operator. Anything the walker does not know is
 * refused. The check is one layer: the statement then runs read-only, as govern_quality (SELECT
 * on tenant tables only), under RLS, with a timeout, a LIMIT wrapper and the extended protocol.
 */

/** Why a text was refused, naming the offending token. */
export class SqlRejected extends Error {
  constructor(
    message: string,
    readonly token: string,
  ) {
    super(message);
    this.name = "SqlRejected";
  }
}

/**
 * Functions a quality check may call: pure, side-effect free, no I/O, no sleeping, no settings.
 * Lower-case, unqualified (a schema-qualified call is refused whatever its name).
 */
export const ALLOWED_FUNCTIONS = new Set([
  // aggregates
  "count",
  "sum",
  "avg",
  "min",
  "max",
  "bool_and",
  "bool_or",
  "every",
  "stddev",
  "stddev_pop",
  "stddev_samp",
  "variance",
  "percentile_cont",
  "percentile_disc",
  // text
  "lower",
  "upper",
  "length",
  "char_length",
  "character_length",
  "octet_length",
  "trim",
  "btrim",
  "ltrim",
  "rtrim",
  "substring",
  "substr",
  "left",
  "right",
  "position",
  "strpos",
  "replace",
  "split_part",
  "concat",
  "concat_ws",
  "starts_with",
  "regexp_replace",
  "regexp_match",
  "regexp_like",
  "initcap",
  "md5",
  // numbers
  "abs",
  "round",
  "floor",
  "ceil",
  "ceiling",
  "trunc",
  "mod",
  "sign",
  "greatest",
  "least",
  // time
  "now",
  "date_trunc",
  "date_part",
  "extract",
  "age",
  "make_interval",
  "to_char",
  "to_date",
  "to_timestamp",
  "timezone",
  // json and arrays
  "jsonb_typeof",
  "json_typeof",
  "jsonb_array_length",
  "jsonb_extract_path",
  "jsonb_extract_path_text",
  "array_length",
  "cardinality",
  "coalesce",
  "nullif",
]);

/** Statement or clause node types that never belong in a check, whatever their position. */
const FORBIDDEN_NODES: Record<string, string> = {
  InsertStmt: "INSERT",
  UpdateStmt: "UPDATE",
  DeleteStmt: "DELETE",
  MergeStmt: "MERGE",
  IntoClause: "INTO",
  LockingClause: "FOR UPDATE/SHARE",
  CallStmt: "CALL",
  DoStmt: "DO",
  CopyStmt: "COPY",
  VariableSetStmt: "SET",
  LockStmt: "LOCK",
  TransactionStmt: "transaction control",
};

export type SqlGuardOptions = {
  /** Tables the text may read (unqualified names in schema public). */
  tables: ReadonlySet<string>;
};

export type GuardedSql = {
  /** The text, trimmed of a trailing semicolon: exactly what runs inside the wrapper. */
  text: string;
  /** Tables the statement reads. */
  tables: string[];
};

type Node = Record<string, unknown>;

function names(list: unknown): string[] {
  return Array.isArray(list)
    ? list.map((n) => ((n as { String?: { sval?: string } }).String?.sval ?? "").toLowerCase())
    : [];
}

/**
 * Parses and checks a custom SQL text; returns the text to run, or throws SqlRejected naming the
 * offending token (a function, a table, a statement type).
 */
export async function guardCustomSql(text: string, options: SqlGuardOptions): Promise<GuardedSql> {
  if (text.includes("\u0000")) {
    throw new SqlRejected("The SQL contains a NUL character.", "\\0");
  }
  type Tree = { stmts?: { stmt: Node; stmt_location?: number; stmt_len?: number }[] };
  let tree: Tree;
  try {
    tree = (await parse(text)) as Tree;
  } catch (error) {
    throw new SqlRejected(`The SQL does not parse: ${(error as Error).message}`, "syntax");
  }
  const stmts = tree.stmts ?? [];
  if (stmts.length !== 1) {
    throw new SqlRejected(
      `Exactly one SELECT statement is allowed; found ${stmts.length} statements.`,
      stmts.length === 0 ? "(empty)" : ";",
    );
  }
  const stmt = stmts[0]?.stmt ?? {};
  const kind = Object.keys(stmt)[0] ?? "";
  if (kind !== "SelectStmt") {
    const token = FORBIDDEN_NODES[kind] ?? kind.replace(/Stmt$/, "").toUpperCase();
    throw new SqlRejected(`Only a SELECT is allowed, not ${token}.`, token);
  }

  // CTE names the statement defines may be referenced like tables.
  const cteNames = new Set<string>();
  const read = new Set<string>();
  const refs: { schema?: string; name: string }[] = [];

  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) {
        walk(item);
      }
      return;
    }
    if (!value || typeof value !== "object") {
      return;
    }
    for (const [key, child] of Object.entries(value as Node)) {
      const forbidden = FORBIDDEN_NODES[key];
      if (forbidden) {
        throw new SqlRejected(`${forbidden} is not allowed in a quality check.`, forbidden);
      }
      if (key === "SelectStmt") {
        const select = child as Node;
        if (select.intoClause) {
          throw new SqlRejected("SELECT … INTO is not allowed.", "INTO");
        }
        if (select.lockingClause) {
          throw new SqlRejected(
            "A locking clause (FOR UPDATE/SHARE) is not allowed.",
            "FOR UPDATE",
          );
        }
      }
      if (key === "CommonTableExpr") {
        const cte = child as Node;
        const query = (cte.ctequery ?? {}) as Node;
        const queryKind = Object.keys(query)[0] ?? "";
        if (queryKind !== "SelectStmt") {
          const token = FORBIDDEN_NODES[queryKind] ?? queryKind;
          throw new SqlRejected(`A WITH query must be a SELECT, not ${token}.`, token);
        }
        cteNames.add(String(cte.ctename ?? "").toLowerCase());
      }
      if (key === "FuncCall") {
        const fn = names((child as Node).funcname);
        const shown = fn.join(".");
        if (fn.length !== 1) {
          throw new SqlRejected(
            `Function ${shown} is called through a schema-qualified name, which is not allowed.`,
            shown,
          );
        }
        if (!ALLOWED_FUNCTIONS.has(fn[0] as string)) {
          throw new SqlRejected(`Function ${shown} is not on the allowlist.`, shown);
        }
      }
      if (key === "A_Expr") {
        const op = names((child as Node).name);
        if (op.length > 1) {
          throw new SqlRejected(`Operator ${op.join(".")} is schema-qualified.`, op.join("."));
        }
      }
      if (key === "RangeVar") {
        const rv = child as { schemaname?: string; relname?: string; catalogname?: string };
        if (rv.catalogname) {
          throw new SqlRejected(`Table ${rv.catalogname}.… names a database.`, rv.catalogname);
        }
        refs.push({ schema: rv.schemaname?.toLowerCase(), name: (rv.relname ?? "").toLowerCase() });
      }
      if (key === "ParamRef") {
        throw new SqlRejected("Parameters ($1) are not allowed in a quality check.", "$");
      }
      walk(child);
    }
  };
  walk(stmt);

  for (const ref of refs) {
    const shown = ref.schema ? `${ref.schema}.${ref.name}` : ref.name;
    if (!ref.schema && cteNames.has(ref.name)) {
      continue;
    }
    if (ref.schema && ref.schema !== "public") {
      throw new SqlRejected(`Table ${shown} is outside the platform's tables.`, shown);
    }
    if (!options.tables.has(ref.name)) {
      throw new SqlRejected(`Table ${shown} is not one of the platform's tenant tables.`, shown);
    }
    read.add(ref.name);
  }
  // Exactly the one statement the parser saw (no trailing semicolon or comment), on its own
  // lines so that a line comment cannot swallow the wrapper around it.
  const located: { stmt_location?: number; stmt_len?: number } = stmts[0] ?? {};
  // The parser's offsets count bytes, not characters.
  const bytes = Buffer.from(text, "utf8");
  const start = located.stmt_location ?? 0;
  const statement = (
    located.stmt_len
      ? bytes.subarray(start, start + located.stmt_len).toString("utf8")
      : bytes.subarray(start).toString("utf8")
  )
    .replace(/;\s*$/, "")
    .trim();
  const wrapped = `SELECT * FROM (\n${statement}\n) AS q LIMIT 1`;
  const again = (await parse(wrapped).catch(() => ({ stmts: [] }))) as Tree;
  if ((again.stmts ?? []).length !== 1) {
    throw new SqlRejected("The SQL does not stay one statement inside its LIMIT wrapper.", ")");
  }
  return { text: statement, tables: [...read] };
}
