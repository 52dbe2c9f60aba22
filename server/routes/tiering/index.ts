import type { ApiRoute } from "../../api/define-route.ts";
import { tierHistoryRoute } from "./history.ts";
import { tierMovesRoute } from "./moves.ts";
import { tierPlanRoute } from "./plan.ts";
import {
  tierPoliciesRoute,
  tierPolicyPreviewRoute,
  tierPolicySaveRoute,
  tierPolicyVersionsRoute,
} from "./policies.ts";
import { tierRecommendationsRoute } from "./recommendations.ts";
import { tierRestoreRoute } from "./restores.ts";
import { tierRunRoute } from "./runs.ts";
import { tierStatusRoute } from "./status.ts";

/** The storage-tiering routes; server/routes/index.ts composes them into ROUTES. */
export const TIERING_ROUTES: ApiRoute[] = [
  tierStatusRoute,
  tierPlanRoute,
  tierMovesRoute,
  tierHistoryRoute,
  tierRecommendationsRoute,
  tierRunRoute,
  tierRestoreRoute,
  tierPoliciesRoute,
  tierPolicyVersionsRoute,
  tierPolicyPreviewRoute,
  tierPolicySaveRoute,
];
