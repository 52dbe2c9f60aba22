import {
  type TableColumn,
  withCoordinatePair,
} from "../../rules/classification/coordinate-pairs.ts";
import {
  type Classifier,
  type CompiledRecognizer,
  compileRecognizer,
  evaluateRecognizer,
  withRecognizers,
} from "../../rules/classification/custom-recognizers.ts";
import { classifyColumn } from "../../rules/classification/index.ts";
import { walkJson } from "../../rules/classification/json-paths.ts";
import type { AnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import type {
  TPreviewColumn,
  TRecognizer,
  TRecognizerDefinition,
  TRecognizerDetail,
  TRecognizerPreview,
} from "../../schema/contracts/recognizers.ts";
import type { Category, ColumnProposal } from "../../schema/domain/classification.ts";
import {
  changeRecognizer,
  enabledRecognizers,
  findRecognizer,
  insertRecognizer,
  listRecognizers,
  type RecognizerRow,
  RecognizerStoreError,
  recognizerVersions,
} from "../../schema/governance/recognizers.repository.ts";
import { liveSuppressions } from "../../schema/governance/suppressions.repository.ts";
import type { Db } from "../../schema/postgres.ts";
import type { TableDef } from "./catalog-types.ts";
import type { ColumnObservation } from "./catalog-write.ts";
import { introspectClickhouse } from "./introspect-clickhouse.ts";
import { introspectPostgres } from "./introspect-postgres.ts";
import { sampleClickhouseTable } from "./sample-clickhouse.ts";
import { DEFAULT_SAMPLE_LIMITS, samplePostgresTable } from "./sample-postgres.ts";
import { applySuppressions, indexSuppressions } from "./suppressions.ts";

/**
 * The engine behind custom recognizers, shared by the API, the CLI and the scan: definitions are
 * compiled (validated) before they are stored, every change is a version, and a definition can be
 * tried on live samples before it is enabled (`previewRecognizer`).
 */

const iso = (d: Date | string) => new Date(d).toISOString();

export function toRecognizer(row: RecognizerRow): TRecognizer {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    enabled: row.enabled,
    definition: row.definition as TRecognizerDefinition,
    createdBy: row.created_by,
    createdAt: iso(row.created_at),
    updatedBy: row.updated_by,
    updatedAt: iso(row.updated_at),
  };
}

export async function allRecognizers(db: Db): Promise<TRecognizer[]> {
  return (await listRecognizers(db)).map(toRecognizer);
}

export async function recognizerDetail(
  db: Db,
  idOrName: string,
): Promise<TRecognizerDetail | undefined> {
  const row = await findRecognizer(db, idOrName);
  if (!row) {
    return undefined;
  }
  const versions = await recognizerVersions(db, row.id);
  return {
    ...toRecognizer(row),
    versions: versions.map((v) => ({
      version: v.version,
      change: v.change as TRecognizerDetail["versions"][number]["change"],
      definition: v.definition as TRecognizerDefinition,
      enabled: v.enabled,
      actor: v.actor,
      comment: v.comment,
      recordedAt: iso(v.recorded_at),
    })),
  };
}

/** Stores a new recognizer (disabled: it is tried first); throws on an invalid definition. */
export async function createRecognizer(
  db: Db,
  input: { definition: unknown; actor: string; comment?: string },
): Promise<TRecognizer> {
  const compiled = compileRecognizer(input.definition);
  return toRecognizer(
    await insertRecognizer(db, {
      name: compiled.name,
      definition: compiled.definition,
      actor: input.actor,
      comment: input.comment,
    }),
  );
}

async function existing(db: Db, idOrName: string): Promise<RecognizerRow> {
  const row = await findRecognizer(db, idOrName);
  if (!row) {
    throw new RecognizerStoreError("not_found", `no recognizer ${idOrName}`);
  }
  return row;
}

/** A new version with an edited definition (state unchanged). */
export async function editRecognizer(
  db: Db,
  idOrName: string,
  input: { definition: unknown; actor: string; comment?: string },
): Promise<TRecognizer> {
  const row = await existing(db, idOrName);
  const compiled = compileRecognizer(input.definition);
  return toRecognizer(
    await changeRecognizer(db, row.id, {
      definition: compiled.definition,
      actor: input.actor,
      comment: input.comment,
    }),
  );
}

/** A new version enabling or disabling the recognizer: the next scan uses it, or stops. */
export async function setRecognizerEnabled(
  db: Db,
  idOrName: string,
  input: { enabled: boolean; actor: string; comment?: string },
): Promise<TRecognizer> {
  const row = await existing(db, idOrName);
  if (input.enabled) {
    // A definition stored by an older release must still compile before it runs in scans.
    compileRecognizer(row.definition, row.version);
  }
  return toRecognizer(await changeRecognizer(db, row.id, input));
}

/**
 * The enabled recognizers compiled for a scan. One that no longer compiles (a validator a newer
 * library dropped) is left out and named in `errors` rather than failing the scan.
 */
export async function loadEnabledRecognizers(
  db: Db,
): Promise<{ recognizers: CompiledRecognizer[]; errors: string[] }> {
  const recognizers: CompiledRecognizer[] = [];
  const errors: string[] = [];
  for (const row of await enabledRecognizers(db)) {
    try {
      recognizers.push(compileRecognizer(row.definition, row.version));
    } catch (error) {
      errors.push(`${row.name} v${row.version}: ${(error as Error).message}`);
    }
  }
  return { recognizers, errors };
}

type Deps = { db: Db; analytics?: AnalyticsStore | null };

/** JSON documents stored as text, parsed (as the classifier reads them). */
function parseDocuments(samples: unknown[]): unknown[] {
  return samples.map((s) => {
    if (typeof s === "string" && (s.startsWith("{") || s.startsWith("["))) {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        return s;
      }
    }
    return s;
  });
}

/** `contact.phones[].number` → `number`: the key a path's values sit under. */
function lastKey(path: string): string | undefined {
  return path
    .split(/[.[\]]+/)
    .filter((s) => s && s !== "$")
    .pop();
}

/** Tables read per preview at most: a preview answers in seconds even on a large platform. */
const PREVIEW_MAX_TABLES = 400;

/**
 * Runs a definition (not stored, or a stored one before enabling it) against live samples of
 * every readable table and says, per column it matched, what the next scan would propose with it
 * enabled next to the other enabled recognizers and the live suppressions: the current label,
 * the new one, and the effect (changes, flags a steward's decision, no change, or matched too
 * few samples). Examples are masked. Reads nothing into the catalog.
 */
export async function previewRecognizer(
  deps: Deps,
  input: { definition: unknown; rows?: number },
): Promise<TRecognizerPreview> {
  const candidate = compileRecognizer(input.definition);
  const rows = input.rows ?? 300;
  const limits = { ...DEFAULT_SAMPLE_LIMITS, rows };
  const { recognizers } = await loadEnabledRecognizers(deps.db);
  const others = recognizers.filter((r) => r.name !== candidate.name);
  const before = withRecognizers(classifyColumn, others);
  const after = withRecognizers(classifyColumn, [...others, candidate]);
  const suppressions = indexSuppressions(await liveSuppressions(deps.db));

  const catalog = await deps.db
    .selectFrom("governance.catalog_columns")
    .select([
      "store",
      "schema_name",
      "table_name",
      "column_name",
      "json_path",
      "proposed_category",
      "review_status",
      "decided_category",
    ])
    .where("dropped_at", "is", null)
    .execute();
  const known = new Map(
    catalog.map((c) => [
      [c.store, c.schema_name, c.table_name, c.column_name, c.json_path].join("\u0000"),
      c,
    ]),
  );

  const tables: TableDef[] = [];
  tables.push(...(await introspectPostgres(deps.db)));
  if (deps.analytics) {
    tables.push(...(await introspectClickhouse(deps.analytics).catch(() => [])));
  }
  const readable = tables.filter((t) => t.readable).slice(0, PREVIEW_MAX_TABLES);
  const matches: TPreviewColumn[] = [];
  let columns = 0;
  for (const table of readable) {
    const read =
      table.store === "clickhouse" && deps.analytics
        ? sampleClickhouseTable(deps.analytics, table, limits)
        : samplePostgresTable(deps.db, table, limits);
    const tableSample = await read.catch(() => undefined);
    if (!tableSample) {
      continue;
    }
    const tableColumns: TableColumn[] = table.columns.map((column) => ({
      name: column.name,
      samples: (tableSample.values.get(column.name) ?? []).filter(
        (v) => v !== null && v !== undefined,
      ),
    }));
    table.columns.forEach((column, index) => {
      columns += 1;
      const own = tableColumns[index] as TableColumn;
      const columnSample = {
        table: table.name,
        column: column.name,
        type: column.dataType,
        ...(column.comment ? { comment: column.comment } : {}),
        samples: own.samples,
      };
      // The column's proposals with and without the candidate, computed once when needed.
      const proposals = new Map<Classifier, ColumnProposal>();
      const proposal = (classifier: Classifier): ColumnProposal => {
        let p = proposals.get(classifier);
        if (!p) {
          p = withCoordinatePair(own, classifier(columnSample), tableColumns);
          proposals.set(classifier, p);
        }
        return p;
      };
      // The column, or a JSON column's leaf paths (whose labels the scan's recognizers change,
      // read under their own key), as the catalog holds them.
      const targets: { jsonPath: string; values: unknown[]; name: string }[] =
        column.sampleKind === "json"
          ? [...walkJson(parseDocuments(own.samples))].map(([path, values]) => ({
              jsonPath: path,
              values,
              name: lastKey(path) ?? column.name,
            }))
          : [{ jsonPath: "", values: own.samples, name: column.name }];
      for (const target of targets) {
        const hit = evaluateRecognizer(
          candidate,
          { ...columnSample, column: target.name },
          target.values,
        );
        if (hit.matched === 0) {
          continue;
        }
        const entry = known.get(
          [table.store, table.schema, table.name, column.name, target.jsonPath].join("\u0000"),
        );
        const label = (classifier: Classifier): Category => {
          const p = proposal(classifier);
          const path = target.jsonPath ? p.paths.find((x) => x.path === target.jsonPath) : p;
          const obs: ColumnObservation = {
            column,
            jsonPath: target.jsonPath,
            proposal: path
              ? {
                  category: path.category,
                  sensitivity: path.sensitivity,
                  confidence: path.confidence,
                  evidence: path.evidence,
                }
              : { category: "none", sensitivity: "internal", confidence: 0, evidence: [] },
            maskedSamples: [],
            stats: {},
          };
          applySuppressions(suppressions, table, [obs]);
          return obs.proposal.category;
        };
        const proposedNow = (entry?.proposed_category as Category | null) ?? label(before);
        const proposedNext = hit.applies ? label(after) : proposedNow;
        const decided = entry && entry.review_status !== "pending" ? entry.decided_category : null;
        const effect: TPreviewColumn["effect"] = !hit.applies
          ? "below_threshold"
          : decided !== null && proposedNext !== "none" && proposedNext !== decided
            ? "flags_decision"
            : proposedNext !== proposedNow
              ? "changes"
              : "no_change";
        matches.push({
          store: table.store,
          schema: table.schema,
          table: table.name,
          column: column.name,
          jsonPath: target.jsonPath,
          matched: hit.matched,
          sampled: hit.sampled,
          contextWord: hit.contextWord,
          examples: hit.examples,
          currentCategory: decided ?? proposedNow,
          currentStatus: entry?.review_status ?? null,
          newCategory: proposedNext,
          effect,
        });
      }
    });
  }
  const order = { changes: 0, flags_decision: 1, no_change: 2, below_threshold: 3 } as const;
  matches.sort(
    (a, b) => order[a.effect] - order[b.effect] || b.matched / b.sampled - a.matched / a.sampled,
  );
  return {
    definition: candidate.definition,
    tables: readable.length,
    columns,
    rowsPerTable: rows,
    matches,
    changes: matches.filter((m) => m.effect === "changes" || m.effect === "flags_decision").length,
  };
}
