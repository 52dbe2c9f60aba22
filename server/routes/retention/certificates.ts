import { createRoute, z } from "@hono/zod-openapi";
import { getCertificate } from "../../../jobs/retention/certificate.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { findRequest, listCertificates } from "./queries.ts";
import {
  errorAnswer,
  iso,
  ZCertificate,
  ZCertificateSummary,
  ZPaging,
  ZUuidParams,
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
    request: { params: ZUuidParams },
    responses: {
      200: jsonResponse(ZCertificate, "The certificate (Content-Disposition: attachment)"),
      404: errorAnswer("No such request, or it has no certificate yet"),
      ...errorResponses,
    },
  }),
  "retention:read",
  async (c) => {
    const db = c.get("deps").db;
    const { id } = c.req.valid("param");
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
