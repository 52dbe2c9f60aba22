import { z } from "@hono/zod-openapi";
import { EDGE_KINDS, TRANSFORMATIONS } from "../../../jobs/lineage/types.ts";

/** A node id as the contract writes it, or a Postgres name without prefix. */
const ZNode = z
  .string()
  .max(1000)
  .refine((v) => v.trim().length > 0 && ![...v].some((ch) => (ch.codePointAt(0) ?? 0) < 0x20), {
    message: "must be a node id (not blank, no control characters)",
  });

export const ZTraceQuery = z.strictObject({
  node: ZNode.openapi({ example: "public.customers.email" }),
  direction: z.enum(["upstream", "downstream", "both"]).default("both"),
  depth: z.coerce.number().int().min(1).max(50).default(5),
  kind: z.enum(EDGE_KINDS).optional(),
});

export const ZTraceNode = z.object({
  id: z.string(),
  kind: z.enum(["table", "column", "file"]),
  pii: z.string().nullable(),
  depth: z.number().int(),
  catalogId: z.string().nullable(),
});
export const ZTraceEdge = z.object({
  from: z.string(),
  to: z.string(),
  kind: z.enum(EDGE_KINDS),
  transformation: z.string().nullable(),
  expression: z.string().nullable(),
  source: z.string(),
  note: z.string().nullable(),
  carriesRows: z.boolean(),
});
export const ZTrace = z
  .object({ root: z.string(), nodes: z.array(ZTraceNode), edges: z.array(ZTraceEdge) })
  .openapi("LineageTrace");
export type TTrace = z.infer<typeof ZTrace>;

export const ZManualEdge = z
  .strictObject({
    from: ZNode,
    to: ZNode,
    kind: z.enum(EDGE_KINDS).default("flow"),
    transformation: z.enum(TRANSFORMATIONS).nullable().default(null),
    expression: z.string().max(2000).nullable().default(null),
  })
  .openapi("LineageManualEdge");

export const ZManualEdgeRemove = z.strictObject({
  from: ZNode,
  to: ZNode,
  kind: z.enum(EDGE_KINDS).default("flow"),
});

export const ZImpactQuery = z.strictObject({
  node: ZNode,
  depth: z.coerce.number().int().min(1).max(50).default(10),
});
export const ZImpact = z
  .object({
    root: z.string(),
    assets: z.array(
      z.object({
        id: z.string(),
        kind: z.enum(["table", "column", "file"]),
        via: z.enum(EDGE_KINDS),
        depth: z.number().int(),
      }),
    ),
  })
  .openapi("LineageImpact");
