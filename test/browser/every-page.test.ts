import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { runCatalogScan } from "../../jobs/classify/scan.ts";
import { startOfTodayUtc } from "../../masking/demo-platform/clock.ts";
import { seedDemoPlatform } from "../../masking/demo-platform/index.ts";
import { permissionsOf, ROLES, type Role } from "../../schema/domain/permissions.ts";
import { AREAS, visibleAreas } from "../../web/src/app/areas.ts";
import { type BrowserConsole, openBrowserConsole } from "../support/browser.ts";

/**
 * Every page of the console, walked from the sidebar's own list (web/src/app/areas.ts), so a
 * page added later is covered without touching this file: each role opens every page it may
 * see over a small scanned demo platform; each page finishes loading without an error state, a
 * console error or a failed request; the admin's walk is photographed at 1440x900 and 1280x800.
 */

let b: BrowserConsole;

vi.setConfig({ testTimeout: 240_000 });

beforeAll(async () => {
  b = await openBrowserConsole(
    "every_page",
    async ({ db, pool }) => {
      await seedDemoPlatform(pool, { tenants: 2, customersPerTenant: 20, seed: 5 });
      await runCatalogScan({ db, analytics: null }, { stores: ["postgres"], triggeredBy: "test" });
    },
    { demoPartitionsFor: startOfTodayUtc() },
  );
}, 240_000);

afterAll(async () => {
  await b?.close();
});

/** What a person never sees but must not happen: console errors and failed requests. */
function watch(page: Page): string[] {
  const seen: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") {
      seen.push(`console: ${m.text()}`);
    }
  });
  page.on("response", (r) => {
    if (r.status() >= 400) {
      seen.push(`${r.status()} ${r.url()}`);
    }
  });
  page.on("requestfailed", (r) => {
    // An event stream or request cut by leaving the page is not a failure.
    const error = r.failure()?.errorText ?? "";
    if (!r.url().includes("/api/v1/events") && !error.includes("ERR_ABORTED")) {
      seen.push(`failed ${r.url()} ${error}`);
    }
  });
  return seen;
}

/** Waits until no loading indicator is left on the page (each page shows one while it fetches). */
async function settled(page: Page) {
  await page.locator(".state-loading").first().waitFor({ state: "detached", timeout: 20_000 });
}

async function walk(role: Role, photograph: boolean) {
  const page = await b.newPage();
  const problems = watch(page);
  const areas = visibleAreas(permissionsOf(role));
  expect(areas.length).toBeGreaterThan(0);
  await b.openAs(page, role, "/");
  for (const area of areas) {
    // Through the sidebar, as a person goes: the link must exist for every area the role may see.
    await page.locator(`nav[aria-label="Main"] a[href="${area.path}"]`).click();
    await page.waitForURL((url) => url.pathname === area.path);
    await settled(page);
    const errors = await page.locator(".state-error").allTextContents();
    expect(errors, `${role} on ${area.path}`).toEqual([]);
    expect(await page.locator(".not-built").count(), area.path).toBe(0);
    if (photograph) {
      for (const [width, height] of [
        [1440, 900],
        [1280, 800],
      ] as const) {
        await page.setViewportSize({ width, height });
        await page.waitForTimeout(100);
        const name = area.path === "/" ? "overview" : area.path.slice(1);
        await b.shot(page, `page-${name}-${width}`);
      }
    }
  }
  // Pages the role may not see are not in its sidebar.
  const hidden = AREAS.filter((a) => !areas.includes(a));
  for (const area of hidden) {
    expect(
      await page.locator(`nav[aria-label="Main"] a[href="${area.path}"]`).count(),
      area.path,
    ).toBe(0);
  }
  expect(problems, role).toEqual([]);
  expect(b.problems).toEqual([]);
  await page.context().close();
}

test("the admin opens every page from the sidebar: each loads without an error, photographed at both sizes", async () => {
  await walk("admin", true);
});

test.each(ROLES.filter((r) => r !== "admin"))(
  "a %s opens every page its role may see, and only those are in its sidebar",
  async (role) => {
    await walk(role, false);
  },
);
