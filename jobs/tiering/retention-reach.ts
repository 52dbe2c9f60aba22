import { randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type pg from "pg";
import type { AnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import type { Config } from "../../schema/config.ts";
import type { Db } from "../../schema/postgres.ts";
import { archiveStore } from "./archive-store.ts";
import { rewriteArchiveFiles } from "./restore.ts";
import {
  type Predicate,
  type ScopeDefinition,
  type TableScope,
  tieredTablesOf,
  withTierScope,
} from "./retention-scope.ts";
import { withTieringLock } from "./run.ts";
import { coldTable } from "./stores.ts";
import { type ColumnInfo, chQuoted, type TableInfo } from "./tables.ts";

/**
 * Retention reaching the cold and archive tiers: rows that tiering moved out are still the
 * company's data and fall under the same request. Which rows those are is retention-scope.ts,
 * the definition the planner counted into the request's key set and fingerprint. When an approved retention request is carried out (by the job, the CLI or the API:
 * the executor calls this once every planned key is done), its reach in cold and the archive
 * is carried out too, under the tiering lock so no move is half way:
 * - the root table: the tenant's rows matching the request's definition (older than its cutoff
 *   by the policy's date columns, and its conditions) are deleted (cold: a ClickHouse DELETE;
 *   archive: files rewritten without them, new file, new manifest, old file removed), or, for
 *   an anonymizing policy, kept with the policy's columns rewritten as the executor rewrites
 *   them in Postgres;
 * - every child table of the plan (its FK cascade, e.g. a deleted customer's interactions and
 *   payments): the tenant's tiered rows whose FK points at a deleted parent row (deleted in hot,
 *   per the request's ledger, or in a tier just now), transitively; a child the definition's
 *   minimum-retention guards still keep (a SOX payment younger than its period) stays.
 * For archive-then-delete policies the rows are first written to the request's retention
 * archive, like the hot rows the executor archived. A table under a legal hold for the tenant
 * is left alone and reported (the executor refuses held hot rows anyway). Idempotent: a resumed
 * reach finds only what is left (children are deleted before their parents).
 */

export type ReachRequest = {
  id: string;
  kind: string;
  tenantId: string;
  definition: ScopeDefinition;
};

export type TierReach = {
  table: string;
  /** Rows deleted (or, for an anonymizing policy, rewritten) in cold and in the archive. */
  cold: number;
  archive: number;
  action: "delete" | "anonymize";
  /** Rows of cold and archive written to the request's retention archive first. */
  archivedTo: string | null;
  /** Tiered rows a minimum-retention guard keeps (children of deleted parents). */
  keptByGuard?: number;
  /** Why nothing was done (a hold), when nothing was. */
  skipped?: string;
};

type Deps = { db: Db; pool: pg.Pool; config: Config; analytics: AnalyticsStore };

const TEXT = /^(text|character varying|character)$/;
const JSON_TYPE = /^jsonb?$/;

/**
 * What an anonymized column becomes in a tier, over its old text `col`: the same values the
 * executor writes in Postgres (jobs/retention/anonymize-sql.ts anonymizeExpression), so a row
 * restored to hot reads as if it had been anonymized there.
 */
export function tierAnonymizeExpression(
  column: ColumnInfo,
  strategy: string,
): (col: string) => string {
  const isText = TEXT.test(column.type);
  const isJson = JSON_TYPE.test(column.type);
  switch (strategy) {
    case "null":
      if (column.notNull) {
        return (col) => (isJson ? "'{}'" : isText ? "'[redacted]'" : col);
      }
      return () => "NULL";
    case "empty_json":
      return (col) =>
        isJson ? `if(startsWith(trimLeft(ifNull(${col}, '')), '['), '[]', '{}')` : "NULL";
    case "hash":
      return (col) => (isText ? `left(lower(hex(SHA256(ifNull(${col}, '')))), 16)` : "NULL");
    default:
      return (col) => (isText ? `if(${col} IS NULL, NULL, 'REDACTED')` : "NULL");
  }
}

/** Carries out an approved retention request's reach in cold and the archive. */
export async function reachTiers(deps: Deps, request: ReachRequest): Promise<TierReach[]> {
  if (!(await tieredTablesOf(deps.db, request.definition)).length) {
    return [];
  }
  return withTieringLock(deps.pool, () =>
    withTierScope(deps, request, "deleted", async (scope) => {
      // Read whole (parents first) before anything goes; carried out children first.
      const tables = await scope.tables({ skipHeld: true });
      const order = new Map(request.definition.tables.map((t) => [t.table, t.ord]));
      const out: TierReach[] = [];
      for (const t of tables.filter((x) => x.held)) {
        out.push({
          table: t.table,
          cold: 0,
          archive: 0,
          action: "delete",
          archivedTo: null,
          skipped: "legal hold",
        });
      }
      const work = tables
        .filter((x) => !x.held)
        .sort((a, b) => (order.get(a.table) ?? 0) - (order.get(b.table) ?? 0));
      for (const w of work) {
        out.push(await carryOut(deps, request, w));
      }
      return out;
    }),
  );
}

/** Deletes (or anonymizes) one table's rows of the request in cold and the archive. */
async function carryOut(deps: Deps, request: ReachRequest, w: TableScope): Promise<TierReach> {
  const { info, p, files } = w;
  const cold = w.cold.rows;
  const def = request.definition;
  const base = { table: info.table, ...(w.kept ? { keptByGuard: w.kept } : {}) };
  if (cold === 0 && files.length === 0) {
    return { ...base, cold: 0, archive: 0, action: "delete", archivedTo: null };
  }
  if (def.action === "anonymize") {
    const strategies = Object.entries(def.anonymize ?? {}).flatMap(([name, strategy]) => {
      const column = info.columns.find((c) => c.name === name);
      return column ? [[name, tierAnonymizeExpression(column, strategy)] as const] : [];
    });
    const transform = Object.fromEntries(strategies);
    if (cold > 0 && strategies.length) {
      await deps.analytics.command(
        `ALTER TABLE {t:Identifier} UPDATE ${strategies
          .map(([name, expression]) => `${chQuoted(name)} = ${expression(chQuoted(name))}`)
          .join(", ")} WHERE ${p.where} SETTINGS mutations_sync = 2`,
        { ...p.params, t: coldTable(info.table) },
      );
    }
    const archive =
      files.length && strategies.length
        ? await rewriteArchiveFiles(deps, info, files, p.where, p.params, randomUUID(), transform)
        : 0;
    return { ...base, cold, archive, action: "anonymize", archivedTo: null };
  }
  const archivedTo =
    def.action === "archive_then_delete"
      ? await keepInRetentionArchive(deps, info, request.id, p, files, cold > 0)
      : null;
  if (cold > 0) {
    await deps.analytics.command(
      `DELETE FROM {t:Identifier} WHERE ${p.where} SETTINGS lightweight_deletes_sync = 2`,
      { ...p.params, t: coldTable(info.table) },
    );
  }
  const archive = files.length
    ? await rewriteArchiveFiles(deps, info, files, p.where, p.params, randomUUID())
    : 0;
  return { ...base, cold, archive, action: "delete", archivedTo };
}

/**
 * Writes the rows about to leave cold and the archive to a Parquet file in the request's
 * retention archive folder (`<ARCHIVE_DIR>/retention/<request>/tiers-<table>-<n>.parquet`): a
 * new file per attempt, so a resumed reach adds what was left instead of overwriting what an
 * interrupted one kept.
 */
async function keepInRetentionArchive(
  deps: Deps,
  info: TableInfo,
  requestId: string,
  p: Predicate,
  files: string[],
  fromCold: boolean,
): Promise<string> {
  const dir = join(deps.config.archiveDir, "retention", requestId);
  await mkdir(dir, { recursive: true });
  const out = join(dir, `tiers-${info.table}-${Date.now()}.parquet`);
  const columns = info.columns.map((c) => chQuoted(c.name)).join(", ");
  const archive = archiveStore(deps.config);
  let allParams = { ...p.params };
  const sources: string[] = [];
  if (fromCold) {
    sources.push(`SELECT ${columns} FROM ${chQuoted(coldTable(info.table))} WHERE ${p.where}`);
  }
  files.forEach((f, i) => {
    const s = archive.source(f, `ra${i}`);
    allParams = { ...allParams, ...s.params };
    sources.push(`SELECT ${columns} FROM ${s.sql} WHERE ${p.where}`);
  });
  await deps.analytics.command(
    `INSERT INTO FUNCTION file({rout:String}, 'Parquet') ${sources.join(" UNION ALL ")}`,
    { ...allParams, rout: out },
  );
  return out;
}

/**
 * The executor's options with the tier reach added to its `finish` (run once every planned key
 * is done, before the certificate, which records it as `tiers`). Erasures reach the tiers
 * through their own finish (jobs/retention/erasure.ts). Without an analytics store the reach
 * cannot see cold or the archive: when tiering has moved rows of a table of the plan, the
 * request fails (resumable) instead of certifying a deletion that left copies behind.
 */
export function withTierReach<O extends { finish?: () => Promise<Record<string, unknown>> }>(
  deps: Omit<Deps, "analytics"> & { analytics?: AnalyticsStore },
  request: ReachRequest,
  options: O,
): O {
  if (request.kind === "erasure") {
    return options;
  }
  const before = options.finish;
  return {
    ...options,
    finish: async () => {
      const body = before ? await before() : {};
      if (!deps.analytics) {
        const reached = await tieredTablesOf(deps.db, request.definition);
        if (reached.length) {
          throw new Error(
            `tiering moved rows of ${reached.join(", ")} to cold or the archive; executing this request needs the analytics store to delete them there too`,
          );
        }
        return body;
      }
      const tiers = await reachTiers({ ...deps, analytics: deps.analytics }, request);
      return tiers.length ? { ...body, tiers } : body;
    },
  };
}
