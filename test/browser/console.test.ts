import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ROLES, type Role } from "../../schema/domain/permissions.ts";
import { ROUTES } from "../../server/routes/index.ts";
import type { Overview } from "../../web/src/api/types.ts";
import { AREAS } from "../../web/src/app/areas.ts";
import { type BrowserConsole, openBrowserConsole } from "../support/browser.ts";

/**
 * The console end to end: the real server (API, worker, built console) in this process, driven
 * by Debian's Chromium through playwright-core. Screenshots of each main page go to test/artifacts/.
 */

/** Routes other parts of the shell own; a test needing one that is not there yet says so. */
const hasRoute = (method: string, path: string) =>
  ROUTES.some((r) => r.method === method && r.path === path);
const jobsRoutesExist =
  hasRoute("GET", "/api/v1/jobs") &&
  hasRoute("GET", "/api/v1/jobs/runs") &&
  hasRoute("POST", "/api/v1/jobs/{queue}/run");
const auditRouteExists = hasRoute("GET", "/api/v1/audit");

/** What each role must (and must not) find in the sidebar, stated from the permission matrix. */
const NAV_EXPECTATIONS: Record<Role, { shown: string[]; hidden: string[] }> = {
  steward: { shown: ["Overview", "Jobs", "Catalog", "Review queue"], hidden: ["Audit", "Users"] },
  engineer: { shown: ["Overview", "Jobs", "Masked datasets"], hidden: ["Audit", "Users"] },
  compliance_officer: {
    shown: ["Overview", "Jobs", "Audit", "Retention & approvals"],
    hidden: ["Users"],
  },
  admin: { shown: ["Overview", "Jobs", "Audit", "Users"], hidden: [] },
};

const id = randomBytes(4).toString("hex");
let b: BrowserConsole;

beforeAll(async () => {
  b = await openBrowserConsole("console", async ({ db }) => {
    await db.insertInto("tenants").values({ business_name: "Browser Test Plumbing" }).execute();
  });
});

afterAll(async () => {
  await b?.close();
});

async function navLabels(page: Page): Promise<string[]> {
  const links = page.getByRole("navigation", { name: "Main" }).getByRole("link");
  return (await links.allTextContents()).map((text) => text.replace(/not built$/, "").trim());
}

test("serves the built console at / and deep links, with an immutable cache on hashed assets", async () => {
  const index = await fetch(`${b.baseUrl}/`);
  expect(index.status).toBe(200);
  expect(index.headers.get("content-type")).toContain("text/html");
  expect(index.headers.get("cache-control")).toBe("no-cache");
  expect(index.headers.get("content-security-policy")).toContain("script-src 'self'");
  const html = await index.text();
  const script = html.match(/src="(\/assets\/[^"]+\.js)"/)?.[1];
  expect(script).toBeDefined();
  const asset = await fetch(`${b.baseUrl}${script}`);
  expect(asset.headers.get("content-type")).toContain("text/javascript");
  expect(asset.headers.get("cache-control")).toContain("immutable");

  const deep = await fetch(`${b.baseUrl}/jobs?status=failed`);
  expect(deep.status).toBe(200);
  expect(await deep.text()).toBe(html);
  // API paths, however spelled, never fall back to the console page.
  for (const path of ["/api/v1/nope", "//api/v1/nope", "/API/v1/users", "/%61pi/v1/users"]) {
    const response = await fetch(`${b.baseUrl}${path}`);
    expect(response.status, path).toBeGreaterThanOrEqual(400);
    expect(response.headers.get("content-type"), path).not.toContain("text/html");
  }
  expect((await fetch(`${b.baseUrl}/assets/missing.js`)).status).toBe(404);
  expect((await fetch(`${b.baseUrl}/..%2f..%2fpackage.json`)).status).not.toBe(200);
});

test("the overview API reports catalog figures and shows the audit trail only to roles that may read it", async () => {
  expect((await fetch(`${b.baseUrl}/api/v1/overview`)).status).toBe(401);
  // The row figure is the planner's estimate: analysed, the one tenant row counts.
  await sql`ANALYZE public.tenants`.execute(b.db);
  const admin = (await (
    await fetch(`${b.baseUrl}/api/v1/overview`, {
      headers: { cookie: await b.sessionCookie("admin") },
    })
  ).json()) as Overview;
  expect(admin.tenants).toBe(1);
  // The seed's operational model has dozens of tables and hundreds of columns.
  expect(admin.catalog.tables).toBeGreaterThan(10);
  expect(admin.catalog.columns).toBeGreaterThan(admin.catalog.tables);
  expect(admin.catalog.rowEstimate).toBeGreaterThanOrEqual(1);
  expect(admin.jobs).toHaveProperty("last24h");
  expect(admin.recentAudit?.length).toBeGreaterThan(0);
  expect(admin.recentAudit?.length).toBeLessThanOrEqual(10);
  const steward = (await (
    await fetch(`${b.baseUrl}/api/v1/overview`, {
      headers: { cookie: await b.sessionCookie("steward") },
    })
  ).json()) as Overview;
  expect(steward.tenants).toBe(1);
  expect(steward.recentAudit).toBeNull();
});

test("a wrong password shows an error and keeps the sign-in form", async () => {
  const page = await b.newPage();
  await page.goto(`${b.baseUrl}/`);
  await b.shot(page, "login");
  await page.getByLabel("Email").fill(b.emailOf("admin"));
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect
    .poll(() => page.getByRole("alert").textContent(), { timeout: 10_000 })
    .toMatch(/wrong email or password/i);
  expect(await page.getByTestId("signed-in").count()).toBe(0);
  await b.shot(page, "login-error");
  await page.context().close();
});

describe.each(ROLES)("signed in as %s", (role) => {
  test("the sidebar and actions show only what the role may do", async () => {
    const page = await b.newPage();
    await b.signIn(page, role);
    expect(await page.getByTestId("signed-in").textContent()).toContain(b.emailOf(role));
    const labels = await navLabels(page);
    for (const label of NAV_EXPECTATIONS[role].shown) {
      expect(labels, `${role} sees ${label}`).toContain(label);
    }
    for (const label of NAV_EXPECTATIONS[role].hidden) {
      expect(labels, `${role} does not see ${label}`).not.toContain(label);
    }
    // The overview shows real figures: the one tenant this test created.
    await page.locator(".figure").first().waitFor();
    expect(await page.locator(".figure").first().textContent()).toContain("1Tenants");
    await b.shot(page, `overview-${role}`);

    // A page the role may not open says so, whatever the address bar asks for.
    if (!labels.includes("Users")) {
      await page.goto(`${b.baseUrl}/users`);
      await page.getByRole("heading", { name: "Not available" }).waitFor();
    }
    // Areas not built yet (if any is left) say so plainly.
    const notBuilt = AREAS.find((a) => !a.built && labels.includes(a.label));
    if (notBuilt) {
      await page.goto(`${b.baseUrl}${notBuilt.path}`);
      await page.getByText("Not built yet.").waitFor();
      if (role === "admin") {
        await b.shot(page, "not-built");
      }
    }

    if (jobsRoutesExist) {
      await page.goto(`${b.baseUrl}/jobs`);
      await page.getByRole("table", { name: "queues" }).waitFor();
      const runButtons = await page.getByRole("button", { name: "Run now" }).count();
      if (role === "admin") {
        expect(runButtons).toBeGreaterThan(0);
      } else {
        expect(runButtons, `${role} has no Run now`).toBe(0);
      }
    }

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    // Signed out means signed out: a reload does not bring the session back.
    await page.reload();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    await page.context().close();
  });
});

test.skipIf(!jobsRoutesExist)(
  "an admin triggers a job on the Jobs page and watches its progress bar reach done",
  async () => {
    const page = await b.newPage();
    await b.signIn(page, "admin");
    await page.getByRole("link", { name: "Jobs", exact: true }).click();
    const row = page.locator('tr[data-queue="partitions"]');
    await row.getByRole("button", { name: "Run now" }).click();
    const bar = page.getByTestId("triggered-job").getByRole("progressbar");
    await bar.waitFor();
    await page
      .locator('[data-testid="triggered-job"] [role="progressbar"][data-status="succeeded"]')
      .waitFor({ timeout: 45_000 });
    expect(await bar.getAttribute("aria-valuenow")).toBe("100");
    expect(await bar.textContent()).toContain("done");
    await b.shot(page, "jobs");
    await page.context().close();
  },
);

test.skipIf(!auditRouteExists)(
  "the audit page filters on the server and keeps the filter and sort in the URL",
  async () => {
    const page = await b.newPage();
    await b.signIn(page, "compliance_officer");
    await page.getByRole("link", { name: "Audit", exact: true }).click();
    await page.locator("table.table tbody tr").first().waitFor();
    await page.getByLabel("Action").fill("auth.login");
    await page.getByRole("button", { name: "Filter", exact: true }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get("action")).toBe("auth.login");
    await expect
      .poll(async () => {
        const actions = await page
          .locator("table.table tbody tr td:nth-child(4)")
          .allTextContents();
        return actions.length > 0 && actions.every((a) => a.includes("auth.login"));
      })
      .toBe(true);
    // Newest first by default; one click on "When" turns it to oldest first, on the server.
    await page.getByRole("button", { name: /When/ }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get("sort")).toBe("occurredAt:asc");
    await expect
      .poll(async () => {
        const times = await page.locator("table.table tbody tr td:nth-child(1)").allTextContents();
        return times.length > 1 && Date.parse(times[0] ?? "") <= Date.parse(times.at(-1) ?? "");
      })
      .toBe(true);
    await b.shot(page, "audit");
    // The export link carries the same filters and downloads with the session.
    const href = await page.getByRole("link", { name: "Export CSV" }).getAttribute("href");
    expect(href).toContain("action=auth.login");
    const download = await page.request.get(`${b.baseUrl}${href}`);
    expect(download.status()).toBe(200);
    expect(download.headers()["content-type"]).toContain("text/csv");
    // A reload keeps the view: the state lives in the URL.
    await page.reload();
    expect(await page.getByLabel("Action").inputValue()).toBe("auth.login");
    await page.context().close();
  },
);

test("an admin sees every console user on the Users page and can add one", async () => {
  const page = await b.newPage();
  await b.signIn(page, "admin");
  await page.getByRole("link", { name: "Users", exact: true }).click();
  await page.locator("table.table tbody tr").first().waitFor();
  for (const role of ROLES) {
    await page.getByRole("cell", { name: b.emailOf(role), exact: true }).waitFor();
  }
  await page.getByRole("button", { name: "Add user" }).click();
  const form = page.getByRole("form", { name: "add user" });
  await form.getByLabel("Email").fill(`added-${id}@browser.test`);
  await form.getByLabel("Name").fill("Added Person");
  await form.getByLabel("Role").selectOption("engineer");
  await form.getByLabel("Initial password").fill("a-long-enough-password-1");
  await form.getByRole("button", { name: "Add user" }).click();
  await page.getByRole("cell", { name: `added-${id}@browser.test`, exact: true }).waitFor();
  await b.shot(page, "users");
  await page.context().close();
});

test("no page broke the strict CSP or threw", () => {
  expect(b.problems).toEqual([]);
});
