import { afterAll, beforeAll, expect, test } from "vitest";
import { type BrowserConsole, openBrowserConsole } from "../support/browser.ts";
import { makeQualityTenant } from "../support/quality-fixtures.ts";

/**
 * The Quality page end to end: a steward writes a rule, previews it against live data, saves
 * and runs it, sees the incident it opens, acknowledges and resolves it.
 */

let b: BrowserConsole;

beforeAll(async () => {
  b = await openBrowserConsole("quality", async ({ db }) => {
    // One tenant with 1 negative payment in 10 (90% valid), one clean.
    await makeQualityTenant(db, "Northwind Plumbing", {
      customers: 20,
      negativeEvery: 10,
      nullEvery: 7,
    });
    await makeQualityTenant(db, "Contoso Electric", { customers: 10 });
  });
}, 180_000);

afterAll(async () => {
  await b?.close();
});

const RULE = `id: browser_payments_positive
table: payments
column: amount
kind: validity
check: {range: {min: 0, max: 1000000}}
threshold: 0.99
severity: critical
tenants: per_tenant
`;

test("a steward creates a rule, previews it, runs it, and works the incident it opens to resolved", async () => {
  const page = await b.newPage();
  await page.setViewportSize({ width: 1440, height: 900 });
  await b.openAs(page, "steward", "/quality");
  await page.getByRole("table", { name: "Quality rules" }).waitFor();
  expect(await page.getByText("customer_email_completeness").count()).toBeGreaterThan(0);

  await page.getByRole("button", { name: "New rule" }).click();
  await page.getByLabel("Rule YAML").fill(RULE);
  await page.getByRole("button", { name: "Preview against live data" }).click();
  const preview = page.getByTestId("preview");
  await preview.waitFor();
  await preview.getByText("Northwind Plumbing").waitFor();
  expect(await preview.getByText("would fail").count()).toBe(1);
  expect(await preview.getByText("would pass").count()).toBe(1);
  await b.shot(page, "quality-rule-preview");

  await page.getByRole("button", { name: "Save rule" }).click();
  await page.getByText("Saved rule browser_payments_positive.").waitFor();
  await page.getByRole("button", { name: "Run browser_payments_positive" }).click();
  await page.getByText(/1 incident\(s\) opened/).waitFor();
  const detail = page.getByTestId("rule-detail");
  await detail.getByText("Score per run (worst tenant)").waitFor();
  await detail.getByRole("button", { name: "Failing rows" }).first().click();
  const samples = page.getByTestId("samples");
  await samples.getByText(/masked as/).waitFor();
  await b.shot(page, "quality-rules");

  await page.getByRole("tab", { name: "Incidents" }).click();
  const incident = page.getByTestId("incident").filter({ hasText: "browser_payments_positive" });
  await incident.waitFor();
  await incident.click();
  const panel = page.getByTestId("incident-detail");
  await panel.getByRole("button", { name: "Acknowledge" }).click();
  await panel.locator(".badge.incident-acknowledged").waitFor();
  await b.shot(page, "quality-incident-acknowledged");
  await panel.getByRole("button", { name: "Resolve…" }).click();
  await panel.getByText(/a new incident opens and alerts again/).waitFor();
  await panel.getByRole("button", { name: "Resolve incident" }).click();
  await panel.locator(".badge.incident-resolved").waitFor();
  expect(await panel.getByText("resolved").count()).toBeGreaterThan(0);
  await b.shot(page, "quality-incident-resolved");

  await b.openAs(page, "steward", "/");
  await page.getByTestId("quality-figures").waitFor();
  expect(b.problems).toEqual([]);
  await page.context().close();
}, 180_000);
