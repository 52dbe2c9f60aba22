// The retention API's wire shapes (server/routes/retention/*), defined once: the routes validate
// and document with them, the console imports their inferred types (a changed field fails tsc on both).
import { z } from "@hono/zod-openapi";

export const REQUEST_STATUSES = [
  "planning",
  "pending_approval",
  "approved",
  "rejected",
  "running",
  "done",
  "blocked",
  "expired",
  "failed",
] as const;
export const REQUEST_KINDS = ["retention", "erasure", "access"] as const;

export const POLICY_ACTIONS = ["delete", "archive_then_delete", "anonymize"] as const;

export const ZPolicy = z
  .object({
    id: z.string(),
    version: z.number().int(),
    title: z.string(),
    description: z.string().nullable(),
    regulation: z.string(),
    table: z.string(),
    dateColumn: z.array(z.string()),
    period: z.string(),
    action: z.string(),
    threshold: z.number().int(),
    financial: z.boolean(),
    enabled: z.boolean(),
    source: z.string(),
    editedBy: z.string(),
    editedAt: z.string(),
    note: z.string().nullable(),
    definition: z
      .record(z.string(), z.unknown())
      .openapi({ description: "The policy as validated (rules/retention/schema.ts)" }),
  })
  .openapi("RetentionPolicy");

export const ZPolicyVersion = z
  .object({
    version: z.number().int(),
    active: z.boolean(),
    source: z.string(),
    editedBy: z.string(),
    editedAt: z.string(),
    note: z.string().nullable(),
    definition: z.record(z.string(), z.unknown()),
  })
  .openapi("RetentionPolicyVersion");

export const ZPolicyDetail = ZPolicy.extend({ versions: z.array(ZPolicyVersion) }).openapi(
  "RetentionPolicyDetail",
);

export const ZRequest = z
  .object({
    id: z.string(),
    kind: z.enum(REQUEST_KINDS),
    status: z.enum(REQUEST_STATUSES),
    policyId: z.string().nullable(),
    policyVersion: z.number().int().nullable(),
    tenantId: z.string(),
    subject: z.record(z.string(), z.unknown()),
    totalRows: z.number().int(),
    counts: z.record(z.string(), z.number()),
    tierCounts: z
      .record(
        z.string(),
        z.object({ cold: z.number().int(), archive: z.number().int() }).openapi("TierCount"),
      )
      .openapi({
        description:
          "Planned rows per table in the storage tiers (cold: ClickHouse, archive: Parquet); `counts` are the rows in Postgres",
      }),
    requiresApproval: z.boolean(),
    approvalReasons: z.array(z.string()),
    fingerprint: z.string(),
    requestedBy: z.string(),
    requestedByYou: z
      .boolean()
      .openapi({ description: "The caller requested it, so may not approve it" }),
    createdAt: z.string(),
    approvedBy: z.string().nullable(),
    approvedAt: z.string().nullable(),
    approvalExpiresAt: z.string().nullable(),
    blockedBy: z.array(z.string()),
    error: z.string().nullable(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    hasCertificate: z.boolean(),
  })
  .openapi("RetentionRequest");

export const ZTableCount = z.object({
  table: z.string(),
  tenantId: z.string(),
  rows: z.number().int(),
});

export const ZSampleTable = z.object({
  table: z.string(),
  columns: z.array(z.string()),
  rows: z
    .array(z.record(z.string(), z.string().nullable()))
    .openapi({ description: "Masked values only; raw PII never leaves the server" }),
});

export const ZTimelineEvent = z.object({
  at: z.string(),
  event: z.string(),
  actor: z.string().nullable(),
  reason: z.string().nullable(),
});

/**
 * One table of a request's plan (`definition.tables`). A retention plan's entries name the table
 * and its cascade; an erasure's also say what happens to the person's rows and to rows that only
 * mention them (jobs/retention/erasure.ts). Other fields of the stored plan pass through.
 */
export const ZPlanTable = z
  .looseObject({
    table: z.string(),
    action: z
      .enum(["delete", "archive_then_delete", "anonymize", "scrub"])
      .optional()
      .openapi({ description: "Erasure: what is done to the person's own rows" }),
    actionSource: z
      .enum(["financial_schedule", "fixed_list", "no_single_key", "default"])
      .optional()
      .openapi({ description: "Erasure: where the action came from" }),
    reach: z.enum(["linked", "mentioned", "both"]).optional().openapi({
      description:
        "Erasure: the planned rows are about the person (foreign keys), only mention them, or both",
    }),
    anonymize: z
      .record(z.string(), z.string())
      .optional()
      .openapi({ description: "Erasure: the person's columns and how each is anonymized" }),
    scrubColumns: z.array(z.string()).nullable().optional().openapi({
      description:
        "Erasure: text and JSON columns of the person's rows scrubbed of their identifiers (null: every one)",
    }),
    mentions: z
      .object({
        rows: z.int().min(0),
        scrubColumns: z.array(z.string()).nullable(),
      })
      .nullable()
      .optional()
      .openapi({
        description:
          "Erasure: rows of other people that only mention the person; only the person's identifiers are replaced in `scrubColumns` (null: every text and JSON column), nothing is anonymized or deleted",
      }),
    columnSource: z.enum(["catalog", "fixed_list"]).nullable().optional(),
    columnCategories: z.record(z.string(), z.string()).optional(),
    columnWhy: z.string().optional(),
  })
  .openapi("RetentionPlanTable");

export const ZEarlierRejection = z
  .object({
    requestId: z.string(),
    rejectedBy: z.string(),
    reason: z.string(),
    rejectedAt: z.string(),
  })
  .openapi("RetentionEarlierRejection");

export const ZAccountProvenance = z
  .object({
    email: z.string(),
    events: z.array(
      z.object({
        event: z.enum(["created", "role_changed", "enabled"]),
        role: z.string(),
        by: z.string(),
        at: z.string(),
        text: z.string().openapi({ description: "The event in words" }),
      }),
    ),
  })
  .openapi("AccountProvenance");

export const ZRequestDetail = ZRequest.extend({
  cutoff: z.string().nullable(),
  definition: z.looseObject({ tables: z.array(ZPlanTable).optional() }).openapi({
    description:
      "The frozen plan (without an erasure's identifier digests); its `tables` per table",
  }),
  keySetHash: z.string().nullable(),
  impact: z.array(ZTableCount),
  samples: z.array(ZSampleTable),
  downstream: z
    .array(
      z.object({
        id: z.string(),
        kind: z.enum(["table", "column", "file"]),
        via: z.enum(["flow", "reference"]),
        from: z.string(),
      }),
    )
    .openapi({
      description:
        "Downstream assets affected (lineage): what the deletion changes beyond its own tables, e.g. ClickHouse aggregates",
    }),
  timeline: z.array(ZTimelineEvent),
  progress: z
    .object({ done: z.number().int(), total: z.number().int() })
    .nullable()
    .openapi({ description: "Rows done of the plan (ledger), while running or after" }),
  earlierRejection: ZEarlierRejection.nullable().openapi({
    description: "The same key set was rejected before: by whom, when and why",
  }),
  yourAccount: ZAccountProvenance.nullable().openapi({
    description: "Who created, promoted or re-enabled the caller's account",
  }),
  approverAccount: ZAccountProvenance.nullable().openapi({
    description: "Who created, promoted or re-enabled the approver's account (once approved)",
  }),
  separationOfDuties: z.string().nullable().openapi({
    description:
      "Why the caller may not decide this request (they caused it, or their account was made or raised by who did); null when they may",
  }),
  rowsByAge: z
    .array(z.object({ years: z.number().int(), rows: z.number().int() }))
    .nullable()
    .openapi({
      description:
        "Rows of the policy's table in the key set by age in whole years (its date columns); null for an erasure",
    }),
}).openapi("RetentionRequestDetail");

export const ZHold = z
  .object({
    id: z.string(),
    tenantId: z.string().nullable(),
    customerId: z.string().nullable(),
    table: z.string().nullable(),
    from: z.string().nullable(),
    to: z.string().nullable(),
    reason: z.string(),
    owner: z.string(),
    createdBy: z.string(),
    createdAt: z.string(),
    releasedAt: z.string().nullable(),
    releasedBy: z.string().nullable(),
    releaseReason: z.string().nullable(),
  })
  .openapi("LegalHold");

export const ZInvestigation = z
  .object({
    regulation: z.string(),
    active: z.boolean(),
    reason: z.string().nullable(),
    setBy: z.string().nullable(),
    setAt: z.string().nullable(),
  })
  .openapi("InvestigationFlag");

export const ZCertificateSummary = z
  .object({
    id: z.string().openapi({ description: "The request it certifies (one per request)" }),
    requestId: z.string(),
    kind: z.enum(REQUEST_KINDS),
    policyId: z.string().nullable(),
    tenantId: z.string(),
    totalRows: z.number().int(),
    sha256: z.string(),
    issuedAt: z.string(),
  })
  .openapi("RetentionCertificateSummary");

export const ZCertificate = ZCertificateSummary.extend({
  body: z.record(z.string(), z.unknown()),
}).openapi("RetentionCertificate");

/** What "Plan now" made or found open: one request per policy and tenant with candidates. */
export const ZPlanAnswer = z
  .object({
    items: z.array(ZRequest.extend({ outcome: z.enum(["created", "unchanged", "kept"]) })),
  })
  .openapi("RetentionPlanAnswer");

export type TPlanAnswer = z.infer<typeof ZPlanAnswer>;
export type TRequestStatus = (typeof REQUEST_STATUSES)[number];
export type TRequestKind = (typeof REQUEST_KINDS)[number];
export type TPolicyAction = (typeof POLICY_ACTIONS)[number];
export type TPolicy = z.infer<typeof ZPolicy>;
export type TPolicyVersion = z.infer<typeof ZPolicyVersion>;
export type TPolicyDetail = z.infer<typeof ZPolicyDetail>;
export type TRequest = z.infer<typeof ZRequest>;
export type TTableCount = z.infer<typeof ZTableCount>;
export type TSampleTable = z.infer<typeof ZSampleTable>;
export type TTimelineEvent = z.infer<typeof ZTimelineEvent>;
export type TPlanTable = z.infer<typeof ZPlanTable>;
export type TAccountProvenance = z.infer<typeof ZAccountProvenance>;
export type TRequestDetail = z.infer<typeof ZRequestDetail>;
export type THold = z.infer<typeof ZHold>;
export type TInvestigation = z.infer<typeof ZInvestigation>;
export type TCertificateSummary = z.infer<typeof ZCertificateSummary>;
export type TCertificate = z.infer<typeof ZCertificate>;
