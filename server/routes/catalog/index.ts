import type { ApiRoute } from "../../api/define-route.ts";
import { bulkReviewRoute } from "./bulk-review.ts";
import { listDriftRoute } from "./drift.ts";
import { acknowledgeDriftRoute } from "./drift-acknowledge.ts";
import { exportCatalogRoute } from "./export.ts";
import { getCatalogColumnRoute } from "./get.ts";
import { listCatalogColumnsRoute } from "./list.ts";
import {
  createRecognizerRoute,
  editRecognizerRoute,
  getRecognizerRoute,
  listRecognizersRoute,
  previewRecognizerRoute,
  toggleRecognizerRoute,
} from "./recognizers.ts";
import { listSuppressionsRoute, removeSuppressionRoute } from "./recognizers-suppressions.ts";
import { reviewColumnRoute } from "./review.ts";
import { undoReviewRoute } from "./review-undo.ts";
import { scanCatalogRoute } from "./scan.ts";
import { catalogSummaryRoute } from "./summary.ts";

/** The routes for catalog, classification and review; server/routes/index.ts composes them into ROUTES. */
export const CATALOG_ROUTES: ApiRoute[] = [
  listCatalogColumnsRoute,
  catalogSummaryRoute,
  exportCatalogRoute,
  getCatalogColumnRoute,
  reviewColumnRoute,
  undoReviewRoute,
  bulkReviewRoute,
  listDriftRoute,
  acknowledgeDriftRoute,
  scanCatalogRoute,
  // Custom recognizers and suppressions (issue 21); preview before {id} so it is not an id.
  listRecognizersRoute,
  previewRecognizerRoute,
  createRecognizerRoute,
  getRecognizerRoute,
  editRecognizerRoute,
  toggleRecognizerRoute,
  listSuppressionsRoute,
  removeSuppressionRoute,
];
