import { sql } from "kysely";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

/** The governance audit trail is append-only and hash-chained in the database itself. */

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase("govaudit");
});
afterAll(async () => {
  await t?.drop();
});

test("concurrent appends form one unbroken sha256 chain", async () => {
  await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      t.owner
        .insertInto("governance.audit_events")
        .values({
          actor: `user${i % 4}`,
          action: "test.append",
          target: `t${i}`,
          summary: JSON.stringify({ i }),
          prev_hash: Buffer.alloc(0),
          hash: Buffer.alloc(0),
        })
        .execute(),
    ),
  );
  const broken = await sql<{ id: number }>`
    SELECT id FROM (
      SELECT e.id, e.hash, e.prev_hash,
             lag(e.hash) OVER (ORDER BY e.id) AS expected_prev,
             digest(e.prev_hash || governance.audit_event_content(e), 'sha256') AS recomputed
      FROM governance.audit_events e) x
    WHERE hash <> recomputed OR prev_hash <> coalesce(expected_prev, '\\x${sql.raw("0".repeat(64))}'::bytea)`.execute(
    t.owner,
  );
  expect(broken.rows).toEqual([]);
  const count = await sql<{
    n: number;
  }>`SELECT count(*)::int AS n FROM governance.audit_events`.execute(t.owner);
  expect(count.rows[0]?.n).toBe(40);
});

test("updates, deletes and truncation are refused, even for the owner", async () => {
  await expect(
    sql`UPDATE governance.audit_events SET actor = 'mallory'`.execute(t.owner),
  ).rejects.toThrow(/append-only/);
  await expect(sql`DELETE FROM governance.audit_events`.execute(t.owner)).rejects.toThrow(
    /append-only/,
  );
  await expect(sql`TRUNCATE governance.audit_events`.execute(t.owner)).rejects.toThrow(
    /append-only/,
  );
});

test("verify reports a deleted newest row, which leaves the chain itself intact", async () => {
  const { verifyAuditChain } = await import("../schema/governance/audit-verify.ts");
  expect(await verifyAuditChain(t.owner)).toMatchObject({ ok: true });
  const newest = await sql<{
    id: number;
  }>`SELECT max(id)::int AS id FROM governance.audit_events`.execute(t.owner);
  const id = newest.rows[0]?.id ?? 0;
  await t.owner.transaction().execute(async (trx) => {
    await sql`ALTER TABLE governance.audit_events DISABLE TRIGGER audit_events_append_only`.execute(
      trx,
    );
    await sql`DELETE FROM governance.audit_events WHERE id = ${id}`.execute(trx);
    await sql`ALTER TABLE governance.audit_events ENABLE TRIGGER audit_events_append_only`.execute(
      trx,
    );
  });
  const result = await verifyAuditChain(t.owner);
  expect(result.ok).toBe(false);
  expect(result.firstBroken).toMatchObject({
    id,
    reason: expect.stringMatching(/newest rows were deleted/),
  });
});
