import { createRoute, z } from "@hono/zod-openapi";
import { certificateHash, getCertificate } from "../../../jobs/retention/certificate.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { findRequest, listCertificates, resolveRequestId } from "./queries.ts";
import {
  errorAnswer,
  iso,
  ZCertificate,
  ZCertificateSummary,
  ZPaging,
  ZRequestRefParams,
} from "./schemas.ts";

export const listCertificatesRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/retention/certificates",
    tags: ["retention"],
    summary: "Deletion certificates, newest first",
    request: {
      query: z.strictObject({
        ...ZPaging,
        sort: z.enum(["issuedAt:asc", "issuedAt:desc"]).default("issuedAt:desc"),
      }),
    },
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(ZCertificateSummary), total: z.number().int() }),
        "One page of certificates",
      ),
      ...errorResponses,
    },
  }),
  "retention:read",
  async (c) => {
    const { page, pageSize, sort } = c.req.valid("query");
    const direction = sort === "issuedAt:asc" ? "asc" : "desc";
    return c.json(await listCertificates(c.get("deps").db, { page, pageSize }, direction), 200);
  },
);

export const getCertificateRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/retention/requests/{id}/certificate",
    tags: ["retention"],
    summary:
      "The deletion certificate of a finished request, as a JSON download (what, when, who requested and approved, counts, archive checksums)",
    request: { params: ZRequestRefParams },
    responses: {
      200: jsonResponse(ZCertificate, "The certificate (Content-Disposition: attachment)"),
      404: errorAnswer("No such request, or it has no certificate yet"),
      409: errorAnswer("The short id is ambiguous (the candidates in details)"),
      ...errorResponses,
    },
  }),
  "retention:read",
  async (c) => {
    const db = c.get("deps").db;
    const id = await resolveRequestId(db, c.req.valid("param").id);
    const [certificate, found] = await Promise.all([getCertificate(db, id), findRequest(db, id)]);
    if (!certificate || !found) {
      throw new AppError(
        "not_found",
        found
          ? `Request ${id} has no certificate yet (it is ${found.request.status}).`
          : `No retention request ${id}.`,
      );
    }
    c.header("content-disposition", `attachment; filename="retention-certificate-${id}.json"`);
    return c.json(
      {
        id,
        requestId: id,
        kind: found.request.kind,
        policyId: found.request.policy,
        tenantId: found.request.tenantId,
        totalRows: found.request.totalRows,
        sha256: certificate.sha256,
        issuedAt: iso(certificate.issuedAt),
        body: certificate.body as unknown as Record<string, unknown>,
      },
      200,
    );
  },
);

export const verifyCertificateRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/retention/requests/{id}/certificate/verify",
    tags: ["retention"],
    summary:
      "Recompute a certificate's sha256 over its canonical JSON (keys sorted) and compare it with the one stored when it was issued",
    request: { params: ZRequestRefParams },
    responses: {
      200: jsonResponse(
        z.object({
          requestId: z.string(),
          sha256: z.string().describe("Stored when the certificate was issued"),
          recomputed: z.string().describe("Recomputed now over the stored body"),
          valid: z.boolean(),
          checkedAt: z.string(),
        }),
        "Whether the certificate is unchanged since it was issued",
      ),
      404: errorAnswer("No such request, or it has no certificate yet"),
      409: errorAnswer("The short id is ambiguous (the candidates in details)"),
      ...errorResponses,
    },
  }),
  "retention:read",
  async (c) => {
    const db = c.get("deps").db;
    const id = await resolveRequestId(db, c.req.valid("param").id);
    const certificate = await getCertificate(db, id);
    if (!certificate) {
      throw new AppError("not_found", `Request ${id} has no certificate.`);
    }
    const recomputed = certificateHash(certificate.body);
    return c.json(
      {
        requestId: id,
        sha256: certificate.sha256,
        recomputed,
        valid: recomputed === certificate.sha256,
        checkedAt: new Date().toISOString(),
      },
      200,
    );
  },
);
