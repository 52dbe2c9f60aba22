import { sql } from "kysely";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { runCatalogScan } from "../../jobs/classify/scan.ts";
import { startOfTodayUtc } from "../../masking/demo-platform/clock.ts";
import { seedDemoPlatform } from "../../masking/demo-platform/index.ts";
import { type BrowserConsole, openBrowserConsole } from "../support/browser.ts";

/**
 * In Chromium: a column the scanner could not sample shows as not yet classifiable, with why,
 * in the review queue; and a dataset the leak scan refused offers the steward the one-step fix
 * (mark the named column as free text with personal data), which an engineer only sees.
 */

let b: BrowserConsole;
let datasetId: string;
/** A text column the scanner proposed `none` for: the one the refused copy names. */
let leaked: { table: string; column: string };

vi.setConfig({ testTimeout: 150_000 });

beforeAll(async () => {
  b = await openBrowserConsole(
    "clsconsole",
    async ({ db, pool }) => {
      await seedDemoPlatform(pool, { tenants: 1, customersPerTenant: 15, seed: 9 });
      await sql`CREATE TABLE public.partner_contacts (id int PRIMARY KEY, contact text)`.execute(
        db,
      );
      await sql`INSERT INTO public.partner_contacts
        SELECT i, 'partner' || i || '@contoso-mail.com' FROM generate_series(1, 20) i`.execute(db);
      await sql`REVOKE ALL ON public.partner_contacts FROM govern_reader`.execute(db);
      await runCatalogScan({ db, analytics: null }, { stores: ["postgres"], triggeredBy: "test" });
    },
    { demoPartitionsFor: startOfTodayUtc() },
  );
  const candidate = await b.db
    .selectFrom("governance.catalog_effective_columns")
    .select(["table_name", "column_name"])
    .where("store", "=", "postgres")
    .where("json_path", "=", "")
    .where("effective_category", "=", "none")
    .where("unclassifiable_reason", "is", null)
    .where("data_type", "in", ["text", "character varying(255)"])
    .orderBy("table_name")
    .orderBy("column_name")
    .executeTakeFirstOrThrow();
  leaked = { table: candidate.table_name ?? "", column: candidate.column_name ?? "" };
  // A copy the leak scan refused, naming that column, as provisioning records it.
  const row = await b.db
    .insertInto("governance.datasets")
    .values({
      name: "leaky_copy",
      kind: "masked",
      status: "refused",
      owner: b.emailOf("engineer"),
      report: JSON.stringify({
        leakScan: {
          clean: false,
          identifiers: 1200,
          columns: 300,
          values: 50_000,
          findings: [{ column: `${leaked.table}.${leaked.column}`, rows: 3 }],
          ms: 900,
        },
      }),
      error: "leak scan: 1 column holds source identifiers",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  datasetId = row.id;
}, 240_000);

afterAll(async () => {
  await b?.close();
});

test("the review queue shows an unreadable table's columns as not yet classifiable, with why", async () => {
  const page = await b.newPage();
  await b.openAs(page, "steward", "/review?status=not_classifiable&table=partner_contacts");
  const row = page.locator("table.queue-table tbody tr", { hasText: "partner_contacts.contact" });
  await row.waitFor();
  await expect(row.textContent()).resolves.toContain("not yet classifiable");
  await row.click();
  const notice = page.getByTestId("unclassifiable-notice");
  await notice.waitFor();
  await expect(notice.textContent()).resolves.toMatch(/govern_reader may not select/);
  await expect(notice.textContent()).resolves.toMatch(/Provisioning is refused/);
  await b.shot(page, "review-not-classifiable");
  await page.context().close();
});

test("a steward marks the column a leak scan named as PII in one confirmed step", async () => {
  const page = await b.newPage();
  await b.openAs(page, "steward", `/masked-datasets?tab=datasets&dataset=${datasetId}`);
  const fix = page.locator(
    `[data-testid="leak-fix"][data-column="${leaked.table}.${leaked.column}"]`,
  );
  await fix.waitFor();
  await fix.getByRole("link", { name: "Open in catalog" }).waitFor();
  await fix.getByRole("button", { name: "Mark as PII (free text)" }).click();
  const confirm = fix.getByRole("alertdialog");
  await expect(confirm.textContent()).resolves.toContain("free_text_pii");
  await b.shot(page, "leak-fix-confirm");
  await confirm.getByRole("button", { name: "Mark as PII", exact: true }).click();
  await fix.getByText("Marked as free text with personal data").waitFor();
  const decided = await b.db
    .selectFrom("governance.catalog_columns")
    .select(["review_status", "decided_category", "decision_comment"])
    .where("table_name", "=", leaked.table)
    .where("column_name", "=", leaked.column)
    .where("json_path", "=", "")
    .executeTakeFirstOrThrow();
  expect(decided.review_status).toBe("overridden");
  expect(decided.decided_category).toBe("free_text_pii");
  expect(decided.decision_comment).toContain("leak scan");
  await page.context().close();
});

test("an engineer sees which column leaked and a link to it, but no review action", async () => {
  const page = await b.newPage();
  await b.openAs(page, "engineer", `/masked-datasets?tab=datasets&dataset=${datasetId}`);
  const fix = page.locator(
    `[data-testid="leak-fix"][data-column="${leaked.table}.${leaked.column}"]`,
  );
  await fix.waitFor();
  await fix.getByRole("link", { name: "Open in catalog" }).waitFor();
  await expect(fix.getByRole("button", { name: "Mark as PII (free text)" }).count()).resolves.toBe(
    0,
  );
  await page.context().close();
});

test("no page broke the strict CSP or threw", () => {
  expect(b.problems).toEqual([]);
});
