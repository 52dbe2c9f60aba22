import { sql } from "kysely";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { startOfTodayUtc } from "../../masking/demo-platform/clock.ts";
import { seedDemoPlatform } from "../../masking/demo-platform/index.ts";
import { migrateAnalytics } from "../../schema/analytics/analytics-store.ts";
import { insertUser } from "../../schema/governance/console-users.repository.ts";
import { hashPassword } from "../../server/auth/passwords.ts";
import { type BrowserConsole, openBrowserConsole } from "../support/browser.ts";

/**
 * The right of access in Chromium: an officer files an access request for one person (tenant
 * and person picked by name), sees its deadline and countdown; a second officer approves it;
 * the worker produces the package; the first officer downloads it and the download is listed.
 */

const SECOND = "second-officer@browser-access.test";
const SECOND_PASSWORD = "second officer password 42";

let b: BrowserConsole;
let customer: { id: string; email: string; tenant: string };

vi.setConfig({ testTimeout: 150_000 });

beforeAll(async () => {
  b = await openBrowserConsole(
    "access",
    async ({ pool }) => {
      await seedDemoPlatform(pool, { tenants: 2, customersPerTenant: 8, seed: 53 });
    },
    { demoPartitionsFor: startOfTodayUtc() },
  );
  await migrateAnalytics(b.analytics);
  await insertUser(b.db, {
    email: SECOND,
    displayName: "Second officer",
    role: "compliance_officer",
    passwordHash: await hashPassword(SECOND_PASSWORD),
  });
  const row = await sql<{ id: string; email: string; tenant: string }>`
    SELECT c.id::text, c.email, t.business_name AS tenant FROM customers c
    JOIN tenants t ON t.id = c.tenant_id WHERE c.email IS NOT NULL ORDER BY c.id LIMIT 1`.execute(
    b.db,
  );
  customer = row.rows[0] as typeof customer;
}, 180_000);

afterAll(async () => {
  await b?.close();
});

test("an officer files an access request, a second officer approves it, the package is produced and downloaded, with the deadline shown", async () => {
  const page = await b.newPage();
  await b.openAs(page, "compliance_officer", "/retention?tab=access");
  const form = page.getByRole("form", { name: "file access request" });
  const tenant = form.getByRole("combobox", { name: "Tenant" });
  await tenant.fill(customer.tenant.slice(0, 12));
  await form.getByRole("option").filter({ hasText: customer.tenant }).first().click();
  const picker = form.getByTestId("subject-picker");
  await picker.getByPlaceholder("email, phone or name").fill(customer.email);
  await picker.getByRole("button").filter({ hasText: "matched on email" }).first().click();
  await picker.getByTestId("subject-chosen").waitFor();
  await form.getByLabel("Regulation (deadline)").selectOption("gdpr");
  await form.getByLabel("Note (optional)").fill("asked by e-mail");
  await form.getByRole("button", { name: "File access request" }).click();

  const detail = page.getByTestId("access-detail");
  await detail.waitFor();
  await expect.poll(() => detail.textContent()).toMatch(/GDPR: answer by \d{4}-\d{2}-\d{2}/);
  await expect.poll(() => detail.textContent()).toContain("asked by e-mail");
  // The filer cannot approve their own request.
  await expect
    .poll(() => detail.textContent())
    .toContain("another compliance officer must approve");
  const list = page.getByRole("table", { name: "access requests" });
  await expect.poll(() => list.textContent()).toMatch(/GDPR · \d{4}-\d{2}-\d{2}/);
  await expect.poll(() => list.locator('[data-deadline="open"]').count()).toBe(1);
  await b.shot(page, "access-requests-filed");

  // The second officer approves from the same view.
  const id = new URL(page.url()).searchParams.get("id") ?? "";
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  const other = await b.newPage();
  const login = await other.request.post(`${b.baseUrl}/api/v1/auth/login`, {
    data: { email: SECOND, password: SECOND_PASSWORD },
  });
  expect(login.ok()).toBe(true);
  await other.goto(`${b.baseUrl}/retention?tab=access&id=${id}`);
  const theirs = other.getByTestId("access-detail");
  await theirs.getByLabel("Reason").fill("identity verified by phone");
  await theirs.getByRole("button", { name: "Approve" }).click();
  // The worker exports the package; the view follows it live.
  await expect.poll(() => theirs.textContent(), { timeout: 90_000 }).toMatch(/rows in \d+ tables/);
  await other.context().close();

  // Back to the first officer: answered in time, package listed, download audited.
  await expect
    .poll(() => detail.locator('[data-deadline="answered"]').count(), { timeout: 30_000 })
    .toBeGreaterThan(0);
  await expect.poll(() => detail.getByRole("table", { name: "package tables" }).count()).toBe(1);
  expect(await detail.getByRole("table", { name: "package tables" }).textContent()).toContain(
    "customers",
  );
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    detail.getByRole("link", { name: "Download package" }).click(),
  ]);
  expect(download.suggestedFilename()).toBe(`access-${id}.tar.gz`);
  await expect
    .poll(() => detail.getByRole("list", { name: "downloads" }).textContent(), { timeout: 15_000 })
    .toContain(b.emailOf("compliance_officer"));
  await b.shot(page, "access-requests-answered");
  expect(b.problems).toEqual([]);
});
