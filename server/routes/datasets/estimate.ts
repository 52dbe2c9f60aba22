import { createRoute, z } from "@hono/zod-openapi";
import {
  checkLimit,
  describeLimit,
  estimateMasked,
  estimateSynthetic,
  type LimitCheck,
} from "../../../masking/provision/estimate.ts";
import { SYNTH_DEFAULTS, SYNTH_LIMITS } from "../../../masking/synthetic/index.ts";
import type { Config } from "../../../schema/config.ts";
import { type TLimitCheck, ZLimitCheck } from "../../../schema/contracts/datasets.ts";
import type { Db } from "../../../schema/postgres.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../api/schemas.ts";
import type { Principal } from "../../auth/principal.ts";
import { AppError } from "../../errors.ts";
import { requirePrincipal } from "./schemas.ts";

/**
 * What a dataset request would weigh, before it is sent: rows and bytes estimated from the
 * source's statistics, and the requester's limit. The request routes run the same check and
 * refuse (413, naming limit and estimate) what is over it; an admin's limit is higher.
 */

const ZEstimateRequest = z
  .discriminatedUnion("kind", [
    z.strictObject({
      kind: z.literal("masked"),
      tenants: z.array(z.string().uuid()).min(1).max(1000).optional(),
      percent: z.number().gt(0).max(100).optional(),
    }),
    z.strictObject({
      kind: z.literal("synthetic"),
      tenants: z.number().int().min(1).max(SYNTH_LIMITS.tenants).optional(),
      customersPerTenant: z.number().int().min(1).max(SYNTH_LIMITS.customersPerTenant).optional(),
    }),
  ])
  .openapi("DatasetEstimateRequest");

export function toWireLimit(role: string, check: LimitCheck): TLimitCheck {
  return { ...check, role, message: describeLimit(role, check) };
}

/** The estimate of a masked copy against the principal's limit. */
export async function maskedLimit(
  deps: { db: Db; config: Config },
  principal: Principal,
  request: { tenants?: string[] | null; percent?: number | null },
): Promise<TLimitCheck> {
  const estimate = await estimateMasked(deps.db, request);
  return toWireLimit(principal.role, checkLimit(deps.config, principal.role, estimate));
}

/** The estimate of a synthetic platform against the principal's limit. */
export async function syntheticLimit(
  deps: { db: Db; config: Config },
  principal: Principal,
  request: { tenants: number; customersPerTenant: number },
): Promise<TLimitCheck> {
  const estimate = await estimateSynthetic(deps.db, request);
  return toWireLimit(principal.role, checkLimit(deps.config, principal.role, estimate));
}

/** Refuses, with a 413 naming the limit and the estimate, a request over the limit. */
export function enforceLimit(check: TLimitCheck): void {
  if (!check.allowed) {
    throw new AppError(
      "payload_too_large",
      `This dataset is over your size limit: ${check.message}. Ask for fewer tenants or a smaller share, or ask an admin to request it.`,
      { limit: check.limit, estimate: check.estimate, role: check.role },
    );
  }
}

export const estimateDatasetRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/datasets/estimate",
    tags: ["datasets"],
    summary:
      "Estimate a dataset request (rows, bytes) against the requester's size limit; changes nothing",
    request: { body: jsonBody(ZEstimateRequest) },
    responses: { 200: jsonResponse(ZLimitCheck, "The estimate and the limit"), ...errorResponses },
  }),
  "datasets:provision",
  async (c) => {
    const principal = requirePrincipal(c.get("principal"));
    const body = c.req.valid("json");
    const deps = c.get("deps");
    if (body.kind === "masked" && body.tenants && body.percent !== undefined) {
      throw new AppError("invalid_request", "give tenants or percent, not both");
    }
    const check =
      body.kind === "masked"
        ? await maskedLimit(deps, principal, body)
        : await syntheticLimit(deps, principal, {
            tenants: body.tenants ?? SYNTH_DEFAULTS.tenants,
            customersPerTenant: body.customersPerTenant ?? SYNTH_DEFAULTS.customersPerTenant,
          });
    c.set("audit", {
      action: "datasets.estimate",
      summary: { kind: body.kind, allowed: check.allowed },
    });
    return c.json(check, 200);
  },
);
