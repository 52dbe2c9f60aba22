import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import type { TClause } from "../../rules/retention/schema.ts";
import type { AnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import type { Config } from "../../schema/config.ts";
import type { Db } from "../../schema/postgres.ts";
import { archiveStore } from "./archive-store.ts";
import { chTally } from "./copy.ts";
import { tieredTables } from "./moves.ts";
import { currentTieringPolicies } from "./policies.ts";
import { liveArchiveFiles } from "./restore.ts";
import { coldTable, coldTableExists } from "./stores.ts";
import { chQuoted, type TableInfo, type Tally, tableInfo } from "./tables.ts";

/**
 * The rows of a retention request in the cold and archive tiers: one definition, read by the
 * planner (to count them into the request's key set, counts and fingerprint) and by the
 * executor's reach (to delete or anonymize them), so what was approved is what is carried out.
 * - the root table: the tenant's tiered rows matching the definition (older than its cutoff by
 *   the policy's date columns, and its conditions), less the rows a minimum-retention guard
 *   keeps (a root row with a guarded child younger than its period, in hot or in a tier);
 * - every child table of the plan (its FK cascade): the tenant's tiered rows whose FK points at
 *   a row of the request (a hot one, from the planned key set when planning or the ledger when
 *   executing, or a tiered one of this scope), transitively; a child a guard keeps stays.
 */

export type ScopeDeps = { db: Db; config: Config; analytics: AnalyticsStore };

/** The parts of a request's definition the tiers need (RequestDefinition fits it). */
export type ScopeDefinition = {
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
  guards: { table: string; column?: string; dateColumn: string; since: string }[];
};

export type ScopeRequest = { id: string; tenantId: string; definition: ScopeDefinition };

export type Predicate = { where: string; params: Record<string, unknown> };

/** One table's rows of the request in cold and the archive. */
export type TableScope = {
  table: string;
  info: TableInfo;
  p: Predicate;
  /** Live archive files holding matching rows. */
  files: string[];
  cold: Tally;
  archive: Tally;
  /** Tiered children of the request's rows that a minimum-retention guard keeps. */
  kept: number;
  /** A legal hold covers the table for the tenant (only with `skipHeld`: nothing computed). */
  held: boolean;
};

/**
 * Where the request's hot rows come from: `planned`, its key set (planning, inside the
 * planner's transaction); `deleted`, the keys its ledger deleted (executing).
 */
export type HotKeys = "planned" | "deleted";

/** A ClickHouse predicate (over text columns as Postgres printed them) of the root's rows. */
export function retentionWhere(
  info: TableInfo,
  request: Pick<ScopeRequest, "tenantId"> & {
    definition: Pick<ScopeDefinition, "cutoff" | "root">;
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

/** Whether an active legal hold covers `table` for the tenant (any customer or date scope). */
export async function heldFor(db: Db, tenantId: string, table: string): Promise<boolean> {
  const held = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM governance.legal_holds
    WHERE released_at IS NULL AND (tenant_id IS NULL OR tenant_id = ${tenantId}::uuid)
      AND (table_name IS NULL OR table_name = ${table})`.execute(db);
  return (held.rows[0]?.n ?? 0) > 0;
}

/** The tables of a definition that tiering moved rows of (cold or archive may hold some). */
export async function tieredTablesOf(db: Db, definition: ScopeDefinition): Promise<string[]> {
  const tiered = new Set(await tieredTables(db));
  const planned = definition.tables.length
    ? definition.tables.map((t) => t.table)
    : [definition.root.table];
  return planned.filter((t) => tiered.has(t));
}

const ZERO: Tally = { rows: 0, checksum: "0" };

function addTally(a: Tally, b: Tally): Tally {
  return { rows: a.rows + b.rows, checksum: (BigInt(a.checksum) + BigInt(b.checksum)).toString() };
}

/**
 * Sets of keys held in ClickHouse Memory tables (`k String`), so a predicate can say
 * `fk IN (SELECT k FROM …)` however many there are: per table, the keys of the request's rows
 * (parents of the next tables); and the root keys a guard keeps, tagged by where the guarded
 * child lives (`tier` 1: cold or archive).
 */
class KeySets {
  private readonly names = new Map<string, string>();
  constructor(private readonly analytics: AnalyticsStore) {}

  name(set: string): string | undefined {
    return this.names.get(set);
  }

  async ensure(set: string): Promise<string> {
    let name = this.names.get(set);
    if (!name) {
      name = `tier_scope_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
      await this.analytics.command(
        `CREATE TABLE ${chQuoted(name)} (k String, tier UInt8) ENGINE = Memory`,
      );
      this.names.set(set, name);
    }
    return name;
  }

  /** Adds keys read from Postgres by `page(after)` (ordered, up to 10,000 a call). */
  async addFromPostgres(set: string, page: (after: string) => Promise<string[]>): Promise<void> {
    const name = await this.ensure(set);
    let after = "";
    for (;;) {
      const keys = await page(after);
      if (!keys.length) {
        return;
      }
      await this.analytics.command(
        `INSERT INTO ${chQuoted(name)} SELECT arrayJoin({keys:Array(String)}), 0`,
        { keys },
      );
      after = keys[keys.length - 1] as string;
    }
  }

  /** Adds `expression` of the rows of a ClickHouse source matching `p`. */
  async addFromSource(set: string, expression: string, source: string, p: Predicate) {
    const name = await this.ensure(set);
    // The source's own columns, not the key table's: ClickHouse would otherwise read a file()
    // with the structure of the table inserted into.
    await this.analytics.command(
      `INSERT INTO ${chQuoted(name)} SELECT ${expression}, 1 FROM ${source} WHERE ${p.where}
       SETTINGS use_structure_from_insertion_table_in_table_functions = 0`,
      p.params,
    );
  }

  async drop(): Promise<void> {
    for (const name of this.names.values()) {
      await this.analytics.command(`DROP TABLE IF EXISTS ${chQuoted(name)}`);
    }
    this.names.clear();
  }
}

const GUARDED = "\u0000guarded";

/** A request's rows in cold and the archive; open with `withTierScope`. */
export class TierScope {
  private readonly keys: KeySets;
  private guardsLoaded = false;

  constructor(
    private readonly deps: ScopeDeps,
    private readonly request: ScopeRequest,
    private readonly hotKeys: HotKeys,
  ) {
    this.keys = new KeySets(deps.analytics);
  }

  private get planned() {
    const def = this.request.definition;
    return def.tables.length
      ? def.tables
      : [{ table: def.root.table, ord: 1, keyColumn: null, via: [] }];
  }

  private get rootKey(): string | null {
    const def = this.request.definition;
    return this.planned.find((t) => t.table === def.root.table)?.keyColumn ?? null;
  }

  /** Each live archive file of `table`, as a ClickHouse source with its parameters. */
  private async fileSources(table: string) {
    const archive = archiveStore(this.deps.config);
    return (await liveArchiveFiles(this.deps, table)).map((m, i) => ({
      file: m.file,
      ...archive.source(m.file, `sf${i}`),
    }));
  }

  /**
   * Loads the root keys a minimum-retention guard keeps: those with a guarded child younger
   * than its period in hot (the planner's own guard covers hot root rows; tiered root rows
   * need it here) or in cold or the archive.
   */
  private async loadGuards(): Promise<void> {
    if (this.guardsLoaded) {
      return;
    }
    this.guardsLoaded = true;
    const def = this.request.definition;
    const guards = def.guards.filter((g) => g.column);
    if (!guards.length || !this.rootKey) {
      return;
    }
    await this.keys.ensure(GUARDED);
    const tiered = new Set(await tieredTables(this.deps.db));
    for (const g of guards) {
      const column = g.column as string;
      const table = sql.table(`public.${g.table}`);
      await this.keys.addFromPostgres(GUARDED, async (after) => {
        const rows = await sql<{ k: string }>`
          SELECT DISTINCT ${sql.ref(column)}::text AS k FROM ${table}
          WHERE tenant_id = ${this.request.tenantId}::uuid AND ${sql.ref(g.dateColumn)} >= ${g.since}::timestamptz
            AND ${sql.ref(column)} IS NOT NULL AND ${sql.ref(column)}::text > ${after}
          ORDER BY 1 LIMIT 10000`.execute(this.deps.db);
        return rows.rows.map((r) => r.k);
      });
      const info = tiered.has(g.table) ? await tableInfo(this.deps.db, g.table) : undefined;
      if (!info?.columns.some((c) => c.name === column)) {
        continue;
      }
      const p = {
        where: `tenant_id = {gtenant:String} AND ${chQuoted(column)} IS NOT NULL AND ifNull(parseDateTime64BestEffortOrNull(${chQuoted(g.dateColumn)}, 6, 'UTC') >= {gsince:DateTime64(6)}, 1)`,
        params: { gtenant: this.request.tenantId, gsince: new Date(g.since) },
      };
      if (await coldTableExists(this.deps.analytics, g.table)) {
        await this.keys.addFromSource(GUARDED, chQuoted(column), chQuoted(coldTable(g.table)), p);
      }
      for (const s of await this.fileSources(g.table)) {
        await this.keys.addFromSource(GUARDED, chQuoted(column), s.sql, {
          where: p.where,
          params: { ...p.params, ...s.params },
        });
      }
    }
  }

  /**
   * Root keys whose guarded child lives in cold or the archive: the planner leaves them out of
   * the hot key set, as its own guard leaves out those with a young child in hot.
   */
  async tierGuardedRoots(): Promise<string[]> {
    await this.loadGuards();
    const name = this.keys.name(GUARDED);
    if (!name) {
      return [];
    }
    const rows = await this.deps.analytics.query<{ k: string }>(
      `SELECT DISTINCT k FROM ${chQuoted(name)} WHERE tier = 1 ORDER BY k`,
    );
    return rows.map((r) => r.k);
  }

  /** The predicate of a child's rows whose FK points at a row of the request. */
  private childWhere(
    info: TableInfo,
    via: ScopeDefinition["tables"][number]["via"],
  ): (Predicate & { guard: string | null }) | null {
    const links = via
      .map((fk) => ({ fk, keys: this.keys.name(fk.parent) }))
      .filter((l): l is { fk: (typeof via)[number]; keys: string } => l.keys !== undefined)
      .filter((l) => info.columns.some((c) => c.name === l.fk.column));
    if (!links.length) {
      return null;
    }
    const params: Record<string, unknown> = { ctenant: this.request.tenantId };
    const linked = links
      .map((l) => `${chQuoted(l.fk.column)} IN (SELECT k FROM ${chQuoted(l.keys)})`)
      .join(" OR ");
    // A guard of this table keeps its younger rows (a tiered row younger than the period must
    // not go with its parent; its parent is kept by the root's guard).
    const guards = this.request.definition.guards.filter(
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

  /** Count and checksum of the matching rows in cold and in each live archive file. */
  private async tally(info: TableInfo, p: Predicate) {
    const cold = (await coldTableExists(this.deps.analytics, info.table))
      ? await chTally(this.deps.analytics, info, chQuoted(coldTable(info.table)), p.where, p.params)
      : ZERO;
    let archive = ZERO;
    const files: string[] = [];
    for (const s of await this.fileSources(info.table)) {
      const t = await chTally(this.deps.analytics, info, s.sql, p.where, {
        ...p.params,
        ...s.params,
      });
      if (t.rows > 0) {
        files.push(s.file);
        archive = addTally(archive, t);
      }
    }
    return { cold, archive, files };
  }

  /** The hot keys of `table` that belong to the request. */
  private async addHotKeys(table: string): Promise<void> {
    const { db } = this.deps;
    const id = this.request.id;
    await this.keys.addFromPostgres(table, async (after) => {
      const rows =
        this.hotKeys === "planned"
          ? await sql<{ key: string }>`
              SELECT key FROM governance.retention_request_keys
              WHERE request_id = ${id}::uuid AND table_name = ${table} AND key > ${after}
              ORDER BY key LIMIT 10000`.execute(db)
          : await sql<{ key: string }>`
              SELECT key FROM governance.retention_ledger
              WHERE request_id = ${id} AND table_name = ${table} AND action = 'delete'
                AND key > ${after}
              ORDER BY key LIMIT 10000`.execute(db);
      return rows.rows.map((r) => r.key);
    });
  }

  /**
   * Every tiered table of the plan with its rows of the request, parents first. Read before
   * anything is deleted: a child's rows are found through its parents' tiered rows too.
   * `skipHeld`: a table under a legal hold for the tenant is returned `held`, with nothing
   * computed (the executor leaves it alone; the planner counts it and the request is blocked).
   */
  async tables(options: { skipHeld?: boolean } = {}): Promise<TableScope[]> {
    const tiered = new Set(await tieredTablesOf(this.deps.db, this.request.definition));
    if (!tiered.size) {
      return [];
    }
    await this.loadGuards();
    const def = this.request.definition;
    const planned = this.planned;
    const policies = await currentTieringPolicies(this.deps.db);
    const hasChildren = (table: string) =>
      planned.some((t) => t.via.some((fk) => fk.parent === table && t.table !== table));
    const out: TableScope[] = [];
    for (const t of planned) {
      const info = await tableInfo(this.deps.db, t.table);
      if (!info) {
        continue;
      }
      const parent = hasChildren(t.table) && t.keyColumn && def.action !== "anonymize";
      if (parent) {
        await this.addHotKeys(t.table);
      }
      if (!tiered.has(t.table)) {
        continue;
      }
      if (options.skipHeld && (await heldFor(this.deps.db, this.request.tenantId, t.table))) {
        out.push({
          table: t.table,
          info,
          p: { where: "0", params: {} },
          files: [],
          cold: ZERO,
          archive: ZERO,
          kept: 0,
          held: true,
        });
        continue;
      }
      let p: Predicate;
      let kept = 0;
      if (t.table === def.root.table) {
        const policy = policies.find((x) => x.policy.table === t.table);
        p = retentionWhere(info, this.request, policy?.policy.date_column ?? null);
        const guarded = this.keys.name(GUARDED);
        if (guarded && t.keyColumn && info.columns.some((c) => c.name === t.keyColumn)) {
          p.where += ` AND ${chQuoted(t.keyColumn)} NOT IN (SELECT k FROM ${chQuoted(guarded)})`;
        }
      } else {
        const child = this.childWhere(info, t.via);
        if (!child) {
          continue;
        }
        p = child;
        if (child.guard) {
          const g = await this.tally(info, { where: child.guard, params: child.params });
          kept = g.cold.rows + g.archive.rows;
        }
      }
      const { cold, archive, files } = await this.tally(info, p);
      if (parent && t.keyColumn && cold.rows + archive.rows > 0) {
        const key = chQuoted(t.keyColumn);
        if (cold.rows > 0) {
          await this.keys.addFromSource(t.table, key, chQuoted(coldTable(t.table)), p);
        }
        const archiveSource = archiveStore(this.deps.config);
        for (const [i, file] of files.entries()) {
          const s = archiveSource.source(file, `kf${i}`);
          await this.keys.addFromSource(t.table, key, s.sql, {
            where: p.where,
            params: { ...p.params, ...s.params },
          });
        }
      }
      out.push({ table: t.table, info, p, files, cold, archive, kept, held: false });
    }
    return out;
  }

  async close(): Promise<void> {
    await this.keys.drop();
  }
}

/** Runs `work` with the request's tier scope open; its ClickHouse key sets dropped after. */
export async function withTierScope<T>(
  deps: ScopeDeps,
  request: ScopeRequest,
  hotKeys: HotKeys,
  work: (scope: TierScope) => Promise<T>,
): Promise<T> {
  const scope = new TierScope(deps, request, hotKeys);
  try {
    return await work(scope);
  } finally {
    await scope.close();
  }
}
