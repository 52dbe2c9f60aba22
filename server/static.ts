import { readFile, stat } from "node:fs/promises";
import { extname, join, resolve, sep } from "node:path";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./api/context.ts";

/** Where `npm run build:web` writes the console. */
export const CONSOLE_DIST = resolve(import.meta.dirname, "../web/dist");

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".txt": "text/plain; charset=utf-8",
};

// Vite names assets by content hash, so they never change under one URL; index.html must be
// revalidated on every load or a browser keeps pointing at the previous build's assets.
const IMMUTABLE = "public, max-age=31536000, immutable";
const REVALIDATE = "no-cache";

async function readFileIn(root: string, urlPath: string): Promise<Buffer | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes("\0")) {
    return undefined;
  }
  const file = resolve(join(root, decoded));
  // Never outside the build folder, whatever `..` or encoding the path carries.
  if (!file.startsWith(root + sep)) {
    return undefined;
  }
  try {
    const info = await stat(file);
    return info.isFile() ? await readFile(file) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a path is meant for the API however it is spelled (`//api`, `/API`, `/%61pi`, `/./api`):
 * such paths must get the API's JSON 404, never the console's index.html with a 200.
 */
function isApiPath(path: string): boolean {
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // an undecodable path is judged as written
  }
  const normal = decoded
    .toLowerCase()
    .replace(/\\/g, "/")
    .replace(/\/+/g, "/")
    .replace(/\/(\.\/)+/g, "/");
  return normal === "/api" || normal.startsWith("/api/") || normal.startsWith("/./api");
}

/**
 * Serves the built console at `/`: files from web/dist with their content types and cache
 * headers, and index.html for every other non-/api GET so client-side routes survive a reload.
 * /api paths are never answered here: an unknown API path stays a JSON 404.
 */
export function serveConsole(app: OpenAPIHono<AppEnv>, root: string = CONSOLE_DIST): void {
  app.on(["GET", "HEAD"], "*", async (c, next) => {
    const path = c.req.path;
    if (isApiPath(path)) {
      return next();
    }
    // Browsers ask for /favicon.ico whatever the page links: answer with the console's SVG icon.
    const file = path === "/favicon.ico" ? "/favicon.svg" : path;
    const asset = path === "/" ? undefined : await readFileIn(root, file);
    if (asset) {
      const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? "application/octet-stream";
      c.header("content-type", type);
      c.header("cache-control", path.startsWith("/assets/") ? IMMUTABLE : REVALIDATE);
      c.header("x-content-type-options", "nosniff");
      return c.body(new Uint8Array(asset), 200);
    }
    // A missing file with an extension is a real 404, not the app: a stale asset URL must fail
    // loudly instead of being answered with HTML.
    if (extname(path) && path !== "/index.html") {
      return c.text("Not found", 404);
    }
    const index = await readFileIn(root, "/index.html");
    if (!index) {
      return c.text(
        "The console is not built: run `npm run build:web` (npm start and npm test do it).",
        503,
      );
    }
    c.header("content-type", CONTENT_TYPES[".html"]);
    c.header("cache-control", REVALIDATE);
    return c.body(new Uint8Array(index), 200);
  });
}
