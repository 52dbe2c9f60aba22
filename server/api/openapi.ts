import type { OpenAPIHono } from "@hono/zod-openapi";
import { SESSION_COOKIE } from "../auth/principal.ts";
import type { AppEnv } from "./context.ts";

/** Security scheme names, as operations refer to them in `security`. */
export const BEARER_SCHEME = "bearerToken";
export const SESSION_SCHEME = "sessionCookie";

const DOCUMENT_CONFIG = {
  openapi: "3.1.0",
  info: {
    title: "govern API",
    version: "1",
    description:
      "Data-governance console API. Authenticate with the session cookie (console) or `Authorization: Bearer TOKEN`.",
    license: { name: "Proprietary", identifier: "LicenseRef-Proprietary" },
  },
};

/** Declares how callers authenticate; once per app, before the document is asked for. */
export function registerSecuritySchemes(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent("securitySchemes", BEARER_SCHEME, {
    type: "http",
    scheme: "bearer",
    description: "An API token (`govern token create`, or the console's account page).",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", SESSION_SCHEME, {
    type: "apiKey",
    in: "cookie",
    name: SESSION_COOKIE,
    description: "The console's session, set by `POST /api/v1/auth/login`.",
  });
}

/**
 * The OpenAPI document, generated from the same zod schemas that validate requests. `serverUrl`
 * is where this API answers (the origin of the request that asked for the document); the paths
 * already carry `/api/v1`.
 */
export function openApiDocument(app: OpenAPIHono<AppEnv>, serverUrl = "http://127.0.0.1:8080") {
  return app.getOpenAPI31Document({
    ...DOCUMENT_CONFIG,
    servers: [{ url: serverUrl, description: "This govern instance" }],
  });
}
