import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./context.ts";

const DOCUMENT_CONFIG = {
  openapi: "3.1.0",
  info: {
    title: "govern API",
    version: "1",
    description:
      "Data-governance console API. Authenticate with the session cookie (console) or `Authorization: Bearer TOKEN`.",
  },
};

/** The OpenAPI document, generated from the same zod schemas that validate requests. */
export function openApiDocument(app: OpenAPIHono<AppEnv>) {
  return app.getOpenAPI31Document(DOCUMENT_CONFIG);
}
