import type { Migration } from "kysely";
import * as m01 from "./2026-11-25-01-operational-tables.ts";
import * as m02 from "./2026-11-25-02-tenancy-indexes-views.ts";
import * as m03 from "./2026-11-25-03-governance-core.ts";
import * as m04 from "./2026-11-25-04-console-auth-and-ledger.ts";
import * as m05 from "./2026-11-25-05-audit-chain-head.ts";
import * as m06 from "./2026-11-25-06-catalog.ts";
import * as m07 from "./2026-11-25-07-masking.ts";
import * as m08 from "./2026-11-25-08-synthetic.ts";
import * as m09 from "./2026-11-25-09-retention.ts";
import * as m10 from "./2026-11-25-10-retention-key-order.ts";
import * as cls01 from "./2026-12-06-cls-unclassifiable.ts";
import * as ds1 from "./2026-12-06-ds-dataset-isolation.ts";
import * as eyes01 from "./2026-12-06-eyes-account-provenance.ts";
import * as eyes02 from "./2026-12-06-eyes-ledger-skip.ts";
import * as lineage01 from "./2026-12-07-lineage-01-graph.ts";
import * as notify01 from "./2026-12-07-notify-01-channels.ts";
import * as quality01 from "./2026-12-07-quality-01-quality.ts";
import * as tier01 from "./2026-12-07-tier-01-tiering.ts";
import * as dsar01 from "./2026-12-08-dsar-01-access-requests.ts";
import * as dsctl01 from "./2026-12-08-dsctl-01-dataset-controls.ts";
import * as perf01 from "./2026-12-08-perf-01-lineage-trace-indexes.ts";
import * as recog01 from "./2026-12-08-recog-01-recognizers.ts";
import * as lin01 from "./2026-12-10-lin-01-lineage-generation.ts";
import * as tier02 from "./2026-12-10-tier-01-job-tier.ts";
import * as qual01 from "./2026-12-17-qual-01-scan-state.ts";
import * as ret01 from "./2026-12-17-ret-01-tier-counts.ts";

/** Every migration, in order. Listed statically so any loader (tsx, vitest) finds them. */
export const migrations: Record<string, Migration> = {
  "2026-11-25-01-operational-tables": m01,
  "2026-11-25-02-tenancy-indexes-views": m02,
  "2026-11-25-03-governance-core": m03,
  "2026-11-25-04-console-auth-and-ledger": m04,
  "2026-11-25-05-audit-chain-head": m05,
  "2026-11-25-06-catalog": m06,
  "2026-11-25-07-masking": m07,
  "2026-11-25-08-synthetic": m08,
  "2026-11-25-09-retention": m09,
  "2026-11-25-10-retention-key-order": m10,
  "2026-12-06-cls-unclassifiable": cls01,
  "2026-12-06-ds-dataset-isolation": ds1,
  "2026-12-06-eyes-account-provenance": eyes01,
  "2026-12-06-eyes-ledger-skip": eyes02,
  "2026-12-07-notify-01-channels": notify01,
  "2026-12-07-quality-01-quality": quality01,
  "2026-12-07-lineage-01-graph": lineage01,
  "2026-12-07-tier-01-tiering": tier01,
  "2026-12-08-perf-01-lineage-trace-indexes": perf01,
  "2026-12-08-recog-01-recognizers": recog01,
  "2026-12-08-dsar-01-access-requests": dsar01,
  "2026-12-08-dsctl-01-dataset-controls": dsctl01,
  "2026-12-10-lin-01-lineage-generation": lin01,
  "2026-12-10-tier-01-job-tier": tier02,
  "2026-12-17-qual-01-scan-state": qual01,
  "2026-12-17-ret-01-tier-counts": ret01,
};
