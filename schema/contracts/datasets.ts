// The datasets API's wire shapes (server/routes/datasets/*), defined once for routes and console.
import { z } from "@hono/zod-openapi";

export const ZTableProgress = z.object({
  status: z.string(),
  rows: z.number(),
  expected: z.number().nullable().optional(),
  ms: z.number().optional(),
});

export const ZDataset = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(["masked", "synthetic"]),
    status: z.string(),
    owner: z.string(),
    databaseName: z.string().nullable(),
    databaseUrl: z.string().nullable().openapi({
      description:
        "Where to connect (the dataset's own role), never with its password: the owner and admins get the full connection string from GET /datasets/{id}/connection",
    }),
    /** Whether the signed-in person may read the connection string (owner or admin). */
    connectionVisible: z.boolean(),
    cancelRequested: z.boolean(),
    estimate: z.object({ rows: z.number(), bytes: z.number(), basis: z.string() }).nullable(),
    tenants: z.array(z.string()).nullable(),
    percent: z.number().nullable(),
    progress: z.record(z.string(), ZTableProgress),
    report: z.unknown(),
    sizeBytes: z.number().nullable(),
    expiresAt: z.string().nullable(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    error: z.string().nullable(),
    /** The refresh schedule (five-field cron, UTC) and its next run; null: none. */
    refreshCron: z.string().nullable(),
    nextRefreshAt: z.string().nullable(),
    refreshedAt: z.string().nullable(),
    refreshError: z.string().nullable(),
  })
  .openapi("Dataset");
export type TDataset = z.infer<typeof ZDataset>;
export type TTableProgress = z.infer<typeof ZTableProgress>;

/** The report of a masked copy (masking/provision/provision.ts writes it into `report`). */
export const ZMaskedReport = z
  .object({
    dataset: z.object({ id: z.string(), name: z.string() }),
    database: z.string(),
    subset: z.object({ tenants: z.array(z.string()).nullable(), percent: z.number().nullable() }),
    keyFingerprint: z.string(),
    tables: z.record(
      z.string(),
      z.object({ rows: z.number(), ms: z.number(), filtered: z.boolean() }),
    ),
    totalRows: z.number(),
    rules: z.array(
      z.object({
        column: z.string(),
        path: z.string().optional(),
        category: z.string(),
        strategy: z.string(),
        source: z.string(),
      }),
    ),
    leakScan: z.object({
      clean: z.boolean(),
      identifiers: z.number(),
      columns: z.number(),
      values: z.number(),
      findings: z.array(z.object({ column: z.string(), rows: z.number() })),
      identifiersMs: z.number(),
      ms: z.number(),
    }),
    timings: z.record(z.string(), z.number()),
    rowsPerSecond: z.number(),
    sizeBytes: z.number(),
  })
  .openapi("MaskedReport");
export type TMaskedReport = z.infer<typeof ZMaskedReport>;
