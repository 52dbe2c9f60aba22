import { sql } from "kysely";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase("smoke");
});
afterAll(async () => {
  await t?.drop();
});

test("a test database clones the migrated template", async () => {
  const r = await sql<{
    n: number;
  }>`SELECT count(*)::int AS n FROM governance.kysely_migration`.execute(t.owner);
  expect(r.rows[0]?.n).toBe(3);
});
