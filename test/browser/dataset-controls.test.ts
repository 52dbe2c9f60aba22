import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { type ServerType, serve } from "@hono/node-server";
import { Redis } from "ioredis";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { runCatalogScan } from "../../jobs/classify/scan.ts";
import { createDataset, getDataset, updateDataset } from "../../masking/datasets.repository.ts";
import { startOfTodayUtc } from "../../masking/demo-platform/clock.ts";
import { seedDemoPlatform } from "../../masking/demo-platform/index.ts";
import { listMaskingRules } from "../../masking/rules/masking-rules.repository.ts";
import {
  type AnalyticsStore,
  createAnalyticsStore,
} from "../../schema/analytics/analytics-store.ts";
import type { Config } from "../../schema/config.ts";
import { insertUser } from "../../schema/governance/console-users.repository.ts";
import { silentLogger } from "../../schema/logger.ts";
import { createPool } from "../../schema/postgres.ts";
import { newApp } from "../../server/app.ts";
import { hashPassword } from "../../server/auth/passwords.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";

/**
 * The dataset controls in Chromium, as an engineer: the request form is disabled while the gate
 * is closed, with the way to a steward; a refused request is listed with its reason; a column
 * rule is edited with its live before/after preview; a dataset's expiry is extended.
 */

const ROOT = join(import.meta.dirname, "../..");
const ARTIFACTS = join(ROOT, "test/artifacts");
const CHROMIUM = "/usr/bin/chromium";
const PASSWORD = "browser-test-password-42";
const id = randomBytes(4).toString("hex");
const dataDir = join(ROOT, `.data/test-browser-dsctl-${id}`);
const engineer = `engineer-${id}@dsctl.test`;

let t: TestDatabase;
let config: Config;
let redis: Redis;
let analytics: AnalyticsStore;
let pool: ReturnType<typeof createPool>;
let server: ServerType;
let browser: Browser;
let baseUrl = "";
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)`);
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  t = await createTestDatabase("browser_dsctl", { demoPartitionsFor: startOfTodayUtc() });
  config = {
    ...t.config,
    queuePrefix: `govern-test-browser-dsctl-${id}`,
    clickhouse: { ...t.config.clickhouse, dataDir },
  };
  redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  analytics = await createAnalyticsStore(config);
  pool = createPool(config.databaseUrl, { max: 4 });
  await seedDemoPlatform(pool, { tenants: 1, customersPerTenant: 12, seed: 41 });
  // Personal-data proposals stay pending: the gate is closed.
  await runCatalogScan({ db: t.owner }, { stores: ["postgres"], triggeredBy: "test" });
  const app = newApp({ config, db: t.owner, redis, analytics, logger: silentLogger });
  await insertUser(t.owner, {
    email: engineer,
    displayName: "Test engineer",
    role: "engineer",
    passwordHash: await hashPassword(PASSWORD),
  });
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
  });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await pool?.end();
  await analytics?.close();
  if (redis) {
    const keys = await redis.keys(`${config.queuePrefix}:*`);
    if (keys.length) {
      await redis.del(...keys);
    }
    await redis.quit();
  }
  await t?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function signIn(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.goto(`${baseUrl}/`);
  await page.getByLabel("Email").fill(engineer);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("signed-in").waitFor();
  return page;
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

test("while the gate is closed the request is disabled with an ask-a-steward link, and a refused request shows its reason", async () => {
  const page = await signIn();
  await page.goto(`${baseUrl}/masked-datasets?tab=request`);
  await page.getByTestId("gate").waitFor();
  await page.locator('input[name="name"]').fill("gated_copy");
  expect(await page.getByRole("button", { name: "Request masked copy" }).isDisabled()).toBe(true);
  const ask = page.getByTestId("ask-steward");
  expect(await ask.getAttribute("href")).toMatch(/^\/review\?status=open/);
  await shot(page, "dataset-controls-gate-closed");
  // A request sent anyway (automation, an old tab) is refused and listed with its reason.
  const status = await page.evaluate(async () => {
    const r = await fetch("/api/v1/datasets", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "gated_copy", percent: 50 }),
    });
    return r.status;
  });
  expect(status).toBe(409);
  await page.goto(`${baseUrl}/masked-datasets?tab=datasets`);
  const refusals = page.getByRole("region", { name: "Refused requests" });
  await refusals.getByText("gated_copy").waitFor();
  await expect(refusals.textContent()).resolves.toMatch(/classification gate closed/);
  // The blocking columns named, linked to their catalog entries.
  expect(await refusals.getByRole("link").first().getAttribute("href")).toMatch(
    /^\/catalog\?column=[0-9a-f-]{36}$/,
  );
  await expect(refusals.textContent()).resolves.toMatch(/and \d+ more/);
  await shot(page, "dataset-controls-refused");
  await page.context().close();
}, 120_000);

test("an engineer edits a column rule with its live preview, and extends a dataset's expiry", async () => {
  const page = await signIn();
  await page.goto(`${baseUrl}/masked-datasets?tab=rules&table=customers`);
  const row = page.getByRole("row", { name: /customers\.email/ });
  await row.getByRole("button", { name: "Change" }).click();
  await page.getByLabel("strategy for customers.email").selectOption("partial");
  const preview = page.getByRole("region", { name: "preview of customers.email" });
  await preview.getByText(/partial/).waitFor();
  await preview.locator("tbody tr").first().waitFor();
  const cells = await preview.locator("tbody tr").first().locator("code").allTextContents();
  // Before masked for the engineer, after the partial mask keeping the last four characters.
  expect(cells[0]).toContain("*");
  expect(cells[1]?.slice(-4)).toMatch(/^\.\w{3}$|^\w{4}$/);
  // No "allow as is" for an engineer.
  const options = await page
    .getByLabel("strategy for customers.email")
    .locator("option")
    .allTextContents();
  expect(options).not.toContain("allow as is");
  await shot(page, "dataset-controls-rule-preview");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByRole("row", { name: /customers\.email.*partial/ }).waitFor();
  const rules = await listMaskingRules(t.owner, { table: "customers" });
  expect(rules.find((r) => r.column === "email")?.strategy).toBe("partial");
  expect(rules.find((r) => r.column === "email")?.setBy).toBe(engineer);

  const d = await createDataset(t.owner, {
    name: `mine_${id}`,
    kind: "masked",
    owner: engineer,
    expiresAt: new Date(Date.now() + 2 * 86_400_000),
  });
  await updateDataset(t.owner, d?.id ?? "", { status: "ready" });
  await page.goto(`${baseUrl}/masked-datasets?tab=datasets&dataset=${d?.id}`);
  const detail = page.getByTestId("dataset-detail");
  await detail.getByLabel("extend by days").fill("5");
  await detail.getByRole("button", { name: "Extend expiry" }).click();
  await detail.getByText(/Now expires/).waitFor();
  const after = await getDataset(t.owner, d?.id ?? "");
  const days = ((after?.expiresAt?.getTime() ?? 0) - Date.now()) / 86_400_000;
  expect(days).toBeGreaterThan(6.9);
  expect(days).toBeLessThan(7.1);
  // Beyond the engineer's 30 days: refused with the reason.
  await detail.getByLabel("extend by days").fill("40");
  await detail.getByRole("button", { name: "Extend expiry" }).click();
  await detail
    .getByRole("alert")
    .getByText(/at most/)
    .waitFor();
  await shot(page, "dataset-controls-expiry");
  expect(pageErrors).toEqual([]);
  await page.context().close();
}, 120_000);
