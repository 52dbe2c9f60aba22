import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { createNotifier } from "../../jobs/notify/notify.ts";
import { sealSecret } from "../../masking/provision/dataset-database.ts";
import { silentLogger } from "../../schema/logger.ts";
import { startWebhookReceiver, type WebhookReceiver } from "../support/alert-receivers.ts";
import { type BrowserConsole, openBrowserConsole } from "../support/browser.ts";

/**
 * The Alerts page in Chromium: a steward adds a signed webhook channel (secrets typed once, never
 * shown again), sends a test that a real receiver gets, sees deliveries — sent, and failed with
 * the receiver's answer — in the log, retries the failed one; an engineer reads without managing.
 */

let b: BrowserConsole;
let hooks: WebhookReceiver;

vi.setConfig({ testTimeout: 120_000 });

beforeAll(async () => {
  hooks = await startWebhookReceiver();
  b = await openBrowserConsole("notifications");
}, 180_000);

afterAll(async () => {
  await b?.close();
  await hooks?.close();
});

async function openAlerts(page: Page, role: "steward" | "engineer") {
  await page.setViewportSize({ width: 1440, height: 900 });
  await b.signIn(page, role);
  await page.getByRole("link", { name: "Alerts", exact: true }).click();
  await page.getByRole("heading", { name: "Alerts", level: 1 }).waitFor();
}

test("a steward adds a signed webhook channel, sends a test and works the delivery log", async () => {
  const page = await b.newPage();
  await openAlerts(page, "steward");
  await page.getByText("No alert channel yet").waitFor();
  await b.shot(page, "notifications-empty");

  await page.getByRole("button", { name: "Add channel" }).click();
  const form = page.getByRole("form", { name: "add channel" });
  await form.getByLabel("Name").fill("data-team slack");
  await form.getByLabel("Least severity").selectOption("error");
  await form.getByLabel("Event kinds").fill("quality.*");
  await form.getByLabel("Webhook URL").fill(hooks.url("/services/T1/B1/secret-token"));
  await form.getByLabel("Signing secret").fill("a signing secret 123");
  await b.shot(page, "notifications-add-channel");
  await form.getByRole("button", { name: "Add channel" }).click();
  await page.getByText("Channel data-team slack added.").waitFor();
  const table = page.getByRole("table", { name: "alert channels" });
  await table.getByText("data-team slack", { exact: true }).waitFor();
  const html = await page.content();
  expect(html).not.toContain("secret-token");
  expect(html).not.toContain("a signing secret 123");

  await table.getByRole("button", { name: "Send test" }).click();
  await page.getByText("Test alert sent to data-team slack.").waitFor();
  expect(hooks.received("/services/T1/B1/secret-token")).toHaveLength(1);
  expect(hooks.received()[0]?.headers["x-govern-signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);

  // Alerts raised by a capability (as quality's incidents will): one goes, one fails.
  await b.db
    .insertInto("governance.notification_channels")
    .values({
      name: "broken pager",
      type: "webhook",
      owner: b.emailOf("steward"),
      digest_warnings: false,
      settings: JSON.stringify({ urlHint: "http://127.0.0.1/…" }),
      secrets_sealed: sealSecret(b.config.secret, JSON.stringify({ url: hooks.url("/pager") })),
      created_by: "test",
      updated_by: "test",
    })
    .execute();
  hooks.failAlways("/pager");
  const config = { ...b.config, notify: { ...b.config.notify, maxAttempts: 1 } };
  await createNotifier({ db: b.db, config, logger: silentLogger })({
    kind: "quality.incident.opened",
    severity: "critical",
    title: "payment_amount_validity failed for Acme Plumbing",
    body: "Score 0.91 below threshold 0.99.",
    link: "/quality",
    dedupeKey: "incident:browser",
  });
  await page.reload();
  await page.getByRole("heading", { name: "Alerts", level: 1 }).waitFor();
  const log = page.locator(".data-table");
  await log.getByText("payment_amount_validity failed for Acme Plumbing").first().waitFor();
  await log.getByText("HTTP 503: receiver down for a test").waitFor();
  await b.shot(page, "notifications");

  hooks.failFirst("/pager", 0);
  await log.getByRole("button", { name: "Retry" }).click();
  await page
    .getByText("payment_amount_validity failed for Acme Plumbing: sent to broken pager.")
    .waitFor();
  expect(hooks.received("/pager").length).toBeGreaterThanOrEqual(2);

  // Filter the log by status.
  await page.getByLabel("Status").selectOption("failed");
  await page.getByRole("button", { name: "Filter" }).click();
  await page.getByText("No delivery matches").waitFor();
  expect(b.problems).toEqual([]);
});

test("an engineer reads channels and the log but cannot add, test or remove", async () => {
  const page = await b.newPage();
  await openAlerts(page, "engineer");
  await page.getByRole("table", { name: "alert channels" }).waitFor();
  expect(await page.getByRole("button", { name: "Add channel" }).count()).toBe(0);
  expect(await page.getByRole("button", { name: "Send test" }).count()).toBe(0);
  expect(await page.getByRole("button", { name: "Remove" }).count()).toBe(0);
});
