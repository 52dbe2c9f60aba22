import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCatalogScan } from "../jobs/classify/scan.ts";
import { startOfTodayUtc } from "../masking/demo-platform/clock.ts";
import { seedDemoPlatform } from "../masking/demo-platform/index.ts";
import type { Role } from "../schema/domain/permissions.ts";
import { asToken, type ConsoleApp, openConsoleApp } from "./support/console-app.ts";

/**
 * Catalog evidence never shows a real name: every example, masked sample and note of every
 * entry of a scanned demo store, crawled through the API as an engineer and as a steward, is
 * searched for every first and last name the source holds (customers and users), as whole words
 * in their stored and upper-case spelling. The names are read from the source here, independently
 * of the classifier's own name lists.
 */

let t: ConsoleApp;
let names: Set<string>;

beforeAll(async () => {
  t = await openConsoleApp("clsevidence", { demoPartitionsFor: startOfTodayUtc() });
  const pool = new pg.Pool({ connectionString: t.config.databaseUrl, max: 3 });
  try {
    await seedDemoPlatform(pool, { tenants: 2, customersPerTenant: 40, seed: 23 });
  } finally {
    await pool.end();
  }
  // Free text shaped like the issue's reports: names alone, a licence scan, a Mc surname.
  const people = (
    await sql<{ tenant_id: string; first_name: string; last_name: string }>`
      SELECT tenant_id, first_name, last_name FROM customers
      WHERE first_name IS NOT NULL AND last_name IS NOT NULL ORDER BY id LIMIT 60`.execute(t.db)
  ).rows;
  await sql`CREATE TABLE public.field_notes (id int PRIMARY KEY, note text, scan_text text)`.execute(
    t.db,
  );
  await sql`GRANT SELECT ON public.field_notes TO govern_reader`.execute(t.db);
  for (const [i, p] of people.entries()) {
    await sql`INSERT INTO public.field_notes VALUES (${i}, ${
      i % 3 === 0
        ? `Met ${p.first_name} ${p.last_name} at the site to walk the fence line.`
        : i % 3 === 1
          ? `Call ${p.first_name} at lunch about the gate. Bernard McClure agreed.`
          : `Left a note for ${p.last_name} on the porch.`
    }, ${`DRIVER LICENSE\nSURNAME: ${p.last_name.toUpperCase()}\nFIRST NAME: ${p.first_name.toUpperCase()}\nDL D1234567`})`.execute(
      t.db,
    );
  }
  await runCatalogScan({ db: t.db }, { stores: ["postgres"], triggeredBy: "test" });
  const sourceNames = await sql<{ name: string }>`
    SELECT first_name AS name FROM customers UNION SELECT last_name FROM customers
    UNION SELECT first_name FROM users UNION SELECT last_name FROM users
    UNION SELECT display_name FROM users UNION SELECT 'McClure' UNION SELECT 'Bernard'`.execute(
    t.db,
  );
  names = new Set<string>();
  for (const row of sourceNames.rows) {
    for (const word of (row.name ?? "").split(/[\s,]+/)) {
      if (/^\p{Lu}[\p{L}'’-]{2,}$/u.test(word)) {
        names.add(word);
      }
    }
  }
}, 240_000);

afterAll(async () => {
  await t?.close();
});

/** Every string under an `examples`, `maskedSamples` or `note` key, however deep. */
function shownValues(value: unknown, key = "", out: string[] = []): string[] {
  if (typeof value === "string") {
    if (key === "examples" || key === "maskedSamples" || key === "note") {
      out.push(value);
    }
  } else if (Array.isArray(value)) {
    for (const item of value) {
      shownValues(item, key, out);
    }
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      shownValues(v, k, out);
    }
  }
  return out;
}

function wholeWordHits(text: string): string[] {
  const hits: string[] = [];
  for (const word of text.split(/[^\p{L}\p{M}'’-]+/u)) {
    const bare = word.replace(/['’]s$/, "");
    if (names.has(bare) || names.has(bare.charAt(0) + bare.slice(1).toLowerCase())) {
      hits.push(bare);
    }
  }
  return hits;
}

describe("catalog evidence as every role sees it", () => {
  for (const role of ["engineer", "steward"] as Role[]) {
    test(`an ${role} crawling every catalog entry's evidence finds no source name`, async () => {
      expect(names.size).toBeGreaterThan(50);
      const headers = asToken(t.logins[role].token);
      const ids: string[] = [];
      for (let page = 1; ; page++) {
        const r = await t.request(`/api/v1/catalog/columns?pageSize=200&page=${page}`, { headers });
        expect(r.status).toBe(200);
        const body = (await r.json()) as { items: { id: string }[]; total: number };
        ids.push(...body.items.map((i) => i.id));
        if (ids.length >= body.total || body.items.length === 0) {
          break;
        }
      }
      expect(ids.length).toBeGreaterThan(300);
      const leaks: string[] = [];
      let shown = 0;
      for (const id of ids) {
        const r = await t.request(`/api/v1/catalog/columns/${id}`, { headers });
        expect(r.status).toBe(200);
        const detail = (await r.json()) as { table: string; column: string; jsonPath: string };
        for (const text of shownValues(detail)) {
          shown++;
          const hits = wholeWordHits(text);
          if (hits.length > 0) {
            leaks.push(`${detail.table}.${detail.column}${detail.jsonPath}: ${text} (${hits})`);
          }
        }
      }
      expect(shown).toBeGreaterThan(500);
      expect(leaks).toEqual([]);
    }, 300_000);
  }
});
