import { sql } from "kysely";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { saveTieringPolicy } from "../../jobs/tiering/policies.ts";
import { startOfTodayUtc } from "../../masking/demo-platform/clock.ts";
import { seedDemoPlatform } from "../../masking/demo-platform/index.ts";
import { type BrowserConsole, openBrowserConsole } from "../support/browser.ts";

/**
 * The Storage page in Chromium: an admin sees storage per table and tier, starts a tiering run
 * and watches it finish (progress over server-sent events), then restores a range of
 * customer_interactions back to hot with the confirmation step. The partitioned tables' policies
 * are switched off (console versions) so the run stays short: customer_interactions moves.
 */

const AS_OF = startOfTodayUtc();
let b: BrowserConsole;

vi.setConfig({ testTimeout: 240_000 });

beforeAll(async () => {
  b = await openBrowserConsole(
    "storage",
    async ({ db, pool }) => {
      await seedDemoPlatform(pool, { tenants: 1, customersPerTenant: 10, seed: 41, asOf: AS_OF });
      for (const table of [
        "business_events",
        "business_metrics",
        "audit_logs",
        "payments",
        "communications",
      ]) {
        const { readFileSync } = await import("node:fs");
        const body = readFileSync(`rules/tiering/${table}.yaml`, "utf8");
        await saveTieringPolicy(db, {
          table,
          body: `${body}enabled: false\n`,
          actor: "admin@browser.test",
        });
      }
    },
    { demoPartitionsFor: AS_OF },
  );
}, 240_000);

afterAll(async () => {
  await b?.close();
});

test("an admin sees the storage page, starts a run, watches it finish, and restores a range", async () => {
  const page = await b.newPage();
  await b.signIn(page, "admin");
  await page.getByRole("link", { name: "Storage", exact: true }).click();
  await page.getByRole("heading", { name: "Storage", exact: true }).waitFor();
  const table = page.getByRole("table", { name: "Storage by table and tier" });
  await table.getByRole("cell", { name: "customer_interactions", exact: true }).waitFor();
  await page.getByText("customer_interactions: hot → cold").waitFor();
  await b.shot(page, "storage-before");

  await page.getByRole("button", { name: "Run tiering now" }).click();
  // The run shows as a progress bar while it runs, then as the last run, succeeded.
  await page.getByTestId("last-run").filter({ hasText: "succeeded" }).waitFor({ timeout: 180_000 });
  const cold = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM governance.tier_moves
    WHERE table_name = 'customer_interactions' AND to_tier = 'cold' AND state = 'done'`.execute(
    b.db,
  );
  expect(cold.rows[0]?.n).toBeGreaterThan(0);
  await page.reload();
  await page.getByText("Storage by tier over time").waitFor();
  await b.shot(page, "storage-after-run");

  // Restore a year of customer_interactions, with the confirmation step.
  const form = page.getByRole("form", { name: "Restore a range" });
  await form.locator('select[name="table"]').selectOption("customer_interactions");
  const from = new Date(AS_OF.getTime() - 800 * 86_400_000).toISOString().slice(0, 10);
  const to = new Date(AS_OF.getTime() - 200 * 86_400_000).toISOString().slice(0, 10);
  await form.locator('input[name="from"]').fill(from);
  await form.locator('input[name="to"]').fill(to);
  await form.getByRole("button", { name: "Restore" }).click();
  await form.getByRole("alert").filter({ hasText: "back into the hot database" }).waitFor();
  await b.shot(page, "storage-restore-confirm");
  await form.getByRole("button", { name: "Confirm restore" }).click();
  await form.getByText("Restore started").waitFor();
  await expect
    .poll(
      async () =>
        (
          await sql<{ n: number }>`
            SELECT count(*)::int AS n FROM governance.tier_moves
            WHERE table_name = 'customer_interactions' AND to_tier = 'hot' AND state = 'done'`.execute(
            b.db,
          )
        ).rows[0]?.n,
      { timeout: 120_000, interval: 1_000 },
    )
    .toBeGreaterThan(0);
  expect(b.problems).toEqual([]);
});
