import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, describe, expect, test } from "vitest";
import { loadConfig, withDatabase } from "../schema/config.ts";
import { createOwnerDb } from "../schema/postgres.ts";

const BIN = join(import.meta.dirname, "../bin/govern.js");
const database = `govern_t_cli_${randomBytes(4).toString("hex")}`;
const base = loadConfig({ ...process.env, NODE_ENV: "test" });
const env = { ...process.env, DATABASE_URL: withDatabase(base, database).databaseUrl };

function govern(args: string[], extraEnv: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile("node", [BIN, ...args], { env: { ...env, ...extraEnv } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

afterAll(async () => {
  const admin = createOwnerDb(withDatabase(base, "postgres"), { max: 1 });
  await sql`DROP DATABASE IF EXISTS ${sql.id(database)} WITH (FORCE)`.execute(admin.db);
  await admin.db.destroy();
});

describe("govern CLI", () => {
  test("--help lists every command", async () => {
    const { code, stdout } = await govern(["--help"]);
    expect(code).toBe(0);
    for (const command of [
      "migrate",
      "seed",
      "partitions",
      "etl",
      "health",
      "serve",
      "worker",
      "start",
    ]) {
      expect(stdout).toMatch(new RegExp(`^  ${command} `, "m"));
    }
  });

  test("an unknown command or option exits 2 with the usage", async () => {
    const unknown = await govern(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const option = await govern(["seed", "--tenantz", "3"]);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/--tenantz/);
    expect(option.stderr).toContain("usage: govern seed");
  });

  test("a bad value is named, not thrown as a stack", async () => {
    const bad = await govern(["seed", "--tenants", "0"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--tenants must be a whole number between 1 and");
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const env = await govern(["migrate"], { DATABASE_URL: "mysql://nope" });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain("DATABASE_URL");
  });

  test("migrate creates a missing database and reports what it applied, as JSON", async () => {
    const first = await govern(["migrate", "--json"]);
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout) as { createdDatabase: boolean; applied: string[] };
    expect(report.createdDatabase).toBe(true);
    expect(report.applied.length).toBeGreaterThanOrEqual(3);
    const second = await govern(["migrate", "--json"]);
    expect(JSON.parse(second.stdout)).toEqual({ createdDatabase: false, applied: [] });
  });
});
