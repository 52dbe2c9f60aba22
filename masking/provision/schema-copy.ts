import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

/**
 * The schema half of a clone, from one `pg_dump --schema-only --format=custom` of the source:
 * `pg_restore --section=pre-data` before the data (tables, types, functions, views, RLS) and
 * `--section=post-data` after it (indexes, constraints, triggers, policies), the very statements
 * a plain restore runs. One dump instead of one per section halves what pg_dump spends reading
 * the catalog of a database with thousands of partitions, and the archive lets the post-data
 * section build indexes and validate foreign keys in parallel jobs. Passwords go through
 * PGPASSWORD, never the command line.
 */

function splitUrl(url: string): { url: string; password: string | undefined } {
  const u = new URL(url);
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  u.password = "";
  return { url: u.toString(), password };
}

/** The connection string as a report may show it: no password. */
export function redactUrl(url: string): string {
  return splitUrl(url).url;
}

/** Runs a PostgreSQL client program; rejects with its stderr when it fails. */
function run(program: string, args: string[], url: string, what: string): Promise<void> {
  const { url: dbname, password } = splitUrl(url);
  return new Promise((resolve, reject) => {
    const child = spawn(program, ["--dbname", dbname, ...args], {
      env: { ...process.env, PGPASSWORD: password ?? "" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    const errors: string[] = [];
    child.stderr.on("data", (d) => errors.push(String(d)));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${what} failed: ${errors.join("").trim().slice(0, 2000)}`)),
    );
  });
}

/**
 * `pre-data`: tables, types, functions, views, RLS, without the partitions `defer` names;
 * `partitions`: those partitions (created, attached, granted), which the copy of every other
 * table need not wait for; `post-data`: indexes, constraints, triggers, policies.
 */
export type SchemaSection = "pre-data" | "partitions" | "post-data";

export type SchemaArchive = {
  restore: (targetUrl: string, section: SchemaSection, jobs?: number) => Promise<void>;
  remove: () => Promise<void>;
};

/** Runs a PostgreSQL client program and returns what it printed. */
function output(program: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ["ignore", "pipe", "pipe"] });
    const out: string[] = [];
    const errors: string[] = [];
    child.stdout.on("data", (d) => out.push(String(d)));
    child.stderr.on("data", (d) => errors.push(String(d)));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(out.join("")) : reject(new Error(errors.join("").trim().slice(0, 2000))),
    );
  });
}

/**
 * Whether a line of `pg_restore -l` creates, attaches or grants one of `names`: `ID; oid oid
 * TABLE schema name owner`, `... TABLE ATTACH schema name owner`, `... ACL schema TABLE name owner`.
 */
function createsOneOf(line: string, names: ReadonlySet<string>): boolean {
  const m = /^\d+; \d+ \d+ (TABLE ATTACH \S+|TABLE \S+|ACL \S+ TABLE) (\S+) /.exec(line);
  return m !== null && names.has(m[2] ?? "");
}

/** Whether a line of `pg_restore -l` creates one of `schemas`: `ID; oid oid SCHEMA - name owner`. */
function createsSchema(line: string, schemas: ReadonlySet<string>): boolean {
  const m = /^\d+; \d+ \d+ SCHEMA - (\S+) /.exec(line);
  return m !== null && schemas.has(m[1] ?? "");
}

/** An extension a schema's objects need, and the schema it lives in. */
export type Extension = { name: string; schema: string };

/**
 * The extensions `schema`'s objects depend on (a `citext` or `citext[]` column, a function, an
 * operator class of an index), from the source's pg_depend: a schema-only dump of one schema
 * leaves out CREATE EXTENSION, and its tables then fail to restore. Extensions whose members
 * are used by a column's type (or its array's element type) or by any object of the schema.
 */
export async function neededExtensions(sourceUrl: string, schema: string): Promise<Extension[]> {
  const client = new pg.Client({ connectionString: sourceUrl });
  await client.connect();
  try {
    const r = await client.query<{ name: string; schema: string }>(
      `WITH members AS (
         SELECT d.objid, d.classid, e.oid AS ext FROM pg_depend d
         JOIN pg_extension e ON d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid
         WHERE d.deptype = 'e' AND e.extname <> 'plpgsql'
       ), used AS (
         -- Column types (arrays through their element type).
         SELECT m.ext FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_type t ON t.oid = a.atttypid
         JOIN members m ON m.classid = 'pg_type'::regclass
           AND m.objid IN (t.oid, NULLIF(t.typelem, 0))
         WHERE n.nspname = $1 AND a.attnum > 0 AND NOT a.attisdropped
         UNION
         -- Anything else of the schema (defaults, indexes, views, functions) depending on a member.
         SELECT m.ext FROM pg_depend d
         JOIN members m ON m.classid = d.refclassid AND m.objid = d.refobjid
         JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1
       )
       SELECT e.extname AS name, n.nspname AS schema FROM pg_extension e
       JOIN pg_namespace n ON n.oid = e.extnamespace
       WHERE e.oid IN (SELECT ext FROM used) ORDER BY 1`,
      [schema],
    );
    return r.rows;
  } finally {
    await client.end();
  }
}

/**
 * Roles govern's own migrations create and grant on the platform's tables (custom quality SQL
 * runs as `govern_quality`, 2026-12-07-quality-01): the schema dump carries those grants and
 * policies, so a target server without the role refuses the restore. Made there as on the
 * source: NOLOGIN, with no privilege but what the copy's own grants give it.
 */
const GOVERN_ROLES = ["govern_quality"] as const;

/** Creates govern's roles, the extensions and the schemas they live in, before the restore. */
async function createExtensions(targetUrl: string, extensions: Extension[]): Promise<void> {
  const client = new pg.Client({ connectionString: targetUrl });
  await client.connect();
  const id = (name: string) => `"${name.replace(/"/g, '""')}"`;
  try {
    for (const role of GOVERN_ROLES) {
      await client.query(
        `DO $$ BEGIN CREATE ROLE ${id(role)} NOLOGIN NOINHERIT;
         EXCEPTION WHEN duplicate_object THEN NULL; END $$`,
      );
    }
    for (const e of extensions) {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${id(e.schema)}`);
      await client.query(`CREATE EXTENSION IF NOT EXISTS ${id(e.name)} SCHEMA ${id(e.schema)}`);
    }
  } finally {
    await client.end();
  }
}

/** What the two helpers below run their queries on (a pool or a client). */
type Queryable = Pick<pg.Pool, "query">;

/**
 * The leaf partitions of `schema` (partitions with no partition of their own), which a clone
 * defers to dumpSchema's `partitions` section: hundreds of them for a time-partitioned table,
 * created while the other tables copy.
 */
export async function leafPartitions(source: Queryable, schema: string): Promise<Set<string>> {
  const r = await source.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relispartition AND c.relkind = 'r'
       AND NOT EXISTS (SELECT 1 FROM pg_class s WHERE s.relnamespace = n.oid
                         AND s.relispartition AND s.relkind = 'p')`,
    [schema],
  );
  return new Set(r.rows.map((x) => x.name));
}

/** Sets every sequence of `schema` in `target` to its value in `source`, in one round trip. */
export async function copySequences(
  source: Queryable,
  target: Queryable,
  schema: string,
): Promise<void> {
  const r = await source.query<{ name: string; last_value: string }>(
    `SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) AS name, last_value::text
     FROM pg_sequences WHERE schemaname = $1 AND last_value IS NOT NULL`,
    [schema],
  );
  await target.query(
    "SELECT setval(s::regclass, v, true) FROM unnest($1::text[], $2::bigint[]) AS x(s, v)",
    [r.rows.map((s) => s.name), r.rows.map((s) => s.last_value)],
  );
}

/**
 * Dumps `schema`'s definitions (no data) into a temporary archive. `defer` names partitions to
 * restore as the `partitions` section (names with spaces are never deferred: the restore list
 * cannot name them unambiguously).
 */
export async function dumpSchema(
  sourceUrl: string,
  schema = "public",
  defer: ReadonlySet<string> = new Set(),
): Promise<SchemaArchive> {
  const dir = await mkdtemp(join(tmpdir(), "govern-schema-"));
  const file = join(dir, "schema.dump");
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    await run(
      "pg_dump",
      [
        "--schema-only",
        "--format=custom",
        "--file",
        file,
        "--schema",
        schema,
        "--no-publications",
        "--no-subscriptions",
      ],
      sourceUrl,
      "schema dump",
    );
  } catch (error) {
    await remove();
    throw error;
  }
  let extensions: Extension[];
  try {
    extensions = await neededExtensions(sourceUrl, schema);
  } catch (error) {
    await remove();
    throw error;
  }
  // A schema the extensions live in is made before the restore, which must not make it again.
  const made = new Set(extensions.map((e) => e.schema));
  const deferred = [...defer].some((n) => /\s/.test(n)) ? new Set<string>() : defer;
  // The pre-data entries split in two restore lists: partitions, and everything else.
  const lists = {
    "pre-data": join(dir, "pre-data.list"),
    partitions: join(dir, "partitions.list"),
  };
  try {
    const entries = (await output("pg_restore", ["--list", "--section=pre-data", file])).split(
      "\n",
    );
    await writeFile(
      lists["pre-data"],
      entries.filter((l) => !createsOneOf(l, deferred) && !createsSchema(l, made)).join("\n"),
    );
    await writeFile(lists.partitions, entries.filter((l) => createsOneOf(l, deferred)).join("\n"));
  } catch (error) {
    await remove();
    throw error;
  }
  return {
    // One job runs as one transaction: one commit instead of one per statement (thousands
    // for a partitioned platform); more jobs (post-data) each commit their own.
    restore: async (targetUrl, section, jobs = 1) => {
      if (section === "pre-data") {
        await createExtensions(targetUrl, extensions);
      }
      await run(
        "pg_restore",
        [
          ...(section === "post-data" ? ["--section=post-data"] : ["--use-list", lists[section]]),
          "--exit-on-error",
          jobs > 1 ? `--jobs=${jobs}` : "--single-transaction",
          file,
        ],
        targetUrl,
        `schema copy (${section})`,
      );
    },
    remove,
  };
}
