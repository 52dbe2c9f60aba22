import { createRoute, z } from "@hono/zod-openapi";
import { addHold, getHold, HoldInputError, releaseHold } from "../../../jobs/retention/holds.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { holdView, listHolds } from "./queries.ts";
import { errorAnswer, text, ZHold, ZPaging, ZUuidParams } from "./schemas.ts";

const ZInstant = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  .openapi({ description: "ISO 8601 date or date-time (UTC unless an offset is given)" });

const ZNewHold = z
  .strictObject({
    tenantId: z.uuid().optional().openapi({ description: "Omit to hold across every tenant" }),
    customerId: z.uuid().optional(),
    table: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, "an operational table name")
      .optional(),
    from: ZInstant.optional(),
    to: ZInstant.optional(),
    reason: text(1000),
    owner: text(255).optional().openapi({ description: "Who answers for it (default: you)" }),
  })
  .openapi("NewLegalHold");

export const listHoldsRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/retention/holds",
    tags: ["retention"],
    summary: "Legal holds, active and released, newest first",
    request: {
      query: z.strictObject({
        state: z.enum(["active", "released"]).optional(),
        tenant: z.uuid().optional(),
        ...ZPaging,
        sort: z.enum(["createdAt:asc", "createdAt:desc"]).default("createdAt:desc"),
      }),
    },
    responses: {
      200: jsonResponse(z.object({ items: z.array(ZHold), total: z.number().int() }), "Holds"),
      ...errorResponses,
    },
  }),
  "retention:read",
  async (c) => {
    const { state, tenant, page, pageSize, sort } = c.req.valid("query");
    const direction = sort === "createdAt:asc" ? "asc" : "desc";
    return c.json(
      await listHolds(c.get("deps").db, { state, tenant }, { page, pageSize }, direction),
      200,
    );
  },
);

function holdWire(hold: Awaited<ReturnType<typeof addHold>>) {
  return holdView({
    id: hold.id,
    tenant_id: hold.tenantId,
    customer_id: hold.customerId,
    table_name: hold.table,
    date_from: hold.dateFrom,
    date_to: hold.dateTo,
    reason: hold.reason,
    owner: hold.owner,
    created_by: hold.createdBy,
    created_at: hold.createdAt,
    released_at: hold.releasedAt,
    released_by: hold.releasedBy,
    release_reason: hold.releaseReason,
  });
}

export const addHoldRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/retention/holds",
    tags: ["retention"],
    summary:
      "Place a legal hold (tenant, customer, table and/or date range): every deletion in its scope stops at once",
    request: { body: jsonBody(ZNewHold) },
    responses: { 201: jsonResponse(ZHold, "The hold"), ...errorResponses },
  }),
  "retention:holds",
  async (c) => {
    const body = c.req.valid("json");
    const actor = c.get("principal")?.email ?? "api";
    const dateFrom = body.from ? new Date(body.from) : null;
    const dateTo = body.to ? new Date(body.to) : null;
    for (const [name, date] of [
      ["from", dateFrom],
      ["to", dateTo],
    ] as const) {
      if (date && Number.isNaN(date.getTime())) {
        throw new AppError("invalid_request", `\`${name}\` is not a real date.`, [
          { path: name, message: "not a real date" },
        ]);
      }
    }
    let hold: Awaited<ReturnType<typeof addHold>>;
    try {
      hold = await addHold(c.get("deps").db, {
        tenantId: body.tenantId ?? null,
        customerId: body.customerId ?? null,
        table: body.table ?? null,
        dateFrom,
        dateTo,
        reason: body.reason,
        owner: body.owner,
        createdBy: actor,
      });
    } catch (error) {
      if (error instanceof HoldInputError) {
        throw new AppError("invalid_request", error.message);
      }
      throw error;
    }
    c.set("audit", {
      action: "retention.hold.add",
      target: `legal-hold:${hold.id}`,
      summary: {
        tenantId: hold.tenantId,
        customerId: hold.customerId,
        table: hold.table,
        from: body.from ?? null,
        to: body.to ?? null,
        reason: hold.reason,
        owner: hold.owner,
      },
    });
    return c.json(holdWire(hold), 201);
  },
);

export const releaseHoldRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/retention/holds/{id}/release",
    tags: ["retention"],
    summary: "Release a legal hold; requests it blocked go back to where they were",
    request: {
      params: ZUuidParams,
      body: {
        required: false,
        content: {
          "application/json": {
            schema: z.strictObject({ reason: text(1000).optional() }).openapi("HoldRelease"),
          },
        },
      },
    },
    responses: {
      200: jsonResponse(ZHold, "The released hold"),
      404: errorAnswer("No such hold"),
      409: errorAnswer("Already released"),
      ...errorResponses,
    },
  }),
  "retention:holds",
  async (c) => {
    const { id } = c.req.valid("param");
    const reason = c.req.valid("json")?.reason;
    const actor = c.get("principal")?.email ?? "api";
    const db = c.get("deps").db;
    const before = await getHold(db, id);
    if (!before) {
      throw new AppError("not_found", `No legal hold ${id}.`);
    }
    if (before.releasedAt) {
      throw new AppError(
        "conflict",
        `Legal hold ${id} was already released by ${before.releasedBy ?? "someone"}.`,
        { reason: "already_released" },
      );
    }
    const hold = (await releaseHold(db, { id, releasedBy: actor, reason })) ?? before;
    c.set("audit", {
      action: "retention.hold.release",
      target: `legal-hold:${id}`,
      summary: { reason: reason ?? null },
    });
    return c.json(holdWire(hold), 200);
  },
);
