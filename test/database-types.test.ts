import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase("types");
});
afterAll(async () => {
  await t?.drop();
});

test("schema/database.ts matches the migrated catalog (regenerate with npm run db:types)", async () => {
  const bin = join(import.meta.dirname, "../node_modules/.bin/kysely-codegen");
  const run = promisify(execFile)(bin, ["--verify", "--url", t.config.databaseUrl], {
    cwd: join(import.meta.dirname, ".."),
  });
  await expect(run).resolves.toBeDefined();
});
