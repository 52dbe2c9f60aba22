import {
  type TableColumn,
  withCoordinatePair,
} from "../../rules/classification/coordinate-pairs.ts";
import { withRecognizers } from "../../rules/classification/custom-recognizers.ts";
import { classifyColumn } from "../../rules/classification/index.ts";
import { walkJson } from "../../rules/classification/json-paths.ts";
import { warmUp } from "../../rules/classification/warm-up.ts";
import type { AnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import type {
  ColumnProposal,
  ColumnSample,
  PathProposal,
} from "../../schema/domain/classification.ts";
import { liveSuppressions } from "../../schema/governance/suppressions.repository.ts";
import type { Db } from "../../schema/postgres.ts";
import type { ColumnDef, Store, TableDef } from "./catalog-types.ts";
import {
  type ColumnObservation,
  finishScan,
  isBaseline,
  markUnseenDropped,
  startScan,
  type TableObservations,
  writeObservations,
} from "./catalog-write.ts";
import { introspectClickhouse } from "./introspect-clickhouse.ts";
import { introspectPostgres } from "./introspect-postgres.ts";
import { maskedExamples } from "./mask.ts";
import { loadEnabledRecognizers } from "./recognizers.ts";
import { sampleClickhouseTable } from "./sample-clickhouse.ts";
import {
  DEFAULT_SAMPLE_LIMITS,
  type SampleLimits,
  samplePostgresTable,
  type TableSample,
} from "./sample-postgres.ts";
import { applySuppressions, indexSuppressions, type SuppressionIndex } from "./suppressions.ts";

export type Classifier = (sample: ColumnSample) => ColumnProposal;

export type ScanOptions = {
  stores?: Store[];
  triggeredBy: string;
  jobRunId?: string | null;
  limits?: SampleLimits;
  /** The column classifier; rules/classification's by default. */
  classify?: Classifier;
  /**
   * A second opinion on each table's column proposals (the optional LLM review): gets the
   * samples and proposals, returns proposals in the same order.
   */
  secondOpinion?: (
    items: { sample: ColumnSample; proposal: ColumnProposal }[],
  ) => Promise<ColumnProposal[]>;
  onProgress?: (progress: { done: number; total: number; table: string }) => void;
};

export type StoreReport = {
  tables: number;
  columns: number;
  baseline: boolean;
  dropped?: { tables: number; columns: number };
  /** Why the store was not scanned (unreachable, ...): nothing of it was marked dropped. */
  error?: string;
};

export type ScanReport = {
  scanId: string;
  stores: Partial<Record<Store, StoreReport>>;
  tables: number;
  columns: number;
  paths: number;
  /** Non-null sampled values handed to the classifier (columns and JSON paths). */
  valuesClassified: number;
  rowsRead: number;
  /** The largest sample any one table returned: bounded by limits.rows. */
  maxRowsPerTable: number;
  flagged: number;
  drift: number;
  durationMs: number;
  timings: { introspectMs: number; sampleMs: number; classifyMs: number; writeMs: number };
  /** Stewards' rules (issue 21): enabled custom recognizers used, proposals a suppression changed. */
  recognizers?: { used: string[]; errors: string[] };
  suppressed?: number;
};

/**
 * Observations written per catalog transaction: small enough that a scan writes several batches,
 * each while the next tables are classified, rather than one at the end that nothing overlaps.
 */
const FLUSH_ROWS = 200;
/** Tables whose samples are being read while the current one is classified. */
export const READ_AHEAD = 2;

type Deps = { db: Db; analytics?: AnalyticsStore | null };

/**
 * One scan of the platform: introspects each store, samples every table with one bounded query,
 * classifies each column and JSON path, and reconciles the catalog table by table (proposals,
 * versions, drift, re-review flags; never a steward's decision). The next table's sample is read
 * while the current one is classified and written. A store that cannot be reached is reported
 * and left as it was; tables it no longer has are marked dropped only after it scanned fully.
 */
export async function runCatalogScan(deps: Deps, options: ScanOptions): Promise<ScanReport> {
  const started = Date.now();
  const stores = options.stores ?? (deps.analytics ? ["postgres", "clickhouse"] : ["postgres"]);
  const limits = options.limits ?? DEFAULT_SAMPLE_LIMITS;
  // Every store is introspected at once, while the scan row, the stewards' recognizers and the
  // live suppressions are read: a store that fails is reported, never thrown (see below).
  const introspected = stores.map((store) => introspectStore(deps, store));
  // Stewards' rules (issue 21): enabled custom recognizers join the classifier, and live
  // suppressions rewrite the proposals they apply to before anything is written.
  const [custom, live, scanId] = await Promise.all([
    loadEnabledRecognizers(deps.db),
    liveSuppressions(deps.db),
    startScan(deps.db, {
      stores: [...stores],
      triggeredBy: options.triggeredBy,
      jobRunId: options.jobRunId,
    }),
  ]);
  const classify = withRecognizers(options.classify ?? classifyColumn, custom.recognizers);
  const suppressions: SuppressionIndex = indexSuppressions(live);
  const report: ScanReport = {
    scanId,
    stores: {},
    tables: 0,
    columns: 0,
    paths: 0,
    valuesClassified: 0,
    rowsRead: 0,
    maxRowsPerTable: 0,
    flagged: 0,
    drift: 0,
    durationMs: 0,
    timings: { introspectMs: 0, sampleMs: 0, classifyMs: 0, writeMs: 0 },
    recognizers: {
      used: custom.recognizers.map((r) => `${r.name}@v${r.version}`),
      errors: custom.errors,
    },
    suppressed: 0,
  };
  try {
    const work: StoreWork[] = [];
    // The built-in classifier's one-time costs are paid while the stores answer (warm-up.ts).
    if (!options.classify) {
      void warmUp();
    }
    for (const outcome of await Promise.all(introspected)) {
      if ("error" in outcome) {
        report.stores[outcome.store] = {
          tables: 0,
          columns: 0,
          baseline: false,
          error: outcome.error,
        };
      } else {
        work.push(outcome);
        report.stores[outcome.store] = {
          tables: outcome.tables.length,
          columns: 0,
          baseline: outcome.baseline,
        };
      }
    }
    report.timings.introspectMs = Date.now() - started;

    const queue = work.flatMap((w) => w.tables.map((table) => ({ ...w, table })));
    const read = (i: number): Promise<TableSample> | undefined => {
      const item = queue[i];
      if (!item) {
        return undefined;
      }
      // A table whose sample fails (a column the reader may not select, a timeout) is recorded
      // as not sampled, with the error: its columns are then not yet classifiable, never `none`.
      return sample(deps, item.table, limits).catch(
        (error: unknown): TableSample => ({
          rowsRead: 0,
          method: "skipped",
          skippedReason: `sampling failed: ${(error as Error).message}`.slice(0, 300),
          values: new Map(item.table.columns.map((c) => [c.name, []])),
        }),
      );
    };
    // Tables are written in batches: a few set-based statements per batch, not per table. A
    // batch is written while the next tables are classified, and samples are read ahead, so the
    // scan takes about as long as its slowest stage rather than the sum of all three.
    let buffer: TableObservations[] = [];
    let buffered = 0;
    let writing: Promise<void> | undefined;
    const flush = async () => {
      if (writing) {
        await writing;
      }
      const batch = buffer;
      buffer = [];
      buffered = 0;
      const started = Date.now();
      writing = writeObservations(deps.db, scanId, batch).then((written) => {
        report.flagged += written.flagged;
        report.drift += written.drift;
        report.timings.writeMs += Date.now() - started;
      });
      writing.catch(() => {}); // awaited at the next flush or at the end
    };
    const reads: (Promise<TableSample> | undefined)[] = [];
    for (let i = 0; i < queue.length; i++) {
      const item = queue[i];
      for (let j = i; j <= i + READ_AHEAD && j < queue.length; j++) {
        reads[j] ??= read(j);
      }
      const pendingRead = reads[i];
      if (!item || !pendingRead) {
        break;
      }
      let t0 = Date.now();
      const tableSample = await pendingRead;
      reads[i] = undefined;
      report.timings.sampleMs += Date.now() - t0;

      t0 = Date.now();
      const observations = observe(item.table, tableSample, classify, report);
      if (options.secondOpinion) {
        await reviewAgain(options.secondOpinion, item.table, tableSample, observations);
      }
      report.suppressed =
        (report.suppressed ?? 0) + applySuppressions(suppressions, item.table, observations);
      report.timings.classifyMs += Date.now() - t0;

      buffer.push({ table: item.table, observations, baseline: item.baseline });
      buffered += observations.length;
      if (buffered >= FLUSH_ROWS || i === queue.length - 1) {
        await flush();
      }

      report.tables += 1;
      report.columns += item.table.columns.length;
      report.rowsRead += tableSample.rowsRead;
      report.maxRowsPerTable = Math.max(report.maxRowsPerTable, tableSample.rowsRead);
      const storeReport = report.stores[item.store];
      if (storeReport) {
        storeReport.columns += item.table.columns.length;
      }
      options.onProgress?.({
        done: i + 1,
        total: queue.length,
        table: `${item.table.schema}.${item.table.name}`,
      });
    }

    if (writing) {
      await writing;
    }
    const t0 = Date.now();
    const dropped = await markUnseenDropped(deps.db, {
      scanId,
      stores: work.map((w) => ({ store: w.store, baseline: w.baseline })),
    });
    for (const w of work) {
      const storeDropped = dropped[w.store] ?? { tables: 0, columns: 0 };
      const storeReport = report.stores[w.store];
      if (storeReport) {
        storeReport.dropped = storeDropped;
      }
      if (!w.baseline) {
        report.drift += storeDropped.tables + storeDropped.columns;
      }
    }
    report.timings.writeMs += Date.now() - t0;
    report.durationMs = Date.now() - started;
    await finishScan(deps.db, scanId, { status: "succeeded", stats: report });
    return report;
  } catch (error) {
    report.durationMs = Date.now() - started;
    await finishScan(deps.db, scanId, {
      status: "failed",
      stats: report,
      error: (error as Error).message,
    }).catch(() => {});
    throw error;
  }
}

type StoreWork = { store: Store; tables: TableDef[]; baseline: boolean };

/** One store's tables and whether this is its first scan; an unreachable store, its error. */
async function introspectStore(
  deps: Deps,
  store: Store,
): Promise<StoreWork | { store: Store; error: string }> {
  try {
    const [tables, baseline] = await Promise.all([
      introspect(deps, store),
      isBaseline(deps.db, store),
    ]);
    return { store, tables, baseline };
  } catch (error) {
    return { store, error: (error as Error).message };
  }
}

async function introspect(deps: Deps, store: Store): Promise<TableDef[]> {
  if (store === "postgres") {
    return introspectPostgres(deps.db);
  }
  if (!deps.analytics) {
    throw new Error("no analytics store configured");
  }
  return introspectClickhouse(deps.analytics);
}

/** Reads one table's bounded sample from its store. */
export function sample(deps: Deps, table: TableDef, limits: SampleLimits): Promise<TableSample> {
  if (table.store === "clickhouse") {
    if (!deps.analytics) {
      throw new Error("no analytics store configured");
    }
    return sampleClickhouseTable(deps.analytics, table, limits);
  }
  return samplePostgresTable(deps.db, table, limits);
}

/** Replaces the column-level proposals with the second opinion's (JSON path rows keep theirs). */
async function reviewAgain(
  review: NonNullable<ScanOptions["secondOpinion"]>,
  table: TableDef,
  tableSample: TableSample,
  observations: ColumnObservation[],
): Promise<void> {
  const rows = observations.filter((o) => o.jsonPath === "");
  const reviewed = await review(
    rows.map((o) => ({
      sample: {
        table: table.name,
        column: o.column.name,
        type: o.column.dataType,
        samples: (tableSample.values.get(o.column.name) ?? []).filter(
          (v) => v !== null && v !== undefined,
        ),
      },
      proposal: { ...o.proposal, paths: [] },
    })),
  );
  rows.forEach((row, k) => {
    const next = reviewed[k];
    if (next) {
      row.proposal = {
        category: next.category,
        sensitivity: next.sensitivity,
        confidence: next.confidence,
        evidence: next.evidence,
      };
    }
  });
}

const NO_PROPOSAL: Omit<ColumnProposal, "paths"> = {
  category: "none",
  sensitivity: "internal",
  confidence: 0,
  evidence: [],
};

/** Classifies every column of a sampled table (and each JSON path found), with stats. */
function observe(
  table: TableDef,
  tableSample: TableSample,
  classify: Classifier,
  report: ScanReport,
): ColumnObservation[] {
  const out: ColumnObservation[] = [];
  const base = {
    sampled_rows: tableSample.rowsRead,
    method: tableSample.method,
    ...(tableSample.percent !== undefined ? { percent: tableSample.percent } : {}),
    ...(tableSample.tenants !== undefined ? { tenants: tableSample.tenants } : {}),
    ...(tableSample.skippedReason ? { skipped: tableSample.skippedReason } : {}),
  };
  const columnValues: TableColumn[] = table.columns.map((column) => ({
    name: column.name,
    samples: (tableSample.values.get(column.name) ?? []).filter(
      (v) => v !== null && v !== undefined,
    ),
  }));
  table.columns.forEach((column, index) => {
    const all = tableSample.values.get(column.name) ?? [];
    const values = (columnValues[index] as TableColumn).samples;
    report.valuesClassified += values.length;
    // Judged with its table too: a longitude column next to its latitude (coordinate-pairs).
    const proposal = withCoordinatePair(
      columnValues[index] as TableColumn,
      safeClassify(classify, {
        table: table.name,
        column: column.name,
        type: column.dataType,
        ...(column.comment ? { comment: column.comment } : {}),
        samples: values,
      }),
      columnValues,
    );
    const unclassifiable = unclassifiableReason(column, tableSample, values, all.length);
    out.push({
      column,
      jsonPath: "",
      unclassifiable,
      proposal:
        unclassifiable && proposal.category === "none"
          ? noEvidence(unclassifiable)
          : {
              category: proposal.category,
              sensitivity: proposal.sensitivity,
              confidence: proposal.confidence,
              evidence: proposal.evidence,
            },
      maskedSamples: column.sampleKind === "json" ? [] : maskedExamples(values),
      stats: { ...base, ...valueStats(values, all.length) },
    });
    if (column.sampleKind === "json") {
      out.push(...pathObservations(column, values, proposal.paths, base, report));
    }
  });
  return out;
}

/** Types whose values can hold none of the taxonomy's categories (a flag, a random id). */
const CANNOT_HOLD_PII = /^(?:Nullable\()?(?:boolean|bool|uuid)\)?$/i;

/**
 * Why a column's values give no evidence either way, or null when they do: "no evidence" must
 * never pass for "no personal data" (issue 14). A table the reader may not read, a table that
 * returned no rows (empty, or hidden from the reader by row-level security), and a column whose
 * every sampled value is NULL or blank are not yet classifiable.
 */
export function unclassifiableReason(
  column: ColumnDef,
  tableSample: TableSample,
  values: unknown[],
  sampledRows: number,
): string | null {
  if (CANNOT_HOLD_PII.test(column.dataType.trim())) {
    return null;
  }
  if (tableSample.method === "skipped") {
    return `not sampled: ${tableSample.skippedReason ?? "the table was not read"}`;
  }
  if (tableSample.rowsRead === 0) {
    return "no rows to sample: the table is empty (or its rows are hidden from govern_reader)";
  }
  const usable = values.some((v) => !(typeof v === "string" && v.trim() === ""));
  if (!usable) {
    return values.length === 0
      ? `every sampled value is NULL (${sampledRows} rows sampled)`
      : `every sampled value is blank (${sampledRows} rows sampled)`;
  }
  return null;
}

/** `none` with no confidence at all: nothing was seen, so nothing was ruled out. */
function noEvidence(reason: string): Omit<ColumnProposal, "paths"> {
  return {
    ...NO_PROPOSAL,
    evidence: [
      {
        detector: "no_usable_samples",
        signal: "value",
        category: "none",
        matched: 0,
        sampled: 0,
        examples: [],
        note: `not yet classifiable: ${reason}`,
      },
    ],
  };
}

function pathObservations(
  column: ColumnDef,
  documents: unknown[],
  proposals: PathProposal[],
  base: Record<string, unknown>,
  report: ScanReport,
): ColumnObservation[] {
  // The classifier's own walk, so catalog path rows and its path proposals spell paths alike.
  const found = walkJson(documents);
  const byPath = new Map(proposals.map((p) => [p.path, p]));
  const out: ColumnObservation[] = [];
  const seen = new Set<string>();
  for (const [path, pathValues] of found) {
    seen.add(path);
    const values = pathValues.filter((v) => v !== null && v !== undefined);
    report.valuesClassified += values.length;
    report.paths += 1;
    const proposal = byPath.get(path);
    out.push({
      column,
      jsonPath: path,
      pathTypes: [...new Set(values.map((v) => (Array.isArray(v) ? "array" : typeof v)))],
      proposal: proposal ? pathProposal(proposal) : NO_PROPOSAL,
      maskedSamples: maskedExamples(values),
      stats: { ...base, ...valueStats(values, pathValues.length) },
    });
  }
  // A path the classifier names that the walk did not (another spelling): kept, without values.
  for (const proposal of proposals) {
    if (!seen.has(proposal.path)) {
      report.paths += 1;
      out.push({
        column,
        jsonPath: proposal.path,
        pathTypes: [],
        proposal: pathProposal(proposal),
        maskedSamples: [],
        stats: { ...base },
      });
    }
  }
  return out;
}

function pathProposal(p: PathProposal): Omit<ColumnProposal, "paths"> {
  return {
    category: p.category,
    sensitivity: p.sensitivity,
    confidence: p.confidence,
    evidence: p.evidence,
  };
}

/** A classifier that throws on one column must not stop the scan: that column gets `none`. */
function safeClassify(classify: Classifier, column: ColumnSample): ColumnProposal {
  try {
    return classify(column);
  } catch (error) {
    return {
      ...NO_PROPOSAL,
      evidence: [
        {
          detector: "classifier_error",
          signal: "value",
          category: "none",
          matched: 0,
          sampled: column.samples.length,
          examples: [],
          note: (error as Error).message.slice(0, 200),
        },
      ],
      paths: [],
    };
  }
}

function valueStats(values: unknown[], total: number): Record<string, unknown> {
  const distinct = new Set<string>();
  let minLength: number | null = null;
  let maxLength: number | null = null;
  for (const v of values) {
    const text = typeof v === "string" ? v : JSON.stringify(v);
    if (distinct.size < 10_000) {
      distinct.add(text);
    }
    if (typeof v === "string") {
      minLength = minLength === null ? v.length : Math.min(minLength, v.length);
      maxLength = maxLength === null ? v.length : Math.max(maxLength, v.length);
    }
  }
  return {
    sampled: values.length,
    nulls: total - values.length,
    distinct: distinct.size,
    ...(minLength !== null ? { min_length: minLength, max_length: maxLength } : {}),
  };
}
