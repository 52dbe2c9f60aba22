import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";

/** `govern classify --sample-file FILE --json`: the offline contract, with no database around. */
const ROOT = join(import.meta.dirname, "..");
const dir = mkdtempSync(join(tmpdir(), "govern-classify-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, "bin/govern.js"), ...args],
      {
        cwd: dir,
        // Nothing but PATH and a database at a dead port: proves none is used.
        env: { PATH: process.env.PATH ?? "", DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" },
        encoding: "utf8",
        timeout: 90_000,
      },
      (error, stdout, stderr) => {
        const status = error ? (typeof error.code === "number" ? error.code : null) : 0;
        resolve({ status, stdout, stderr });
      },
    );
  });
}

describe.concurrent("govern classify --sample-file", () => {
  test("prints the contract's JSON in input order without touching a database", async () => {
    const file = join(dir, "samples.json");
    writeFileSync(
      file,
      JSON.stringify({
        columns: [
          {
            table: "public.users",
            column: "email",
            type: "text",
            samples: ["a@example.com", "b@example.org"],
          },
          {
            table: "public.users",
            column: "email_opt_in",
            type: "boolean",
            samples: [true, false, true],
          },
          {
            table: "public.orders",
            column: "customer",
            type: "jsonb",
            samples: [{ contact: { phone: "(415) 555-2671", name: "Clyde Lebsack" } }],
          },
          {
            table: "public.c",
            column: "col_17",
            type: "text",
            samples: ["4242424242424242", "5555555555554444", "378282246310005"],
          },
        ],
      }),
    );
    const result = await run(["classify", "--sample-file", file, "--json"]);
    expect(result.status, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout) as {
      columns: {
        table: string;
        column: string;
        category: string;
        sensitivity: string;
        confidence: number;
        evidence: unknown[];
        paths: { path: string; category: string }[];
      }[];
    };
    expect(out.columns.map((c) => `${c.table}.${c.column}`)).toEqual([
      "public.users.email",
      "public.users.email_opt_in",
      "public.orders.customer",
      "public.c.col_17",
    ]);
    expect(out.columns.map((c) => c.category)).toEqual(["email", "none", "phone", "payment_card"]);
    expect(out.columns[2]?.paths).toContainEqual({ path: "contact.phone", category: "phone" });
    expect(out.columns[3]?.sensitivity).toBe("restricted");
    for (const c of out.columns) {
      expect(c.confidence).toBeGreaterThanOrEqual(0);
      expect(c.confidence).toBeLessThanOrEqual(1);
      expect(Array.isArray(c.evidence)).toBe(true);
    }
    expect(result.stdout).not.toContain("4242424242424242");
  });

  test("a malformed entry exits 2 with a message naming it", async () => {
    const file = join(dir, "bad.json");
    writeFileSync(
      file,
      JSON.stringify({
        columns: [
          { table: "t", column: "ok", type: "text", samples: [] },
          { table: "t", column: "broken", type: "text" },
        ],
      }),
    );
    const result = await run(["classify", "--sample-file", file, "--json"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/columns\[1\].*broken.*samples/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
