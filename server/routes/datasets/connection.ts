import { createRoute } from "@hono/zod-openapi";
import { getDataset } from "../../../masking/datasets.repository.ts";
import {
  connectionString,
  rotateDatasetPassword,
} from "../../../masking/provision/dataset-database.ts";
import { ZConnection } from "../../../schema/contracts/datasets.ts";
import { appendAuditEvent } from "../../../schema/governance/audit-events.repository.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import {
  conflict,
  engine,
  notFound,
  ownsOrAdmin,
  requirePrincipal,
  ZUuidParam,
} from "./schemas.ts";

/**
 * A dataset's connection string is a secret: its own role's password is in it. Only the engineer
 * who requested the dataset and admins read it (here, never in lists, job runs, logs or audit
 * summaries), and either may rotate the password. Reading and rotating are both audited, the
 * secret left out.
 */

async function ownedReadyDataset(c: Parameters<Parameters<typeof defineRoute>[2]>[0], id: string) {
  const principal = requirePrincipal(c.get("principal"));
  const dataset = await getDataset(c.get("deps").db, id);
  if (!dataset || dataset.status === "dropped" || dataset.status === "expired") {
    throw new AppError("not_found", "No such dataset.");
  }
  if (!ownsOrAdmin(principal, dataset)) {
    throw new AppError(
      "forbidden",
      `Only ${dataset.owner}, who requested this dataset, or an admin may see or change its credentials.`,
    );
  }
  if (dataset.status !== "ready" || !dataset.passwordEnc) {
    throw new AppError("conflict", `Dataset ${dataset.name} is ${dataset.status}: not ready yet.`);
  }
  return { principal, dataset };
}

export const datasetConnectionRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/datasets/{id}/connection",
    tags: ["datasets"],
    summary: "The dataset's connection string with its password (its requester or an admin)",
    request: { params: ZUuidParam },
    responses: {
      200: jsonResponse(ZConnection, "The connection string"),
      ...errorResponses,
      ...notFound,
      ...conflict,
    },
  }),
  "datasets:provision",
  async (c) => {
    const { principal, dataset } = await ownedReadyDataset(c, c.req.valid("param").id);
    const deps = c.get("deps");
    const url = connectionString(deps.config, dataset);
    if (!url) {
      throw new AppError("conflict", `Dataset ${dataset.name} has no credentials.`);
    }
    await appendAuditEvent(deps.db, {
      actor: principal.email,
      actorRole: principal.role,
      action: "datasets.connection.read",
      target: `dataset:${dataset.name}`,
      summary: { id: dataset.id },
      requestId: c.get("requestId"),
    });
    c.header("cache-control", "no-store");
    return c.json({ id: dataset.id, name: dataset.name, connectionString: url }, 200);
  },
);

export const rotateDatasetPasswordRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/datasets/{id}/rotate-password",
    tags: ["datasets"],
    summary: "Give the dataset's role a new password; the old one stops working at once",
    request: { params: ZUuidParam },
    responses: {
      200: jsonResponse(ZConnection, "The new connection string"),
      ...errorResponses,
      ...notFound,
      ...conflict,
    },
  }),
  "datasets:provision",
  async (c) => {
    const { dataset } = await ownedReadyDataset(c, c.req.valid("param").id);
    const deps = c.get("deps");
    c.set("audit", {
      action: "datasets.rotate_password",
      target: `dataset:${dataset.name}`,
      summary: { id: dataset.id, role: dataset.roleName },
    });
    const url = await engine(() => rotateDatasetPassword(deps, dataset));
    c.header("cache-control", "no-store");
    return c.json({ id: dataset.id, name: dataset.name, connectionString: url }, 200);
  },
);
