import { sql } from "kysely";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { planRetention } from "../../jobs/retention/planner.ts";
import { seedDemoPlatform } from "../../masking/demo-platform/index.ts";
import { loadRetentionSchedule, type TRetentionSchedule } from "../../rules/retention/index.ts";
import { type BrowserConsole, openBrowserConsole } from "../support/browser.ts";

/**
 * Retention & approvals in Chromium, over a small demo platform whose history ended nine years
 * ago: a compliance officer works the approvals inbox (approving what another officer planned,
 * unable to approve their own), executes the approved request and watches it finish, opens its
 * certificate, places and releases a legal hold, and edits a policy.
 */

const NOW = new Date();
const AS_OF_SEED = new Date(Date.UTC(NOW.getUTCFullYear() - 9, 0, 1));
const OTHER_OFFICER = "other-officer@browser.test";

let b: BrowserConsole;
let tenantId = "";
let othersRequest = "";
let ownRequest = "";

vi.setConfig({ testTimeout: 150_000 });

/** The shipped schedule with thresholds low enough that these plans need a person's approval. */
function lowThresholds(): TRetentionSchedule {
  const schedule = loadRetentionSchedule();
  return {
    ...schedule,
    policies: schedule.policies.map((p) =>
      ["ccpa-interactions-2y", "job-status-history-3y"].includes(p.id) ? { ...p, threshold: 5 } : p,
    ),
  };
}

beforeAll(async () => {
  b = await openBrowserConsole(
    "retention",
    async ({ pool }) => {
      const report = await seedDemoPlatform(pool, {
        tenants: 2,
        customersPerTenant: 12,
        seed: 29,
        asOf: AS_OF_SEED,
      });
      tenantId = report.tenantIds[0] ?? "";
    },
    { demoPartitionsFor: AS_OF_SEED },
  );
  const schedule = lowThresholds();
  const [others] = await planRetention(b.db, {
    requestedBy: OTHER_OFFICER,
    policyIds: ["ccpa-interactions-2y"],
    tenantIds: [tenantId],
    schedule,
  });
  const [own] = await planRetention(b.db, {
    requestedBy: b.emailOf("compliance_officer"),
    policyIds: ["job-status-history-3y"],
    tenantIds: [tenantId],
    schedule,
  });
  othersRequest = others?.request.id ?? "";
  ownRequest = own?.request.id ?? "";
  expect(others?.request.status).toBe("pending_approval");
  expect(own?.request.status).toBe("pending_approval");
}, 180_000);

afterAll(async () => {
  await b?.close();
});

const inboxItem = (page: Page, id: string) => page.locator(`li[data-request-id="${id}"]`);

test("a compliance officer approves, from the request's page under its impact preview, a request another officer planned; the inbox has no Approve and says why their own is not theirs", async () => {
  const page = await b.newPage();
  await b.signIn(page, "compliance_officer");
  await page.getByRole("link", { name: "Retention & approvals", exact: true }).click();
  await page.getByRole("tab", { name: "Approvals inbox" }).click();
  await inboxItem(page, othersRequest).waitFor();

  // Their own request is listed, saying why it is not theirs to decide; no list offers Approve.
  const own = inboxItem(page, ownRequest);
  await own.getByTestId("self-requested").waitFor();
  expect(await own.textContent()).toMatch(/another compliance officer/i);
  expect(await page.getByRole("button", { name: "Approve" }).count()).toBe(0);
  await b.shot(page, "retention-approvals");

  const item = inboxItem(page, othersRequest);
  expect(await item.textContent()).toContain(OTHER_OFFICER);
  await item.getByRole("button", { name: "Review impact and decide" }).click();
  // The decision sits inside the impact preview, under the counts it approves.
  const preview = page.getByRole("region", { name: "impact preview" });
  await preview.getByRole("table", { name: "counts per table and tenant" }).waitFor();
  const panel = preview.getByTestId("decision-panel");
  await panel.getByLabel("Reason").fill("CCPA period passed; sample reviewed");
  await b.shot(page, "retention-request-decide");
  await panel.getByRole("button", { name: "Approve" }).click();
  await page.getByRole("status").filter({ hasText: "Approved." }).waitFor();
  await page.locator('.badge[data-status="approved"]').first().waitFor();

  const approved = await b.db
    .selectFrom("governance.retention_requests")
    .select(["status", "approved_by"])
    .where("id", "=", othersRequest)
    .executeTakeFirstOrThrow();
  expect(approved).toEqual({ status: "approved", approved_by: b.emailOf("compliance_officer") });
  await page.context().close();
});

test("the approved request shows its masked impact preview, executes with a progress bar and issues a certificate", async () => {
  const page = await b.newPage();
  await b.openAs(page, "compliance_officer", `/retention?tab=requests&id=${othersRequest}`);
  await page.getByRole("table", { name: "counts per table and tenant" }).waitFor();
  const sample = page.getByRole("table", { name: "sample rows of customer_interactions" });
  await sample.waitFor();
  // Free text is reduced to its shape: no address, no sentence of the customer's.
  expect(await sample.textContent()).not.toMatch(/[\w.+-]+@[\w-]+\.[a-z]{2,}/i);
  expect(await page.getByTestId("fingerprint").textContent()).toMatch(/^[0-9a-f]{64}$/);
  await b.shot(page, "retention-request");

  // Execute asks first: what happens per table, and the short id typed.
  await page.getByRole("button", { name: "Execute…" }).click();
  const dialog = page.getByRole("dialog", { name: "Confirm execution" });
  const summary = await dialog.getByTestId("execute-summary").textContent();
  expect(summary).toMatch(/deleted/);
  expect(summary).toMatch(/archived .* before they are deleted/);
  const go = dialog.getByRole("button", { name: `Execute ${othersRequest.slice(0, 8)}` });
  expect(await go.isDisabled()).toBe(true);
  await dialog.getByLabel(/Type the request's short id/).fill("deadbeef");
  expect(await go.isDisabled()).toBe(true);
  await dialog.getByLabel(/Type the request's short id/).fill(othersRequest.slice(0, 8));
  await b.shot(page, "retention-execute-confirm");
  await go.click();
  // Never "approved" with Execute enabled once execution started.
  await expect.poll(async () => page.getByRole("button", { name: "Execute…" }).count()).toBe(0);
  await page.getByRole("progressbar", { name: "execution progress" }).waitFor();
  await page.locator('.badge[data-status="done"]').first().waitFor({ timeout: 90_000 });
  await page.getByRole("button", { name: "View certificate" }).click();
  await page.getByText("The certificate as stored (JSON)").click();
  const body = page.getByTestId("certificate-body");
  await body.waitFor();
  expect(await body.textContent()).toContain(othersRequest);
  expect(await body.textContent()).toContain(OTHER_OFFICER);
  await b.shot(page, "retention-certificate");

  const href = await page.getByRole("link", { name: "Download JSON" }).getAttribute("href");
  const download = await page.request.get(`${b.baseUrl}${href}`);
  expect(download.status()).toBe(200);
  expect(download.headers()["content-disposition"]).toContain(
    `retention-certificate-${othersRequest}.json`,
  );
  await page.context().close();
});

test("a compliance officer places a legal hold and releases it", async () => {
  const page = await b.newPage();
  await b.openAs(page, "compliance_officer", "/retention?tab=holds");
  await page.getByRole("button", { name: "Add legal hold" }).click();
  const form = page.getByRole("form", { name: "add legal hold" });
  await form.getByLabel("Tenant id").fill(tenantId);
  await form.getByLabel("Table").fill("job_status_history");
  await form.getByLabel("Reason").fill("litigation 2026-114: Doe v. Business");
  await form.getByRole("button", { name: "Place hold" }).click();
  await page.getByRole("status").filter({ hasText: "placed" }).waitFor();
  const row = page.locator("table.table tbody tr").filter({ hasText: "Doe v. Business" });
  await row.getByText("active").waitFor();
  await b.shot(page, "retention-holds");
  // The officer's own request for that table is now blocked by the hold.
  const blocked = await b.db
    .selectFrom("governance.retention_requests")
    .select("status")
    .where("id", "=", ownRequest)
    .executeTakeFirstOrThrow();
  expect(blocked.status).toBe("blocked");

  page.once("dialog", (dialog) => void dialog.accept("case settled"));
  await row.getByRole("button", { name: "Release" }).click();
  await page.getByRole("status").filter({ hasText: "Hold released." }).waitFor();
  await row.getByText(/released/).waitFor();
  await page.context().close();
});

test("a policy edit shows the validator's errors, then saves a new version", async () => {
  const page = await b.newPage();
  await b.openAs(page, "compliance_officer", "/retention?tab=policies&id=audit-logs-7y");
  await page.getByRole("button", { name: "Edit policy" }).click();
  const form = page.getByRole("form", { name: "edit policy" });
  await form.getByLabel("Keep for").fill("7 eons");
  await form.getByLabel("Why it changes").fill("typo on purpose");
  await form.getByRole("button", { name: "Save new version" }).click();
  const errors = page.getByRole("alert").filter({ hasText: "period" });
  await errors.waitFor();
  await b.shot(page, "retention-policy-errors");
  await form.getByLabel("Keep for").fill("8 years");
  await form.getByRole("button", { name: "Save new version" }).click();
  await page.getByRole("status").filter({ hasText: "Saved as version 2." }).waitFor();
  await page
    .getByRole("table", { name: "policy versions" })
    .locator('tr[data-version="2"]')
    .waitFor();
  await page.context().close();
});

test("the erasure form plans one person's erasure and opens the plan, which waits for approval", async () => {
  const customer = await b.db
    .selectFrom("customers")
    .select(["id", "email"])
    .where("tenant_id", "=", tenantId)
    .where("email", "is not", null)
    .orderBy("id")
    .executeTakeFirstOrThrow();
  // Another customer's message naming them: a row that only mentions the person.
  await sql`
    INSERT INTO communications (tenant_id, business_id, recipient_type, recipient_id,
      recipient_info, communication_type, direction, subject, content, status)
    SELECT c.tenant_id, c.business_id, 'customer', c.id,
      jsonb_build_object('email', c.email), 'email', 'inbound', 'Referral',
      ${`My neighbour ${customer.email} recommended you.`}, 'delivered'
    FROM customers c
    WHERE c.tenant_id = ${tenantId} AND c.id <> ${customer.id} AND c.email IS NOT NULL
    ORDER BY c.id LIMIT 1`.execute(b.db);
  const page = await b.newPage();
  await b.openAs(page, "compliance_officer", "/retention?tab=erasure");
  const form = page.getByRole("form", { name: "request erasure" });
  await form.getByLabel("Tenant id").fill(tenantId);
  // The person is found by the data-subject lookup (by email), then chosen.
  const picker = form.getByTestId("subject-picker");
  await picker.getByPlaceholder("email, phone or name").fill(customer.email as string);
  await picker.getByRole("button").filter({ hasText: "matched on email" }).first().click();
  await picker.getByTestId("subject-chosen").waitFor();
  expect(await form.locator('input[name="customerId"]').inputValue()).toBe(customer.id);
  await form.getByRole("button", { name: "Plan erasure" }).click();
  const plan = page.getByTestId("erasure-plan");
  await plan.waitFor({ timeout: 60_000 });
  expect(await plan.textContent()).toMatch(/pending approval/);
  await b.shot(page, "retention-erasure");
  await plan.getByRole("button", { name: "Open the plan" }).click();
  await page.getByRole("table", { name: "counts per table and tenant" }).waitFor();
  expect(await page.getByRole("heading", { name: /Erasure request/ }).count()).toBe(1);
  // Each table's decision and where it came from (no catalog scan here: the fixed lists).
  await page.getByRole("table", { name: "erasure decisions per table" }).waitFor();
  const customers = page.getByTestId("erasure-decision-customers");
  expect(await customers.textContent()).toMatch(/anonymize.*first_name → redact.*fixed list/);
  expect(await customers.textContent()).toMatch(/not scanned/);
  // The other customer's message is only scrubbed of the person's identifiers, not anonymized.
  const mentions = page
    .getByTestId("erasure-decision-communications")
    .getByTestId("erasure-mentions");
  expect(await mentions.textContent()).toMatch(
    /^\d+ rows? of other people: only the person's identifiers replaced in .+ \(scrubbed, not anonymized\)$/,
  );
  expect(await customers.getByTestId("erasure-mentions").count()).toBe(0);
  await b.shot(page, "retention-erasure-plan");
  await page.getByTestId("self-requested").waitFor();
  await page.context().close();
});

test("a steward sees requests but no approvals inbox, and an engineer no retention page", async () => {
  const page = await b.newPage();
  await b.openAs(page, "steward", "/retention");
  await page.getByRole("tab", { name: "Deletion requests" }).waitFor();
  expect(await page.getByRole("tab", { name: "Approvals inbox" }).count()).toBe(0);
  await page.locator("table.table tbody tr").first().waitFor();
  await page.context().close();
  const engineer = await b.newPage();
  await b.openAs(engineer, "engineer", "/retention");
  await engineer.getByRole("heading", { name: "Not available" }).waitFor();
  await engineer.context().close();
});

test("no retention page broke the strict CSP or threw", () => {
  expect(b.problems).toEqual([]);
});
