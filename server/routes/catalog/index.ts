import type { ApiRoute } from "../../api/define-route.ts";

/** The routes for catalog, classification and review; server/routes/index.ts composes them into ROUTES. */
export const CATALOG_ROUTES: ApiRoute[] = [];
