import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type BrowserConsole, openBrowserConsole } from "../support/browser.ts";

/**
 * Accounts in the console, as people use them: API tokens (created, seen once, copied,
 * revoked), an admin resetting someone's password, a person changing their own. What the test
 * checks it checks against the API or the page's text, not the console's own state.
 */

/** The password test/support/browser.ts gives every role's user. */
const PASSWORD = "browser-test-password-42";

let b: BrowserConsole;

beforeAll(async () => {
  b = await openBrowserConsole("accounts");
});

afterAll(async () => {
  await b?.close();
});

async function meWith(headers: Record<string, string>): Promise<number> {
  const response = await fetch(`${b.baseUrl}/api/v1/me`, { headers });
  await response.arrayBuffer();
  return response.status;
}

async function signIn(email: string, password: string): Promise<number> {
  const response = await fetch(`${b.baseUrl}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  await response.arrayBuffer();
  return response.status;
}

async function allowClipboard(page: Page): Promise<void> {
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"], {
    origin: b.baseUrl,
  });
}

test("an admin creates an API token on My account, sees it once, copies it, and revokes it", async () => {
  const page = await b.newPage();
  await allowClipboard(page);
  await b.openAs(page, "admin", "/");
  await page
    .getByRole("navigation", { name: "Main" })
    .getByRole("link", { name: "My account" })
    .click();
  await page.getByRole("heading", { name: "My account" }).waitFor();
  await page.getByText("No API tokens yet.").waitFor();

  await page.getByLabel("Token name").fill("laptop CLI");
  await page.getByRole("button", { name: "Create token" }).click();
  const secret = page.getByLabel("New API token");
  await secret.waitFor();
  const token = await secret.inputValue();
  expect(token).toMatch(/^gov_[\w-]{40,}$/);
  await page.getByRole("button", { name: "Copy" }).click();
  await page.getByText("Copied to the clipboard.").waitFor();
  expect(await page.evaluate("navigator.clipboard.readText()")).toBe(token);
  expect(await meWith({ authorization: `Bearer ${token}` })).toBe(200);
  await b.shot(page, "account-token-created");

  // Shown once: after Done, and after a reload, the secret is nowhere on the page.
  await page.getByRole("button", { name: "Done" }).click();
  await page.reload();
  const row = page
    .getByRole("table", { name: "API tokens" })
    .getByRole("row", { name: /laptop CLI/ });
  await row.waitFor();
  expect(await page.content()).not.toContain(token);
  await expect.poll(() => row.textContent()).toContain(token.slice(0, 12));

  await row.getByRole("button", { name: "Revoke" }).click();
  await row.getByRole("button", { name: "Revoke token" }).click();
  await row.getByText("revoked").waitFor();
  expect(await meWith({ authorization: `Bearer ${token}` })).toBe(401);
  await b.shot(page, "account");
  await page.context().close();
});

test("an admin resets a user's password from the users page; the new one is shown once and works", async () => {
  const engineer = b.emailOf("engineer");
  const before = await b.sessionCookie("engineer");
  const page = await b.newPage();
  await b.openAs(page, "admin", "/users");
  await page.getByRole("button", { name: `Manage ${engineer}` }).click();
  const detail = page.getByRole("region", { name: `manage ${engineer}` });
  await detail.waitFor();
  await detail.getByRole("button", { name: "Reset password" }).click();
  await detail.getByText("A new one is generated and shown once").waitFor();
  await b.shot(page, "users-reset-confirm");
  await detail.getByRole("button", { name: "Reset password" }).click();
  const shown = detail.getByLabel(`New password for ${engineer}`);
  await shown.waitFor();
  const password = await shown.inputValue();
  expect(password).toMatch(/^[\w-]{20}$/);
  await b.shot(page, "users-manage");

  expect(await meWith({ cookie: before })).toBe(401);
  expect(await signIn(engineer, PASSWORD)).toBe(401);
  expect(await signIn(engineer, password)).toBe(200);
  await detail.getByRole("button", { name: "Done" }).click();
  expect(await page.content()).not.toContain(password);
  await page.context().close();
});

test("a person changes their own password: API reasons next to the fields, then signed in anew while other sessions end", async () => {
  const email = b.emailOf("compliance_officer");
  const elsewhere = await b.sessionCookie("compliance_officer");
  const page = await b.newPage();
  await b.openAs(page, "compliance_officer", "/account");
  const form = page.getByRole("form", { name: "change password" });

  await form.getByLabel("Current password").fill("not my password");
  await form.getByLabel("New password", { exact: true }).fill("a fresh passphrase 99");
  await form.getByLabel("New password again").fill("a fresh passphrase 99");
  await form.getByRole("button", { name: "Change password" }).click();
  await form.getByText("This is not your current password.").waitFor();
  expect(await form.getByLabel("Current password").getAttribute("aria-invalid")).toBe("true");

  await form.getByLabel("Current password").fill(PASSWORD);
  await form.getByLabel("New password", { exact: true }).fill("short");
  await form.getByLabel("New password again").fill("short");
  await form.getByRole("button", { name: "Change password" }).click();
  await form.getByText(/at least 12 characters/).waitFor();
  await b.shot(page, "account-password-error");

  await form.getByLabel("New password", { exact: true }).fill("a fresh passphrase 99");
  await form.getByLabel("New password again").fill("a fresh passphrase 99");
  await form.getByRole("button", { name: "Change password" }).click();
  await form.getByText(/Password changed/).waitFor();
  expect(await meWith({ cookie: elsewhere })).toBe(401);
  // This browser stays signed in on its new session.
  await page.reload();
  await page.getByTestId("signed-in").waitFor();
  await page.getByRole("heading", { name: "My account" }).waitFor();
  expect(await signIn(email, "a fresh passphrase 99")).toBe(200);
  await page.context().close();
});

test("no page logged a CSP violation or an uncaught error", () => {
  expect(b.problems).toEqual([]);
});
