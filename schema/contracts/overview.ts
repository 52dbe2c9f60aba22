// The overview's wire shape (server/routes/overview/get.ts), defined once for route and console.
import { z } from "@hono/zod-openapi";
import { ZCatalogSummary } from "./catalog.ts";

export const ZOverview = z
  .object({
    tenants: z.number().int(),
    catalog: z.object({
      tables: z
        .number()
        .int()
        .describe(
          "Operational Postgres tables and views, as the catalog scanner reads them (a partitioned table counts once)",
        ),
      columns: z
        .number()
        .int()
        .describe(
          "Columns of those tables and views, live from pg_catalog: equals the catalog's postgres columns once a scan is current; the catalog also holds ClickHouse columns (classification.byStore)",
        ),
      rowEstimate: z
        .number()
        .describe("Planner estimate (pg_class.reltuples) over every table and partition"),
    }),
    jobs: z.object({
      last24h: z.record(z.string(), z.number().int()).describe("Runs of the last 24 h by status"),
      lastFailure: z
        .object({
          queue: z.string(),
          jobName: z.string(),
          error: z.string().nullable(),
          at: z.string(),
        })
        .nullable(),
    }),
    classification: ZCatalogSummary.describe(
      "The governance catalog: columns classified and reviewed, proposals pending, PII by category and table",
    ),
    recentAudit: z
      .array(
        z.object({
          id: z.string(),
          occurredAt: z.string(),
          actor: z.string(),
          action: z.string(),
          target: z.string().nullable(),
        }),
      )
      .nullable()
      .describe("The latest 10 audit events; null for roles that may not read the audit trail"),
  })
  .openapi("Overview");

export type TOverview = z.infer<typeof ZOverview>;
