import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { type Dataset, getDataset, updateDataset } from "../../../masking/datasets.repository.ts";
import {
  applyRefreshSchedule,
  nextRun,
  refreshCronProblem,
} from "../../../masking/provision/refresh-schedule.ts";
import {
  ZRefreshSchedule,
  ZRefreshScheduleRequest,
} from "../../../schema/contracts/datasets-controls.ts";
import { type AppEnv, jobQueuesOf } from "../../api/context.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { conflict, notFound, ownsOrAdmin, requirePrincipal, ZUuidParam } from "./schemas.ts";

/**
 * A dataset's refresh: a cron schedule on the dataset (a BullMQ scheduler on the masking queue,
 * masking/provision/refresh-schedule.ts) and a refresh now. Each refresh provisions the dataset
 * again from today's source (masking/provision/refresh.ts). Owner or admin; audited.
 */

async function ownedMaskedDataset(c: Context<AppEnv>, id: string): Promise<Dataset> {
  const principal = requirePrincipal(c.get("principal"));
  const dataset = await getDataset(c.get("deps").db, id);
  if (!dataset || dataset.status === "dropped" || dataset.status === "expired") {
    throw new AppError("not_found", "No such dataset.");
  }
  if (!ownsOrAdmin(principal, dataset)) {
    throw new AppError("forbidden", `Only ${dataset.owner} or an admin may refresh this dataset.`);
  }
  if (dataset.kind !== "masked") {
    throw new AppError("invalid_request", "Only masked copies are refreshed.");
  }
  if (dataset.serverUrlEnc) {
    throw new AppError(
      "invalid_request",
      "A dataset on another server is not refreshed: request a new one.",
    );
  }
  return dataset;
}

export const setRefreshScheduleRoute = defineRoute(
  createRoute({
    method: "put",
    path: "/api/v1/datasets/{id}/refresh-schedule",
    tags: ["datasets"],
    summary:
      "Set (cron, UTC, at most hourly) or remove (null) the schedule on which a masked dataset is provisioned again",
    request: { params: ZUuidParam, body: jsonBody(ZRefreshScheduleRequest) },
    responses: {
      200: jsonResponse(ZRefreshSchedule, "The schedule now in force"),
      ...errorResponses,
      ...notFound,
    },
  }),
  "datasets:provision",
  async (c) => {
    const dataset = await ownedMaskedDataset(c, c.req.valid("param").id);
    const { cron } = c.req.valid("json");
    const problem = cron === null ? undefined : refreshCronProblem(cron);
    if (problem) {
      throw new AppError("invalid_request", `cron: ${problem}`);
    }
    const deps = c.get("deps");
    // BullMQ first: a schedule stored but never applied would say it refreshes when it does not.
    await applyRefreshSchedule(jobQueuesOf(deps).get("masking"), dataset.id, cron);
    await updateDataset(deps.db, dataset.id, { refreshCron: cron });
    c.set("audit", {
      action: cron ? "datasets.refresh_schedule.set" : "datasets.refresh_schedule.remove",
      target: `dataset:${dataset.name}`,
      summary: { id: dataset.id, cron, previous: dataset.refreshCron },
    });
    const next = cron ? nextRun(cron) : null;
    return c.json({ id: dataset.id, cron, nextRefreshAt: next ? next.toISOString() : null }, 200);
  },
);

export const refreshNowRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/datasets/{id}/refresh",
    tags: ["datasets"],
    summary: "Provision a masked dataset again now from today's source (new role password)",
    request: { params: ZUuidParam },
    responses: {
      202: jsonResponse(z.object({ id: z.string(), jobId: z.string() }), "Queued"),
      ...errorResponses,
      ...notFound,
      ...conflict,
    },
  }),
  "datasets:provision",
  async (c) => {
    const principal = requirePrincipal(c.get("principal"));
    const dataset = await ownedMaskedDataset(c, c.req.valid("param").id);
    if (!["ready", "failed", "refused"].includes(dataset.status)) {
      throw new AppError("conflict", `Dataset ${dataset.name} is ${dataset.status}.`);
    }
    const jobId = await jobQueuesOf(c.get("deps")).enqueue(
      "masking",
      { action: "refresh", datasetId: dataset.id },
      principal.email,
    );
    c.set("audit", {
      action: "datasets.refresh.request",
      target: `dataset:${dataset.name}`,
      summary: { id: dataset.id },
    });
    return c.json({ id: dataset.id, jobId }, 202);
  },
);
