import { randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { sql } from "kysely";
import type pg from "pg";
import type { TClause } from "../../rules/retention/schema.ts";
import type { AnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import type { Config } from "../../schema/config.ts";
import type { Db } from "../../schema/postgres.ts";
import { archiveStore } from "./archive-store.ts";
import { chTally } from "./copy.ts";
import { tieredTables } from "./moves.ts";
import { currentTieringPolicies } from "./policies.ts";
import { countInFile, liveArchiveFiles, rewriteArchiveFiles } from "./restore.ts";
import { withTieringLock } from "./run.ts";
import { coldTable, coldTableExists } from "./stores.ts";
import { type ColumnInfo, chQuoted, type TableInfo, tableInfo } from "./tables.ts";

/**
 * Retention reaching the cold and archive tiers. The retention planner and executor see only
 * Postgres; rows that tiering moved out are still the company's data and fall under the same
 * request. When an approved retention request is carried out (by the job, the CLI or the API:
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
  definition: {
    action: string;
    cutoff: string;
    root: { table: string; dateColumns: string[]; condition: TClause[] };
    tables: {
      table: string;
      ord: number;
      keyColumn: string | null;
      via: { child: string; column: string; parent: string }[];
    }[];
    anonymize: Record<string, string> | null;
    guards: { table: string; dateColumn: string; since: string }[];
  };
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

type Predicate = { where: string; params: Record<string, unknown> };

/** A ClickHouse predicate (over text columns as Postgres printed them) of the root's rows. */
export function retentionWhere(
  info: TableInfo,
  request: Pick<ReachRequest, "tenantId"> & {
    definition: Pick<ReachRequest["definition"], "cutoff" | "root">;
  },
  tieringDateColumn: string | null,
): Predicate {
  const { root, cutoff } = request.definition;
  const names = new Set(info.columns.map((c) => c.name));
  const params: Record<string, unknown> = {
    rtenant: request.tenantId,
    rcutoff: new Date(cutoff),
  };
  const dates = root.dateColumns.filter((c) => names.has(c));
  // The tier's own date column is `_tier_time` (exact); others are parsed from their text.
  const date =
    dates.length === 1 && dates[0] === tieringDateColumn
      ? "_tier_time"
      : `coalesce(${dates
          .map((c) => `parseDateTime64BestEffortOrNull(${chQuoted(c)}, 6, 'UTC')`)
          .join(", ")})`;
  const parts = ["tenant_id = {rtenant:String}", `${date} < {rcutoff:DateTime64(6)}`];
  root.condition.forEach((clause, i) => {
    parts.push(clauseSql(info, clause, `rc${i}`, params));
  });
  return { where: parts.join(" AND "), params };
}

/** Postgres's text of a scalar, as the cold tier stores it. */
function pgText(value: unknown): string {
  return typeof value === "boolean" ? (value ? "t" : "f") : String(value);
}

function clauseSql(
  info: TableInfo,
  clause: TClause,
  param: string,
  params: Record<string, unknown>,
): string {
  if (!info.columns.some((c) => c.name === clause.column)) {
    return "0"; // a column the table does not have: match nothing rather than everything
  }
  const column = clause.path
    ? `JSONExtractString(ifNull(${chQuoted(clause.column)}, ''), ${clause.path
        .map((_, i) => `{${param}_p${i}:String}`)
        .join(", ")})`
    : chQuoted(clause.column);
  clause.path?.forEach((p, i) => {
    params[`${param}_p${i}`] = p;
  });
  const values = Array.isArray(clause.value) ? clause.value.map(pgText) : [];
  if (clause.value !== undefined && !Array.isArray(clause.value)) {
    params[param] = pgText(clause.value);
  } else {
    params[param] = values;
  }
  switch (clause.op) {
    case "eq":
      return `${column} = {${param}:String}`;
    case "neq":
      return `(${column} IS NULL OR ${column} != {${param}:String})`;
    case "in":
      return `has({${param}:Array(String)}, ${column})`;
    case "not_in":
      return `(${column} IS NULL OR NOT has({${param}:Array(String)}, ${column}))`;
    case "is_null":
      return `(${column} IS NULL OR ${column} = '')`;
    case "is_not_null":
      return `(${column} IS NOT NULL AND ${column} != '')`;
    case "contains":
      return `position(ifNull(${column}, ''), {${param}:String}) > 0`;
    case "not_contains":
      return `position(ifNull(${column}, ''), {${param}:String}) = 0`;
  }
}

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

async function heldFor(db: Db, tenantId: string, table: string): Promise<boolean> {
  const held = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM governance.legal_holds
    WHERE released_at IS NULL AND (tenant_id IS NULL OR tenant_id = ${tenantId}::uuid)
      AND (table_name IS NULL OR table_name = ${table})`.execute(db);
  return (held.rows[0]?.n ?? 0) > 0;
}

/** The live archive files of `table` holding rows that match `p`. */
async function filesMatching(deps: Deps, table: string, p: Predicate): Promise<string[]> {
  const files: string[] = [];
  for (const m of await liveArchiveFiles(deps, table)) {
    if ((await countInFile(deps, m.file, p.where, p.params)) > 0) {
      files.push(m.file);
    }
  }
  return files;
}

/**
 * The keys of deleted rows, per table, held in ClickHouse (a Memory table per table of the
 * plan) so that a child's predicate is `fk IN (SELECT k FROM …)` however many there are.
 */
class DeletedKeys {
  private readonly tables = new Map<string, string>();
  constructor(
    private readonly deps: Deps,
    private readonly requestId: string,
  ) {}

  name(table: string): string | undefined {
    return this.tables.get(table);
  }

  private async ensure(table: string): Promise<string> {
    let name = this.tables.get(table);
    if (!name) {
      name = `tier_reach_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
      await this.deps.analytics.command(
        `CREATE TABLE ${chQuoted(name)} (k String) ENGINE = Memory`,
      );
      this.tables.set(table, name);
    }
    return name;
  }

  /** The keys the executor deleted from hot (the request's ledger), read in slices. */
  async addFromLedger(table: string): Promise<void> {
    const name = await this.ensure(table);
    let after = "";
    for (;;) {
      const slice = await sql<{ key: string }>`
        SELECT key FROM governance.retention_ledger
        WHERE request_id = ${this.requestId} AND table_name = ${table} AND action = 'delete'
          AND key > ${after}
        ORDER BY key LIMIT 10000`.execute(this.deps.db);
      const keys = slice.rows.map((r) => r.key);
      if (!keys.length) {
        return;
      }
      await this.deps.analytics.command(
        `INSERT INTO ${chQuoted(name)} SELECT arrayJoin({keys:Array(String)})`,
        { keys },
      );
      after = keys[keys.length - 1] as string;
    }
  }

  /** The keys of a table's tiered rows matching `p` (cold and the given archive files). */
  async addFromTiers(
    table: string,
    keyColumn: string,
    p: Predicate,
    cold: boolean,
    files: string[],
  ): Promise<void> {
    const name = await this.ensure(table);
    const key = chQuoted(keyColumn);
    if (cold) {
      await this.deps.analytics.command(
        `INSERT INTO ${chQuoted(name)} SELECT ${key} FROM {t:Identifier} WHERE ${p.where}`,
        { ...p.params, t: coldTable(table) },
      );
    }
    const archive = archiveStore(this.deps.config);
    for (const [i, file] of files.entries()) {
      const s = archive.source(file, `kf${i}`);
      await this.deps.analytics.command(
        `INSERT INTO ${chQuoted(name)} SELECT ${key} FROM ${s.sql} WHERE ${p.where}`,
        { ...p.params, ...s.params },
      );
    }
  }

  async drop(): Promise<void> {
    for (const name of this.tables.values()) {
      await this.deps.analytics.command(`DROP TABLE IF EXISTS ${chQuoted(name)}`);
    }
  }
}

/** The predicate of a child's rows whose FK points at a deleted parent row. */
function childWhere(
  info: TableInfo,
  request: ReachRequest,
  via: ReachRequest["definition"]["tables"][number]["via"],
  keys: DeletedKeys,
): (Predicate & { guard: string | null }) | null {
  const links = via
    .map((fk) => ({ fk, keys: keys.name(fk.parent) }))
    .filter((l): l is { fk: (typeof via)[number]; keys: string } => l.keys !== undefined)
    .filter((l) => info.columns.some((c) => c.name === l.fk.column));
  if (!links.length) {
    return null;
  }
  const params: Record<string, unknown> = { ctenant: request.tenantId };
  const linked = links
    .map((l) => `${chQuoted(l.fk.column)} IN (SELECT k FROM ${chQuoted(l.keys)})`)
    .join(" OR ");
  // A minimum-retention guard of this table keeps its younger rows (the planner's guard reads
  // only hot rows: a tiered row younger than the period must not go with its parent).
  const guards = request.definition.guards.filter(
    (g) => g.table === info.table && info.columns.some((c) => c.name === g.dateColumn),
  );
  const guard = guards.length
    ? guards
        .map((g, i) => {
          params[`cg${i}`] = new Date(g.since);
          return `ifNull(parseDateTime64BestEffortOrNull(${chQuoted(g.dateColumn)}, 6, 'UTC') >= {cg${i}:DateTime64(6)}, 1)`;
        })
        .join(" OR ")
    : null;
  return {
    where: `tenant_id = {ctenant:String} AND (${linked})${guard ? ` AND NOT (${guard})` : ""}`,
    params,
    guard: guard ? `tenant_id = {ctenant:String} AND (${linked}) AND (${guard})` : null,
  };
}

/** Rows of `table`'s cold copy matching `p`; 0 without a cold copy. */
async function coldCount(deps: Deps, info: TableInfo, p: Predicate): Promise<number> {
  if (!(await coldTableExists(deps.analytics, info.table))) {
    return 0;
  }
  return (await chTally(deps.analytics, info, chQuoted(coldTable(info.table)), p.where, p.params))
    .rows;
}

/** Carries out an approved retention request's reach in cold and the archive. */
export async function reachTiers(deps: Deps, request: ReachRequest): Promise<TierReach[]> {
  const tiered = new Set(await tieredTables(deps.db));
  const def = request.definition;
  const planned = def.tables.length
    ? def.tables
    : [{ table: def.root.table, ord: 1, keyColumn: null, via: [] }];
  if (!planned.some((t) => tiered.has(t.table))) {
    return [];
  }
  const policies = await currentTieringPolicies(deps.db);
  return withTieringLock(deps.pool, async () => {
    const keys = new DeletedKeys(deps, request.id);
    try {
      // Parents first: each table's predicate, and the keys its deleted rows leave for its
      // children (hot ones from the ledger, tiered ones read before anything is deleted).
      const work: { info: TableInfo; p: Predicate; files: string[]; cold: number; kept: number }[] =
        [];
      const out: TierReach[] = [];
      const hasChildren = (table: string) =>
        planned.some((t) => t.via.some((fk) => fk.parent === table && t.table !== table));
      for (const t of planned) {
        const info = await tableInfo(deps.db, t.table);
        if (!info) {
          continue;
        }
        if (hasChildren(t.table) && t.keyColumn) {
          await keys.addFromLedger(t.table);
        }
        if (!tiered.has(t.table)) {
          continue;
        }
        if (await heldFor(deps.db, request.tenantId, t.table)) {
          out.push({
            table: t.table,
            cold: 0,
            archive: 0,
            action: "delete",
            archivedTo: null,
            skipped: "legal hold",
          });
          continue;
        }
        let p: Predicate;
        let kept = 0;
        if (t.table === def.root.table) {
          const policy = policies.find((x) => x.policy.table === t.table);
          p = retentionWhere(info, request, policy?.policy.date_column ?? null);
        } else {
          const child = childWhere(info, request, t.via, keys);
          if (!child) {
            continue;
          }
          p = child;
          if (child.guard) {
            const guarded = { where: child.guard, params: child.params };
            kept = await coldCount(deps, info, guarded);
            for (const f of await filesMatching(deps, t.table, guarded)) {
              kept += await countInFile(deps, f, guarded.where, guarded.params);
            }
          }
        }
        const cold = await coldCount(deps, info, p);
        const files = await filesMatching(deps, t.table, p);
        if (hasChildren(t.table) && t.keyColumn && def.action !== "anonymize") {
          await keys.addFromTiers(t.table, t.keyColumn, p, cold > 0, files);
        }
        work.push({ info, p, files, cold, kept });
      }
      // Children first, like the executor.
      const order = new Map(planned.map((t) => [t.table, t.ord]));
      work.sort((a, b) => (order.get(a.info.table) ?? 0) - (order.get(b.info.table) ?? 0));
      for (const w of work) {
        out.push(await carryOut(deps, request, w));
      }
      return out;
    } finally {
      await keys.drop();
    }
  });
}

/** Deletes (or anonymizes) one table's matching rows in cold and the archive. */
async function carryOut(
  deps: Deps,
  request: ReachRequest,
  w: { info: TableInfo; p: Predicate; files: string[]; cold: number; kept: number },
): Promise<TierReach> {
  const { info, p, files, cold } = w;
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
        const tiered = new Set(await tieredTables(deps.db));
        const reached = request.definition.tables.filter((t) => tiered.has(t.table));
        if (reached.length) {
          throw new Error(
            `tiering moved rows of ${reached.map((t) => t.table).join(", ")} to cold or the archive; executing this request needs the analytics store to delete them there too`,
          );
        }
        return body;
      }
      const tiers = await reachTiers({ ...deps, analytics: deps.analytics }, request);
      return tiers.length ? { ...body, tiers } : body;
    },
  };
}
