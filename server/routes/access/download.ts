import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { createRoute, z } from "@hono/zod-openapi";
import { accessPackageFile, recordAccessDownload } from "../../../jobs/retention/access-request.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { errorAnswer } from "../retention/schemas.ts";
import { ZAccessIdParams } from "./schemas.ts";

export const downloadAccessRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/access-requests/{id}/package",
    tags: ["retention"],
    summary:
      "Download the person's package (gzipped tar: JSON and CSV per table, manifest.json); every download is audited with its sha256",
    request: { params: ZAccessIdParams },
    responses: {
      200: {
        description: "The package",
        content: { "application/gzip": { schema: z.string().openapi({ format: "binary" }) } },
      },
      404: errorAnswer("No such request, or no package produced yet"),
      ...errorResponses,
    },
  }),
  "retention:access_package",
  async (c) => {
    const { db } = c.get("deps");
    const { id } = c.req.valid("param");
    const file = await accessPackageFile(db, id);
    if (!file) {
      throw new AppError("not_found", `access request ${id} has no package (yet)`);
    }
    const principal = c.get("principal");
    await recordAccessDownload(db, {
      requestId: id,
      actor: principal?.email ?? "anonymous",
      actorRole: principal?.role ?? null,
      sha256: file.sha256,
      via: "api",
    });
    const body = Readable.toWeb(createReadStream(file.path)) as ReadableStream<Uint8Array>;
    return c.body(body, 200, {
      "content-type": "application/gzip",
      "content-length": String(file.bytes),
      "content-disposition": `attachment; filename="access-${id}.tar.gz"`,
      "x-content-sha256": file.sha256,
      "cache-control": "no-store",
    }) as never;
  },
);
