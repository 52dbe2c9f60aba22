import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, test } from "vitest";
import { schedulerId } from "../../jobs/schedules.ts";
import { type BrowserConsole, openBrowserConsole } from "../support/browser.ts";

/**
 * The Jobs page shows the schedule the queue really holds: one removed from Redis behind
 * govern's back (as a Redis restarted empty would) shows as missing, and an admin re-creates it
 * from the page. The worker's own periodic check is set far off so that it does not race the
 * admin; test/redis-outage.test.ts covers it.
 */

let b: BrowserConsole;
let redis: Redis;
let queue: Queue;

beforeAll(async () => {
  b = await openBrowserConsole("jobs", undefined, {}, { checkInterval: 3_600_000 });
  redis = new Redis(b.config.redisUrl, { maxRetriesPerRequest: null });
  queue = new Queue("partitions", { connection: redis, prefix: b.config.queuePrefix });
}, 120_000);

afterAll(async () => {
  await queue?.close();
  await redis?.quit();
  await b?.close();
});

test("a schedule missing from the queue shows as missing, and an admin re-creates it from the Jobs page", async () => {
  expect(await queue.getJobScheduler(schedulerId("partitions"))).toBeDefined();
  await queue.removeJobScheduler(schedulerId("partitions"));

  const page = await b.newPage();
  await b.openAs(page, "admin", "/jobs");
  const row = page.locator('tr[data-queue="partitions"]');
  const state = row.locator("[data-scheduler-state]");
  await state.and(page.locator('[data-scheduler-state="missing"]')).waitFor();
  expect(await state.textContent()).toContain("missing from the queue");
  await b.shot(page, "jobs-schedule-missing");

  await row.getByRole("button", { name: "Re-create" }).click();
  await state.and(page.locator('[data-scheduler-state="scheduled"]')).waitFor();
  expect(await row.getByRole("button", { name: "Re-create" }).count()).toBe(0);
  expect((await queue.getJobScheduler(schedulerId("partitions")))?.pattern).toBe("15 * * * *");
  await b.shot(page, "jobs-schedule-recreated");

  // A steward sees the state, with no action.
  await queue.removeJobScheduler(schedulerId("partitions"));
  const steward = await b.newPage();
  await b.openAs(steward, "steward", "/jobs");
  const stewardRow = steward.locator('tr[data-queue="partitions"]');
  await stewardRow.locator('[data-scheduler-state="missing"]').waitFor();
  expect(await stewardRow.getByRole("button", { name: "Re-create" }).count()).toBe(0);
  expect(b.problems).toEqual([]);
  await page.context().close();
  await steward.context().close();
}, 90_000);
