import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { can, ROLES, type Role } from "../../schema/domain/permissions.ts";
import type { Access } from "../../server/api/define-route.ts";
import { ROUTES } from "../../server/routes/index.ts";
import { type ConsoleApp, openConsoleApp } from "../support/console-app.ts";
import { fetchOpenApi, type OpenApiDoc, sampleRequest } from "../support/openapi-samples.ts";

/**
 * Generated from ROUTES: every route × (anonymous, each role) × path variants. A route added to
 * ROUTES is covered here without touching this file.
 *
 * - anonymous gets 401 on every non-public route; a role without the route's permission gets
 *   403 (the check lives in the handler, so these hold whatever the path looks like);
 * - a path variant (%2F for /, doubled //, %2e segments, upper case, encoded letters) never
 *   answers 2xx to someone the canonical path refuses.
 */

type Who = "anonymous" | Role;
const WHO: Who[] = ["anonymous", ...ROLES];

let t: ConsoleApp;
let doc: OpenApiDoc;

beforeAll(async () => {
  t = await openConsoleApp("security");
  doc = await fetchOpenApi(t.request, t.logins.admin.token);
});

afterAll(async () => {
  await t?.close();
});

/** Whether `who` may call a route with `access` (public routes: everyone). */
function allowed(who: Who, access: Access): boolean {
  if (access === "public") {
    return true;
  }
  if (who === "anonymous") {
    return false;
  }
  return access === "authenticated" || can(who, access);
}

function expectedRefusal(who: Who, access: Access): 401 | 403 | undefined {
  if (allowed(who, access)) {
    return undefined;
  }
  return who === "anonymous" ? 401 : 403;
}

/** The ways a path is bent to slip past a prefix guard or a case-sensitive match. */
function pathVariants(path: string): Record<string, string> {
  const slashes = [...path.matchAll(/\//g)].map((m) => m.index ?? 0).slice(1);
  const last = slashes.at(-1) ?? 0;
  const at = (i: number, insert: string) => path.slice(0, i) + insert + path.slice(i + 1);
  const segments = path.split("/");
  return {
    canonical: path,
    "encoded slashes": `/${path.slice(1).replaceAll("/", "%2F")}`,
    "last slash encoded": at(last, "%2F"),
    "lower-case %2f": at(last, "%2f"),
    "doubled slashes": path.replaceAll("/", "//"),
    "doubled last slash": at(last, "//"),
    "trailing slash": `${path}/`,
    "%2e segment": `${segments.slice(0, 3).join("/")}/%2e/${segments.slice(3).join("/")}`,
    "%2e%2e segment": `${segments.slice(0, 3).join("/")}/x/%2e%2e/${segments.slice(3).join("/")}`,
    "upper case": path.toUpperCase(),
    "capitalised segment": path.replace(
      /\/([a-z])([a-z]*)$/,
      (_m, a: string, b: string) => `/${a.toUpperCase()}${b}`,
    ),
    "encoded letter": path.replace(
      /\/([a-z])/g,
      (_m, a: string) => `/%${a.charCodeAt(0).toString(16)}`,
    ),
  };
}

type Outcome = { route: string; who: Who; variant: string; url: string; status: number };

async function send(
  route: (typeof ROUTES)[number],
  who: Who,
  variant: string,
  url: string,
  body: unknown,
): Promise<Outcome> {
  const headers: Record<string, string> = {};
  if (who !== "anonymous") {
    headers.authorization = `Bearer ${t.logins[who].token}`;
  }
  if (body !== undefined) {
    headers["content-type"] = "application/json";
  }
  const response = await t.request(url, {
    method: route.method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await response.arrayBuffer();
  return { route: `${route.method} ${route.path}`, who, variant, url, status: response.status };
}

describe("route × role × path variant", () => {
  test("covers every route in ROUTES, each documented in the OpenAPI document", () => {
    expect(ROUTES.length).toBeGreaterThanOrEqual(13);
    for (const route of ROUTES) {
      expect(doc.paths[route.path]?.[route.method.toLowerCase()], route.path).toBeDefined();
    }
  });

  test("anonymous gets 401 and a role without the permission 403 on the canonical path", async () => {
    const wrong: Outcome[] = [];
    let checked = 0;
    for (const route of ROUTES) {
      const sample = sampleRequest(doc, route.method, route.path);
      const url = sample.query ? `${sample.path}?${sample.query}` : sample.path;
      for (const who of WHO) {
        const expected = expectedRefusal(who, route.access);
        if (!expected) {
          continue;
        }
        const outcome = await send(route, who, "canonical", url, sample.body);
        checked++;
        if (outcome.status !== expected) {
          wrong.push(outcome);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(ROUTES.length);
  });

  // One test per route: each stays well inside the timeout however many routes there are.
  let sent = 0;
  test.for(ROUTES.map((route) => [`${route.method} ${route.path}`, route] as const))(
    "0 unexpected 2xx: no path variant of %s answers 2xx to anyone the canonical path refuses",
    async ([, route]) => {
      const unexpected: Outcome[] = [];
      const serverErrors: Outcome[] = [];
      const sample = sampleRequest(doc, route.method, route.path);
      const suffix = sample.query ? `?${sample.query}` : "";
      for (const who of WHO) {
        const canonical = await send(route, who, "canonical", sample.path + suffix, sample.body);
        const canonicalOk = canonical.status >= 200 && canonical.status < 300;
        for (const [variant, path] of Object.entries(pathVariants(sample.path))) {
          if (variant === "canonical") {
            continue;
          }
          const outcome = await send(route, who, variant, path + suffix, sample.body);
          sent++;
          const ok = outcome.status >= 200 && outcome.status < 300;
          if (ok && (!allowed(who, route.access) || !canonicalOk)) {
            unexpected.push(outcome);
          }
          if (outcome.status >= 500 && outcome.status !== canonical.status) {
            serverErrors.push(outcome);
          }
        }
      }
      expect(unexpected).toEqual([]);
      expect(serverErrors).toEqual([]);
    },
  );

  test("every route was probed with every path variant", () => {
    expect(sent).toBeGreaterThanOrEqual(ROUTES.length * WHO.length * 10);
  });

  test("the refusals carry the error model and the request id", async () => {
    const response = await t.request("/api/v1/users", {
      headers: { authorization: `Bearer ${t.logins.steward.token}` },
    });
    expect(response.status).toBe(403);
    const body = (await response.json()) as { error: { code: string; requestId: string } };
    expect(body.error.code).toBe("forbidden");
    expect(body.error.requestId).toBe(response.headers.get("x-request-id"));
  });
});
