import { sql } from "kysely";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { type BrowserConsole, openBrowserConsole } from "../support/browser.ts";

/**
 * Tiering policies edited in the console (issue 19): an admin opens customer_interactions'
 * policy on the Storage page, shortens the archive below the CCPA retention period in the form,
 * sees the API's problem next to that field after the dry run, fixes it, saves with the
 * confirmation step, and sees the new version in force and in the history (audited).
 */

let b: BrowserConsole;

vi.setConfig({ testTimeout: 180_000 });

beforeAll(async () => {
  b = await openBrowserConsole("tier_policies");
}, 180_000);

afterAll(async () => {
  await b?.close();
});

test("an admin edits a tiering policy, sees a validation error at its field, saves, and sees the version", async () => {
  const page = await b.newPage();
  await b.signIn(page, "admin");
  await page.getByRole("link", { name: "Storage", exact: true }).click();
  const policies = page.getByRole("table", { name: "Tiering policies" });
  await policies.getByRole("cell", { name: "customer_interactions", exact: true }).waitFor();
  await page.getByRole("button", { name: "Edit policy of customer_interactions" }).click();
  const editor = page.getByRole("region", { name: "Policy of customer_interactions" });
  await editor.getByText("Never edited in the console").waitFor();

  // An archive (18 months) ending before the CCPA retention of interactions (2 years): refused,
  // at the field.
  await editor.locator('input[name="tiers.cold"]').fill("1 year");
  const archive = editor.locator('input[name="tiers.archive"]');
  await archive.fill("18 months");
  await expect
    .poll(() => editor.getByLabel("Policy YAML").inputValue())
    .toContain("archive: 18 months");
  await editor.getByRole("button", { name: "Check (dry run)" }).click();
  const fieldError = editor.locator('[data-field="tiers.archive"]');
  await fieldError.filter({ hasText: "ends before retention policy" }).waitFor();
  expect(await archive.getAttribute("aria-invalid")).toBe("true");
  await b.shot(page, "tier-policy-invalid");
  // Saving the invalid draft is refused too (the dry run runs first): nothing stored.
  await editor.getByRole("button", { name: "Save as new version" }).click();
  await fieldError.filter({ hasText: "ends before retention policy" }).waitFor();
  expect(await editor.getByRole("button", { name: "Confirm save" }).count()).toBe(0);

  // Fixed: the dry run passes, the save asks for confirmation, then stores version 1.
  await editor.locator('input[name="tiers.cold"]').fill("2 years");
  await archive.fill("8 years");
  await editor.getByRole("button", { name: "Save as new version" }).click();
  await editor.getByTestId("policy-dry-run").waitFor();
  await editor
    .getByRole("alert")
    .filter({ hasText: "version 1 of the customer_interactions" })
    .waitFor();
  await b.shot(page, "tier-policy-confirm");
  await editor.getByRole("button", { name: "Confirm save" }).click();
  await page.getByRole("status").filter({ hasText: "Saved as version 1." }).waitFor();

  const stored = await sql<{ version: number; body: string; created_by: string }>`
    SELECT version, body, created_by FROM governance.tiering_policy_versions
    WHERE table_name = 'customer_interactions'`.execute(b.db);
  expect(stored.rows).toHaveLength(1);
  expect(stored.rows[0]?.body).toContain("archive: 8 years");
  const by = stored.rows[0]?.created_by ?? "";
  // The history and the list show the version and who saved it.
  const history = page.getByRole("table", { name: "Versions of customer_interactions" });
  await history.getByRole("cell", { name: "v1", exact: true }).waitFor();
  await history.getByRole("cell", { name: by, exact: true }).waitFor();
  await policies.getByRole("cell", { name: `v1 by ${by}` }).waitFor();
  const audit = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM governance.audit_events
    WHERE action = 'tiering.policy.update' AND target = 'public.customer_interactions'`.execute(
    b.db,
  );
  expect(audit.rows[0]?.n).toBe(1);
  await b.shot(page, "tier-policy-saved");
  expect(b.problems).toEqual([]);
});
