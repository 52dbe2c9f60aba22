import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { type ServerType, serve } from "@hono/node-server";
import { Redis } from "ioredis";
import type pg from "pg";
import { type Browser, chromium, type Page } from "playwright-core";
import { type RunningWorker, startWorker, type WorkerOptions } from "../../jobs/worker.ts";
import {
  type AnalyticsStore,
  createAnalyticsStore,
} from "../../schema/analytics/analytics-store.ts";
import type { Config } from "../../schema/config.ts";
import { ROLES, type Role } from "../../schema/domain/permissions.ts";
import { insertUser } from "../../schema/governance/console-users.repository.ts";
import { silentLogger } from "../../schema/logger.ts";
import { createPool, type Db } from "../../schema/postgres.ts";
import { newApp } from "../../server/app.ts";
import { hashPassword } from "../../server/auth/passwords.ts";
import { createTestDatabase, type TestDatabase, type TestDatabaseOptions } from "./database.ts";

/**
 * The console end to end for a browser test file: the real server (API, worker, built console)
 * in this process over its own database, one user per role, and Debian's Chromium driven by
 * playwright-core. Every browser test file starts its console here.
 */

const ROOT = join(import.meta.dirname, "../..");
export const ARTIFACTS = join(ROOT, "test/artifacts");
const CHROMIUM = "/usr/bin/chromium";
const PASSWORD = "browser-test-password-42";

export type BrowserConsole = {
  baseUrl: string;
  db: Db;
  pool: pg.Pool;
  config: Config;
  analytics: AnalyticsStore;
  emailOf: (role: Role) => string;
  /** A fresh browser context and page; CSP violations and page errors are collected. */
  newPage: () => Promise<Page>;
  signIn: (page: Page, role: Role) => Promise<void>;
  /** Signs in through the API (the page's context keeps the cookie) and opens `path`. */
  openAs: (page: Page, role: Role, path: string) => Promise<void>;
  /** Signs in through the API outside any page; the session cookie for `fetch`. */
  sessionCookie: (role: Role) => Promise<string>;
  /** A full-page screenshot to test/artifacts/<name>.png. */
  shot: (page: Page, name: string) => Promise<void>;
  /** CSP violations and uncaught page errors seen so far. */
  problems: string[];
  close: () => Promise<void>;
};

/**
 * Starts everything; `prepare` runs on the database before the server answers. `database` as
 * for createTestDatabase (a `prepare` that seeds the demo platform wants its partitions made).
 */
export async function openBrowserConsole(
  label: string,
  prepare?: (deps: { db: Db; pool: pg.Pool; analytics: AnalyticsStore }) => Promise<void>,
  database: TestDatabaseOptions = {},
  workerOptions: WorkerOptions = {},
): Promise<BrowserConsole> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)`);
  }
  // `npm test` builds the console first; a direct vitest run builds it when it is missing.
  if (!existsSync(join(ROOT, "web/dist/index.html"))) {
    execFileSync("npx", ["vite", "build", "--config", "web/vite.config.ts"], {
      cwd: ROOT,
      stdio: "ignore",
    });
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  const id = randomBytes(4).toString("hex");
  const dataDir = join(ROOT, `.data/test-browser-${label}-${id}`);
  const t: TestDatabase = await createTestDatabase(`browser_${label}`, database);
  const config: Config = {
    ...t.config,
    queuePrefix: `govern-test-browser-${label}-${id}`,
    clickhouse: { ...t.config.clickhouse, dataDir },
    // Retention archives made through the console go where the teardown removes them.
    archiveDir: join(dataDir, "archive"),
  };
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  const analytics = await createAnalyticsStore(config);
  const pool = createPool(config.databaseUrl, { max: 4 });
  const emailOf = (role: Role) => `${role.replace("_", "-")}-${id}@browser.test`;
  const passwordHash = await hashPassword(PASSWORD);
  for (const role of ROLES) {
    await insertUser(t.owner, {
      email: emailOf(role),
      displayName: `Test ${role.replace("_", " ")}`,
      role,
      passwordHash,
    });
  }
  await prepare?.({ db: t.owner, pool, analytics });
  const worker: RunningWorker = await startWorker(
    { config, db: t.owner, pool, analytics, redis, logger: silentLogger },
    workerOptions,
  );
  const app = newApp({
    config,
    db: t.owner,
    redis,
    analytics,
    logger: silentLogger,
    enqueue: worker.enqueue,
  });
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser: Browser = await chromium.launch({
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
  const problems: string[] = [];

  return {
    baseUrl,
    db: t.owner,
    pool,
    config,
    analytics,
    emailOf,
    problems,
    newPage: async () => {
      const context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
      const page = await context.newPage();
      page.on("console", (message) => {
        if (message.type() === "error" && /Content.Security.Policy/i.test(message.text())) {
          problems.push(message.text());
        }
      });
      page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
      return page;
    },
    signIn: async (page, role) => {
      await page.goto(`${baseUrl}/`);
      await page.getByLabel("Email").fill(emailOf(role));
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByTestId("signed-in").waitFor();
    },
    openAs: async (page, role, path) => {
      const response = await page.request.post(`${baseUrl}/api/v1/auth/login`, {
        data: { email: emailOf(role), password: PASSWORD },
      });
      if (!response.ok()) {
        throw new Error(`sign-in as ${role} failed: ${response.status()}`);
      }
      await page.goto(`${baseUrl}${path}`);
      await page.getByTestId("signed-in").waitFor();
    },
    sessionCookie: async (role) => {
      const response = await fetch(`${baseUrl}/api/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: emailOf(role), password: PASSWORD }),
      });
      if (!response.ok) {
        throw new Error(`sign-in as ${role} failed: ${response.status}`);
      }
      return (response.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    },
    shot: async (page, name) => {
      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    },
    close: async () => {
      await browser.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await worker.close();
      await pool.end();
      await analytics.close();
      const keys = await redis.keys(`${config.queuePrefix}:*`);
      if (keys.length) {
        await redis.del(...keys);
      }
      await redis.quit();
      await t.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
