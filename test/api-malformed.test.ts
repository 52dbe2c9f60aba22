import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { can, ROLES, type Role } from "../schema/domain/permissions.ts";
import { ROUTES } from "../server/routes/index.ts";
import { type ConsoleApp, openConsoleApp } from "./support/console-app.ts";
import {
  fetchOpenApi,
  type JsonSchema,
  type OpenApiDoc,
  sampleOf,
  sampleRequest,
} from "./support/openapi-samples.ts";

/**
 * Malformed requests generated for every route in ROUTES, sent as someone who may call the
 * route (so they reach validation, not just the access check): bad JSON, wrong types, unknown
 * fields, oversized and wrongly typed bodies, injection strings in every parameter. Every answer
 * must be a 4xx in the error model; none may be a 5xx.
 */

const INJECTIONS = [
  "' OR 1=1 --",
  "../../etc/passwd",
  "<script>alert(1)</script>",
  "\u0000",
  "%00",
  // A log-injection lookup, spelled out so no linter mistakes it for a template.
  ["$", "{jndi:ldap://x}"].join(""),
  "a".repeat(5_000),
];
const MIB = 1024 * 1024;

type Case = { route: string; name: string; method: string; url: string; init: RequestInit };
type Result = Case & { status: number; body: string };

let t: ConsoleApp;
let doc: OpenApiDoc;

beforeAll(async () => {
  t = await openConsoleApp("malformed");
  doc = await fetchOpenApi(t.request, t.logins.admin.token);
});

afterAll(async () => {
  await t?.close();
});

function resolve(schema: JsonSchema): JsonSchema {
  const name = schema.$ref?.split("/").pop();
  return name ? resolve(doc.components?.schemas?.[name] ?? {}) : schema;
}

/** Values of the wrong type for a field of this schema. */
function wrongTypes(schema: JsonSchema): unknown[] {
  const s = resolve(schema);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  if (s.enum) {
    return ["not-one-of-them", 1, null];
  }
  switch (type) {
    case "string":
      return [12345, true, null, {}, ["x"], ""];
    case "integer":
    case "number":
      return ["12", 1.5, -1, 1e12, null, {}];
    case "boolean":
      return ["true", 1, null];
    case "array":
      return ["x", {}, null];
    default:
      return ["x", 1, [], null];
  }
}

function headersFor(route: (typeof ROUTES)[number]): Record<string, string> {
  if (route.access === "public") {
    return {};
  }
  const access = route.access;
  const role =
    access === "authenticated"
      ? "admin"
      : (([...ROLES].reverse() as Role[]).find((r) => can(r, access)) ?? "admin");
  return { authorization: `Bearer ${t.logins[role].token}` };
}

function casesFor(route: (typeof ROUTES)[number]): { expect4xx: Case[]; noServerError: Case[] } {
  const sample = sampleRequest(doc, route.method, route.path);
  const auth = headersFor(route);
  const routeName = `${route.method} ${route.path}`;
  const json = { ...auth, "content-type": "application/json" };
  const expect4xx: Case[] = [];
  const noServerError: Case[] = [];
  const add = (list: Case[], name: string, url: string, init: RequestInit) =>
    list.push({
      route: routeName,
      name,
      method: route.method,
      url,
      init: { method: route.method, ...init },
    });
  const query = sample.query ? `?${sample.query}` : "";
  const goodBody = sample.body === undefined ? undefined : JSON.stringify(sample.body);
  const withBody = goodBody === undefined ? {} : { headers: json, body: goodBody };

  // Path parameters: each injection, percent-encoded and raw.
  for (const parameter of sample.operation.parameters ?? []) {
    if (parameter.in === "path") {
      for (const value of INJECTIONS) {
        const template = route.path.replace(/\{(\w+)\}/g, (_m, name: string) =>
          name === parameter.name
            ? "\u0001"
            : String(
                sampleOf(
                  doc,
                  sample.operation.parameters?.find((p) => p.name === name)?.schema ?? {},
                ),
              ),
        );
        add(
          expect4xx,
          `path ${parameter.name}=${value.slice(0, 20)} (encoded)`,
          template.replace("\u0001", encodeURIComponent(value)) + query,
          { headers: auth, ...withBody },
        );
        if (!value.includes("\u0000") && value.length < 100) {
          add(
            expect4xx,
            `path ${parameter.name}=${value} (raw)`,
            template.replace("\u0001", value) + query,
            { headers: auth, ...withBody },
          );
        }
      }
    }
    if (parameter.in === "query") {
      const s = resolve(parameter.schema ?? {});
      const text = s.type === "string" && !s.enum && !s.format;
      for (const value of INJECTIONS) {
        const params = new URLSearchParams(sample.query);
        params.set(parameter.name, value);
        // Free text (a search) may legitimately contain these strings: it must just never break.
        const acceptable =
          text &&
          !value.includes("\u0000") &&
          value.length <= (s.maxLength ?? Number.POSITIVE_INFINITY) &&
          (!s.pattern || new RegExp(s.pattern).test(value));
        add(
          acceptable ? noServerError : expect4xx,
          `query ${parameter.name}=${value.slice(0, 20)}`,
          `${sample.path}?${params}`,
          { headers: auth, ...withBody },
        );
      }
      if (!text) {
        for (const wrong of ["", "[]", "-1.5", "1e400", "NaN"]) {
          const params = new URLSearchParams(sample.query);
          params.set(parameter.name, wrong);
          add(expect4xx, `query ${parameter.name} wrong "${wrong}"`, `${sample.path}?${params}`, {
            headers: auth,
          });
        }
      }
    }
  }
  if (route.method === "GET" && sample.operation.parameters?.some((p) => p.in === "query")) {
    add(
      expect4xx,
      "unknown query parameter",
      `${sample.path}?${sample.query ? `${sample.query}&` : ""}admin=true`,
      { headers: auth },
    );
  }

  const bodySchema = sample.operation.requestBody?.content?.["application/json"]?.schema;
  if (bodySchema) {
    const url = sample.path + query;
    for (const bad of [
      "{",
      '{"a":',
      "not json",
      "[]",
      "null",
      '"text"',
      "123",
      "{}{}",
      `${"[".repeat(5_000)}${"]".repeat(5_000)}`,
      "\u0000",
    ]) {
      add(expect4xx, `bad JSON ${bad.slice(0, 12)}`, url, { headers: json, body: bad });
    }
    const body = resolve(bodySchema);
    const base = (sample.body ?? {}) as Record<string, unknown>;
    for (const [field, schema] of Object.entries(body.properties ?? {})) {
      for (const wrong of wrongTypes(schema)) {
        if (wrong === "" && (resolve(schema).minLength ?? 0) === 0) {
          continue;
        }
        add(expect4xx, `${field} as ${JSON.stringify(wrong)}`, url, {
          headers: json,
          body: JSON.stringify({ ...base, [field]: wrong }),
        });
      }
      const s = resolve(schema);
      if (s.type === "string" && !s.enum) {
        for (const value of INJECTIONS) {
          // Login answers 401 for any email it does not know, which is also a 4xx.
          const valid =
            !s.format &&
            value.length <= (s.maxLength ?? Number.POSITIVE_INFINITY) &&
            !value.includes("\u0000") &&
            (s.minLength ?? 0) <= value.length;
          add(valid ? noServerError : expect4xx, `${field}=${value.slice(0, 20)}`, url, {
            headers: json,
            body: JSON.stringify({ ...base, [field]: value }),
          });
        }
      }
    }
    for (const extra of [
      { isAdmin: true },
      { role: "admin", id: "x" },
      JSON.parse('{"__proto__":{"admin":true}}'),
      { constructor: { prototype: {} } },
    ]) {
      const merged = JSON.stringify({ ...base, ...extra });
      if (merged !== JSON.stringify(base)) {
        add(expect4xx, `unknown field ${Object.keys(extra).join(",")}`, url, {
          headers: json,
          body: merged,
        });
      }
    }
    add(expect4xx, "raw __proto__ field", url, {
      headers: json,
      body: `${JSON.stringify(base).slice(0, -1)}${Object.keys(base).length ? "," : ""}"__proto__":{"x":1}}`,
    });
  }
  if (route.method !== "GET") {
    const url = sample.path + query;
    const body = goodBody ?? "{}";
    for (const type of [
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/json-patch+json",
      "text/json",
    ]) {
      add(expect4xx, `content-type ${type}`, url, {
        headers: { ...auth, "content-type": type },
        body,
      });
    }
    add(expect4xx, "body without content-type", url, { headers: auth, body });
    add(expect4xx, "oversized body (1 MiB + 1)", url, {
      headers: json,
      body: JSON.stringify({ pad: "x".repeat(MIB) }),
    });
    add(expect4xx, "cross-site origin", url, {
      headers: { ...json, origin: "https://evil.example" },
      body,
    });
  }
  if (route.access !== "public") {
    const url = sample.path + query;
    for (const token of ["' OR 1=1 --", "../../etc/passwd", "<script>", "%00", "x".repeat(150)]) {
      add(expect4xx, `bearer ${token.slice(0, 12)}`, url, {
        headers: {
          authorization: `Bearer ${token}`,
          ...(goodBody ? { "content-type": "application/json" } : {}),
        },
        body: goodBody,
      });
    }
  }
  return { expect4xx, noServerError };
}

async function run(c: Case): Promise<Result> {
  // A real HTTP/1.1 client always declares a body's length (or chunks it); app.request does not.
  const headers = new Headers(c.init.headers);
  if (typeof c.init.body === "string") {
    headers.set("content-length", String(Buffer.byteLength(c.init.body)));
  }
  const response = await t.request(c.url, { ...c.init, headers });
  return { ...c, status: response.status, body: await response.text() };
}

function inErrorModel(body: string): boolean {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    return typeof parsed.error?.code === "string" && typeof parsed.error.message === "string";
  } catch {
    return false;
  }
}

describe("malformed requests across every route", () => {
  test("a search for an injection string finds nothing rather than everything", async () => {
    const response = await t.request(`/api/v1/users?q=${encodeURIComponent("' OR 1=1 --")}`, {
      headers: { authorization: `Bearer ${t.logins.admin.token}` },
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { total: number }).total).toBe(0);
  });

  const results: Result[] = [];
  const brief = (r: Result) => ({
    route: r.route,
    name: r.name,
    status: r.status,
    body: r.body.slice(0, 200),
  });

  // One test per route: each stays well inside the timeout however many routes there are.
  test.for(ROUTES.map((route) => [`${route.method} ${route.path}`, route] as const))(
    "malformed requests to %s: every answer 4xx in the error model, none 5xx",
    async ([, route]) => {
      const cases = casesFor(route);
      const refused: Result[] = [];
      const others: Result[] = [];
      for (const c of cases.expect4xx) {
        refused.push(await run(c));
      }
      for (const c of cases.noServerError) {
        others.push(await run(c));
      }
      results.push(...refused);
      expect(refused.filter((r) => r.status < 400 || r.status >= 500).map(brief)).toEqual([]);
      expect(refused.filter((r) => !inErrorModel(r.body)).map(brief)).toEqual([]);
      expect([...refused, ...others].filter((r) => r.status >= 500).map(brief)).toEqual([]);
    },
  );

  test("at least 200 malformed requests reached nearly every route", () => {
    expect(results.length).toBeGreaterThanOrEqual(200);
    expect(new Set(results.map((r) => r.route)).size).toBeGreaterThanOrEqual(ROUTES.length - 3);
  });
});

describe("oversized bodies over a real socket", () => {
  let server: ReturnType<typeof serve>;
  let port = 0;

  beforeAll(async () => {
    await new Promise<void>((ready) => {
      server = serve(
        { fetch: t.app.fetch, port: 0, hostname: "127.0.0.1" },
        (info: AddressInfo) => {
          port = info.port;
          ready();
        },
      );
    });
  });

  afterAll(async () => {
    await new Promise((done) => server.close(done));
  });

  /** Sends a body in 64 KiB chunks; `chunked` leaves Content-Length out. */
  function post(total: number, chunked: boolean): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: "127.0.0.1",
          port,
          // A fresh connection each time: a refused body may leave the previous one unusable.
          agent: false,
          method: "POST",
          path: "/api/v1/tokens",
          headers: {
            authorization: `Bearer ${t.logins.steward.token}`,
            "content-type": "application/json",
            ...(chunked ? { "transfer-encoding": "chunked" } : { "content-length": String(total) }),
          },
        },
        (res) => {
          let body = "";
          res.on("data", (chunk) => {
            body += chunk;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      // The server may answer and close before every byte is written; that is the point.
      req.on("error", (error: NodeJS.ErrnoException) => {
        if (error.code !== "EPIPE" && error.code !== "ECONNRESET") {
          reject(error);
        }
      });
      const chunk = Buffer.alloc(64 * 1024, "x");
      let sent = 0;
      const write = () => {
        while (sent < total) {
          const piece = chunk.subarray(0, Math.min(chunk.length, total - sent));
          sent += piece.length;
          if (!req.write(piece)) {
            req.once("drain", write);
            return;
          }
        }
        req.end();
      };
      write();
    });
  }

  test("a chunked body over 1 MiB without Content-Length is refused with 413", async () => {
    const before = await t.db.selectFrom("governance.api_tokens").select("id").execute();
    const response = await post(MIB + 256 * 1024, true);
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: "payload_too_large" } });
    const tokens = await t.db.selectFrom("governance.api_tokens").select("id").execute();
    expect(tokens).toHaveLength(before.length);
  });

  test("a declared Content-Length over 1 MiB is refused with 413", async () => {
    const response = await post(MIB + 1, false);
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: "payload_too_large" } });
  });
});
