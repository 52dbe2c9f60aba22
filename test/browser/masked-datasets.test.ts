import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { type ServerType, serve } from "@hono/node-server";
import { Redis } from "ioredis";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { runCatalogScan } from "../../jobs/classify/scan.ts";
import { JOBS } from "../../jobs/registry.ts";
import { type RunningWorker, startWorker } from "../../jobs/worker.ts";
import { startOfTodayUtc } from "../../masking/demo-platform/clock.ts";
import { seedDemoPlatform } from "../../masking/demo-platform/index.ts";
import {
  type AnalyticsStore,
  createAnalyticsStore,
} from "../../schema/analytics/analytics-store.ts";
import type { Config } from "../../schema/config.ts";
import type { Role } from "../../schema/domain/permissions.ts";
import { insertUser } from "../../schema/governance/console-users.repository.ts";
import { silentLogger } from "../../schema/logger.ts";
import { createPool } from "../../schema/postgres.ts";
import { newApp } from "../../server/app.ts";
import { hashPassword } from "../../server/auth/passwords.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { dropDatasetByName } from "../support/dataset-cleanup.ts";

/**
 * The masked-datasets page in Chromium: an engineer asks for a masked copy and is refused with
 * the blocking columns linked to the catalog; fits a profile, generates a synthetic platform
 * (the real synth job runs in this process), watches it finish and reads the plotted report.
 */

const ROOT = join(import.meta.dirname, "../..");
const ARTIFACTS = join(ROOT, "test/artifacts");
const CHROMIUM = "/usr/bin/chromium";
const PASSWORD = "browser-test-password-42";
const id = randomBytes(4).toString("hex");
const dataDir = join(ROOT, `.data/test-browser-md-${id}`);
const emailOf = (role: Role) => `${role.replace("_", "-")}-${id}@masked.test`;
const syntheticName = `syn_browser_${id}`;

let t: TestDatabase;
let config: Config;
let redis: Redis;
let analytics: AnalyticsStore;
let pool: ReturnType<typeof createPool>;
let worker: RunningWorker;
let server: ServerType;
let browser: Browser;
let baseUrl = "";
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)`);
  }
  if (!existsSync(join(ROOT, "web/dist/index.html"))) {
    execFileSync("npx", ["vite", "build", "--config", "web/vite.config.ts"], {
      cwd: ROOT,
      stdio: "ignore",
    });
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  t = await createTestDatabase("browser_md", { demoPartitionsFor: startOfTodayUtc() });
  config = {
    ...t.config,
    queuePrefix: `govern-test-browser-md-${id}`,
    clickhouse: { ...t.config.clickhouse, dataDir },
  };
  redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  analytics = await createAnalyticsStore(config);
  pool = createPool(config.databaseUrl, { max: 4 });
  await seedDemoPlatform(pool, { tenants: 1, customersPerTenant: 25, seed: 31 });
  // Every column known to the catalog, personal-data proposals pending review: the gate refuses.
  await runCatalogScan({ db: t.owner }, { stores: ["postgres"], triggeredBy: "test" });
  const synth = JOBS.synth;
  if (!synth) {
    throw new Error("the synth job is not registered");
  }
  worker = await startWorker(
    { config, db: t.owner, pool, analytics, redis, logger: silentLogger },
    { jobs: { synth } },
  );
  const app = newApp({
    config,
    db: t.owner,
    redis,
    analytics,
    logger: silentLogger,
    enqueue: worker.enqueue,
    jobs: worker.queues,
  });
  const passwordHash = await hashPassword(PASSWORD);
  for (const role of ["engineer", "steward"] as const) {
    await insertUser(t.owner, {
      email: emailOf(role),
      displayName: `Test ${role}`,
      role,
      passwordHash,
    });
  }
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await worker?.close();
  await pool?.end();
  await analytics?.close();
  if (redis) {
    const keys = await redis.keys(`${config.queuePrefix}:*`);
    if (keys.length) {
      await redis.del(...keys);
    }
    await redis.quit();
  }
  if (config) {
    await dropDatasetByName(config, `govern_ds_${syntheticName}`).catch(() => {});
  }
  await t?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function signIn(role: Role): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.goto(`${baseUrl}/`);
  await page.getByLabel("Email").fill(emailOf(role));
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("signed-in").waitFor();
  return page;
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

test("an engineer's masked copy cannot be requested while the gate is closed, the blocking columns linked to the catalog", async () => {
  const page = await signIn("engineer");
  await page
    .getByRole("navigation", { name: "Main" })
    .getByRole("link", { name: "Masked datasets" })
    .click();
  await page.getByRole("button", { name: "Request a masked copy" }).click();
  const gate = page.getByTestId("gate");
  await gate.waitFor();
  await expect(gate.textContent()).resolves.toContain("customers.email");
  const link = gate.getByRole("link", { name: "customers.email" });
  expect(await link.getAttribute("href")).toMatch(/^\/catalog\?column=[0-9a-f-]{36}$/);

  // While the gate is closed the request cannot be sent: a steward is asked instead.
  await page.locator('input[name="name"]').fill("debug_copy");
  expect(await page.getByRole("button", { name: "Request masked copy" }).isDisabled()).toBe(true);
  expect(await page.getByTestId("ask-steward").getAttribute("href")).toMatch(
    /^\/review\?status=open/,
  );
  await shot(page, "masked-datasets-refused");
  await page.context().close();
});

test("a synthetic platform is generated, listed with its owner, and its report plotted", async () => {
  const page = await signIn("engineer");
  await page.goto(`${baseUrl}/masked-datasets?tab=synthetic`);
  await page.getByRole("button", { name: "Fit profile now" }).click();
  await page
    .getByTestId("profile-panel")
    .getByText(/fitted columns/)
    // Every table of the platform is fitted, column by column: slower than the core alone.
    .waitFor({ timeout: 120_000 });
  // The panel shows the fit's answer at once: every table of the platform modelled.
  await expect(page.getByTestId("profile-tables").textContent()).resolves.toMatch(
    /(29|[3-9]\d) tables modelled/,
  );

  await page.locator('input[name="synthetic-name"]').fill(syntheticName);
  const form = page.getByRole("form", { name: "Request a synthetic dataset" });
  await form.getByLabel("Tenants").fill("1");
  await form.getByLabel("Customers per tenant").fill("40");
  // The estimate against the engineer's limit shows before the request is sent.
  await expect(form.getByTestId("dataset-estimate").textContent()).resolves.toMatch(
    /Estimated [\d,]+ rows.*Your limit \(engineer\)/,
  );
  await page.getByRole("button", { name: "Generate" }).click();
  await page.getByTestId("dataset-detail").waitFor();

  const report = page.getByTestId("synthetic-report");
  await report.waitFor({ timeout: 150_000 });
  const charts = report.getByTestId("synthetic-chart");
  expect(await charts.count()).toBeGreaterThanOrEqual(10);
  const quoted = report.locator('[data-column="jobs.quoted_amount"]');
  await expect(quoted.textContent()).resolves.toMatch(/KS 0\.\d{3}/);
  expect(await quoted.locator("rect.md-real").count()).toBeGreaterThan(5);
  expect(await quoted.locator("rect.md-synthetic").count()).toBeGreaterThan(5);
  // Per table: every table of the platform with KS, TVD and a verdict; a table's columns plotted.
  const perTable = report.getByTestId("synthetic-tables");
  expect(await perTable.locator("tbody tr").count()).toBeGreaterThanOrEqual(29);
  const communications = perTable.locator('tr[data-table="communications"]');
  await expect(communications.textContent()).resolves.toMatch(/\d\.\d{3}.*(pass|fail)/);
  await communications.getByRole("button", { name: "communications" }).click();
  const columns = report.getByTestId("synthetic-table-columns");
  await columns.locator('[data-column="communications.status"]').waitFor();
  // A zero threshold fails every table that differs at all: the verdict follows the limit.
  await report.locator('input[name="ks-threshold"]').fill("0");
  await report.locator('input[name="tvd-threshold"]').fill("0");
  await expect
    .poll(() => report.getByTestId("synthetic-verdict").textContent(), { timeout: 15_000 })
    .toMatch(/tables fail/);
  // No two axis labels of any chart overlap (bounding boxes on screen).
  const boxes = await report.locator("figure.md-chart").evaluateAll((figures) =>
    figures.map((f) =>
      [...f.querySelectorAll('[data-testid="chart-label"]')].map((l) => {
        const r = l.getBoundingClientRect();
        return { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
      }),
    ),
  );
  expect(boxes.flat().length).toBeGreaterThan(50);
  for (const labels of boxes) {
    for (let i = 1; i < labels.length; i++) {
      const a = labels[i - 1] as { right: number; left: number; top: number; bottom: number };
      const b = labels[i] as { right: number; left: number; top: number; bottom: number };
      const apart = a.right <= b.left + 0.5 || b.right <= a.left + 0.5;
      const stacked = a.bottom <= b.top + 0.5 || b.bottom <= a.top + 0.5;
      expect(apart || stacked).toBe(true);
    }
  }
  // The connection string (with the dataset role's password) only on request, to its requester.
  expect(await page.getByTestId("connection-string").count()).toBe(0);
  await page.getByRole("button", { name: "Show connection string" }).click();
  const connection = await page.getByTestId("connection-string").textContent();
  expect(connection).toContain(`govern_ds_${syntheticName}:`);
  expect(connection).not.toContain("postgres@");
  await page.getByRole("button", { name: "Rotate password" }).waitFor();
  await shot(page, "masked-datasets-synthetic-report");

  await page.goto(`${baseUrl}/masked-datasets`);
  const row = page.getByRole("row", { name: new RegExp(syntheticName) });
  await row.waitFor();
  await expect(row.textContent()).resolves.toContain(emailOf("engineer"));
  await expect(row.textContent()).resolves.toContain("ready");
  await shot(page, "masked-datasets-list");
  await page.context().close();
  expect(pageErrors).toEqual([]);
}, 400_000);

test("a steward sees the masking rules and may change one; has no request tab", async () => {
  const page = await signIn("steward");
  await page.goto(`${baseUrl}/masked-datasets?tab=rules&table=customers`);
  const email = page.getByRole("row", { name: /customers\.email/ }).first();
  await email.waitFor();
  await expect(email.textContent()).resolves.toContain("category default");
  expect(await page.getByRole("button", { name: "Request a masked copy" }).count()).toBe(0);
  await email.getByRole("button", { name: "Change" }).click();
  await page.getByLabel("strategy for customers.email").selectOption("hash");
  await page.getByRole("button", { name: "Save" }).click();
  await page
    .getByRole("row", { name: /customers\.email.*rule v1/ })
    .first()
    .waitFor();
  await shot(page, "masked-datasets-rules");
  await page.context().close();
});
