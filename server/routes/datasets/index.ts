import type { ApiRoute } from "../../api/define-route.ts";

/** The routes for masking rules, masked and synthetic datasets; server/routes/index.ts composes them into ROUTES. */
export const DATASET_ROUTES: ApiRoute[] = [];
