import type { ApiRoute } from "../../api/define-route.ts";
import {
  getCertificateRoute,
  listCertificatesRoute,
  verifyCertificateRoute,
} from "./certificates.ts";
import { erasureRoute } from "./erasure.ts";
import { addHoldRoute, listHoldsRoute, releaseHoldRoute } from "./holds.ts";
import { getInvestigationRoute, putInvestigationRoute } from "./investigation.ts";
import { planRoute } from "./plan.ts";
import { getPolicyRoute } from "./policies-get.ts";
import { listPoliciesRoute } from "./policies-list.ts";
import { updatePolicyRoute } from "./policies-update.ts";
import { approveRequestRoute, rejectRequestRoute } from "./requests-approve.ts";
import { executeRequestRoute } from "./requests-execute.ts";
import { getRequestRoute } from "./requests-get.ts";
import { listRequestsRoute } from "./requests-list.ts";

/** The routes for retention policies, legal holds, deletion requests, approvals, certificates and erasure; server/routes/index.ts composes them into ROUTES. */
export const RETENTION_ROUTES: ApiRoute[] = [
  listPoliciesRoute,
  getPolicyRoute,
  updatePolicyRoute,
  planRoute,
  listRequestsRoute,
  getRequestRoute,
  approveRequestRoute,
  rejectRequestRoute,
  executeRequestRoute,
  getCertificateRoute,
  verifyCertificateRoute,
  listCertificatesRoute,
  listHoldsRoute,
  addHoldRoute,
  releaseHoldRoute,
  getInvestigationRoute,
  putInvestigationRoute,
  erasureRoute,
];
