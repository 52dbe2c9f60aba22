import { randomUUID } from "node:crypto";
import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import type { Redis } from "ioredis";
import type { AnalyticsStore } from "../schema/analytics/analytics-store.ts";
import type { Config } from "../schema/config.ts";
import type { Db } from "../schema/postgres.ts";
import { AppError, type ErrorBody } from "./errors.ts";
import { checkHealth } from "./health.ts";
import type { Logger } from "./logger.ts";

export type AppDeps = {
  config: Config;
  db: Db;
  redis: Redis;
  analytics: AnalyticsStore;
  logger: Logger;
};

export type AppEnv = { Variables: { requestId: string } };

/** The HTTP application: one error model, request ids, secure headers, and the /api/v1 routes. */
export function newApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use("*", async (c, next) => {
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && /^[\w-]{1,100}$/.test(incoming) ? incoming : randomUUID();
    c.set("requestId", requestId);
    c.header("x-request-id", requestId);
    const started = performance.now();
    await next();
    deps.logger.info("request", {
      requestId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round(performance.now() - started),
    });
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
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        baseUri: ["'self'"],
        objectSrc: ["'none'"],
      },
    }),
  );

  app.get("/api/v1/health", async (c) => {
    const report = await checkHealth(deps);
    return c.json(report, report.status === "ok" ? 200 : 503);
  });

  app.get("/", (c) =>
    c.text(
      "govern API is running. The console arrives with the next release; see /api/v1/health.\n",
    ),
  );

  app.notFound((c) => {
    const body: ErrorBody = {
      error: {
        code: "not_found",
        message: `No route for ${c.req.method} ${c.req.path}`,
        requestId: c.get("requestId"),
      },
    };
    return c.json(body, 404);
  });

  app.onError((error, c) => {
    const requestId = c.get("requestId");
    if (error instanceof AppError) {
      const body: ErrorBody = {
        error: { code: error.code, message: error.message, details: error.details, requestId },
      };
      return c.json(body, error.status);
    }
    deps.logger.error("unhandled error", { requestId, error: (error as Error).stack });
    const body: ErrorBody = {
      error: {
        code: "internal",
        message: "Something went wrong; the request id is in the log.",
        requestId,
      },
    };
    return c.json(body, 500);
  });

  return app;
}
