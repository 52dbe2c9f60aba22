import type { ApiRoute } from "../../api/define-route.ts";
import { datasetConnectionRoute, rotateDatasetPasswordRoute } from "./connection.ts";
import { dropDatasetRoute } from "./drop.ts";
import { estimateDatasetRoute } from "./estimate.ts";
import { extendDatasetExpiryRoute } from "./expiry.ts";
import { gateStatusRoute } from "./gate.ts";
import { getDatasetRoute } from "./get.ts";
import { listDatasetsRoute } from "./list.ts";
import { refreshNowRoute, setRefreshScheduleRoute } from "./refresh.ts";
import { listDatasetRefusalsRoute } from "./refusals.ts";
import { requestDatasetRoute } from "./request.ts";
import { allowAsIsRoute } from "./rules-allow.ts";
import { listMaskingRulesRoute } from "./rules-list.ts";
import { previewMaskingRuleRoute } from "./rules-preview.ts";
import { setMaskingRuleRoute } from "./rules-set.ts";
import { fitProfileRoute } from "./synthetic-fit.ts";
import { latestProfileRoute } from "./synthetic-profile.ts";
import { syntheticReportRoute } from "./synthetic-report.ts";
import { requestSyntheticRoute } from "./synthetic-request.ts";

/** The routes for masking rules, masked and synthetic datasets; server/routes/index.ts composes them into ROUTES. */
export const DATASET_ROUTES: ApiRoute[] = [
  // Before GET /datasets/{id}: "refusals" is no dataset id.
  listDatasetRefusalsRoute,
  listDatasetsRoute,
  estimateDatasetRoute,
  getDatasetRoute,
  datasetConnectionRoute,
  rotateDatasetPasswordRoute,
  requestDatasetRoute,
  dropDatasetRoute,
  gateStatusRoute,
  listMaskingRulesRoute,
  setMaskingRuleRoute,
  allowAsIsRoute,
  fitProfileRoute,
  latestProfileRoute,
  requestSyntheticRoute,
  syntheticReportRoute,
  previewMaskingRuleRoute,
  extendDatasetExpiryRoute,
  setRefreshScheduleRoute,
  refreshNowRoute,
];
