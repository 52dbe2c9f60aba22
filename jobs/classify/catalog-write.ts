import { createHash } from "node:crypto";
import { type Selectable, sql, type Transaction } from "kysely";
import type { DB as Database, GovernanceCatalogColumns } from "../../schema/database.ts";
import type { ColumnProposal } from "../../schema/domain/classification.ts";
import type { Db } from "../../schema/postgres.ts";
import {
  type ColumnDef,
  type ColumnDefinition,
  columnDefinition,
  type Store,
  type TableDef,
} from "./catalog-types.ts";
import { contradiction } from "./rereview.ts";

/** Who the review trail names for what the scanner writes. */
export const SCANNER_ACTOR = "scanner";

type Trx = Transaction<Database>;

/** What the scanner learned about one column, or one JSON path inside it. */
export type ColumnObservation = {
  column: ColumnDef;
  /** '' for the column itself. */
  jsonPath: string;
  /** JSON types seen at a path (path rows only). */
  pathTypes?: string[];
  proposal: Omit<ColumnProposal, "paths">;
  maskedSamples: string[];
  stats: Record<string, unknown>;
  /**
   * Why the column could not be classified from its values (unreadable, empty table, every
   * value NULL so far), or null. A pending entry with a reason blocks provisioning.
   */
  unclassifiable?: string | null;
};

export type TableWriteResult = {
  columns: number;
  added: number;
  changed: number;
  flagged: number;
  drift: number;
};

/** sha256 of a definition's canonical JSON: equal definitions, equal hashes. */
export function definitionHash(definition: ColumnDefinition): string {
  return createHash("sha256").update(JSON.stringify(definition)).digest("hex").slice(0, 32);
}

export async function startScan(
  db: Db,
  input: { stores: Store[]; triggeredBy: string; jobRunId?: string | null },
): Promise<string> {
  const row = await db
    .insertInto("governance.catalog_scans")
    .values({
      stores: input.stores,
      triggered_by: input.triggeredBy,
      job_run_id: input.jobRunId ?? null,
      status: "running",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function finishScan(
  db: Db,
  scanId: string,
  outcome: { status: "succeeded" | "failed"; stats: Record<string, unknown>; error?: string },
): Promise<void> {
  await db
    .updateTable("governance.catalog_scans")
    .set({
      status: outcome.status,
      finished_at: new Date(),
      stats: JSON.stringify(outcome.stats),
      error: outcome.error ?? null,
    })
    .where("id", "=", scanId)
    .execute();
}

/** A store never scanned before: its first scan is the baseline and records no drift. */
export async function isBaseline(db: Db, store: Store): Promise<boolean> {
  const row = await db
    .selectFrom("governance.catalog_tables")
    .select("id")
    .where("store", "=", store)
    .limit(1)
    .executeTakeFirst();
  return row === undefined;
}

export type TableObservations = {
  table: TableDef;
  observations: ColumnObservation[];
  /** The table's store is scanned for the first time: no drift is recorded. */
  baseline: boolean;
};

type DriftRow = {
  scan_id: string;
  kind: string;
  store: string;
  schema_name: string;
  table_name: string;
  column_name: string | null;
  before: string | null;
  after: string | null;
};

type ReviewEventValues = {
  action: "proposed" | "flagged";
  category: string | null;
  sensitivity: string | null;
  confidence: number | null;
  comment: string | null;
  evidence: string | null;
};

type PendingRow = {
  key: string;
  values: Record<string, unknown>;
  versionDefinition: ColumnDefinition | null;
  reviewEvent: ReviewEventValues | null;
};

const ROWS_PER_STATEMENT = 1000;

function tableKey(store: string, schema: string, name: string): string {
  return `${store}\u0000${schema}\u0000${name}`;
}

function columnKey(tableId: string, column: string, path: string): string {
  return `${tableId}\u0000${column}\u0000${path}`;
}

/**
 * Writes a batch of scanned tables and everything observed about their columns in one
 * transaction, with a handful of set-based statements whatever the batch's size: the table rows,
 * one upsert of all column and path rows (proposals replaced; decided_* never written), new
 * versions for changed definitions, drift events, and review events (`proposed` when a pending
 * proposal changes, `flagged` when a proposal or a definition change contradicts a decision).
 * Existing rows are locked first, so a steward's decision landing meanwhile is either seen or
 * waits for this transaction.
 */
export async function writeObservations(
  db: Db,
  scanId: string,
  batch: TableObservations[],
): Promise<TableWriteResult> {
  if (batch.length === 0) {
    return { columns: 0, added: 0, changed: 0, flagged: 0, drift: 0 };
  }
  return db.transaction().execute((trx) => writeInTransaction(trx, scanId, batch));
}

async function writeInTransaction(
  trx: Trx,
  scanId: string,
  batch: TableObservations[],
): Promise<TableWriteResult> {
  const result: TableWriteResult = { columns: 0, added: 0, changed: 0, flagged: 0, drift: 0 };
  const drift: DriftRow[] = [];

  const existingTables = await trx
    .selectFrom("governance.catalog_tables")
    .select(["id", "store", "schema_name", "table_name", "dropped_at"])
    .where((eb) =>
      eb.or(
        batch.map(({ table }) =>
          eb.and([
            eb("store", "=", table.store),
            eb("schema_name", "=", table.schema),
            eb("table_name", "=", table.name),
          ]),
        ),
      ),
    )
    .forUpdate()
    .execute();
  const existingTableByKey = new Map(
    existingTables.map((t) => [tableKey(t.store, t.schema_name, t.table_name), t]),
  );
  const tableRows = await trx
    .insertInto("governance.catalog_tables")
    .values(
      batch.map(({ table }) => ({
        store: table.store,
        schema_name: table.schema,
        table_name: table.name,
        kind: table.kind,
        comment: table.comment,
        row_estimate: table.rowEstimate,
        constraints: JSON.stringify(table.constraints),
        first_seen_scan: scanId,
        last_seen_scan: scanId,
        dropped_at: null,
      })),
    )
    .onConflict((oc) =>
      oc.columns(["store", "schema_name", "table_name"]).doUpdateSet((eb) => ({
        kind: eb.ref("excluded.kind"),
        comment: eb.ref("excluded.comment"),
        row_estimate: eb.ref("excluded.row_estimate"),
        constraints: eb.ref("excluded.constraints"),
        last_seen_scan: eb.ref("excluded.last_seen_scan"),
        dropped_at: null,
      })),
    )
    .returning(["id", "store", "schema_name", "table_name"])
    .execute();
  const tableIds = new Map(
    tableRows.map((t) => [tableKey(t.store, t.schema_name, t.table_name), t.id]),
  );

  const existing = await trx
    .selectFrom("governance.catalog_columns")
    .selectAll()
    .where("table_id", "in", [...tableIds.values()])
    .forUpdate()
    .execute();
  const byKey = new Map(
    existing.map((c) => [columnKey(c.table_id, c.column_name, c.json_path), c]),
  );
  const decidedIds = existing.filter((c) => c.review_status !== "pending").map((c) => c.id);
  const seenAtDecision = new Map<string, string | null>();
  if (decidedIds.length > 0) {
    const decisions = await trx
      .selectFrom("governance.catalog_review_events")
      .select(["column_id", "evidence"])
      .distinctOn("column_id")
      .where("column_id", "in", decidedIds)
      .where("action", "in", ["accepted", "rejected", "overridden"])
      .orderBy("column_id")
      .orderBy("id", "desc")
      .execute();
    for (const d of decisions) {
      const evidence = d.evidence as { proposed_category?: string | null } | null;
      seenAtDecision.set(d.column_id, evidence?.proposed_category ?? null);
    }
  }

  const pending: PendingRow[] = [];
  const now = new Date();
  for (const { table, observations, baseline } of batch) {
    const key = tableKey(table.store, table.schema, table.name);
    const tableId = tableIds.get(key);
    if (!tableId) {
      throw new Error(`catalog table ${key} was not written`);
    }
    const previous = existingTableByKey.get(key);
    const tableIsNew = !previous || previous.dropped_at !== null;
    const place = {
      scan_id: scanId,
      store: table.store,
      schema_name: table.schema,
      table_name: table.name,
    };
    if (tableIsNew && !baseline) {
      drift.push({
        ...place,
        kind: "table_added",
        column_name: null,
        before: null,
        after: JSON.stringify({ kind: table.kind, columns: table.columns.map((c) => c.name) }),
      });
    }
    for (const obs of observations) {
      const row = observeRow({ scanId, tableId, table, obs, byKey, seenAtDecision, now });
      if (row.added && !baseline && !tableIsNew && obs.jsonPath === "") {
        drift.push({
          ...place,
          kind: "column_added",
          column_name: obs.column.name,
          before: null,
          after: JSON.stringify(row.pending.versionDefinition),
        });
      }
      if (row.changedFrom) {
        drift.push({
          ...place,
          kind: "column_changed",
          column_name: obs.column.name,
          before: JSON.stringify(row.changedFrom),
          after: JSON.stringify(row.pending.versionDefinition),
        });
        result.changed += 1;
      }
      if (row.isNew) {
        result.added += 1;
      }
      if (row.pending.reviewEvent?.action === "flagged") {
        result.flagged += 1;
      }
      pending.push(row.pending);
    }
  }
  result.columns = pending.length;

  const ids = new Map<string, string>();
  for (let i = 0; i < pending.length; i += ROWS_PER_STATEMENT) {
    const rows = await trx
      .insertInto("governance.catalog_columns")
      .values(pending.slice(i, i + ROWS_PER_STATEMENT).map((p) => p.values) as never)
      .onConflict((oc) =>
        oc
          .columns(["store", "schema_name", "table_name", "column_name", "json_path"])
          .doUpdateSet((eb) => ({
            table_id: eb.ref("excluded.table_id"),
            data_type: eb.ref("excluded.data_type"),
            is_nullable: eb.ref("excluded.is_nullable"),
            ordinal: eb.ref("excluded.ordinal"),
            comment: eb.ref("excluded.comment"),
            is_primary_key: eb.ref("excluded.is_primary_key"),
            foreign_key: eb.ref("excluded.foreign_key"),
            version: eb.ref("excluded.version"),
            definition_hash: eb.ref("excluded.definition_hash"),
            last_seen_scan: eb.ref("excluded.last_seen_scan"),
            dropped_at: null,
            proposed_category: eb.ref("excluded.proposed_category"),
            proposed_sensitivity: eb.ref("excluded.proposed_sensitivity"),
            confidence: eb.ref("excluded.confidence"),
            evidence: eb.ref("excluded.evidence"),
            masked_samples: eb.ref("excluded.masked_samples"),
            stats: eb.ref("excluded.stats"),
            unclassifiable_reason: eb.ref("excluded.unclassifiable_reason"),
            classified_at: eb.ref("excluded.classified_at"),
            needs_rereview: eb.ref("excluded.needs_rereview"),
            rereview_evidence: eb.ref("excluded.rereview_evidence"),
          })),
      )
      .returning(["id", "table_id", "column_name", "json_path"])
      .execute();
    for (const r of rows) {
      ids.set(columnKey(r.table_id, r.column_name, r.json_path), r.id);
    }
  }

  const versions = pending.flatMap((p) => {
    const id = ids.get(p.key);
    return id && p.versionDefinition && p.values.version !== undefined
      ? [
          {
            column_id: id,
            version: Number(p.values.version),
            definition: JSON.stringify(p.versionDefinition),
            scan_id: scanId,
          },
        ]
      : [];
  });
  for (let i = 0; i < versions.length; i += ROWS_PER_STATEMENT) {
    await trx
      .insertInto("governance.catalog_column_versions")
      .values(versions.slice(i, i + ROWS_PER_STATEMENT))
      .onConflict((oc) => oc.columns(["column_id", "version"]).doNothing())
      .execute();
  }
  const events = pending.flatMap((p) => {
    const id = ids.get(p.key);
    return id && p.reviewEvent ? [{ column_id: id, actor: SCANNER_ACTOR, ...p.reviewEvent }] : [];
  });
  for (let i = 0; i < events.length; i += ROWS_PER_STATEMENT) {
    await trx
      .insertInto("governance.catalog_review_events")
      .values(events.slice(i, i + ROWS_PER_STATEMENT))
      .execute();
  }
  for (let i = 0; i < drift.length; i += ROWS_PER_STATEMENT) {
    await trx
      .insertInto("governance.catalog_drift_events")
      .values(drift.slice(i, i + ROWS_PER_STATEMENT))
      .execute();
  }
  result.drift = drift.length;
  return result;
}

type CatalogColumnRow = Selectable<GovernanceCatalogColumns>;

/** The row one observation becomes, and what it means for drift and review. */
function observeRow(input: {
  scanId: string;
  tableId: string;
  table: TableDef;
  obs: ColumnObservation;
  byKey: Map<string, CatalogColumnRow>;
  seenAtDecision: Map<string, string | null>;
  now: Date;
}): { pending: PendingRow; isNew: boolean; added: boolean; changedFrom: ColumnDefinition | null } {
  const { scanId, tableId, table, obs, now } = input;
  const key = columnKey(tableId, obs.column.name, obs.jsonPath);
  const ex = input.byKey.get(key);
  const isPath = obs.jsonPath !== "";
  const definition = isPath ? null : columnDefinition(obs.column);
  const hash = definition ? definitionHash(definition) : null;
  const changed = Boolean(ex && definition && ex.definition_hash !== hash);
  const readded = Boolean(ex && ex.dropped_at !== null);
  const version = ex ? (changed || readded ? ex.version + 1 : ex.version) : 1;
  const proposal = obs.proposal;
  let needsRereview = ex?.needs_rereview ?? false;
  let rereviewEvidence: unknown = ex?.rereview_evidence ?? null;
  let reviewEvent: ReviewEventValues | null = null;

  if (!ex || ex.review_status === "pending") {
    if (!ex || ex.proposed_category !== proposal.category) {
      reviewEvent = {
        action: "proposed",
        category: proposal.category,
        sensitivity: proposal.sensitivity,
        confidence: proposal.confidence,
        comment: null,
        evidence: JSON.stringify(proposal.evidence),
      };
    }
  } else if (!ex.needs_rereview) {
    // A decision is kept; new evidence against it, or a changed definition, flags it.
    const reason =
      contradiction(
        {
          reviewStatus: ex.review_status,
          decidedCategory: ex.decided_category,
          needsRereview: ex.needs_rereview,
        },
        proposal,
        input.seenAtDecision.get(ex.id) ?? null,
      ) ??
      (changed || readded
        ? `the column's definition changed (version ${ex.version} → ${version})`
        : null) ??
      // A decision taken while there was nothing to sample was taken without evidence: values
      // that now suggest personal data reopen it, whatever their confidence.
      (ex.unclassifiable_reason && !obs.unclassifiable && proposal.category !== "none"
        ? `decided while the column had no usable samples (${ex.unclassifiable_reason}); sampled values now suggest ${proposal.category}`
        : null);
    if (reason) {
      needsRereview = true;
      rereviewEvidence = {
        reason,
        scan_id: scanId,
        proposed_category: proposal.category,
        proposed_sensitivity: proposal.sensitivity,
        confidence: proposal.confidence,
        evidence: proposal.evidence,
        ...(changed && ex ? { before: previousDefinition(ex), after: definition } : {}),
      };
      reviewEvent = {
        action: "flagged",
        category: proposal.category,
        sensitivity: proposal.sensitivity,
        confidence: proposal.confidence,
        comment: reason,
        evidence: JSON.stringify(rereviewEvidence),
      };
    }
  }

  const values: Record<string, unknown> = {
    table_id: tableId,
    store: table.store,
    schema_name: table.schema,
    table_name: table.name,
    column_name: obs.column.name,
    json_path: obs.jsonPath,
    data_type: isPath ? `json:${[...(obs.pathTypes ?? [])].sort().join("|")}` : obs.column.dataType,
    is_nullable: isPath ? true : obs.column.isNullable,
    ordinal: obs.column.ordinal,
    comment: isPath ? null : obs.column.comment,
    is_primary_key: isPath ? false : obs.column.isPrimaryKey,
    foreign_key: isPath || !obs.column.foreignKey ? null : JSON.stringify(obs.column.foreignKey),
    version,
    definition_hash: hash,
    first_seen_scan: ex?.first_seen_scan ?? scanId,
    last_seen_scan: scanId,
    dropped_at: null,
    proposed_category: proposal.category,
    proposed_sensitivity: proposal.sensitivity,
    confidence: proposal.confidence,
    evidence: JSON.stringify(proposal.evidence),
    masked_samples: JSON.stringify(obs.maskedSamples),
    stats: JSON.stringify(obs.stats),
    unclassifiable_reason: obs.unclassifiable ?? null,
    classified_at: now,
    needs_rereview: needsRereview,
    rereview_evidence: rereviewEvidence === null ? null : JSON.stringify(rereviewEvidence),
  };
  return {
    pending: {
      key,
      values,
      versionDefinition: definition && (!ex || changed || readded) ? definition : null,
      reviewEvent,
    },
    isNew: !ex,
    added: !ex || readded,
    changedFrom: ex && changed ? previousDefinition(ex) : null,
  };
}

function previousDefinition(row: {
  data_type: string;
  is_nullable: boolean;
  comment: string | null;
  is_primary_key: boolean;
  foreign_key: unknown;
}): ColumnDefinition {
  return {
    data_type: row.data_type,
    is_nullable: row.is_nullable,
    comment: row.comment,
    is_primary_key: row.is_primary_key,
    foreign_key: (row.foreign_key as ColumnDefinition["foreign_key"]) ?? null,
  };
}

/**
 * After the stores' scans finished: every table and column of those stores the scan did not see
 * is dropped (kept, with its decisions and history, and `dropped_at` set). Drift, for stores past
 * their baseline: one `table_dropped` per table, one `column_dropped` per column of a table that
 * still exists (a dropped table's columns go with it silently); JSON path rows follow their
 * column. One transaction and one statement per kind, whatever the number of stores.
 */
export async function markUnseenDropped(
  db: Db,
  input: { scanId: string; stores: { store: Store; baseline: boolean }[] },
): Promise<Partial<Record<Store, { tables: number; columns: number }>>> {
  const out: Partial<Record<Store, { tables: number; columns: number }>> = {};
  for (const { store } of input.stores) {
    out[store] = { tables: 0, columns: 0 };
  }
  const stores = input.stores.map((s) => s.store);
  if (stores.length === 0) {
    return out;
  }
  const baseline = new Set(input.stores.filter((s) => s.baseline).map((s) => s.store));
  return db.transaction().execute(async (trx) => {
    const tables = await trx
      .updateTable("governance.catalog_tables")
      .set({ dropped_at: sql`now()` })
      .where("store", "in", stores)
      .where("dropped_at", "is", null)
      .where((eb) =>
        eb.or([eb("last_seen_scan", "is", null), eb("last_seen_scan", "!=", input.scanId)]),
      )
      .returning(["id", "store", "schema_name", "table_name", "kind"])
      .execute();
    const droppedTableIds = new Set(tables.map((t) => t.id));
    const columns = await trx
      .updateTable("governance.catalog_columns")
      .set({ dropped_at: sql`now()` })
      .where("store", "in", stores)
      .where("dropped_at", "is", null)
      .where("json_path", "=", "")
      .where((eb) =>
        eb.or([eb("last_seen_scan", "is", null), eb("last_seen_scan", "!=", input.scanId)]),
      )
      .returning([
        "table_id",
        "store",
        "schema_name",
        "table_name",
        "column_name",
        "data_type",
        "is_nullable",
        "comment",
        "is_primary_key",
        "foreign_key",
      ])
      .execute();
    // Paths of a dropped column go with it (a path merely missing from one sample stays).
    await sql`
      UPDATE governance.catalog_columns p SET dropped_at = now()
      FROM governance.catalog_columns c
      WHERE p.store = ANY (${sql.val(stores)}::text[]) AND p.json_path <> '' AND p.dropped_at IS NULL
        AND c.store = p.store AND c.schema_name = p.schema_name AND c.table_name = p.table_name
        AND c.column_name = p.column_name AND c.json_path = ''
        AND c.dropped_at IS NOT NULL`.execute(trx);
    for (const t of tables) {
      const counts = out[t.store as Store];
      if (counts) {
        counts.tables += 1;
      }
    }
    for (const c of columns) {
      const counts = out[c.store as Store];
      if (counts) {
        counts.columns += 1;
      }
    }
    const drift = [
      ...tables
        .filter((t) => !baseline.has(t.store as Store))
        .map((t) => ({
          scan_id: input.scanId,
          kind: "table_dropped",
          store: t.store,
          schema_name: t.schema_name,
          table_name: t.table_name,
          column_name: null,
          before: JSON.stringify({ kind: t.kind }),
          after: null,
        })),
      ...columns
        .filter((c) => !baseline.has(c.store as Store) && !droppedTableIds.has(c.table_id))
        .map((c) => ({
          scan_id: input.scanId,
          kind: "column_dropped",
          store: c.store,
          schema_name: c.schema_name,
          table_name: c.table_name,
          column_name: c.column_name,
          before: JSON.stringify(previousDefinition(c)),
          after: null,
        })),
    ];
    for (let i = 0; i < drift.length; i += ROWS_PER_STATEMENT) {
      await trx
        .insertInto("governance.catalog_drift_events")
        .values(drift.slice(i, i + ROWS_PER_STATEMENT))
        .execute();
    }
    return out;
  });
}
