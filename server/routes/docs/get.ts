import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../api/context.ts";
import { type ApiRoute, defineRoute } from "../../api/define-route.ts";
import { openApiDocument } from "../../api/openapi.ts";
import { errorResponses } from "../../api/schemas.ts";
import { type OpenApiDocument, renderApiReference } from "./render.ts";

const route = createRoute({
  method: "get",
  path: "/api/v1/docs",
  tags: ["system"],
  summary: "This API reference, as a readable page",
  responses: {
    200: {
      description: "The API reference",
      content: { "text/html": { schema: z.string() } },
    },
    401: errorResponses[401],
  },
});

/**
 * The API reference page, rendered from the very document served at /api/v1/openapi.json. It is
 * built once per app (its routes do not change while it runs); `routes` supplies each route's access.
 */
export function apiDocsRoute(routes: () => readonly ApiRoute[]): ApiRoute {
  const pages = new WeakMap<OpenAPIHono<AppEnv>, Promise<string>>();
  const render = async (app: OpenAPIHono<AppEnv>) => {
    const doc = JSON.parse(JSON.stringify(openApiDocument(app))) as OpenApiDocument;
    const access = new Map(routes().map((r) => [`${r.method} ${r.path}`, r.access]));
    return renderApiReference(doc, (method, path) => access.get(`${method.toUpperCase()} ${path}`));
  };
  return {
    method: "GET",
    path: route.path,
    access: "authenticated",
    register: (app) => {
      defineRoute(route, "authenticated", async (c) => {
        let page = pages.get(app);
        if (!page) {
          page = render(app);
          pages.set(app, page);
          page.catch(() => pages.delete(app)); // a failed render is retried on the next request
        }
        return c.html(await page, 200);
      }).register(app);
    },
  };
}
