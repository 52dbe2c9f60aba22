import { join } from "node:path";
import { sql } from "kysely";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { runCatalogScan } from "../../jobs/classify/scan.ts";
import { startOfTodayUtc } from "../../masking/demo-platform/clock.ts";
import { seedDemoPlatform } from "../../masking/demo-platform/index.ts";
import { ARTIFACTS, type BrowserConsole, openBrowserConsole } from "../support/browser.ts";

/**
 * The console's readable views in Chromium over a small scanned demo platform: labelled catalog
 * counts, bulk reject by filter with its confirmation, foreign keys and versions as tables, the
 * column menu of wide tables, schedules in words with a payload form, the masked copy's report
 * as a page, the re-review banner and notifications, and the data-subject lookup of the erasure
 * form. Each page is photographed at 1440x900 and 1280x800, and none logs a console error or a
 * failed request.
 */

let b: BrowserConsole;
let datasetId: string;
let flaggedColumn: string;

vi.setConfig({ testTimeout: 150_000 });

beforeAll(async () => {
  b = await openBrowserConsole(
    "contract",
    async ({ db, pool }) => {
      await seedDemoPlatform(pool, { tenants: 2, customersPerTenant: 30, seed: 11 });
      await runCatalogScan({ db, analytics: null }, { stores: ["postgres"], triggeredBy: "test" });
      // A decision a later re-scan contradicted: flagged for re-review, the gate closed.
      const flagged = await db
        .updateTable("governance.catalog_columns")
        .set({
          review_status: "accepted",
          decided_category: "email",
          decided_sensitivity: "confidential",
          decided_by: "steward@example.test",
          decided_at: new Date(),
          needs_rereview: true,
        })
        .where("table_name", "=", "customers")
        .where("column_name", "=", "email")
        .where("json_path", "=", "")
        .returning("id")
        .executeTakeFirstOrThrow();
      flaggedColumn = flagged.id;
    },
    { demoPartitionsFor: startOfTodayUtc() },
  );
  const dataset = await b.db
    .insertInto("governance.datasets")
    .values({
      name: "debug_invoices",
      kind: "masked",
      status: "ready",
      owner: b.emailOf("engineer"),
      database_name: "govern_ds_debug_invoices",
      started_at: new Date(),
      finished_at: new Date(),
      size_bytes: 8_400_000,
      progress: JSON.stringify({ customers: { status: "done", rows: 60 } }),
      report: JSON.stringify({
        dataset: { id: "x", name: "debug_invoices" },
        database: "govern_ds_debug_invoices",
        subset: { tenants: null, percent: null },
        keyFingerprint: "a1b2c3d4",
        tables: {
          customers: { rows: 60, ms: 120, filtered: false },
          invoices: { rows: 240, ms: 340, filtered: true },
        },
        totalRows: 300,
        rules: [
          {
            column: "customers.email",
            category: "email",
            strategy: "substitute",
            source: "default",
          },
          { column: "customers.phone", category: "phone", strategy: "partial", source: "rule" },
          {
            column: "customers.addresses",
            path: "$.street",
            category: "postal_address",
            strategy: "substitute",
            source: "default",
          },
        ],
        leakScan: {
          clean: true,
          identifiers: 180,
          columns: 42,
          values: 5_200,
          findings: [],
          identifiersMs: 30,
          ms: 210,
        },
        timings: { gateMs: 20, copyMs: 460, leakScanMs: 210, totalMs: 900 },
        rowsPerSecond: 333,
        sizeBytes: 8_400_000,
      }),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  datasetId = dataset.id;
}, 180_000);

afterAll(async () => {
  await b?.close();
});

/** Console errors and failed requests a person would never see but must not happen. */
function watch(page: Page, expected: RegExp[] = []): string[] {
  const seen: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" && !expected.some((e) => e.test(m.text()))) {
      seen.push(`console: ${m.text()}`);
    }
  });
  page.on("response", (r) => {
    if (r.status() >= 400 && !expected.some((e) => e.test(`${r.status()} ${r.url()}`))) {
      seen.push(`${r.status()} ${r.url()}`);
    }
  });
  page.on("requestfailed", (r) => {
    // An event stream or a request the page cut itself (leaving the page, a query made stale by
    // the next one: ERR_ABORTED) is not a failure, as every-page.test.ts counts them.
    const error = r.failure()?.errorText ?? "";
    if (!r.url().includes("/api/v1/events") && !error.includes("ERR_ABORTED")) {
      seen.push(`failed ${r.url()} ${error}`);
    }
  });
  return seen;
}

async function shots(page: Page, name: string) {
  for (const [width, height] of [
    [1440, 900],
    [1280, 800],
  ] as const) {
    await page.setViewportSize({ width, height });
    await page.waitForTimeout(150);
    await page.screenshot({ path: join(ARTIFACTS, `${name}-${width}.png`), fullPage: true });
  }
}

test("the overview labels what each count counts and warns that a re-scan closed the masking gate", async () => {
  const page = await b.newPage();
  const problems = watch(page);
  await b.openAs(page, "steward", "/");
  await page.getByTestId("classification-figures").waitFor();
  const banner = page.getByTestId("rereview-banner");
  await banner.waitFor();
  expect(await banner.textContent()).toMatch(/1 decision flagged for re-review/);
  expect(await banner.textContent()).toContain("public.customers.email");
  expect(await banner.textContent()).toMatch(/masking gate stays closed/);
  const figures = await page.getByTestId("classification-figures").textContent();
  expect(figures).toMatch(/Catalog columns/);
  expect(figures).toMatch(/Postgres/);
  expect(figures).toMatch(/columns \+ \d+ JSONB paths/);
  expect(await page.locator(".figures").first().textContent()).toContain("Postgres columns");
  // The catalog's Postgres column count is the operational store's live column count.
  const overview = (await (await page.request.get(`${b.baseUrl}/api/v1/overview`)).json()) as {
    catalog: { columns: number };
    classification: { byStore: { store: string; columns: number }[] };
  };
  const postgres = overview.classification.byStore.find((s) => s.store === "postgres");
  expect(postgres?.columns).toBe(overview.catalog.columns);

  await page.getByTestId("notifications-button").click();
  const list = page.getByTestId("notifications-list");
  await list.waitFor();
  expect(await list.textContent()).toContain("public.customers.email");
  await shots(page, "consb-overview");
  await list.getByRole("link").first().click();
  await page.getByTestId("column-detail").waitFor();
  expect(new URL(page.url()).searchParams.get("column")).toBe(flaggedColumn);
  expect(problems).toEqual([]);
  await page.context().close();
});

test("a steward rejects open proposals by filter after a confirmation listing them and a comment", async () => {
  const page = await b.newPage();
  const problems = watch(page);
  await b.openAs(page, "steward", "/catalog?table=jobs&proposed=none");
  await page.locator("table.table tbody tr").first().waitFor();
  // The proposed and includeDropped filters are offered.
  expect(await page.locator("#filter-proposed").inputValue()).toBe("none");
  expect(await page.locator("#filter-includeDropped").count()).toBe(1);

  const open = (await (
    await page.request.get(
      `${b.baseUrl}/api/v1/catalog/columns?status=open&table=jobs&proposed=none&pageSize=200`,
    )
  ).json()) as { items: { id: string; column: string }[]; total: number };
  expect(open.total).toBeGreaterThan(0);

  await page.getByRole("button", { name: "Reject matching…" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("table", { name: "proposals to reject" }).waitFor();
  expect(await dialog.locator("h2").textContent()).toContain(`Reject ${open.total} open`);
  const listed = await dialog.locator("tbody tr td:first-child").allTextContents();
  expect(listed.length).toBe(Math.min(20, open.total));
  expect(listed.every((name) => name.startsWith("public.jobs."))).toBe(true);
  // Without a comment nothing can be decided.
  expect(await dialog.getByRole("button", { name: `Reject ${open.total}` }).isDisabled()).toBe(
    true,
  );
  await dialog.getByLabel("Why (required)").fill("Operational fields, not personal data");
  await shots(page, "consb-catalog-bulk-reject");
  await dialog.getByRole("button", { name: `Reject ${open.total}` }).click();
  await page.getByText(`Rejected ${open.total} proposal(s).`).waitFor();

  const decided = await b.db
    .selectFrom("governance.catalog_columns")
    .select(["review_status", "decided_by"])
    .where(
      "id",
      "in",
      open.items.map((i) => i.id),
    )
    .execute();
  expect(decided.every((d) => d.review_status === "rejected")).toBe(true);
  const audit = await b.db
    .selectFrom("governance.audit_events")
    .select(["summary"])
    .where("action", "=", "catalog.review.bulk_reject")
    .executeTakeFirstOrThrow();
  expect(JSON.stringify(audit.summary)).toContain("Operational fields");
  expect(problems).toEqual([]);
  await page.context().close();
});

test("the catalog fits 1440 px with a column menu, and a column's foreign keys and versions are tables", async () => {
  const page = await b.newPage();
  const problems = watch(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await b.openAs(page, "steward", "/catalog?table=invoices");
  await page.locator("table.table tbody tr").first().waitFor();
  // The page itself never scrolls sideways; only the table's own box may.
  const overflow = await page.evaluate(
    "document.documentElement.scrollWidth - document.documentElement.clientWidth",
  );
  expect(overflow).toBeLessThanOrEqual(0);
  await shots(page, "consb-catalog");

  await page.getByText(/^Columns \(\d+\/\d+\)$/).click();
  await page.getByRole("group", { name: "Visible columns" }).getByLabel("Type").uncheck();
  await expect
    .poll(() => page.locator("table.table thead th").allTextContents())
    .not.toContain("Type");
  // The choice survives a reload (kept in this browser).
  await page.reload();
  await page.locator("table.table tbody tr").first().waitFor();
  expect(await page.locator("table.table thead th").allTextContents()).not.toContain("Type");

  const customerId = await b.db
    .selectFrom("governance.catalog_columns")
    .select("id")
    .where("table_name", "=", "invoices")
    .where("column_name", "=", "customer_id")
    .where("json_path", "=", "")
    .executeTakeFirstOrThrow();
  await page.goto(`${b.baseUrl}/catalog?column=${customerId.id}`);
  await page.getByTestId("column-detail").waitFor();
  const fks = page.getByRole("table", { name: "foreign keys" });
  await fks.waitFor();
  const fkText = await fks.textContent();
  expect(fkText).toContain("customer_id");
  expect(fkText).toContain("public.customers");
  expect(await page.locator(".column-detail").textContent()).not.toContain('{"schema"');
  await shots(page, "consb-column-detail");
  expect(problems).toEqual([]);
  await page.context().close();
});

test("jobs: schedules in words with the next run, a payload form whose errors sit by the field, no Run for queues without a job", async () => {
  const page = await b.newPage();
  const problems = watch(page, [/^400 .*\/api\/v1\/jobs\/partitions\/run/, /status of 400/]);
  await b.openAs(page, "admin", "/jobs");
  const retention = page.locator('tr[data-queue="retention"]');
  await retention.getByTestId("schedule-text").waitFor();
  expect(await retention.getByTestId("schedule-text").textContent()).toMatch(
    /daily at 03:30 UTC · next \d\d \w+,? 03:30 UTC \(in /,
  );
  expect(
    await page.locator('tr[data-queue="partitions"]').getByTestId("schedule-text").textContent(),
  ).toContain("hourly at :15");
  const jobs = (await (await page.request.get(`${b.baseUrl}/api/v1/jobs`)).json()) as {
    queues: { queue: string; defined: boolean }[];
  };
  for (const q of jobs.queues.filter((x) => !x.defined)) {
    const row = page.locator(`tr[data-queue="${q.queue}"]`);
    expect(await row.getByRole("button", { name: "Run now" }).count()).toBe(0);
    expect(await row.textContent()).toContain("no job yet");
  }
  await shots(page, "consb-jobs");

  await page
    .locator('tr[data-queue="partitions"]')
    .getByRole("button", { name: "Run with…" })
    .click();
  const form = page.getByTestId("payload-form");
  await form.getByLabel(/daysAhead/).fill("999");
  await form.getByRole("button", { name: "Run" }).click();
  const message = page.locator("#payload-daysAhead-error");
  await message.waitFor();
  expect(await message.textContent()).toMatch(/366/);
  await shots(page, "consb-jobs-payload-error");
  await form.getByLabel(/daysAhead/).fill("3");
  await form.getByRole("button", { name: "Run" }).click();
  const triggered = page.getByTestId("triggered-job");
  await triggered.waitFor();
  await triggered.locator(".badge-succeeded").waitFor({ timeout: 90_000 });
  expect(problems).toEqual([]);
  await page.context().close();
});

test("an engineer reads the masked copy's report as a page and sees the re-review banner", async () => {
  const page = await b.newPage();
  const problems = watch(page);
  await b.openAs(page, "engineer", `/masked-datasets?tab=datasets&dataset=${datasetId}`);
  await page.getByTestId("rereview-banner").waitFor();
  await page.getByTestId("masked-report").waitFor();
  await shots(page, "consb-masked-datasets");
  await page.getByRole("link", { name: "Open the report" }).click();
  const report = page.getByTestId("masked-report-page");
  await report.waitFor();
  const rows = page.getByRole("table", { name: "rows per table" });
  expect(await rows.textContent()).toContain("invoices240");
  const rules = page.getByRole("table", { name: "masking rules applied" });
  expect(await rules.locator("tbody tr").count()).toBe(3);
  expect(await rules.textContent()).toContain("$.street");
  const leak = page.getByRole("table", { name: "leak scan figures" });
  expect(await leak.textContent()).toContain("5,200");
  expect(await report.textContent()).not.toContain('"leakScan"');
  await page.getByLabel("Find").fill("phone");
  await expect.poll(() => rules.locator("tbody tr").count()).toBe(1);
  await shots(page, "consb-dataset-report");
  expect(problems).toEqual([]);
  await page.context().close();
});

test("a compliance officer finds the person to erase by email, masked until chosen", async () => {
  const tenant = await b.db
    .selectFrom("tenants")
    .select("id")
    .orderBy("id")
    .executeTakeFirstOrThrow();
  const customer = await sql<{ id: string; email: string; first_name: string }>`
    SELECT id, email, first_name FROM customers
    WHERE tenant_id = ${tenant.id} AND email IS NOT NULL ORDER BY id LIMIT 1`.execute(b.db);
  const person = customer.rows[0];
  if (!person) {
    throw new Error("the demo platform has no customer with an email");
  }
  const page = await b.newPage();
  const problems = watch(page);
  await b.openAs(page, "compliance_officer", "/retention?tab=erasure");
  await page.locator('input[name="tenantId"]').fill(tenant.id);
  const picker = page.getByTestId("subject-picker");
  await picker.getByPlaceholder("email, phone or name").fill(person.email.toUpperCase());
  const match = picker.getByRole("button").filter({ hasText: "matched on email" });
  await match.first().waitFor();
  const listed = await picker.textContent();
  // Masked: neither the mailbox nor the first name shows before the person is chosen.
  expect(listed).not.toContain(person.email);
  expect(listed).not.toContain(person.first_name);
  await shots(page, "consb-erasure-lookup");
  await match.first().click();
  await picker.getByTestId("subject-chosen").waitFor();
  expect(await page.locator('input[name="customerId"]').inputValue()).toBe(person.id);
  expect(problems).toEqual([]);
  await page.context().close();
});
