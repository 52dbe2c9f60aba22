import { sql } from "kysely";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { runCatalogScan } from "../../jobs/classify/scan.ts";
import { reviewColumns } from "../../schema/governance/catalog-review.repository.ts";
import type { Db } from "../../schema/postgres.ts";
import { type BrowserConsole, openBrowserConsole } from "../support/browser.ts";

/**
 * Catalog → Recognizers in Chromium (issue 21): a steward writes a recognizer for staff numbers
 * the built-in detectors do not know, tries it on live samples (masked) and sees which column it
 * would relabel, saves it, enables it after a second look, and a re-scan applies it — the
 * column's evidence names the recognizer's version. A rejection then becomes a suppression that
 * the next scan honours and the evidence panel names.
 */

let b: BrowserConsole;
vi.setConfig({ testTimeout: 150_000 });

const scan = (db: Db) =>
  runCatalogScan({ db, analytics: null }, { stores: ["postgres"], triggeredBy: "test" });

async function staffRef(db: Db) {
  return db
    .selectFrom("governance.catalog_columns")
    .select(["id", "proposed_category", "evidence"])
    .where("table_name", "=", "recog_people")
    .where("column_name", "=", "staff_ref")
    .where("json_path", "=", "")
    .executeTakeFirstOrThrow();
}

beforeAll(async () => {
  b = await openBrowserConsole("recognizers", async ({ db }) => {
    await sql`CREATE TABLE public.recog_people (
        id int PRIMARY KEY, tenant_id uuid NOT NULL, staff_ref text, note text)`.execute(db);
    await sql`GRANT SELECT ON public.recog_people TO govern_reader`.execute(db);
    await sql`INSERT INTO public.recog_people
        SELECT i, gen_random_uuid(), 'ST-' || (4100000 + i * 13)::text, 'shift ' || i
        FROM generate_series(1, 30) i`.execute(db);
    await scan(db);
  });
}, 120_000);

afterAll(async () => {
  await b?.close();
});

test("a steward creates a recognizer, previews its effect, enables it, and a re-scan applies it", async () => {
  expect((await staffRef(b.db)).proposed_category).toBe("none");
  const page = await b.newPage();
  page.on("dialog", (dialog) => void dialog.accept());
  await b.openAs(page, "steward", "/");
  await page.getByRole("link", { name: "Recognizers", exact: true }).click();
  await page.getByText("No custom recognizer yet").waitFor();

  await page.getByRole("button", { name: "New recognizer" }).click();
  const form = page.getByRole("form", { name: "new recognizer" });
  await form.getByLabel("Name").fill("staff_number");
  await form.getByLabel("Category").selectOption("government_id");
  // A nested repetition is refused under its field, before anything is stored.
  await form.getByLabel("Pattern").fill("ST-(\\d+)+");
  await form.getByRole("button", { name: "Save recognizer" }).click();
  await form
    .locator('[data-field="pattern"]')
    .getByText(/backtrack/)
    .waitFor();

  await form.getByLabel("Pattern").fill("ST-\\d{7}");
  await form.getByLabel("Context words").fill("staff, employee");
  await form.getByRole("button", { name: "Try on live samples" }).click();
  const preview = page.getByRole("region", { name: "recognizer preview" });
  const row = preview.getByRole("row", { name: /recog_people\.staff_ref/ });
  await row.waitFor();
  await expect.poll(() => row.textContent()).toMatch(/30 \/ 30.*label changes/);
  // Masked: the sampled numbers never appear whole.
  expect(await preview.textContent()).not.toMatch(/ST-\d{7}/);
  await b.shot(page, "recognizers-preview");

  await form.getByRole("button", { name: "Save recognizer" }).click();
  await b.shot(page, "recognizers-saved");
  await page
    .getByText(/staff_number added \(version 1, not enabled yet/)
    .waitFor({ timeout: 60_000 });
  const listed = page.getByRole("table", { name: "custom recognizers" }).getByRole("row", {
    name: /staff_number/,
  });
  await expect.poll(() => listed.textContent()).toContain("disabled");

  await listed.getByRole("button", { name: "Try and enable…" }).click();
  await preview.getByRole("row", { name: /recog_people\.staff_ref/ }).waitFor();
  await preview.getByRole("button", { name: "Enable staff_number" }).click();
  await page.getByText(/staff_number enabled \(version 2\)/).waitFor();
  await expect.poll(() => listed.textContent()).toContain("enabled");
  await b.shot(page, "recognizers-enabled");

  await scan(b.db);
  const after = await staffRef(b.db);
  expect(after.proposed_category).toBe("government_id");

  await page.goto(`${b.baseUrl}/catalog?column=${after.id}`);
  const evidence = page.getByRole("table", { name: "evidence", exact: true });
  await evidence.getByText("recognizer:staff_number@v2").waitFor();
  await b.shot(page, "recognizers-evidence");

  // Learning from the steward: a rejection suppresses it on that column from the next scan on.
  await reviewColumns(b.db, {
    target: { ids: [after.id] },
    action: "reject",
    comment: "shift roster codes, not identifiers",
    actor: b.emailOf("steward"),
  });
  await scan(b.db);
  expect((await staffRef(b.db)).proposed_category).toBe("none");
  await page.reload();
  await evidence.getByText(/government_id suppressed: .* rejected it on/).waitFor();
  await b.shot(page, "recognizers-suppressed-evidence");

  await page.goto(`${b.baseUrl}/recognizers`);
  const suppressions = page.getByRole("table", { name: "suppressions" });
  await suppressions.getByText("public.recog_people.staff_ref").waitFor();
  await suppressions.getByRole("button", { name: "Remove" }).click();
  await page.getByText(/Suppression #\d+ removed/).waitFor();
  await b.shot(page, "recognizers-page");
  expect(b.problems).toEqual([]);
});
