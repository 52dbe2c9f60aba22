import { spawn } from "node:child_process";

/**
 * The schema half of a clone: `pg_dump --section=pre-data|post-data --schema=public | psql`, the
 * very statements a plain restore runs (tables, types, functions, views and RLS before the data;
 * indexes, constraints, triggers and policies after it, like a plain restore). Passwords go
 * through PGPASSWORD, never the command line.
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

export async function copySchemaSection(
  sourceUrl: string,
  targetUrl: string,
  section: "pre-data" | "post-data",
  schema = "public",
): Promise<void> {
  const source = splitUrl(sourceUrl);
  const target = splitUrl(targetUrl);
  const dump = spawn(
    "pg_dump",
    [
      "--dbname",
      source.url,
      `--section=${section}`,
      "--schema",
      schema,
      "--no-publications",
      "--no-subscriptions",
    ],
    {
      env: { ...process.env, PGPASSWORD: source.password ?? "" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const restore = spawn(
    "psql",
    ["--dbname", target.url, "-v", "ON_ERROR_STOP=1", "-q", "-X", "-o", "/dev/null"],
    {
      env: { ...process.env, PGPASSWORD: target.password ?? "" },
      stdio: ["pipe", "ignore", "pipe"],
    },
  );
  // psql stopping early (ON_ERROR_STOP) must surface as its error, not as EPIPE on our side.
  restore.stdin.on("error", () => {});
  dump.stdout.pipe(restore.stdin);
  const errors: string[] = [];
  dump.stderr.on("data", (d) => errors.push(String(d)));
  restore.stderr.on("data", (d) => errors.push(String(d)));
  const exit = (p: ReturnType<typeof spawn>) =>
    new Promise<number>((resolve, reject) => {
      p.on("error", reject);
      p.on("close", (code) => resolve(code ?? 1));
    });
  // If psql stops, nothing reads pg_dump's output any more: stop it too.
  restore.on("close", () => dump.kill());
  const [dumpCode, restoreCode] = await Promise.all([exit(dump), exit(restore)]);
  if (dumpCode !== 0 || restoreCode !== 0) {
    throw new Error(`schema copy (${section}) failed: ${errors.join("").trim().slice(0, 2000)}`);
  }
}
