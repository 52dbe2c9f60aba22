import { createRoute, z } from "@hono/zod-openapi";
import { maxExpiry } from "../../../masking/dataset-expiry.ts";
import { recordDatasetRefusal } from "../../../masking/dataset-refusals.repository.ts";
import { createDataset, getDataset } from "../../../masking/datasets.repository.ts";
import { datasetNameFree } from "../../../masking/provision/dataset-database.ts";
import { ZMaskingJobPayload } from "../../../masking/provision/job.ts";
import {
  datasetDatabaseName,
  validateProvisionOptions,
} from "../../../masking/provision/provision.ts";
import { maskingKey } from "../../../masking/strategies/key.ts";
import { defineRoute } from "../../api/define-route.ts";
import { jsonBody } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { enforceLimit, maskedLimit } from "./estimate.ts";
import { blockingColumns } from "./gate-check.ts";
import { queueDatasetJob, queuedDatasetResponses } from "./queue.ts";
import { engine, requirePrincipal, ZDatasetName } from "./schemas.ts";

const ZRequest = z
  .strictObject({
    name: ZDatasetName,
    tenants: z.array(z.string().uuid()).min(1).max(1000).optional(),
    percent: z.number().gt(0).max(100).optional(),
    expiresInDays: z.number().int().min(1).max(365).optional(),
  })
  .refine((b) => !(b.tenants && b.percent !== undefined), {
    message: "give tenants or percent, not both",
  })
  .openapi("MaskedDatasetRequest");

/**
 * Runs the provisioning gate before anything is queued, so a refusal comes back at once as a
 * 409 naming every blocking `table.column` (with its reason and catalog entry) instead of as a
 * failed job minutes later. The masking job runs the gate again when it starts. A name whose
 * database or role exists on the server is refused (409) and a request over the requester's
 * size limit too (413, naming limit and estimate), before anything is stored.
 */
export const requestDatasetRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/datasets",
    tags: ["datasets"],
    summary: "Request a masked copy of production; refused (409) while any column blocks the gate",
    request: { body: jsonBody(ZRequest) },
    responses: queuedDatasetResponses,
  }),
  "datasets:provision",
  async (c) => {
    const principal = requirePrincipal(c.get("principal"));
    const body = c.req.valid("json");
    const deps = c.get("deps");
    const options = {
      name: body.name,
      tenants: body.tenants ?? null,
      percent: body.percent ?? null,
      expiresInDays: body.expiresInDays ?? null,
      requestedBy: principal.email,
    };
    await engine(async () => validateProvisionOptions(options));
    if (body.expiresInDays !== undefined) {
      const max = maxExpiry(deps.config, principal.role);
      if (Date.now() + body.expiresInDays * 86_400_000 > max.getTime()) {
        throw new AppError(
          "invalid_request",
          `A ${principal.role} may keep a dataset ${Math.round((max.getTime() - Date.now()) / 86_400_000)} days at most.`,
        );
      }
    }
    if (await getDataset(deps.db, body.name)) {
      throw new AppError("conflict", `A dataset named ${body.name} already exists.`);
    }
    // A database or role of that name that govern did not make is never taken over.
    if (!(await datasetNameFree(deps.config, datasetDatabaseName(body.name)))) {
      throw new AppError(
        "conflict",
        `A database or role named ${datasetDatabaseName(body.name)} already exists; govern never takes over what it did not create. Choose another name.`,
      );
    }
    const limit = await maskedLimit(deps, principal, options);
    if (!limit.allowed) {
      c.set("audit", {
        action: "datasets.request.too_large",
        target: `dataset:${body.name}`,
        summary: { estimate: limit.estimate, limit: limit.limit },
      });
    }
    if (!limit.allowed) {
      // Listed with the datasets, with its reason (dataset-refusals.repository.ts).
      await recordDatasetRefusal(deps.db, {
        name: body.name,
        kind: "masked",
        requestedBy: principal.email,
        reason: "size_limit",
        message: `Over the ${principal.role} size limit: ${limit.message}`,
        details: { limit: limit.limit, estimate: limit.estimate },
      });
    }
    enforceLimit(limit);
    const blocking = await blockingColumns(deps.db);
    if (blocking.length > 0) {
      await recordDatasetRefusal(deps.db, {
        name: body.name,
        kind: "masked",
        requestedBy: principal.email,
        reason: "gate_closed",
        message: `The classification gate is closed: ${blocking.length} column(s) await a steward's review`,
        details: { blocking },
      });
      c.set("audit", {
        action: "datasets.request.refused",
        target: `dataset:${body.name}`,
        summary: { blocking: blocking.map((b) => b.column) },
      });
      throw new AppError(
        "conflict",
        `Provisioning refused: ${blocking.length} column(s) block it: ${blocking
          .map((b) => b.column)
          .join(", ")}`,
        { blocking },
      );
    }
    const created = await createDataset(deps.db, {
      name: body.name,
      kind: "masked",
      owner: principal.email,
      tenants: body.tenants ?? null,
      percent: body.percent ?? null,
      expiresAt: body.expiresInDays ? new Date(Date.now() + body.expiresInDays * 86_400_000) : null,
      keyFingerprint: maskingKey(deps.config.secret).fingerprint,
      estimate: limit.estimate,
    });
    if (!created) {
      throw new AppError("conflict", `A dataset named ${body.name} already exists.`);
    }
    // The masking job's own schema checks the payload here too: a contract drift fails loudly.
    const payload = ZMaskingJobPayload.parse({
      action: "provision",
      datasetId: created.id,
      name: body.name,
      tenants: body.tenants ?? null,
      percent: body.percent ?? null,
      expiresInDays: body.expiresInDays ?? null,
      requestedBy: principal.email,
      maxRows: limit.limit.rows,
    }) as Record<string, unknown>;
    const queued = await queueDatasetJob(c, {
      dataset: created,
      queue: "masking",
      payload,
      requestedBy: principal.email,
      action: "datasets.request",
      summary: { id: created.id, tenants: body.tenants ?? null, percent: body.percent ?? null },
    });
    return c.json(queued, 202);
  },
);
