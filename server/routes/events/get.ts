import { createRoute, z } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import { can } from "../../../schema/domain/permissions.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { changeFeedOf, LIVE_TOPICS, type LiveEvent, type LiveTopic } from "./feed.ts";

const TOPICS = Object.keys(LIVE_TOPICS) as [LiveTopic, ...LiveTopic[]];

const ZQuery = z.strictObject({
  topics: z
    .string()
    .max(200)
    .transform((value) => value.split(",").filter(Boolean))
    .pipe(z.array(z.enum(TOPICS)).min(1).max(TOPICS.length))
    .optional()
    .openapi({
      type: "string",
      description: `Comma-separated: ${TOPICS.join(", ")}. Without it, every topic the role may read.`,
      example: "jobs,retention",
    }),
});

export const ZLiveEvent = z
  .object({
    topic: z.enum(TOPICS),
    id: z.string(),
    status: z.string(),
    progress: z.number().min(0).max(100).nullable(),
  })
  .openapi("LiveEvent");

/** A stream is closed after this long; EventSource reconnects, and the session is checked anew. */
const MAX_STREAM_MS = 5 * 60_000;
const KEEP_ALIVE_MS = 15_000;

export const getEvents = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/events",
    tags: ["system"],
    summary:
      "Server-sent events: state and progress changes of job runs, datasets and retention requests",
    description:
      "Each `change` event's data is a LiveEvent (JSON). A `ready` event opens the stream; comments keep it alive. The stream ends after 5 minutes and EventSource reconnects; without `Accept: text/event-stream` it ends after `ready`.",
    request: { query: ZQuery },
    responses: {
      200: {
        description: "An event stream",
        content: { "text/event-stream": { schema: z.string() } },
      },
      ...errorResponses,
    },
  }),
  "authenticated",
  (c) => {
    const principal = c.get("principal");
    const asked = c.req.valid("query").topics;
    const topics = new Set(
      asked ?? TOPICS.filter((topic) => principal && can(principal.role, LIVE_TOPICS[topic])),
    );
    for (const topic of topics) {
      if (!principal || !can(principal.role, LIVE_TOPICS[topic])) {
        throw new AppError(
          "forbidden",
          `The ${principal?.role} role may not watch ${topic} (${LIVE_TOPICS[topic]}).`,
        );
      }
    }
    const feed = changeFeedOf(c.get("deps"));
    // A caller that does not ask for a stream (a script, a link check) gets the opening event
    // and the end, not a connection held open for minutes.
    const follow = /text\/event-stream/i.test(c.req.header("accept") ?? "");
    return streamSSE(c, async (stream) => {
      const queue: LiveEvent[] = [];
      let wake: (() => void) | undefined;
      const unsubscribe = feed.subscribe(topics, (event) => {
        queue.push(event);
        wake?.();
      });
      const ends = Date.now() + (follow ? MAX_STREAM_MS : 0);
      stream.onAbort(() => wake?.());
      try {
        await stream.writeSSE({
          event: "ready",
          data: JSON.stringify({ topics: [...topics] }),
          retry: 2_000,
        });
        while (!stream.aborted && !stream.closed && Date.now() < ends) {
          const event = queue.shift();
          if (event) {
            await stream.writeSSE({ event: "change", data: JSON.stringify(event) });
            continue;
          }
          const waited = await new Promise<"event" | "idle">((resolve) => {
            const timer = setTimeout(() => resolve("idle"), KEEP_ALIVE_MS);
            wake = () => {
              clearTimeout(timer);
              resolve("event");
            };
          });
          wake = undefined;
          if (waited === "idle" && !stream.aborted) {
            await stream.write(": keep-alive\n\n");
          }
        }
      } finally {
        unsubscribe();
      }
    });
  },
);
