import { createRoute } from "@hono/zod-openapi";
import { AccessInputError, addAccessNote } from "../../../jobs/retention/access-request.ts";
import { ZAccessNote, ZAccessNoteBody } from "../../../schema/contracts/access.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { errorAnswer } from "../retention/schemas.ts";
import { ZAccessIdParams } from "./schemas.ts";

export const addAccessNoteRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/access-requests/{id}/notes",
    tags: ["retention"],
    summary: "Add a note to an access request (append-only, audited)",
    request: { params: ZAccessIdParams, body: jsonBody(ZAccessNoteBody) },
    responses: {
      201: jsonResponse(ZAccessNote, "The note"),
      404: errorAnswer("No such access request"),
      ...errorResponses,
    },
  }),
  "retention:plan",
  async (c) => {
    const { db } = c.get("deps");
    const { id } = c.req.valid("param");
    const { body } = c.req.valid("json");
    const author = c.get("principal")?.email ?? "api";
    let note: Awaited<ReturnType<typeof addAccessNote>>;
    try {
      note = await addAccessNote(db, { requestId: id, author, body });
    } catch (error) {
      if (error instanceof AccessInputError) {
        throw new AppError("invalid_request", error.message);
      }
      throw error;
    }
    if (!note) {
      throw new AppError("not_found", `no access request ${id}`);
    }
    c.set("audit", {
      action: "retention.access.note",
      target: `retention-request:${id}`,
      summary: { noteId: note.id, length: note.body.length },
    });
    return c.json(note, 201);
  },
);
