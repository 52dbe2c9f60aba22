import { createRoute } from "@hono/zod-openapi";
import { downstreamOfTables } from "../../../jobs/lineage/impact.ts";
import { earlierRejection, type RetentionRequest } from "../../../jobs/retention/requests.ts";
import {
  accountMadeBy,
  accountProvenance,
  describeAccountEvent,
} from "../../../schema/governance/account-provenance.repository.ts";
import type { Db } from "../../../schema/postgres.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { cachedRowsByAge } from "./age.ts";
import {
  findRequest,
  ledgerCount,
  requestTimeline,
  requestView,
  resolveRequestId,
} from "./queries.ts";
import { maskedSamples, type SampleTable } from "./samples.ts";
import { errorAnswer, ZRequestDetail, ZRequestRefParams } from "./schemas.ts";

export const getRequestRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/retention/requests/{id}",
    tags: ["retention"],
    summary:
      "One request: its impact preview (counts per table and tenant, masked sample rows), fingerprint, timeline and progress",
    request: { params: ZRequestRefParams },
    responses: {
      200: jsonResponse(ZRequestDetail, "The request"),
      404: errorAnswer("No such request"),
      409: errorAnswer("The short id is ambiguous (the candidates in details)"),
      ...errorResponses,
    },
  }),
  "retention:read",
  async (c) => {
    const db = c.get("deps").db;
    const id = await resolveRequestId(db, c.req.valid("param").id);
    const found = await findRequest(db, id);
    if (!found) {
      throw new AppError("not_found", `No retention request ${id}.`);
    }
    const { request, hasCertificate } = found;
    const started = request.startedAt !== null || request.status === "running";
    const caller = c.get("principal")?.email;
    const [samples, timeline, done, rejected, yours, approver, madeBy, ages, downstream] =
      await Promise.all([
        cachedSamples(db, request),
        requestTimeline(db, request),
        started ? ledgerCount(db, id) : Promise.resolve(0),
        earlierRejection(db, request),
        caller ? accountView(db, caller) : Promise.resolve(null),
        request.approvedBy && request.approvedBy !== "policy"
          ? accountView(db, request.approvedBy)
          : Promise.resolve(null),
        caller ? accountMadeBy(db, caller, request.requestedBy) : Promise.resolve([]),
        request.finishedAt ? Promise.resolve(null) : cachedRowsByAge(db, request),
        downstreamOfTables(db, Object.keys(request.counts)),
      ]);
    return c.json(
      {
        ...requestView(request, hasCertificate, c.get("principal")?.email),
        cutoff: request.cutoff ? request.cutoff.toISOString() : null,
        definition: wireDefinition(request.definition as unknown as Record<string, unknown>),
        keySetHash: request.keySetHash,
        impact: Object.entries(request.counts).map(([table, rows]) => ({
          table,
          tenantId: request.tenantId,
          rows: Number(rows) || 0,
        })),
        samples,
        rowsByAge: ages,
        downstream,
        timeline,
        progress: started ? { done, total: request.totalRows } : null,
        earlierRejection: rejected
          ? { ...rejected, rejectedAt: rejected.rejectedAt.toISOString() }
          : null,
        yourAccount: yours,
        approverAccount: approver,
        separationOfDuties:
          caller && caller.toLowerCase() === request.requestedBy.toLowerCase()
            ? `you requested this (${request.requestedBy}); another compliance officer decides it`
            : madeBy.length
              ? `${madeBy.map(describeAccountEvent).join("; ")}: a compliance officer whose account ${request.requestedBy} had no hand in decides it`
              : null,
      },
      200,
    );
  },
);

/**
 * The definition as the console may see it: an erasure's carries digests of the person's
 * identifiers, and a digest of an e-mail address can be guessed back; the plan needs them, the
 * preview does not.
 */
function wireDefinition(definition: Record<string, unknown>): Record<string, unknown> {
  const { identifiers: _identifiers, ...rest } = definition;
  return rest;
}

/** Who created, promoted or re-enabled an account, for the approval screen. */
async function accountView(db: Db, email: string) {
  const events = await accountProvenance(db, email);
  return {
    email,
    events: events.map((e) => ({
      event: e.event,
      role: e.role,
      by: e.by,
      at: e.at.toISOString(),
      text: describeAccountEvent(e),
    })),
  };
}

/**
 * The masked samples of a request, computed once per key set and phase. They read the frozen key
 * set joined to the platform's tables (up to a dozen joins, one over a partitioned table), while
 * the console polls the detail every second or two: the key set never changes once planned,
 * and during execution the preview from when it started is what the person approved. Shared as
 * a promise, so overlapping polls wait for one computation instead of starting their own.
 */
const SAMPLES = new Map<string, Promise<SampleTable[]>>();
const SAMPLES_KEPT = 200;

function cachedSamples(db: Db, request: RetentionRequest): Promise<SampleTable[]> {
  const phase = request.finishedAt ? "finished" : request.startedAt ? "started" : "planned";
  const key = `${request.id}:${request.keySetHash ?? ""}:${phase}`;
  let samples = SAMPLES.get(key);
  if (!samples) {
    samples = maskedSamples(db, request);
    SAMPLES.set(key, samples);
    samples.catch(() => SAMPLES.delete(key)); // a failure is retried on the next request
    for (const oldest of SAMPLES.keys()) {
      if (SAMPLES.size <= SAMPLES_KEPT) {
        break;
      }
      SAMPLES.delete(oldest);
    }
  }
  return samples;
}
