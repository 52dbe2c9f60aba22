import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { sql } from "kysely";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { recordRunEnd, recordRunStart } from "../../jobs/job-runs.repository.ts";
import { ARTIFACTS, type BrowserConsole, openBrowserConsole } from "../support/browser.ts";

/**
 * The console's shell as a person meets it, in Chromium: a sign-in page that logs nothing
 * wrong, the API's reasons shown next to the field they concern, the audit page's chain check,
 * action filter and readable summaries, the API reference link, the tenant picker, and job
 * health that follows runs without a reload. Screenshots at 1440×900 go to
 * test/artifacts/screens/.
 */

const SCREENS = join(ARTIFACTS, "screens");
const TENANTS = [
  ["Harbour Plumbing & Heating", "eu-west"],
  ["Harbour View Dental", "us-east"],
  ["Northwind Roofing", "ap-south"],
] as const;
let b: BrowserConsole;

/** What a page logged or failed to load, as a person with the developer tools open would see. */
type Watch = { errors: string[]; failed: string[] };

beforeAll(async () => {
  mkdirSync(SCREENS, { recursive: true });
  b = await openBrowserConsole("shell", async ({ db }) => {
    for (const [name, region] of TENANTS) {
      await db.insertInto("tenants").values({ business_name: name, region }).execute();
    }
  });
});

afterAll(async () => {
  await b?.close();
});

async function open(): Promise<{ page: Page; watch: Watch }> {
  const page = await b.newPage();
  await page.setViewportSize({ width: 1440, height: 900 });
  const watch: Watch = { errors: [], failed: [] };
  page.on("console", (message) => {
    if (message.type() === "error") {
      watch.errors.push(message.text());
    }
  });
  page.on("requestfailed", (request) => {
    // A stream or a request the page cut itself (navigation, EventSource.close, a query made
    // stale: ERR_ABORTED) is not a failure; an answer of 400 or more still is (below).
    const error = request.failure()?.errorText ?? "";
    if (!/\/api\/v1\/events/.test(request.url()) && !error.includes("ERR_ABORTED")) {
      watch.failed.push(`${request.method()} ${request.url()}: ${error}`);
    }
  });
  page.on("response", (response) => {
    if (response.status() >= 400) {
      watch.failed.push(`${response.request().method()} ${response.url()}: ${response.status()}`);
    }
  });
  return { page, watch };
}

const screen = (page: Page, name: string) =>
  page.screenshot({ path: join(SCREENS, `${name}.png`), fullPage: true });

test("the sign-in page loads its icon and logs no error and no failed request", async () => {
  const { page, watch } = await open();
  const icons: number[] = [];
  page.on("response", (response) => {
    if (/favicon/.test(response.url())) {
      icons.push(response.status());
    }
  });
  await page.goto(`${b.baseUrl}/`);
  await page.getByRole("button", { name: "Sign in" }).waitFor();
  await page.waitForLoadState("networkidle");
  expect(await page.locator('link[rel="icon"]').getAttribute("href")).toBe("/favicon.svg");
  const ico = await page.request.get(`${b.baseUrl}/favicon.ico`);
  expect(ico.status()).toBe(200);
  expect(ico.headers()["content-type"]).toContain("image/svg+xml");
  expect(icons.every((status) => status === 200)).toBe(true);
  await screen(page, "login");
  expect(watch.errors).toEqual([]);
  expect(watch.failed).toEqual([]);

  // Signing in and landing on the overview is just as clean.
  await page.getByLabel("Email").fill(b.emailOf("admin"));
  await page.getByLabel("Password").fill("browser-test-password-42");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("signed-in").waitFor();
  await page.locator(".figure").first().waitFor();
  await page.waitForLoadState("networkidle");
  expect(watch.errors).toEqual([]);
  expect(watch.failed).toEqual([]);
  await page.context().close();
});

test("the sign-in form shows the API's reason next to the email field", async () => {
  const { page } = await open();
  await page.goto(`${b.baseUrl}/`);
  // Too short for the API (at least 3 characters): it answers 400 naming `email`.
  await page.getByLabel("Email").fill("ab");
  await page.getByLabel("Password").fill("whatever");
  await page.getByRole("button", { name: "Sign in" }).click();
  const email = page.getByRole("textbox", { name: "Email", exact: true });
  await expect.poll(() => email.getAttribute("aria-invalid")).toBe("true");
  // The message sits with the field, tied to it for screen readers, not only in a banner.
  const describedBy = await email.getAttribute("aria-describedby");
  const message = page.locator(`#${describedBy}`);
  expect(await message.textContent()).toMatch(/3 characters/);
  expect(await message.evaluate((el) => el.previousElementSibling?.textContent ?? "")).toContain(
    "Email",
  );
  expect(await page.getByRole("alert").textContent()).not.toContain("The request is not valid.");
  expect(await page.getByLabel("Password", { exact: true }).getAttribute("aria-invalid")).toBe(
    null,
  );
  await screen(page, "login-validation");
  await page.context().close();
});

test("a compliance officer verifies the audit chain, and sees where it breaks once a row is altered", async () => {
  const { page } = await open();
  await b.openAs(page, "compliance_officer", "/audit");
  await page.locator("table.table tbody tr").first().waitFor();
  await page.getByRole("button", { name: "Verify chain" }).click();
  const result = page.getByTestId("verify-chain");
  await expect.poll(() => result.textContent()).toMatch(/Chain intact: \d+ events checked/);
  await screen(page, "audit-verified");

  // Alter one stored event behind govern's back, as an intruder with database access would.
  const victim = await b.db
    .selectFrom("governance.audit_events")
    .select("id")
    .orderBy("id")
    .offset(1)
    .limit(1)
    .executeTakeFirstOrThrow();
  await sql`ALTER TABLE governance.audit_events DISABLE TRIGGER audit_events_append_only`.execute(
    b.db,
  );
  try {
    await sql`UPDATE governance.audit_events SET actor = 'someone-else' WHERE id = ${victim.id}`.execute(
      b.db,
    );
  } finally {
    await sql`ALTER TABLE governance.audit_events ENABLE TRIGGER audit_events_append_only`.execute(
      b.db,
    );
  }
  await page.getByRole("button", { name: "Verify chain" }).click();
  await expect.poll(() => result.textContent()).toContain(`Chain broken at event #${victim.id}`);
  await screen(page, "audit-broken");
  await page.context().close();
});

test("the audit action filter offers the trail's actions and families, and filters by prefix", async () => {
  const { page, watch } = await open();
  await b.openAs(page, "admin", "/audit");
  await page.locator("table.table tbody tr").first().waitFor();
  const action = page.getByLabel("Action");
  const listId = await action.getAttribute("list");
  await expect
    .poll(async () =>
      page
        .locator(`datalist#${listId} option`)
        .evaluateAll((o) => o.map((x) => x.getAttribute("value") ?? "")),
    )
    .toEqual(expect.arrayContaining(["auth.*", "auth.login"]));
  await action.fill("auth.*");
  await page.getByRole("button", { name: "Filter", exact: true }).click();
  await expect.poll(() => new URL(page.url()).searchParams.get("action")).toBe("auth.*");
  await expect
    .poll(async () => {
      const actions = await page.locator("table.table tbody tr td:nth-child(4)").allTextContents();
      return actions.length > 0 && actions.every((a) => a.startsWith("auth."));
    })
    .toBe(true);
  // Summaries read as fields, not JSON.
  const summary = page.locator("table.table tbody tr td:nth-child(6)").first();
  expect(await summary.locator("dt").first().textContent()).toBe("Status:");
  expect(await summary.textContent()).not.toContain("{");
  await screen(page, "audit-filtered");
  expect(watch.errors).toEqual([]);
  await page.context().close();
});

test("an audit filter the API refuses says why next to that filter", async () => {
  const { page } = await open();
  // `from` after `to`: the API answers 400 naming the field.
  await b.openAs(page, "admin", "/audit?from=2026-05-02T00:00:00.000Z&to=2026-05-01T00:00:00.000Z");
  const from = page.getByLabel("From", { exact: true });
  await expect.poll(() => from.getAttribute("aria-invalid"), { timeout: 10_000 }).toBe("true");
  const message = page.locator(`#${await from.getAttribute("aria-describedby")}`);
  expect(await message.textContent({ timeout: 5_000 })).toBe("must not be after To");
  expect(await page.getByLabel("To", { exact: true }).getAttribute("aria-invalid")).toBe(null);
  expect(await page.getByRole("alert").first().textContent()).toContain(
    "Check the highlighted field",
  );
  await screen(page, "audit-filter-refused");
  await page.context().close();
});

test("the header links to the API reference, which opens", async () => {
  const { page } = await open();
  await b.openAs(page, "engineer", "/");
  const link = page.getByRole("link", { name: "API reference" });
  expect(await link.getAttribute("href")).toBe("/api/v1/docs");
  const [docs] = await Promise.all([page.context().waitForEvent("page"), link.click()]);
  await docs.waitForLoadState();
  expect(new URL(docs.url()).pathname).toBe("/api/v1/docs");
  expect(await docs.locator("h1").first().textContent()).toMatch(/govern API/i);
  await page.context().close();
});

test("the tenant picker finds tenants by name as you type and shows the chosen one by name with its id", async () => {
  const { page, watch } = await open();
  await b.openAs(page, "steward", "/");
  const lookup = page.getByTestId("tenant-lookup");
  const input = lookup.getByRole("combobox", { name: "Tenant" });
  await input.fill("harbour");
  const options = lookup.getByRole("option");
  await expect
    .poll(() => options.allTextContents())
    .toEqual(["Harbour Plumbing & Heatingeu-west", "Harbour View Dentalus-east"]);
  await screen(page, "overview-tenant-picker");
  // Keyboard: down to the second, Enter chooses it.
  await input.press("ArrowDown");
  await input.press("Enter");
  await expect.poll(() => input.inputValue()).toBe("Harbour View Dental");
  const [tenant] = await sql<{ id: string }>`
    SELECT id FROM tenants WHERE business_name = 'Harbour View Dental'`
    .execute(b.db)
    .then((r) => r.rows);
  const name = lookup.locator(".tenant-name");
  expect(await name.textContent()).toBe("Harbour View Dental");
  expect(await name.getAttribute("title")).toContain(tenant?.id);
  expect(await lookup.textContent()).toContain(tenant?.id);
  expect(await lookup.textContent()).toContain("us-east");
  // A region finds its tenant too.
  await input.fill("ap-south");
  await expect.poll(() => options.allTextContents()).toEqual(["Northwind Roofingap-south"]);
  await screen(page, "overview-tenant-chosen");
  expect(watch.errors).toEqual([]);
  expect(watch.failed).toEqual([]);
  await page.context().close();
});

test("the overview's job health follows a run's end over the event stream, without a reload", async () => {
  const { page, watch } = await open();
  await b.openAs(page, "engineer", "/");
  await page.locator(".figure").first().waitFor();
  let navigations = 0;
  page.on("framenavigated", () => navigations++);
  const runId = await recordRunStart(b.db, {
    queue: "partitions",
    jobName: "partitions",
    attempt: 1,
    payload: {},
  });
  if (!runId) {
    throw new Error("the run was not recorded");
  }
  await recordRunEnd(b.db, runId, { status: "failed", error: "disk full in the test" });
  await page.getByText("disk full in the test").waitFor({ timeout: 15_000 });
  expect(navigations).toBe(0);
  expect(watch.errors).toEqual([]);
  await page.context().close();
});

test("no page broke the strict CSP or threw", () => {
  expect(b.problems).toEqual([]);
});
