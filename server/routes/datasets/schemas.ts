import { z } from "@hono/zod-openapi";
import type { Dataset } from "../../../masking/datasets.repository.ts";
import { MaskingError } from "../../../masking/masking-error.ts";
import type { ProvisionReport } from "../../../masking/provision/provision.ts";
import { nextRun } from "../../../masking/provision/refresh-schedule.ts";
import { type TDataset, type TMaskedReport, ZDataset } from "../../../schema/contracts/datasets.ts";
import type { Principal } from "../../auth/principal.ts";
import { AppError } from "../../errors.ts";

/** Wire shapes and small helpers shared by the dataset, masking-rule and synthetic routes. */

export const ZDatasetName = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,39}$/, "lower-case letters, digits, _ and -, starting with a letter")
  .openapi({ example: "debug_invoices" });

export const ZUuidParam = z.strictObject({
  id: z
    .string()
    .uuid()
    .openapi({ param: { name: "id", in: "path" } }),
});

export { ZDataset };

// The masked copy's report as the provisioning engine writes it must stay what the contract says.
const reportMatchesContract: ProvisionReport extends TMaskedReport ? true : never = true;
void reportMatchesContract;

export type { TDataset };

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** Who may see a dataset's connection string, rotate its password or drop it: owner, admin. */
export function ownsOrAdmin(principal: Principal | undefined, d: Dataset): boolean {
  return principal !== undefined && (principal.role === "admin" || principal.email === d.owner);
}

export function toWireDataset(d: Dataset, principal?: Principal): TDataset {
  return {
    id: d.id,
    name: d.name,
    kind: d.kind,
    status: d.status,
    owner: d.owner,
    databaseName: d.databaseName,
    databaseUrl: d.databaseUrl,
    connectionVisible: ownsOrAdmin(principal, d) && d.status === "ready" && d.passwordEnc !== null,
    cancelRequested: d.cancelRequestedAt !== null,
    // Written by the request route from masking/provision/estimate.ts (rows, bytes, basis).
    estimate: (d.estimate ?? null) as TDataset["estimate"],
    tenants: d.tenants,
    percent: d.percent,
    progress: d.progress,
    report: d.report ?? null,
    sizeBytes: d.sizeBytes === null ? null : Number(d.sizeBytes),
    expiresAt: iso(d.expiresAt),
    createdAt: iso(d.createdAt) ?? "",
    startedAt: iso(d.startedAt),
    finishedAt: iso(d.finishedAt),
    error: d.error,
    refreshCron: d.refreshCron,
    nextRefreshAt: d.refreshCron ? iso(nextRun(d.refreshCron)) : null,
    refreshedAt: iso(d.refreshedAt),
    refreshError: d.refreshError,
  };
}

export function requirePrincipal(principal: Principal | undefined): Principal {
  if (!principal) {
    throw new AppError("unauthenticated", "Sign in first.");
  }
  return principal;
}

/** The masking engine's expected refusals as API errors; anything else stays a 500. */
export function asAppError(error: unknown): unknown {
  if (error instanceof MaskingError) {
    const code =
      error.code === "not_found"
        ? "not_found"
        : error.code === "conflict"
          ? "conflict"
          : "invalid_request";
    return new AppError(code, error.message, error.details);
  }
  return error;
}

/** Runs engine work, turning its refusals into API errors. */
export async function engine<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asAppError(error);
  }
}

export const notFound = {
  404: {
    description: "Not found",
    content: { "application/json": { schema: z.object({ error: z.unknown() }) } },
  },
} as const;
export const conflict = {
  409: {
    description: "Conflicts with the current state (name taken, provisioning refused)",
    content: { "application/json": { schema: z.object({ error: z.unknown() }) } },
  },
} as const;
