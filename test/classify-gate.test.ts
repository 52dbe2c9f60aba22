import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCatalogScan } from "../jobs/classify/scan.ts";
import { startOfTodayUtc } from "../masking/demo-platform/clock.ts";
import { seedDemoPlatform } from "../masking/demo-platform/index.ts";
import { checkProvisioningGate } from "../masking/provision/plan.ts";
import type { CatalogColumn } from "../schema/governance/catalog-query.ts";
import { reviewColumns } from "../schema/governance/catalog-review.repository.ts";
import { governInProcess } from "./support/cli.ts";
import { asToken, type ConsoleApp, openConsoleApp } from "./support/console-app.ts";

/**
 * "No evidence" is never "no personal data": columns the scanner could not sample usefully (a
 * table govern_reader may not read, an empty table, a column NULL so far) are recorded as not
 * yet classifiable, named with the reason, and block provisioning until a steward decides.
 */

let t: ConsoleApp;
const PROBES = ["partner_contacts", "empty_probe", "nulls_probe"];

async function scan() {
  return runCatalogScan({ db: t.db }, { stores: ["postgres"], triggeredBy: "test" });
}

/** A steward accepts every open proposal outside the probe tables (by id, as the queue does). */
async function acceptAllButProbes() {
  const rows = await t.db
    .selectFrom("governance.catalog_effective_columns")
    .select("id")
    .where("store", "=", "postgres")
    .where("blocks_provisioning", "=", true)
    .where("table_name", "not in", PROBES)
    .execute();
  if (rows.length > 0) {
    await reviewColumns(t.db, {
      target: { ids: rows.map((r) => String(r.id)) },
      action: "accept",
      actor: "steward@test",
    });
  }
}

async function columnId(table: string, column: string): Promise<string> {
  const row = await t.db
    .selectFrom("governance.catalog_columns")
    .select("id")
    .where("store", "=", "postgres")
    .where("table_name", "=", table)
    .where("column_name", "=", column)
    .where("json_path", "=", "")
    .executeTakeFirstOrThrow();
  return row.id;
}

beforeAll(async () => {
  t = await openConsoleApp("clsgate", { demoPartitionsFor: startOfTodayUtc() });
  const pool = new pg.Pool({ connectionString: t.config.databaseUrl, max: 3 });
  try {
    await seedDemoPlatform(pool, { tenants: 1, customersPerTenant: 15, seed: 5 });
  } finally {
    await pool.end();
  }
  // Real emails in a table the scanner's role may not read.
  await sql`CREATE TABLE public.partner_contacts (id int PRIMARY KEY, contact text, note text)`.execute(
    t.db,
  );
  await sql`INSERT INTO public.partner_contacts
    SELECT i, 'partner' || i || '@contoso-mail.com', 'met at the fair' FROM generate_series(1, 40) i`.execute(
    t.db,
  );
  await sql`REVOKE ALL ON public.partner_contacts FROM govern_reader`.execute(t.db);
  // A readable table with no rows, and a readable column that is NULL in every row so far.
  await sql`CREATE TABLE public.empty_probe (id int PRIMARY KEY, memo text, active boolean)`.execute(
    t.db,
  );
  await sql`CREATE TABLE public.nulls_probe (id int PRIMARY KEY, fax text, code text)`.execute(
    t.db,
  );
  await sql`INSERT INTO public.nulls_probe SELECT i, NULL, 'C' || i FROM generate_series(1, 30) i`.execute(
    t.db,
  );
  await sql`GRANT SELECT ON public.empty_probe, public.nulls_probe TO govern_reader`.execute(t.db);
  await scan();
  await acceptAllButProbes();
}, 240_000);

afterAll(async () => {
  await t?.close();
});

describe("the provisioning gate without evidence", () => {
  test("an unreadable table, an empty table and an all-NULL column refuse provisioning, each named with why", async () => {
    const gate = await checkProvisioningGate({ db: t.db, source: t.db });
    expect(gate.kind).toBe("refused");
    if (gate.kind !== "refused") {
      return;
    }
    // Every column that can hold personal data in the probes, and nothing else.
    expect(gate.blocking).toEqual([
      "empty_probe.id",
      "empty_probe.memo",
      "nulls_probe.fax",
      "partner_contacts.contact",
      "partner_contacts.id",
      "partner_contacts.note",
    ]);
    for (const name of gate.blocking) {
      expect(gate.reasons[name], name).toBe("not_classifiable");
    }
    expect(gate.details?.["partner_contacts.contact"]).toMatch(/govern_reader may not select/);
    expect(gate.details?.["empty_probe.memo"]).toMatch(/empty/);
    expect(gate.details?.["nulls_probe.fax"]).toMatch(/NULL/);
  });

  test("the unreadable table is never proposed as holding no personal data with any confidence", async () => {
    const row = await t.db
      .selectFrom("governance.catalog_effective_columns")
      .selectAll()
      .where("table_name", "=", "partner_contacts")
      .where("column_name", "=", "contact")
      .executeTakeFirstOrThrow();
    expect(row.review_status).toBe("pending");
    expect(row.confidence).toBe(0);
    expect(row.unclassifiable_reason).toMatch(/govern_reader/);
    expect(row.blocks_provisioning).toBe(true);
  });

  test("the gate API, the catalog list and the queue filter show the columns as not yet classifiable", async () => {
    const headers = asToken(t.logins.steward.token);
    const gate = await t.request("/api/v1/masking/gate", { headers });
    expect(gate.status).toBe(200);
    const body = (await gate.json()) as {
      ok: boolean;
      blocking: { column: string; reason: string; detail: string | null }[];
    };
    expect(body.ok).toBe(false);
    const contact = body.blocking.find((b) => b.column === "partner_contacts.contact");
    expect(contact?.reason).toBe("not_classifiable");
    expect(contact?.detail).toMatch(/govern_reader may not select/);

    const list = await t.request(
      "/api/v1/catalog/columns?status=not_classifiable&pageSize=200&sort=table:asc",
      { headers },
    );
    expect(list.status).toBe(200);
    const page = (await list.json()) as { items: CatalogColumn[] };
    const names = page.items.map((c) => `${c.table}.${c.column}`);
    expect(names).toEqual(
      expect.arrayContaining(["partner_contacts.contact", "nulls_probe.fax", "empty_probe.memo"]),
    );
    expect(names).not.toContain("nulls_probe.code");
    expect(page.items.every((c) => c.unclassifiableReason !== null)).toBe(true);
  });

  test("govern provision refuses naming each column not yet classifiable, with why, and exits 2", async () => {
    const run = await governInProcess(["provision", "--name", "nc-probe", "--json"], {
      GOVERN_TOKEN: t.logins.engineer.token,
      DATABASE_URL: t.config.databaseUrl,
      CLICKHOUSE_DATA_DIR: t.config.clickhouse.dataDir,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /partner_contacts\.contact \(not_classifiable: not sampled: govern_reader may not select/,
    );
    const body = JSON.parse(run.stdout) as {
      blocking: string[];
      reasons: Record<string, string>;
      details: Record<string, string>;
    };
    expect(body.blocking).toContain("nulls_probe.fax");
    expect(body.reasons["nulls_probe.fax"]).toBe("not_classifiable");
    expect(body.details["nulls_probe.fax"]).toMatch(/NULL/);
  });

  test("a steward's decision clears a column; values that later show personal data reopen it", async () => {
    const fax = await columnId("nulls_probe", "fax");
    await reviewColumns(t.db, { target: { ids: [fax] }, action: "accept", actor: "steward@test" });
    let gate = await checkProvisioningGate({ db: t.db, source: t.db });
    expect(gate.kind === "refused" ? gate.blocking : []).not.toContain("nulls_probe.fax");

    await sql`UPDATE public.nulls_probe SET fax = '(415) 555-' || lpad((1000 + id)::text, 4, '0')`.execute(
      t.db,
    );
    await scan();
    gate = await checkProvisioningGate({ db: t.db, source: t.db });
    expect(gate.kind === "refused" ? gate.reasons["nulls_probe.fax"] : undefined).toBe(
      "needs_rereview",
    );
  });

  test("once readable, the unreadable table's emails are found and block as pending review until accepted", async () => {
    await sql`GRANT SELECT ON public.partner_contacts TO govern_reader`.execute(t.db);
    await scan();
    const row = await t.db
      .selectFrom("governance.catalog_effective_columns")
      .selectAll()
      .where("table_name", "=", "partner_contacts")
      .where("column_name", "=", "contact")
      .executeTakeFirstOrThrow();
    expect(row.proposed_category).toBe("email");
    expect(row.unclassifiable_reason).toBeNull();
    const gate = await checkProvisioningGate({ db: t.db, source: t.db });
    expect(gate.kind === "refused" ? gate.reasons["partner_contacts.contact"] : undefined).toBe(
      "pending_review",
    );
    await reviewColumns(t.db, {
      target: { filter: { store: "postgres" } },
      action: "accept",
      actor: "steward@test",
    });
    const cleared = await checkProvisioningGate({ db: t.db, source: t.db });
    expect(cleared.kind === "refused" ? cleared.blocking : []).toEqual([]);
  });
});
