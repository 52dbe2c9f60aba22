import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import {
  allRecognizers,
  createRecognizer,
  editRecognizer,
  previewRecognizer,
  recognizerDetail,
  setRecognizerEnabled,
} from "../../../jobs/classify/recognizers.ts";
import {
  type TRecognizer,
  ZRecognizer,
  ZRecognizerDetail,
  ZRecognizerList,
  ZRecognizerPreview,
  ZRecognizerPreviewRequest,
  ZRecognizerToggle,
  ZRecognizerWrite,
} from "../../../schema/contracts/recognizers.ts";
import type { Db } from "../../../schema/postgres.ts";
import type { AppEnv } from "../../api/context.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { asRecognizerErrors } from "./recognizers-errors.ts";

/** Custom recognizers (issue 21): list, read with versions, create, edit, enable/disable, preview. */

const ZRecognizerParams = z.strictObject({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, description: "Recognizer id or name" }),
});

type Write = z.infer<typeof ZRecognizerWrite>;
type WriteInput = Write & { actor: string };

/**
 * Stores a new version of a recognizer's definition (a create or an edit), with the store's
 * refusals as 4xx, and audits it under `action`.
 */
async function writeDefinition(
  c: Context<AppEnv>,
  action: string,
  body: Write,
  write: (db: Db, input: WriteInput) => Promise<TRecognizer>,
): Promise<TRecognizer> {
  const written = await asRecognizerErrors(() =>
    write(c.get("deps").db, {
      definition: body.definition,
      actor: c.get("principal")?.email ?? "api",
      comment: body.comment,
    }),
  );
  c.set("audit", {
    action,
    target: `recognizer:${written.name}`,
    summary: { id: written.id, version: written.version, definition: written.definition },
  });
  return written;
}

export const listRecognizersRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/catalog/recognizers",
    tags: ["catalog"],
    summary: "List custom recognizers with their current version and state",
    responses: { 200: jsonResponse(ZRecognizerList, "Recognizers by name"), ...errorResponses },
  }),
  "catalog:read",
  async (c) => c.json({ recognizers: await allRecognizers(c.get("deps").db) }, 200),
);

export const getRecognizerRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/catalog/recognizers/{id}",
    tags: ["catalog"],
    summary: "A custom recognizer with every version (who changed what, when)",
    request: { params: ZRecognizerParams },
    responses: { 200: jsonResponse(ZRecognizerDetail, "The recognizer"), ...errorResponses },
  }),
  "catalog:read",
  async (c) => {
    const detail = await recognizerDetail(c.get("deps").db, c.req.valid("param").id);
    if (!detail) {
      throw new AppError("not_found", "No recognizer has this id or name.");
    }
    return c.json(detail, 200);
  },
);

export const createRecognizerRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/catalog/recognizers",
    tags: ["catalog"],
    summary: "Add a custom recognizer (version 1, disabled until it is tried and enabled)",
    request: { body: jsonBody(ZRecognizerWrite) },
    responses: { 201: jsonResponse(ZRecognizer, "The new recognizer"), ...errorResponses },
  }),
  "catalog:recognizers",
  async (c) => {
    const created = await writeDefinition(
      c,
      "catalog.recognizer.create",
      c.req.valid("json"),
      createRecognizer,
    );
    return c.json(created, 201);
  },
);

export const editRecognizerRoute = defineRoute(
  createRoute({
    method: "put",
    path: "/api/v1/catalog/recognizers/{id}",
    tags: ["catalog"],
    summary: "Edit a recognizer's definition: a new version (enabled state unchanged)",
    request: { params: ZRecognizerParams, body: jsonBody(ZRecognizerWrite) },
    responses: {
      200: jsonResponse(ZRecognizer, "The recognizer's new version"),
      ...errorResponses,
    },
  }),
  "catalog:recognizers",
  async (c) => {
    const id = c.req.valid("param").id;
    const edited = await writeDefinition(
      c,
      "catalog.recognizer.edit",
      c.req.valid("json"),
      (db, input) => editRecognizer(db, id, input),
    );
    return c.json(edited, 200);
  },
);

export const toggleRecognizerRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/catalog/recognizers/{id}/enabled",
    tags: ["catalog"],
    summary: "Enable (the next scan uses it) or disable a recognizer: a new version",
    request: { params: ZRecognizerParams, body: jsonBody(ZRecognizerToggle) },
    responses: {
      200: jsonResponse(ZRecognizer, "The recognizer's new version"),
      ...errorResponses,
    },
  }),
  "catalog:recognizers",
  async (c) => {
    const body = c.req.valid("json");
    const actor = c.get("principal")?.email ?? "api";
    const changed = await asRecognizerErrors(() =>
      setRecognizerEnabled(c.get("deps").db, c.req.valid("param").id, {
        enabled: body.enabled,
        actor,
        comment: body.comment,
      }),
    );
    c.set("audit", {
      action: body.enabled ? "catalog.recognizer.enable" : "catalog.recognizer.disable",
      target: `recognizer:${changed.name}`,
      summary: { id: changed.id, version: changed.version, comment: body.comment },
    });
    return c.json(changed, 200);
  },
);

export const previewRecognizerRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/catalog/recognizers/preview",
    tags: ["catalog"],
    summary:
      "Try a recognizer definition on live samples (masked): which columns it matches and which labels the next scan would change",
    request: { body: jsonBody(ZRecognizerPreviewRequest) },
    responses: { 200: jsonResponse(ZRecognizerPreview, "The preview"), ...errorResponses },
  }),
  "catalog:recognizers",
  async (c) => {
    const body = c.req.valid("json");
    const { db, analytics } = c.get("deps");
    const preview = await asRecognizerErrors(() =>
      previewRecognizer({ db, analytics }, { definition: body.definition, rows: body.rows }),
    );
    return c.json(preview, 200);
  },
);
