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

/** The rule in force for one personal-data column or JSONB path (masking/rules/effective.ts). */
export const ZRuleRow = z
  .object({
    catalogColumnId: z.string().nullable(),
    table: z.string(),
    column: z.string(),
    jsonPath: z.string(),
    category: z.string().nullable(),
    reviewStatus: z.string().nullable(),
    blocksProvisioning: z.boolean(),
    strategy: z.string(),
    params: z.record(z.string(), z.unknown()),
    source: z.enum(["rule", "default"]),
    version: z.number().nullable(),
    setBy: z.string().nullable(),
    setAt: z.string().nullable(),
    reason: z.string().nullable(),
  })
  .openapi("MaskingRuleRow");
export type TRuleRow = z.infer<typeof ZRuleRow>;

/** A dataset's size estimate against the requester's role limit. */
export const ZLimitCheck = z
  .object({
    allowed: z.boolean(),
    role: z.string(),
    limit: z.object({ rows: z.number(), bytes: z.number() }),
    estimate: z.object({ rows: z.number(), bytes: z.number(), basis: z.string() }),
    message: z.string(),
  })
  .openapi("DatasetEstimate");
export type TLimitCheck = z.infer<typeof ZLimitCheck>;

export const ZConnection = z
  .object({
    id: z.string(),
    name: z.string(),
    connectionString: z.string().openapi({ description: "With the dataset role's password" }),
  })
  .openapi("DatasetConnection");
export type TConnection = z.infer<typeof ZConnection>;

export const ZBlockingColumn = z
  .object({
    column: z.string().openapi({ example: "customers.backup_email" }),
    reason: z.string().openapi({ example: "unknown_column" }),
    /** Why a `not_classifiable` column had no usable samples (unreadable, empty, all NULL). */
    detail: z.string().nullable().openapi({
      example: "not sampled: govern_reader may not select from it",
    }),
    /** The catalog entry to review, when the catalog knows the column. */
    catalogColumnId: z.string().nullable(),
  })
  .openapi("BlockingColumn");
export type TBlockingColumn = z.infer<typeof ZBlockingColumn>;

/** The provisioning gate: whether a copy would run now, and every column that blocks it. */
export const ZGate = z
  .object({ ok: z.boolean(), blocking: z.array(ZBlockingColumn) })
  .openapi("ProvisioningGate");
export type TGate = z.infer<typeof ZGate>;
