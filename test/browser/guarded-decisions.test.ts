import { randomUUID } from "node:crypto";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { storeCertificate } from "../../jobs/retention/certificate.ts";
import { planRetention } from "../../jobs/retention/planner.ts";
import { seedDemoPlatform } from "../../masking/demo-platform/index.ts";
import { loadRetentionSchedule, type TRetentionSchedule } from "../../rules/retention/index.ts";
import { type BrowserConsole, openBrowserConsole } from "../support/browser.ts";

/**
 * The console's guarded decisions in Chromium, as the people who make them see them: a steward
 * decides with visible buttons, gives a reason before rejecting personal data and undoes a
 * decision from its toast; a compliance officer plans now (and so cannot approve it), reads an
 * impact preview (what happens per table, the columns that change, rows by age), opens records
 * by short id, confirms an execution by typing its short id, watches it over server-sent events
 * and reads, verifies and prints a certificate. No page logs an error or a failed request.
 */

const NOW = new Date();
const AS_OF_SEED = new Date(Date.UTC(NOW.getUTCFullYear() - 9, 0, 1));
const OTHER_OFFICER = "planner-officer@guarded.test";

let b: BrowserConsole;
let tenantId = "";
let deletionId = "";
let anonymizeId = "";
const columnIds = new Map<string, string>();
/** Failed requests and console errors of every page of this file. */
const failures: string[] = [];

vi.setConfig({ testTimeout: 150_000 });

function lowThresholds(): TRetentionSchedule {
  const schedule = loadRetentionSchedule();
  return {
    ...schedule,
    policies: schedule.policies.map((p) =>
      ["ccpa-interactions-2y", "pci-cardholder-data-1y"].includes(p.id)
        ? { ...p, threshold: 1 }
        : p,
    ),
  };
}

async function catalogFixture(): Promise<void> {
  const table = await b.db
    .insertInto("governance.catalog_tables")
    .values({
      store: "postgres",
      schema_name: "public",
      table_name: "review_probe",
      kind: "table",
      row_estimate: 10,
      constraints: JSON.stringify([]),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const columns: [string, string, number][] = [
    ["contact_email", "email", 0.99],
    ["backup_phone", "phone", 0.98],
    ["nickname", "person_name", 0.97],
  ];
  for (const [name, category, confidence] of columns) {
    const row = await b.db
      .insertInto("governance.catalog_columns")
      .values({
        table_id: table.id,
        store: "postgres",
        schema_name: "public",
        table_name: "review_probe",
        column_name: name,
        json_path: "",
        data_type: "text",
        ordinal: columnIds.size + 1,
        is_primary_key: false,
        proposed_category: category,
        proposed_sensitivity: "confidential",
        confidence,
        evidence: JSON.stringify([]),
        masked_samples: JSON.stringify(["a•••@•••.com"]),
        stats: JSON.stringify({}),
        classified_at: new Date(),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    columnIds.set(name, row.id);
  }
}

beforeAll(async () => {
  b = await openBrowserConsole(
    "guarded",
    async ({ pool }) => {
      const report = await seedDemoPlatform(pool, {
        tenants: 2,
        customersPerTenant: 12,
        seed: 31,
        asOf: AS_OF_SEED,
      });
      tenantId = report.tenantIds[0] ?? "";
    },
    { demoPartitionsFor: AS_OF_SEED },
  );
  const schedule = lowThresholds();
  const [deletion] = await planRetention(b.db, {
    requestedBy: OTHER_OFFICER,
    policyIds: ["ccpa-interactions-2y"],
    tenantIds: [tenantId],
    schedule,
  });
  const [anonymize] = await planRetention(b.db, {
    requestedBy: OTHER_OFFICER,
    policyIds: ["pci-cardholder-data-1y"],
    tenantIds: [tenantId],
    schedule,
  });
  deletionId = deletion?.request.id ?? "";
  anonymizeId = anonymize?.request.id ?? "";
  expect(deletion?.request.status).toBe("pending_approval");
  expect(anonymize?.request.status).toBe("pending_approval");
  await catalogFixture();
}, 240_000);

afterAll(async () => {
  await b?.close();
});

/** A page that records every failed request (4xx/5xx, network) and console error. */
async function watchedPage(): Promise<Page> {
  const page = await b.newPage();
  page.on("console", (message) => {
    if (message.type() === "error") {
      failures.push(`console: ${message.text()}`);
    }
  });
  page.on("response", (response) => {
    if (response.status() >= 400) {
      failures.push(`${response.status()} ${response.request().method()} ${response.url()}`);
    }
  });
  page.on("requestfailed", (request) => {
    // A page closing (or navigating) cancels its event stream: not a failure a person sees.
    const error = request.failure()?.errorText ?? "";
    if (!/ERR_ABORTED/.test(error)) {
      failures.push(`failed ${request.method()} ${request.url()}: ${error}`);
    }
  });
  return page;
}

/** Screenshots at both sizes the console is checked at. */
async function shots(page: Page, name: string): Promise<void> {
  for (const [width, height] of [
    [1440, 900],
    [1280, 800],
  ] as const) {
    await page.setViewportSize({ width, height });
    await page.waitForTimeout(150);
    await b.shot(page, `${name}-${width}x${height}`);
  }
}

const reviewState = (id: string) =>
  b.db
    .selectFrom("governance.catalog_columns")
    .select(["review_status", "decision_comment", "decided_by"])
    .where("id", "=", id)
    .executeTakeFirstOrThrow();

const queueRow = (page: Page, name: string) =>
  page.locator("table.queue-table tbody tr", { hasText: `review_probe.${name}` });

test("a steward accepts with the row's button, sees a confirmation with Undo, and Undo really reverts (audited)", async () => {
  const page = await watchedPage();
  await b.openAs(page, "steward", "/review?table=review_probe");
  const row = queueRow(page, "contact_email");
  await row.waitFor();
  // Visible buttons on each row and in the side panel.
  for (const name of ["contact_email", "backup_phone", "nickname"]) {
    const decide = queueRow(page, name).getByRole("group", { name: /^decide / });
    for (const verb of ["Accept", "Reject", "Override"]) {
      expect(await decide.getByRole("button", { name: new RegExp(`^${verb} `) }).isVisible()).toBe(
        true,
      );
    }
  }
  const panel = page.getByRole("complementary", { name: "focused column" });
  for (const verb of ["Accept", "Reject", "Override"]) {
    await panel.getByRole("button", { name: verb, exact: true }).waitFor();
  }
  await shots(page, "review-queue-buttons");

  const id = columnIds.get("contact_email") ?? "";
  await row.getByRole("button", { name: /^Accept / }).click();
  const toast = page.getByTestId("decision-toast");
  await toast.filter({ hasText: /^Accepted .*review_probe\.contact_email/ }).waitFor();
  await expect.poll(async () => (await reviewState(id)).review_status).toBe("accepted");
  await shots(page, "review-undo-toast");
  await toast.getByRole("button", { name: /^Undo/ }).click();
  await page.getByTestId("decision-toast").filter({ hasText: "Undone" }).waitFor();
  await expect.poll(async () => (await reviewState(id)).review_status).toBe("pending");
  expect(await row.getAttribute("data-status")).toBe("pending");
  const audit = await b.db
    .selectFrom("governance.audit_events")
    .select(["actor", "target"])
    .where("action", "=", "catalog.review.undo")
    .executeTakeFirstOrThrow();
  expect(audit.target).toBe(`catalog_column:${id}`);
  await page.context().close();
});

test("rejecting a PII proposal asks for a reason first (button and the r key), and keeps it", async () => {
  const page = await watchedPage();
  await b.openAs(page, "steward", "/review?table=review_probe");
  const row = queueRow(page, "backup_phone");
  await row.waitFor();
  await row.getByRole("button", { name: /^Reject / }).click();
  const dialog = page.getByRole("dialog", { name: "Reject proposal" });
  await dialog.waitFor();
  expect(await dialog.textContent()).toMatch(/proposed phone/);
  await dialog.getByRole("button", { name: "Reject proposal" }).click();
  await dialog.getByRole("alert").waitFor();
  await shots(page, "review-reject-reason");
  const id = columnIds.get("backup_phone") ?? "";
  expect((await reviewState(id)).review_status).toBe("pending");
  await dialog.getByLabel("Reason (required)").fill("a switchboard number, not a person's");
  await dialog.getByRole("button", { name: "Reject proposal" }).click();
  await expect.poll(async () => (await reviewState(id)).review_status).toBe("rejected");
  expect((await reviewState(id)).decision_comment).toBe("a switchboard number, not a person's");

  // The keyboard's r asks the same.
  await queueRow(page, "nickname").click();
  await page.keyboard.press("r");
  await page.getByRole("dialog", { name: "Reject proposal" }).waitFor();
  await page.keyboard.press("Escape");
  expect((await reviewState(columnIds.get("nickname") ?? "")).review_status).toBe("pending");
  await page.context().close();
});

test("Plan now is attributed to the officer who clicked: the request is theirs and they cannot approve it", async () => {
  const page = await watchedPage();
  await b.openAs(page, "compliance_officer", "/retention?tab=requests");
  await page.getByText("Plan now", { exact: true }).first().click();
  const form = page.getByRole("form", { name: "plan now" });
  await form.getByLabel("Policy").selectOption("job-status-history-3y");
  await shots(page, "retention-plan-now");
  await form.getByRole("button", { name: "Plan now" }).click();
  const result = page.getByRole("status").filter({ hasText: /Planned|Nothing to plan/ });
  await result.waitFor({ timeout: 60_000 });
  const planned = await b.db
    .selectFrom("governance.retention_requests")
    .select(["id", "requested_by", "status"])
    .where("policy_id", "=", "job-status-history-3y")
    .execute();
  expect(planned.length).toBeGreaterThan(0);
  for (const request of planned) {
    expect(request.requested_by).toBe(b.emailOf("compliance_officer"));
  }
  const audit = await b.db
    .selectFrom("governance.audit_events")
    .select(["actor"])
    .where("action", "=", "retention.plan")
    .executeTakeFirstOrThrow();
  expect(audit.actor).toBe(b.emailOf("compliance_officer"));
  const waiting = planned.find((r) => r.status === "pending_approval");
  if (waiting) {
    await page.goto(`${b.baseUrl}/retention?tab=requests&id=${waiting.id.slice(0, 8)}`);
    await page.getByTestId("self-requested").waitFor();
    expect(await page.getByRole("button", { name: "Approve" }).count()).toBe(0);
  }
  await page.context().close();
});

test("short ids in the lists open the record, and console URLs with a short id work", async () => {
  const page = await watchedPage();
  await b.openAs(page, "compliance_officer", "/retention?tab=requests");
  const link = page.getByRole("link", { name: deletionId.slice(0, 8), exact: true });
  await link.click();
  await page
    .getByRole("heading", { name: new RegExp(`request ${deletionId.slice(0, 8)}`) })
    .waitFor();
  expect(new URL(page.url()).searchParams.get("id")).toBe(deletionId.slice(0, 8));
  await page.reload();
  await page.getByRole("region", { name: "impact preview" }).waitFor();
  await shots(page, "retention-request-short-id");
  await page.context().close();
});

test("the impact preview shows what happens per table, the columns an anonymize changes and rows by age", async () => {
  const page = await watchedPage();
  await b.openAs(
    page,
    "compliance_officer",
    `/retention?tab=requests&id=${anonymizeId.slice(0, 8)}`,
  );
  const preview = page.getByRole("region", { name: "impact preview" });
  const counts = preview.getByRole("table", { name: "counts per table and tenant" });
  await counts.waitFor();
  const payments = counts.locator("tr", { hasText: "payments" });
  expect(await payments.textContent()).toMatch(/anonymize/);
  expect(await payments.textContent()).toMatch(/credit_card_number set to NULL/);
  expect(await payments.textContent()).toMatch(/cardholder_name replaced by \[redacted\]/);
  await preview
    .getByRole("figure", { name: "rows by age" })
    .locator(".recharts-bar-rectangle")
    .first()
    .waitFor();
  // Sample rows: amounts and dates come first; the changing columns are marked.
  const sample = page.getByRole("table", { name: "sample rows of payments" });
  await sample.waitFor();
  const headers = await sample.locator("th").allTextContents();
  expect(headers[0]).toMatch(/amount|currency/);
  expect(headers.some((h) => h.startsWith("credit_card_number") && h.includes("✎"))).toBe(true);
  await shots(page, "retention-impact-anonymize");
  await page.context().close();
});

test("execution needs the short id typed, and the page follows it live to done without polling", async () => {
  const page = await watchedPage();
  const detailCalls: number[] = [];
  page.on("request", (request) => {
    if (
      new URL(request.url()).pathname.startsWith(
        `/api/v1/retention/requests/${deletionId.slice(0, 8)}`,
      )
    ) {
      detailCalls.push(Date.now());
    }
  });
  await b.openAs(
    page,
    "compliance_officer",
    `/retention?tab=requests&id=${deletionId.slice(0, 8)}`,
  );
  await page.getByTestId("live-mode").filter({ hasText: "live" }).waitFor();
  // Approve here, under the impact preview (another officer planned it).
  const panel = page.getByTestId("decision-panel");
  await panel.getByLabel("Reason").fill("CCPA period passed; samples checked");
  await panel.getByRole("button", { name: "Approve" }).click();
  await page.locator('h2 .badge[data-status="approved"]').waitFor();
  await page.getByRole("button", { name: "Execute…" }).click();
  const dialog = page.getByRole("dialog", { name: "Confirm execution" });
  const summary = (await dialog.getByTestId("execute-summary").textContent()) ?? "";
  const rows = await b.db
    .selectFrom("governance.retention_requests")
    .select("total_rows")
    .where("id", "=", deletionId)
    .executeTakeFirstOrThrow();
  expect(summary).toContain(`${Number(rows.total_rows).toLocaleString("en-US")}`);
  expect(summary).toMatch(/archived .* before they are deleted/);
  expect(summary).toMatch(/cannot be undone/);
  const go = dialog.getByRole("button", { name: `Execute ${deletionId.slice(0, 8)}` });
  expect(await go.isDisabled()).toBe(true);
  await dialog.getByLabel(/Type the request's short id/).fill(deletionId.slice(0, 7));
  expect(await go.isDisabled()).toBe(true);
  await dialog.getByLabel(/Type the request's short id/).fill(deletionId.slice(0, 8));
  await shots(page, "retention-execute-confirm");
  const before = detailCalls.length;
  await go.click();
  await expect.poll(() => page.getByRole("button", { name: "Execute…" }).count()).toBe(0);
  await page.locator('h2 .badge[data-status="done"]').waitFor({ timeout: 90_000 });
  await shots(page, "retention-request-done");
  // Reloads came from pushed events (a handful), not a poll every second.
  expect(detailCalls.length - before).toBeLessThan(15);
  await page.context().close();
});

test("an erasure certificate reads per store and table, verifies its sha256 in the browser, and prints", async () => {
  const requestId = randomUUID();
  await b.db
    .insertInto("governance.retention_requests")
    .values({
      id: requestId,
      kind: "erasure",
      tenant_id: tenantId,
      subject: JSON.stringify({ customer_id: randomUUID() }),
      fingerprint: "e".repeat(64),
      status: "done",
      requires_approval: true,
      requested_by: OTHER_OFFICER,
      total_rows: 4,
    })
    .execute();
  await storeCertificate(b.db, {
    certificate: "govern.retention.deletion-certificate/v1",
    requestId,
    kind: "erasure",
    policy: null,
    tenantId,
    subject: {},
    cutoff: null,
    requestedBy: OTHER_OFFICER,
    requestedAt: "2026-12-01T09:00:00.000Z",
    approvedBy: "approver@guarded.test",
    approvedAt: "2026-12-01T10:00:00.000Z",
    approvalReason: "verified request from the person",
    executedBy: "approver@guarded.test",
    startedAt: "2026-12-01T10:05:00.000Z",
    finishedAt: "2026-12-01T10:05:02.000Z",
    fingerprint: "e".repeat(64),
    tables: {
      customers: { planned: 1, done: 1, action: "anonymize", archived: null, skipped: 0 },
      communications: { planned: 3, done: 3, action: "delete", archived: null, skipped: 0 },
    },
    keySet: { planned: null, ledger: "l", archived: null },
    archive: null,
    execution: { batches: 1, longestBatchLockMs: 3, rowsPerSecond: 200 },
    proof: {
      identifiers: [{ kind: "email", sha256: "a".repeat(64) }],
      postgres: {
        tables: 2,
        matches: { email: 0 },
        byTable: { "public.customers": 0, "public.communications": 0 },
      },
      clickhouse: { tables: 1, columns: 4, matches: { email: 0 }, byTable: { customer_events: 0 } },
      clean: true,
      checkedAt: "2026-12-01T10:05:02.000Z",
    },
  });
  const page = await watchedPage();
  await b.openAs(page, "compliance_officer", "/retention?tab=certificates");
  await page.getByRole("link", { name: requestId.slice(0, 8), exact: true }).click();
  const proof = page.getByRole("table", { name: "matches found per store and table" });
  await proof.waitFor();
  const cells = await proof.locator("tbody tr").allTextContents();
  expect(cells).toEqual([
    "postgrespostgres:public.customers0",
    "postgrespostgres:public.communications0",
    "clickhouseclickhouse:customer_events0",
  ]);
  expect(await page.getByTestId("proof-verdict").textContent()).toMatch(/No trace left/);
  await page.getByRole("button", { name: "Verify sha256" }).click();
  const verdict = page.getByTestId("verify-result");
  await verdict.waitFor();
  expect(await verdict.textContent()).toMatch(/^Verified: the sha256 recomputed in this browser/);
  await shots(page, "retention-certificate-readable");
  // The printable version: the same page without navigation and buttons.
  await page.emulateMedia({ media: "print" });
  expect(await page.getByRole("button", { name: "Verify sha256" }).isVisible()).toBe(false);
  expect(await proof.isVisible()).toBe(true);
  await shots(page, "retention-certificate-print");
  await page.emulateMedia({ media: "screen" });
  await page.context().close();
});

test("no page of these flows logged a console error, a failed request or a CSP violation", () => {
  expect(failures).toEqual([]);
  expect(b.problems).toEqual([]);
});
