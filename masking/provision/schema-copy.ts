import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
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

export type SchemaArchive = {
  restore: (targetUrl: string, section: "pre-data" | "post-data", jobs?: number) => Promise<void>;
  remove: () => Promise<void>;
};

/** Dumps `schema`'s definitions (no data) into a temporary archive. */
export async function dumpSchema(sourceUrl: string, schema = "public"): Promise<SchemaArchive> {
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
  return {
    // One job runs as one transaction: one commit instead of one per statement (thousands
    // for a partitioned platform); more jobs (post-data) each commit their own.
    restore: (targetUrl, section, jobs = 1) =>
      run(
        "pg_restore",
        [
          `--section=${section}`,
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
