import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

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
      entries.filter((l) => !createsOneOf(l, deferred)).join("\n"),
    );
    await writeFile(lists.partitions, entries.filter((l) => createsOneOf(l, deferred)).join("\n"));
  } catch (error) {
    await remove();
    throw error;
  }
  return {
    // One job runs as one transaction: one commit instead of one per statement (thousands
    // for a partitioned platform); more jobs (post-data) each commit their own.
    restore: (targetUrl, section, jobs = 1) =>
      run(
        "pg_restore",
        [
          ...(section === "post-data" ? ["--section=post-data"] : ["--use-list", lists[section]]),
          "--exit-on-error",
          jobs > 1 ? `--jobs=${jobs}` : "--single-transaction",
          file,
        ],
        targetUrl,
        `schema copy (${section})`,
      ),
    remove,
  };
}
