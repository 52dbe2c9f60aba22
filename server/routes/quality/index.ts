import type { ApiRoute } from "../../api/define-route.ts";
import { getQualityIncidentRoute } from "./incidents-get.ts";
import { listQualityIncidentsRoute } from "./incidents-list.ts";
import { transitionQualityIncidentRoute } from "./incidents-transition.ts";
import { listQualityResultsRoute } from "./results-list.ts";
import { qualitySamplesRoute } from "./results-samples.ts";
import { createQualityRulesRoute } from "./rules-create.ts";
import { getQualityRuleRoute } from "./rules-get.ts";
import { listQualityRulesRoute } from "./rules-list.ts";
import { previewQualityRuleRoute } from "./rules-preview.ts";
import { runQualityRoute } from "./run.ts";
import {
  decideQualitySuggestionRoute,
  generateQualitySuggestionsRoute,
  listQualitySuggestionsRoute,
} from "./suggestions.ts";
import { qualitySummaryRoute } from "./summary.ts";

/** The routes for data quality; server/routes/index.ts composes them into ROUTES. */
export const QUALITY_ROUTES: ApiRoute[] = [
  listQualityRulesRoute,
  createQualityRulesRoute,
  previewQualityRuleRoute,
  getQualityRuleRoute,
  runQualityRoute,
  listQualityResultsRoute,
  qualitySamplesRoute,
  listQualityIncidentsRoute,
  getQualityIncidentRoute,
  transitionQualityIncidentRoute,
  listQualitySuggestionsRoute,
  generateQualitySuggestionsRoute,
  decideQualitySuggestionRoute,
  qualitySummaryRoute,
];
