import type { JobContext } from "../job-definition.ts";
import type { Store } from "./catalog-types.ts";
import { llmConfigured, secondOpinion } from "./llm-review.ts";
import { runCatalogScan } from "./scan.ts";

/**
 * The `classify` job: one catalog scan of the requested stores (both by default). A retry after a
 * crash simply scans again: the catalog write is a reconciliation (upserts keyed by store, schema,
 * table, column and path), so a second run converges on the same rows and never duplicates them;
 * the interrupted scan stays `running` in catalog_scans with no effect on what it did not write.
 */
export async function runClassifyJob(
  context: Pick<JobContext, "config" | "db" | "analytics" | "runId" | "progress">,
  payload: { stores?: Store[] },
): Promise<Record<string, unknown>> {
  let lastPercent = -1;
  const report = await runCatalogScan(
    { db: context.db, analytics: context.analytics },
    {
      stores: payload.stores,
      triggeredBy: "job:classify",
      jobRunId: context.runId,
      secondOpinion: llmConfigured(context.config)
        ? (items) => secondOpinion(context.config, items)
        : undefined,
      onProgress: ({ done, total }) => {
        const percent = Math.min(99, Math.floor((done / Math.max(1, total)) * 100));
        if (percent !== lastPercent) {
          lastPercent = percent;
          void context.progress(percent);
        }
      },
    },
  );
  return {
    scanId: report.scanId,
    tables: report.tables,
    columns: report.columns,
    paths: report.paths,
    values: report.valuesClassified,
    flagged: report.flagged,
    drift: report.drift,
    durationMs: report.durationMs,
    ...Object.fromEntries(
      Object.entries(report.stores)
        .filter(([, s]) => s?.error)
        .map(([store, s]) => [`${store}Error`, s?.error]),
    ),
  };
}
