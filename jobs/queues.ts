/** One BullMQ queue per engine (DESIGN.md). Engines without a handler yet have no worker. */
export const QUEUE_NAMES = [
  "classify",
  "lineage",
  "quality",
  "tiering",
  "retention",
  "masking",
  "synth",
  "etl",
  "partitions",
] as const;

export type QueueName = (typeof QUEUE_NAMES)[number];
