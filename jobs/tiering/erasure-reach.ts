import { randomUUID } from "node:crypto";
import type { AnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import type { Config } from "../../schema/config.ts";
import type { Db } from "../../schema/postgres.ts";
import { personalRowTreatment } from "../retention/erasure-plan.ts";
import { archiveStore } from "./archive-store.ts";
import { tieredTables } from "./moves.ts";
import { countInFile, liveArchiveFiles, rewriteArchiveFiles } from "./restore.ts";
import { tierAnonymizeExpression } from "./retention-reach.ts";
import { coldTable, coldTableExists } from "./stores.ts";
import { chQuoted, type TableInfo, tableInfo } from "./tables.ts";

/**
 * Erasure reaching the cold and archive tiers. In every tiered table, the person's own rows (by
 * customer id, in tables with a customer column) and rows linked to them without one (a message
 * whose recipient is the customer: `recipient_type` 'customer' and `recipient_id`, the link the
 * erasure plan follows in Postgres) get the plan's rule for their table in Postgres: deleted from
 * cold and from the archive files holding them (rewritten: new file, new manifest, old file
 * removed), or kept with the personal columns anonymized and the text scrubbed (financial
 * records, which Postgres keeps too). Someone else's row that only mentions them (their email,
 * phone or name in its text) is kept with those identifiers replaced by `[erased]`, as the
 * executor scrubs such rows in Postgres. The certificate's proof (`personInTiers`) then counts
 * what each tier still holds of them: zero rows a deleting table keeps, zero identifiers anywhere.
 */

type Deps = { db: Db; config: Config; analytics: AnalyticsStore };
export type ErasureSubject = { tenantId: string; customerId: string; identifiers: string[] };

/**
 * Rows erased per table and tier: deleted (linked to the person), scrubbed (mentions), and
 * anonymized (linked through a recipient, where Postgres keeps and anonymizes them).
 */
export type TierErasure = { cold: number; archive: number; scrubbed: number; anonymized?: number };

const TEXT_TYPE = /char|text|json/;

/** Identifiers long enough to search for (a two-letter name would match everywhere). */
function searchable(subject: ErasureSubject): string[] {
  return subject.identifiers.filter((v) => v.trim().length >= 3);
}

/**
 * The person's rows of a table (`linked`, by customer id) and the other rows that mention them
 * (`mentioned`), as ClickHouse predicates over the tier's text columns; null when the table
 * can hold neither.
 */
function personPredicates(
  info: TableInfo,
  subject: ErasureSubject,
): {
  linked: string | null;
  /** Rows linked to them through a recipient (the schema graph's customer expression). */
  recipient: string | null;
  mentioned: string | null;
  /** Either of the two (the proof's count). */
  any: string | null;
  /** Any row of the tenant, theirs included, holding their identifiers. */
  mentionAnywhere: string | null;
  textColumns: string[];
  params: Record<string, unknown>;
} {
  const textColumns = info.columns.filter((c) => TEXT_TYPE.test(c.type)).map((c) => c.name);
  const ids = searchable(subject);
  // Each column comparison appears once per predicate: ClickHouse's Parquet filter pushdown
  // loses a repeated one ("Not found column equals(tenant_id, …)").
  const own = info.customerColumn
    ? `ifNull(${chQuoted(info.customerColumn)} = {pcustomer:String}, 0)`
    : null;
  const mention =
    ids.length && textColumns.length
      ? `multiSearchAnyCaseInsensitive(concat_ws(' ', ${textColumns
          .map((c) => `ifNull(${chQuoted(c)}, '')`)
          .join(", ")}), {pids:Array(String)})`
      : null;
  const tenant = "tenant_id = {ptenant:String}";
  const linked = own ? `${tenant} AND ${own}` : null;
  // graph.ts customerExpression: a message is about the customer it was sent to.
  const names = new Set(info.columns.map((c) => c.name));
  const recipient =
    !own &&
    info.table === "communications" &&
    names.has("recipient_id") &&
    names.has("recipient_type")
      ? `${tenant} AND ifNull(recipient_type = 'customer' AND recipient_id = {pcustomer:String}, 0)`
      : null;
  const mentioned = mention ? `${tenant} AND ${mention}${own ? ` AND NOT ${own}` : ""}` : null;
  const any =
    own || mention ? `${tenant} AND (${[own, mention].filter(Boolean).join(" OR ")})` : null;
  return {
    linked,
    recipient,
    mentioned,
    any,
    mentionAnywhere: mention ? `${tenant} AND ${mention}` : null,
    textColumns,
    params: {
      ptenant: subject.tenantId,
      pcustomer: subject.customerId,
      pids: ids,
      // RE2, case-insensitive: each identifier's metacharacters escaped (RE2 refuses an
      // escaped letter such as \ö).
      pscrub: `(?i)(${ids.map((i) => i.replace(/[.*+?^${}()|[\]\\/-]/g, (c) => `\\${c}`)).join("|")})`,
    },
  };
}

/** A text column with the person's identifiers replaced (NULL stays NULL). */
const scrubbed = (column: string) =>
  `if(${column} IS NULL, NULL, replaceRegexpAll(${column}, {pscrub:String}, '[erased]'))`;

/** Deletes the person's rows and scrubs mentions of them in cold and the archive. */
export async function eraseFromTiers(
  deps: Deps,
  subject: ErasureSubject,
): Promise<Record<string, TierErasure>> {
  const out: Record<string, TierErasure> = {};
  for (const table of await tieredTables(deps.db)) {
    const info = await tableInfo(deps.db, table);
    if (!info) {
      continue;
    }
    const p = personPredicates(info, subject);
    const result: TierErasure = { cold: 0, archive: 0, scrubbed: 0 };
    // Mentions first: a resumed erasure then never mistakes a half-done table for a clean one.
    if (p.mentioned) {
      const transform = Object.fromEntries(p.textColumns.map((c) => [c, scrubbed]));
      const cold = await coldRowsWhere(deps.analytics, table, p.mentioned, p.params);
      if (cold > 0) {
        await deps.analytics.command(
          `ALTER TABLE {t:Identifier} UPDATE ${p.textColumns
            .map((c) => `${chQuoted(c)} = ${scrubbed(chQuoted(c))}`)
            .join(", ")} WHERE ${p.mentioned} SETTINGS mutations_sync = 2`,
          { ...p.params, t: coldTable(table) },
        );
      }
      const files = await filesMatching(deps, table, p.mentioned, p.params);
      const archive = files.length
        ? await rewriteArchiveFiles(
            deps,
            info,
            files,
            p.mentioned,
            p.params,
            randomUUID(),
            transform,
          )
        : 0;
      result.scrubbed = cold + archive;
    }
    // Their own rows and rows sent to them: the rule for the table in Postgres (deleted, or kept
    // anonymized: financial records such as payments stay, as they do in Postgres).
    for (const where of [p.linked, p.recipient]) {
      if (!where) {
        continue;
      }
      const treated = await treatPersonRows(deps, info, where, p);
      result.cold += treated.deleted.cold;
      result.archive += treated.deleted.archive;
      if (treated.anonymized) {
        result.anonymized = (result.anonymized ?? 0) + treated.anonymized;
      }
    }
    if (result.cold || result.archive || result.scrubbed || result.anonymized) {
      out[table] = result;
    }
  }
  return out;
}

/**
 * The person's rows (their own, or linked through a recipient): what the erasure does to their
 * rows of the table in Postgres (erasure-plan.ts personalRowTreatment), done in cold and the
 * archive.
 */
async function treatPersonRows(
  deps: Deps,
  info: TableInfo,
  where: string,
  p: { textColumns: string[]; params: Record<string, unknown> },
): Promise<{ deleted: { cold: number; archive: number }; anonymized: number }> {
  const none = { deleted: { cold: 0, archive: 0 }, anonymized: 0 };
  // A table the schema graph does not know: deleted, the side that leaves nothing of the person.
  const treatment = (await personalRowTreatment(deps.db, info.table)) ?? {
    action: "delete",
    anonymize: {},
  };
  const cold = await coldRowsWhere(deps.analytics, info.table, where, p.params);
  const files = await filesMatching(deps, info.table, where, p.params);
  if (cold === 0 && files.length === 0) {
    return none;
  }
  if (treatment.action === "delete") {
    if (cold > 0) {
      await deps.analytics.command(
        `DELETE FROM {t:Identifier} WHERE ${where} SETTINGS lightweight_deletes_sync = 2`,
        { ...p.params, t: coldTable(info.table) },
      );
    }
    const archive = files.length
      ? await rewriteArchiveFiles(deps, info, files, where, p.params, randomUUID())
      : 0;
    return { deleted: { cold, archive }, anonymized: 0 };
  }
  // Kept: personal columns anonymized as the executor does in Postgres, other text scrubbed.
  const transform: Record<string, (column: string) => string> = {};
  for (const [name, strategy] of Object.entries(treatment.anonymize)) {
    const column = info.columns.find((c) => c.name === name);
    if (column) {
      transform[name] = tierAnonymizeExpression(column, strategy);
    }
  }
  if (searchableIds(p.params).length) {
    for (const column of p.textColumns) {
      transform[column] ??= scrubbed;
    }
  }
  const entries = Object.entries(transform);
  if (!entries.length) {
    return none;
  }
  if (cold > 0) {
    await deps.analytics.command(
      `ALTER TABLE {t:Identifier} UPDATE ${entries
        .map(([name, expression]) => `${chQuoted(name)} = ${expression(chQuoted(name))}`)
        .join(", ")} WHERE ${where} SETTINGS mutations_sync = 2`,
      { ...p.params, t: coldTable(info.table) },
    );
  }
  const archive = files.length
    ? await rewriteArchiveFiles(deps, info, files, where, p.params, randomUUID(), transform)
    : 0;
  return { deleted: none.deleted, anonymized: cold + archive };
}

function searchableIds(params: Record<string, unknown>): string[] {
  return Array.isArray(params.pids) ? (params.pids as string[]) : [];
}

/**
 * Rows of the person (theirs, or mentioning them) still in cold or archive, per table and tier:
 * the certificate's proof. Every file with a manifest is read, open moves included: the proof
 * must not skip any copy.
 */
export async function personInTiers(
  deps: Deps,
  subject: ErasureSubject,
): Promise<Record<string, { cold: number; archive: number }>> {
  const out: Record<string, { cold: number; archive: number }> = {};
  for (const table of await tieredTables(deps.db)) {
    const info = await tableInfo(deps.db, table);
    if (!info) {
      continue;
    }
    const p = personPredicates(info, subject);
    // A table whose rows Postgres keeps anonymized keeps them here too: only their identifiers count.
    const kept = (await personalRowTreatment(deps.db, table))?.action === "anonymize";
    const where = kept ? p.mentionAnywhere : p.any;
    if (!where) {
      out[table] = { cold: 0, archive: 0 };
      continue;
    }
    const cold = await coldRowsWhere(deps.analytics, table, where, p.params);
    let archive = 0;
    const store = archiveStore(deps.config);
    for (const m of await store.manifests(table)) {
      if (await store.exists(m.file)) {
        archive += await countInFile(deps, m.file, where, p.params);
      }
    }
    out[table] = { cold, archive };
  }
  return out;
}

async function filesMatching(
  deps: Deps,
  table: string,
  where: string,
  params: Record<string, unknown>,
): Promise<string[]> {
  const files: string[] = [];
  for (const m of await liveArchiveFiles(deps, table)) {
    if ((await countInFile(deps, m.file, where, params)) > 0) {
      files.push(m.file);
    }
  }
  return files;
}

/** Rows of `table`'s cold copy matching `where`; 0 when the table has no cold copy. */
async function coldRowsWhere(
  analytics: AnalyticsStore,
  table: string,
  where: string,
  params: Record<string, unknown>,
): Promise<number> {
  if (!(await coldTableExists(analytics, table))) {
    return 0;
  }
  const n = await analytics.query<{ n: string }>(
    `SELECT toString(count()) AS n FROM {t:Identifier} WHERE ${where}`,
    { ...params, t: coldTable(table) },
  );
  return Number(n[0]?.n ?? 0);
}
