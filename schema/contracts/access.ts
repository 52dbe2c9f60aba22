// Data-subject access requests' wire shapes (server/routes/access/*), for route, CLI and console.
import { z } from "@hono/zod-openapi";

export const ZRegulation = z.enum(["gdpr", "ccpa"]).openapi("AccessRegulation");

/** Filing an access request: the person (picked through the subject lookup) and their tenant. */
export const ZAccessFile = z
  .strictObject({
    tenantId: z.uuid(),
    customerId: z.uuid(),
    regulation: ZRegulation.optional().openapi({
      description: "GDPR (30 days) or CCPA (45 days); default: by the tenant's region (eu-* GDPR)",
    }),
    note: z.string().trim().min(1).max(4000).optional(),
  })
  .openapi("AccessRequestFile");

export const ZAccessDecision = z
  .strictObject({
    reason: z.string().trim().min(1).max(2000),
    fingerprint: z.string().min(1).max(200).optional(),
  })
  .openapi("AccessRequestDecision");

export const ZAccessNoteBody = z
  .strictObject({ body: z.string().trim().min(1).max(4000) })
  .openapi("AccessRequestNoteBody");

export const ZAccessNote = z
  .object({ id: z.number().int(), author: z.string(), body: z.string(), createdAt: z.string() })
  .openapi("AccessRequestNote");

export const ZDeadline = z
  .object({
    regulation: ZRegulation,
    lastDay: z.string().describe("The last day to answer (YYYY-MM-DD, UTC)"),
    dueAt: z.string().describe("The first instant the request is overdue"),
    daysLeft: z
      .number()
      .int()
      .nullable()
      .describe("Whole days left including today; null once answered"),
    state: z.enum(["open", "due_today", "overdue", "answered", "answered_late"]),
  })
  .openapi("AccessDeadline");

export const ZPackageFile = z.object({
  path: z.string(),
  bytes: z.number().int(),
  sha256: z.string(),
});

export const ZPackageTable = z.object({
  store: z.enum(["postgres", "clickhouse"]),
  table: z.string(),
  rows: z.number().int(),
  linked: z.number().int().describe("Rows about the person through their links"),
  mentioned: z.number().int().describe("Rows that only mention them (their parts only)"),
  redactions: z.number().int().describe("Other people's identifiers redacted in these rows"),
  files: z.array(ZPackageFile),
});

export const ZPackage = z
  .object({
    fileName: z.string(),
    bytes: z.number().int(),
    sha256: z.string(),
    producedAt: z.string(),
    rows: z.number().int(),
    tables: z.array(ZPackageTable),
  })
  .openapi("AccessPackage");

export const ZAccessRequest = z
  .object({
    id: z.uuid(),
    status: z.string(),
    tenantId: z.uuid(),
    tenantName: z.string().nullable(),
    customerId: z.uuid(),
    subjectName: z.string().describe("Masked, as the subject lookup shows it"),
    requestedBy: z.string(),
    requestedByYou: z.boolean(),
    createdAt: z.string(),
    approvedBy: z.string().nullable(),
    approvedAt: z.string().nullable(),
    decisionReason: z.string().nullable(),
    fingerprint: z.string(),
    error: z.string().nullable(),
    deadline: ZDeadline,
    package: ZPackage.nullable(),
  })
  .openapi("AccessRequest");

export const ZAccessRequestDetail = ZAccessRequest.extend({
  notes: z.array(ZAccessNote),
  downloads: z.array(z.object({ actor: z.string(), at: z.string(), sha256: z.string() })),
}).openapi("AccessRequestDetail");

export const ZAccessList = z
  .object({ items: z.array(ZAccessRequest), total: z.number().int() })
  .openapi("AccessRequestList");

export const ZAccessListQuery = z.strictObject({
  status: z.string().max(40).optional(),
  tenantId: z.uuid().optional(),
  overdue: z.enum(["true", "false"]).optional(),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});

export type TAccessFile = z.infer<typeof ZAccessFile>;
export type TAccessRequest = z.infer<typeof ZAccessRequest>;
export type TAccessRequestDetail = z.infer<typeof ZAccessRequestDetail>;
export type TAccessList = z.infer<typeof ZAccessList>;
export type TAccessNote = z.infer<typeof ZAccessNote>;
export type TPackage = z.infer<typeof ZPackage>;
export type TPackageTable = z.infer<typeof ZPackageTable>;
export type TDeadline = z.infer<typeof ZDeadline>;
