import type { ApiRoute } from "../../api/define-route.ts";
import { addLineageEdgeRoute } from "./edges-add.ts";
import { removeLineageEdgeRoute } from "./edges-remove.ts";
import { lineageImpactRoute } from "./impact.ts";
import { ingestLineageRoute } from "./ingest.ts";
import { scanLineageRoute } from "./scan.ts";
import { traceLineageRoute } from "./trace.ts";

/** The lineage routes; server/routes/index.ts composes them into ROUTES. */
export const LINEAGE_ROUTES: ApiRoute[] = [
  ingestLineageRoute,
  traceLineageRoute,
  lineageImpactRoute,
  scanLineageRoute,
  addLineageEdgeRoute,
  removeLineageEdgeRoute,
];
