import { z } from "@hono/zod-openapi";
import type { JobDefinition } from "../../../jobs/job-definition.ts";
import { isQueueName, QUEUE_NAMES, type QueueName } from "../../../jobs/queues.ts";
import { JOBS } from "../../../jobs/registry.ts";
import { AppError } from "../../errors.ts";

export const ZQueueParams = z.strictObject({
  queue: z
    .string()
    .min(1)
    .max(50)
    .openapi({ param: { name: "queue", in: "path" }, example: "partitions" }),
});

/**
 * The queue a path names, with its job. Unknown queues and queues whose engine has no handler
 * yet are a bad request (400), not a missing resource: the set of queues is fixed.
 */
export function definedQueue(name: string): { queue: QueueName; definition: JobDefinition } {
  if (!isQueueName(name)) {
    throw new AppError("invalid_request", `Unknown queue "${name}".`, { queues: QUEUE_NAMES });
  }
  const definition = JOBS[name];
  if (!definition) {
    throw new AppError("invalid_request", `The ${name} queue has no job handler yet.`);
  }
  return { queue: name, definition };
}
