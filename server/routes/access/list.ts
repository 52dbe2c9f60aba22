import { createRoute } from "@hono/zod-openapi";
import { getAccessRequest, listAccessRequests } from "../../../jobs/retention/access-request.ts";
import {
  ZAccessList,
  ZAccessListQuery,
  ZAccessRequestDetail,
} from "../../../schema/contracts/access.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { errorAnswer } from "../retention/schemas.ts";
import { ZAccessIdParams } from "./schemas.ts";

export const listAccessRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/access-requests",
    tags: ["retention"],
    summary:
      "Access requests, open ones by nearest deadline first, each with its countdown or overdue state",
    request: { query: ZAccessListQuery },
    responses: { 200: jsonResponse(ZAccessList, "One page of access requests"), ...errorResponses },
  }),
  "retention:read",
  async (c) => {
    const { db } = c.get("deps");
    const q = c.req.valid("query");
    const list = await listAccessRequests(
      db,
      {
        status: q.status,
        tenantId: q.tenantId,
        overdue: q.overdue === undefined ? undefined : q.overdue === "true",
        page: q.page,
        pageSize: q.pageSize,
      },
      { caller: c.get("principal")?.email },
    );
    return c.json(list, 200);
  },
);

export const getAccessRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/access-requests/{id}",
    tags: ["retention"],
    summary: "One access request: deadline, approval, package manifest, notes and downloads",
    request: { params: ZAccessIdParams },
    responses: {
      200: jsonResponse(ZAccessRequestDetail, "The request"),
      404: errorAnswer("No such access request"),
      ...errorResponses,
    },
  }),
  "retention:read",
  async (c) => {
    const { db } = c.get("deps");
    const { id } = c.req.valid("param");
    const request = await getAccessRequest(db, id, { caller: c.get("principal")?.email });
    if (!request) {
      throw new AppError("not_found", `no access request ${id}`);
    }
    return c.json(request, 200);
  },
);
