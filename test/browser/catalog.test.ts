import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { runCatalogScan } from "../../jobs/classify/scan.ts";
import { startOfTodayUtc } from "../../masking/demo-platform/clock.ts";
import { seedDemoPlatform } from "../../masking/demo-platform/index.ts";
import type { Db } from "../../schema/postgres.ts";
import { type BrowserConsole, openBrowserConsole } from "../support/browser.ts";

/**
 * The catalog and the review queue in Chromium, over a small demo platform the real scanner
 * classified: a steward filters and sorts the catalog, reads a column's evidence, decides with
 * the keyboard in the review queue, and bulk-accepts by filter after a count preview.
 */

let b: BrowserConsole;

// Each test drives a real browser against a real server; a busy shared machine needs headroom.
vi.setConfig({ testTimeout: 150_000 });

beforeAll(async () => {
  b = await openBrowserConsole(
    "catalog",
    async ({ db, pool }) => {
      await seedDemoPlatform(pool, { tenants: 2, customersPerTenant: 40, seed: 7 });
      await runCatalogScan({ db, analytics: null }, { stores: ["postgres"], triggeredBy: "test" });
    },
    { demoPartitionsFor: startOfTodayUtc() },
  );
}, 120_000);

afterAll(async () => {
  await b?.close();
});

async function statusOf(db: Db, id: string) {
  return db
    .selectFrom("governance.catalog_columns")
    .select(["review_status", "decided_category", "decided_by"])
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
}

const rows = (page: Page) => page.locator("table.queue-table tbody tr");

test("a steward narrows the catalog with filters and sort, kept in the URL", async () => {
  const page = await b.newPage();
  await b.signIn(page, "steward");
  // The overview shows the classification figures the scan produced.
  await page.getByTestId("classification-figures").waitFor();
  await b.shot(page, "catalog-overview-steward");

  await page.getByRole("link", { name: "Catalog", exact: true }).click();
  await page.locator("table.table tbody tr").first().waitFor();
  await page.getByTestId("classification-figures").waitFor();
  await page.getByLabel("Table", { exact: true }).fill("customers");
  // The shared table's selects are labelled by wrapping labels (whose name includes the options).
  await page.locator("#filter-category").selectOption("email");
  await page.getByRole("button", { name: "Filter", exact: true }).click();
  await expect.poll(() => new URL(page.url()).searchParams.get("category")).toBe("email");
  await expect
    .poll(async () => {
      const tables = await page.locator("table.table tbody tr td:nth-child(1)").allTextContents();
      const categories = await page
        .locator("table.table tbody tr td:nth-child(4)")
        .allTextContents();
      return (
        tables.length > 0 &&
        tables.every((t) => t.includes("public.customers")) &&
        categories.every((c) => c === "email")
      );
    })
    .toBe(true);
  const columns = await page.locator("table.table tbody tr td:nth-child(2)").allTextContents();
  expect(columns).toContain("email");

  await page.getByRole("button", { name: /Confidence/ }).click();
  // A number column sorts surest first on the first click, on the server.
  await expect.poll(() => new URL(page.url()).searchParams.get("sort")).toBe("confidence:desc");
  await expect
    .poll(async () => {
      const shown = (
        await page.locator("table.table tbody tr td:nth-child(6)").allTextContents()
      ).map(Number.parseFloat);
      return shown.length > 0 && shown.every((v, i) => i === 0 || v <= (shown[i - 1] ?? 1));
    })
    .toBe(true);
  await b.shot(page, "catalog");
  await page.reload();
  expect(await page.getByLabel("Table", { exact: true }).inputValue()).toBe("customers");
  await page.context().close();
});

test("free-text search over schema.table.column narrows across tables", async () => {
  const page = await b.newPage();
  await b.openAs(page, "steward", "/catalog?q=phone");
  await expect
    .poll(async () => {
      const cells = await page.locator("table.table tbody tr td:nth-child(2)").allTextContents();
      return cells.length > 0 && cells.every((c) => c.toLowerCase().includes("phone"));
    })
    .toBe(true);
  await page.context().close();
});

test("a column's detail shows its type, evidence with masked examples, samples and history", async () => {
  const page = await b.newPage();
  await b.openAs(page, "steward", "/catalog?table=customers&q=customers.email");
  await page.getByRole("link", { name: "email", exact: true }).click();
  const detail = page.getByTestId("column-detail");
  await detail.waitFor();
  await expect.poll(() => new URL(page.url()).searchParams.get("column")).toBeTruthy();
  expect(await detail.getByRole("heading", { level: 1 }).textContent()).toBe(
    "public.customers.email",
  );
  const evidence = page.getByRole("table", { name: "evidence", exact: true });
  await evidence.locator("tbody tr").first().waitFor();
  expect(await evidence.textContent()).toMatch(/email/);
  // Masked samples never show a whole address.
  const samples = await page.locator(".samples code").allTextContents();
  expect(samples.length).toBeGreaterThan(0);
  expect(
    samples.every((s) => !/^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$/i.test(s) || s.includes("*")),
  ).toBe(true);
  expect(await page.getByText("character varying", { exact: false }).count()).toBeGreaterThan(0);
  await b.shot(page, "catalog-column-detail");

  // A steward decides here too; the history records it.
  await page.getByRole("button", { name: "Accept proposal" }).click();
  await page.getByRole("status").filter({ hasText: "Saved: accepted" }).waitFor();
  await page.getByRole("table", { name: "review history" }).getByText("accepted").waitFor();

  // Back to the list keeps its filters.
  await page.getByRole("link", { name: "← Catalog" }).click();
  await expect.poll(() => new URL(page.url()).searchParams.get("table")).toBe("customers");
  await page.context().close();
});

test("review queue: j moves, a accepts, o overrides with the picker, x and shift+a accept a selection", async () => {
  const page = await b.newPage();
  await b.openAs(page, "steward", "/");
  await page.getByRole("link", { name: "Review queue", exact: true }).click();
  await rows(page).first().waitFor();
  expect(await rows(page).first().getAttribute("aria-selected")).toBe("true");

  await page.keyboard.press("?");
  await page.getByRole("dialog", { name: "Keyboard shortcuts" }).waitFor();
  await b.shot(page, "review-shortcuts");
  await page.keyboard.press("Escape");
  await page.getByRole("dialog", { name: "Keyboard shortcuts" }).waitFor({ state: "detached" });

  const second = (await rows(page).nth(1).getAttribute("data-id")) ?? "";
  const third = (await rows(page).nth(2).getAttribute("data-id")) ?? "";
  await page.keyboard.press("j");
  expect(await rows(page).nth(1).getAttribute("aria-selected")).toBe("true");
  await page.keyboard.press("a");
  // Shown at once, saved on the server, and the focus moves on to the next open row.
  expect(await rows(page).nth(1).getAttribute("data-status")).toBe("accepted");
  await expect.poll(async () => (await statusOf(b.db, second)).review_status).toBe("accepted");
  expect((await statusOf(b.db, second)).decided_by).toBe(b.emailOf("steward"));
  expect(await rows(page).nth(2).getAttribute("aria-selected")).toBe("true");

  await page.keyboard.press("o");
  const dialog = page.getByRole("dialog", { name: "Override" });
  await dialog.waitFor();
  await dialog.getByLabel("Category").selectOption("person_name");
  await dialog.getByLabel("Sensitivity").selectOption("restricted");
  await b.shot(page, "review-override");
  await dialog.getByLabel("Category").press("Enter");
  await dialog.waitFor({ state: "detached" });
  await expect.poll(async () => (await statusOf(b.db, third)).review_status).toBe("overridden");
  expect((await statusOf(b.db, third)).decided_category).toBe("person_name");

  // Select the next two with x, accept both with shift+a.
  const fourth = (await rows(page).nth(3).getAttribute("data-id")) ?? "";
  const fifth = (await rows(page).nth(4).getAttribute("data-id")) ?? "";
  await page.keyboard.press("x");
  await page.keyboard.press("j");
  await page.keyboard.press("x");
  await page.keyboard.press("Shift+A");
  await expect.poll(async () => (await statusOf(b.db, fourth)).review_status).toBe("accepted");
  await expect.poll(async () => (await statusOf(b.db, fifth)).review_status).toBe("accepted");
  await page.getByRole("status").filter({ hasText: "Accepted 2 proposals" }).waitFor();
  await b.shot(page, "review-queue");
  await page.context().close();
});

test("bulk accept by filter shows the count first and accepts exactly that many", async () => {
  const page = await b.newPage();
  await b.openAs(page, "steward", "/review");
  await rows(page).first().waitFor();
  const waiting = await b.db
    .selectFrom("governance.catalog_columns")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("proposed_category", "=", "email")
    .where("confidence", ">=", 0.5)
    .where("dropped_at", "is", null)
    .where((eb) => eb.or([eb("review_status", "=", "pending"), eb("needs_rereview", "=", true)]))
    .executeTakeFirstOrThrow();
  expect(Number(waiting.n)).toBeGreaterThan(0);

  await page.getByText("Bulk accept by filter").click();
  const form = page.getByRole("form", { name: "bulk accept" });
  await form.getByLabel("Category").selectOption("email");
  await form.getByLabel("Confidence ≥").fill("0.5");
  await form.getByRole("button", { name: "Count matches" }).click();
  await expect.poll(() => page.getByTestId("bulk-count").textContent()).toBe(String(waiting.n));
  await b.shot(page, "review-bulk-preview");
  // The columns it will decide are listed, and a comment is asked for before it commits.
  await page.getByRole("table", { name: "columns this will accept" }).waitFor();
  await page.getByLabel(/^Comment \(required/).fill("email columns checked in the samples");
  await page.getByRole("button", { name: `Accept ${waiting.n}` }).click();
  await page
    .getByRole("status")
    .filter({ hasText: `Accepted ${waiting.n} proposal` })
    .waitFor();
  const left = await b.db
    .selectFrom("governance.catalog_columns")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("proposed_category", "=", "email")
    .where("confidence", ">=", 0.5)
    .where("review_status", "=", "pending")
    .where("dropped_at", "is", null)
    .executeTakeFirstOrThrow();
  expect(Number(left.n)).toBe(0);
  await page.context().close();
});

test("an engineer browses the catalog and the queue without review actions", async () => {
  const page = await b.newPage();
  await b.openAs(page, "engineer", "/review");
  await rows(page).first().waitFor();
  expect(await page.getByRole("checkbox").count()).toBe(0);
  expect(await page.getByText("Bulk accept by filter").count()).toBe(0);
  const before = await rows(page).first().getAttribute("data-status");
  await page.keyboard.press("a");
  expect(await rows(page).first().getAttribute("data-status")).toBe(before);
  await page.goto(`${b.baseUrl}/catalog`);
  await page.locator("table.table tbody tr").first().waitFor();
  expect(await page.getByRole("button", { name: "Scan now" }).count()).toBe(0);
  expect(await page.getByRole("link", { name: "Export CSV" }).count()).toBe(0);
  await page.locator("a.column-link").first().click();
  await page.getByTestId("column-detail").waitFor();
  expect(await page.getByRole("button", { name: "Accept proposal" }).count()).toBe(0);
  await page.context().close();
});

test("drift shows in its tab and a steward acknowledges it", async () => {
  await b.db
    .insertInto("governance.catalog_drift_events")
    .values({
      kind: "column_added",
      store: "postgres",
      schema_name: "public",
      table_name: "customers",
      column_name: "nickname",
      after: JSON.stringify({ type: "text" }),
    })
    .execute();
  const page = await b.newPage();
  await b.openAs(page, "steward", "/catalog");
  await page.getByRole("button", { name: "Drift" }).click();
  await page.getByText("public.customers.nickname").waitFor();
  await b.shot(page, "catalog-drift");
  await page.getByRole("button", { name: "Acknowledge" }).first().click();
  await page.getByRole("status").filter({ hasText: "Acknowledged 1" }).waitFor();
  const open = await b.db
    .selectFrom("governance.catalog_drift_events")
    .select("acknowledged_by")
    .where("column_name", "=", "nickname")
    .executeTakeFirstOrThrow();
  expect(open.acknowledged_by).toBe(b.emailOf("steward"));
  await page.context().close();
});

test("a steward's Scan now runs the classify job to done", async () => {
  const page = await b.newPage();
  await b.openAs(page, "steward", "/catalog");
  await page.getByRole("button", { name: "Scan now" }).click();
  await page
    .locator('[data-testid="scan-job"] [role="progressbar"][data-status="succeeded"]')
    .waitFor({ timeout: 120_000 });
  await page.context().close();
});

test("no page broke the strict CSP or threw", () => {
  expect(b.problems).toEqual([]);
});
