import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { runCatalogScan } from "../../jobs/classify/scan.ts";
import { runLineageScan } from "../../jobs/lineage/scan.ts";
import { type BrowserConsole, openBrowserConsole } from "../support/browser.ts";

/**
 * Lineage in Chromium: a steward opens a catalog column, sees its lineage graph, expands a
 * node, and follows an edge to the catalog entry at its other end; the lineage area traces the
 * platform's customer_lifetime_value.
 */

let b: BrowserConsole;
vi.setConfig({ testTimeout: 150_000 });

beforeAll(async () => {
  b = await openBrowserConsole("lineage", async ({ db }) => {
    await runCatalogScan({ db, analytics: null }, { stores: ["postgres"], triggeredBy: "test" });
    await runLineageScan({ db });
  });
}, 120_000);

afterAll(async () => {
  await b?.close();
});

async function columnId(table: string, column: string): Promise<string> {
  const row = await b.db
    .selectFrom("governance.catalog_columns")
    .select("id")
    .where("store", "=", "postgres")
    .where("schema_name", "=", "public")
    .where("table_name", "=", table)
    .where("column_name", "=", column)
    .where("json_path", "=", "")
    .executeTakeFirstOrThrow();
  return row.id;
}

test("a steward opens a column, sees its lineage graph, expands a node and follows an edge to the catalog", async () => {
  const page = await b.newPage();
  await page.setViewportSize({ width: 1440, height: 900 });
  const source = await columnId("customers", "first_name");
  const target = await columnId("customer_lifetime_value", "first_name");
  await b.openAs(page, "steward", `/catalog?column=${source}`);
  await page.getByTestId("column-lineage").waitFor();
  const graph = page.getByTestId("column-lineage").getByTestId("lineage-graph");
  await graph.waitFor();
  const clvFirstName = graph.locator(
    '[data-node-id="postgres:public.customer_lifetime_value.first_name"]',
  );
  await clvFirstName.waitFor();
  const before = await graph.getByTestId("lineage-node").count();
  await b.shot(page, "lineage-column-detail");

  // Expanding the view's column adds its own neighbours (one hop both ways).
  await clvFirstName.getByRole("button", { name: /Expand/ }).click();
  await expect.poll(() => graph.getByTestId("lineage-node").count()).toBeGreaterThanOrEqual(before);
  await clvFirstName.getByRole("button", { name: /Collapse/ }).waitFor();

  // Selecting the root lists its edges; the edge's other end links to its catalog entry.
  await graph
    .locator('[data-node-id="postgres:public.customers.first_name"] .lineage-node-name')
    .click();
  const panel = page.getByTestId("lineage-panel");
  await panel.waitFor();
  await expect.poll(() => panel.textContent()).toContain("customer_lifetime_value.first_name");
  await b.shot(page, "lineage-column-selected");
  await panel
    .locator("tr", { hasText: "customer_lifetime_value.first_name" })
    .getByTestId("edge-catalog-link")
    .click();
  await expect.poll(() => new URL(page.url()).searchParams.get("column")).toBe(target);
  await expect
    .poll(() => page.locator("h1.mono").textContent())
    .toBe("public.customer_lifetime_value.first_name");
  expect(b.problems).toEqual([]);
});

test("the lineage area traces customer_lifetime_value to its sources with aggregation labels", async () => {
  const page = await b.newPage();
  await page.setViewportSize({ width: 1440, height: 900 });
  await b.openAs(
    page,
    "steward",
    "/lineage?node=public.customer_lifetime_value&direction=upstream&depth=1",
  );
  const graph = page.getByTestId("lineage-graph");
  await graph.locator('[data-node-id="postgres:public.jobs.final_amount"]').waitFor();
  await graph.locator('[data-node-id="postgres:public.customers.first_name"]').waitFor();
  await expect
    .poll(() => graph.locator(".react-flow__edge-text").allTextContents())
    .toContain("aggregation");
  await b.shot(page, "lineage-area-clv");
  expect(b.problems).toEqual([]);
});
