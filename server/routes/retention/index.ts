import type { ApiRoute } from "../../api/define-route.ts";

/** The routes for retention policies, legal holds, deletion requests, approvals, certificates and erasure; server/routes/index.ts composes them into ROUTES. */
export const RETENTION_ROUTES: ApiRoute[] = [];
