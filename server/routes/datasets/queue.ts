import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { QueueName } from "../../../jobs/queues.ts";
import type { Dataset } from "../../../masking/datasets.repository.ts";
import { type AppEnv, jobQueuesOf } from "../../api/context.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { conflict, type TDataset, toWireDataset, ZDataset } from "./schemas.ts";

/**
 * The steps the masked and the synthetic dataset requests share once the dataset is registered:
 * one answer (202 with the dataset and its job), one way to queue the job that builds it.
 */

/** The responses of a dataset request: registered and queued, or refused. */
export const queuedDatasetResponses = {
  202: jsonResponse(z.object({ dataset: ZDataset, jobId: z.string() }), "Registered and queued"),
  ...errorResponses,
  ...conflict,
} as const;

/**
 * Queues the job that builds a registered dataset, on behalf of the requester, and records the
 * request's audit event; returns the 202 body.
 */
export async function queueDatasetJob(
  c: Context<AppEnv>,
  request: {
    dataset: Dataset;
    queue: QueueName;
    payload: Record<string, unknown>;
    requestedBy: string;
    action: string;
    summary: Record<string, unknown>;
  },
): Promise<{ dataset: TDataset; jobId: string }> {
  const jobId = await jobQueuesOf(c.get("deps")).enqueue(
    request.queue,
    request.payload,
    request.requestedBy,
  );
  c.set("audit", {
    action: request.action,
    target: `dataset:${request.dataset.name}`,
    summary: request.summary,
  });
  return { dataset: toWireDataset(request.dataset, c.get("principal")), jobId };
}
