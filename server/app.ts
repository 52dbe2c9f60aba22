import { randomUUID } from "node:crypto";
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { getCookie } from "hono/cookie";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import { QueueUnavailableError } from "../jobs/queues.ts";
import { appendAuditEvent } from "../schema/governance/audit-events.repository.ts";
import type { AppDeps, AppEnv } from "./api/context.ts";
import { authorize } from "./api/define-route.ts";
import { openApiDocument, registerSecuritySchemes } from "./api/openapi.ts";
import { sourceIp } from "./api/request-meta.ts";
import { originPolicy } from "./auth/origin.ts";
import { principalFromSession, principalFromToken, SESSION_COOKIE } from "./auth/principal.ts";
import { AppError, type ErrorBody, type ErrorCode } from "./errors.ts";
import { ROUTES } from "./routes/index.ts";
import { serveConsole } from "./static.ts";

export type { AppDeps, AppEnv } from "./api/context.ts";

const MAX_BODY_BYTES = 1024 * 1024;
const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

function errorJson(c: Context<AppEnv>, code: ErrorCode, message: string, details?: unknown) {
  const body: ErrorBody = { error: { code, message, details, requestId: c.get("requestId") } };
  return c.json(body, new AppError(code, message).status);
}

/** The HTTP application: one error model, request ids, secure headers, auth, audit, /api/v1. */
export function newApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    // Validation failures answer in the one error model, naming each field.
    defaultHook: (result, c) => {
      if (!result.success) {
        const issues = result.error.issues.map((i) => ({
          path: i.path.join("."),
          message: i.message,
        }));
        return errorJson(
          c as Context<AppEnv>,
          "invalid_request",
          "The request is not valid.",
          issues,
        );
      }
    },
  });

  app.use("*", async (c, next) => {
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && /^[\w-]{1,100}$/.test(incoming) ? incoming : randomUUID();
    c.set("requestId", requestId);
    c.set("deps", deps);
    c.header("x-request-id", requestId);
    const started = performance.now();
    await next();
    deps.logger.info("request", {
      requestId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round(performance.now() - started),
      actor: c.get("principal")?.email,
    });
  });
  // DNS rebinding: a page on a foreign name that resolves to this server sends that name here.
  const origins = originPolicy(deps.config);
  app.use("*", async (c, next) => {
    // In-process requests (app.request) carry no Host header; their URL names the host.
    const host = c.req.header("host") ?? new URL(c.req.url).host;
    if (!origins.hostAllowed(host)) {
      return errorJson(
        c,
        "invalid_request",
        `This server answers for ${origins.publicOrigin} (PUBLIC_URL), not for the host "${host.slice(0, 100)}".`,
        { host: host.slice(0, 300), expected: origins.publicOrigin },
      );
    }
    await next();
  });
  app.use(
    "*",
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        baseUri: ["'self'"],
        objectSrc: ["'none'"],
      },
      referrerPolicy: "same-origin",
    }),
  );
  // Counts the bytes actually read, so a chunked body without Content-Length is bounded too.
  app.use(
    "/api/*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) =>
        errorJson(
          c as Context<AppEnv>,
          "payload_too_large",
          `Bodies are limited to ${MAX_BODY_BYTES} bytes.`,
        ),
    }),
  );
  // CSRF: a cross-site form can send text/plain or form data, never application/json, and a
  // browser's Origin header cannot be forged by a page.
  app.use("/api/*", async (c, next) => {
    // PostgreSQL text cannot hold NUL: refuse it at the door rather than as a database error.
    if (/%00/.test(c.req.url)) {
      return errorJson(c, "invalid_request", "NUL characters are not accepted.");
    }
    if (MUTATING.has(c.req.method)) {
      const type = c.req.header("content-type")?.split(";")[0]?.trim().toLowerCase();
      // Any body counts, whatever headers announce it (or fail to).
      const hasBody = c.req.raw.body !== null && c.req.header("content-length") !== "0";
      if (hasBody && type !== "application/json") {
        return errorJson(c, "unsupported_media_type", "Send the body as application/json.");
      }
      // Scheme, host and port, against the public origin. A browser sends Origin on every
      // mutating fetch; when it is missing, a cookie request is held to its Referer instead.
      const host = c.req.header("host") ?? new URL(c.req.url).host;
      const origin = c.req.header("origin");
      const referer = c.req.header("referer");
      const cookieOnly = !c.req.header("authorization") && c.req.header("cookie") !== undefined;
      const claimed = origin ?? (cookieOnly ? referer : undefined);
      if (claimed !== undefined && !origins.originAllowed(claimed, host)) {
        return errorJson(
          c,
          "forbidden",
          `Cross-origin requests are not accepted: ${origin ? "Origin" : "Referer"} must be ${origins.publicOrigin}.`,
        );
      }
    }
    await next();
  });
  // Who is asking (not whether they may: each route decides that where it acts).
  app.use("/api/*", async (c, next) => {
    const bearer = c.req.header("authorization")?.match(/^Bearer\s+(\S{1,200})$/i)?.[1];
    const cookie = getCookie(c, SESSION_COOKIE);
    const principal = bearer
      ? await principalFromToken(deps.db, bearer)
      : cookie && cookie.length <= 200
        ? await principalFromSession(deps.db, cookie)
        : undefined;
    c.set("principal", principal);
    await next();
  });
  // Every mutating request leaves an audit event, allowed or refused.
  app.use("/api/*", async (c, next) => {
    await next();
    if (!MUTATING.has(c.req.method) || c.res.status === 404) {
      return;
    }
    const note = c.get("audit");
    const principal = c.get("principal");
    await appendAuditEvent(deps.db, {
      actor: principal?.email ?? "anonymous",
      actorRole: principal?.role ?? null,
      action: note?.action ?? `${c.req.method} ${c.req.routePath}`,
      target: note?.target ?? c.req.path.slice(0, 500),
      summary: { status: c.res.status, ...note?.summary },
      requestId: c.get("requestId"),
      sourceIp: sourceIp(c) ?? null,
    }).catch((error: Error) => deps.logger.error("audit append failed", { error: error.message }));
  });

  for (const route of ROUTES) {
    route.register(app);
  }

  // Like every route but login and health, the API's description is for signed-in callers.
  app.get("/api/v1/openapi.json", (c) => {
    authorize(c, "authenticated");
    return c.json(openApiDocument(app, new URL(c.req.url).origin));
  });
  registerSecuritySchemes(app);

  serveConsole(app); // the built console at /, after every API route

  app.notFound((c) => errorJson(c, "not_found", `No route for ${c.req.method} ${c.req.path}`));

  app.onError((error, c) => {
    if (error instanceof AppError) {
      return errorJson(c, error.code, error.message, error.details);
    }
    if (error instanceof QueueUnavailableError) {
      return errorJson(c, "unavailable", error.message); // any route that queues or reads jobs
    }
    if (error instanceof HTTPException && error.status < 500) {
      const code: ErrorCode =
        error.status === 413
          ? "payload_too_large"
          : error.status === 401
            ? "unauthenticated"
            : "invalid_request";
      return errorJson(c, code, error.message || "The request is not valid.");
    }
    deps.logger.error("unhandled error", {
      requestId: c.get("requestId"),
      error: (error as Error).stack,
    });
    return errorJson(c, "internal", "Something went wrong; the request id is in the log.");
  });

  return app;
}
