import { type RawBuilder, sql, type Transaction } from "kysely";
import { isEmail, isPhone } from "../../rules/classification/detectors/contact.ts";
import { isIban, isPaymentCard } from "../../rules/classification/detectors/financial.ts";
import { type Format, qualifiedTable, tableNameOf } from "../../rules/quality/schema.ts";
import type { DB } from "../../schema/database.ts";
import type { Db } from "../../schema/postgres.ts";
import { withReader } from "../../schema/tenant.ts";
import type { PlatformTable } from "./catalog.ts";
import { isRowRule, passCondition, RuleTargetError } from "./predicates.ts";
import { reusable, saveState, signatureOf, touchState, withSnapshotReader } from "./scan-state.ts";
import type { RuleRecord, RuleResult } from "./types.ts";
import { verdict } from "./types.ts";
import { valueColumns, valueRuleCost } from "./value-groups.ts";

/**
 * One table's structured rules in ONE scan: a single SELECT of `count(*) FILTER (WHERE pass)`
 * aggregates (plus count(DISTINCT …) for per-tenant uniqueness, max(ts) for freshness and a
 * windowed count for volume), grouped by tenant_id when any rule wants per-tenant results.
 * Results for whole-scope rules are the sum of the groups. Global uniqueness (across tenants)
 * cannot come out of a per-tenant grouping — a value repeated in two tenants is one duplicate
 * globally but none per tenant — so it takes a second, ungrouped aggregate over the table;
 * format validity (email, phone, card, IBAN) needs the classifier's validators (libphonenumber,
 * Luhn, IBAN checksum), which SQL cannot run, so it reads the column once through a keyset
 * cursor. Neither runs unless such a rule exists.
 */

export type ScanContext = {
  tables: Map<string, PlatformTable>;
  /** All tenants of the platform (per-tenant results list every tenant, even one without rows). */
  tenants: string[];
  sampleSize: number;
  now: Date;
  /** false: never group the scan by column values (the bench measures what grouping saves). */
  valueGroups?: boolean;
  /**
   * false: evaluate every rule on every row even when the table is provably unchanged since the
   * last scan (jobs/quality/scan-state.ts), and store nothing.
   */
  reuse?: boolean;
};

type Group = { tenant: string | null; values: Record<string, number | string | Date | null> };

const FORMAT_CHECKS: Record<Format, (v: string) => boolean> = {
  email: isEmail,
  phone: (v) => isPhone(v, true),
  luhn: (v) => isPaymentCard(v),
  iban: (v) => isIban(v),
  uuid: (v) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v),
};

function base(record: RuleRecord, tenantId: string | null): RuleResult {
  const { rule } = record;
  return {
    rule: rule.id,
    version: record.version,
    table: qualifiedTable(rule.table),
    column: rule.column ?? null,
    kind: rule.kind,
    tenantId,
    severity: rule.severity,
    threshold: rule.threshold,
    score: null,
    passed: null,
    failing: 0,
    total: 0,
    sampleKeys: [],
    detail: {},
    error: null,
  };
}

export function errorResult(record: RuleRecord, message: string): RuleResult {
  return { ...base(record, null), error: message };
}

/** The tenants a rule reports on: null (whole scope) or each tenant of its list / the platform. */
function scopes(record: RuleRecord, ctx: ScanContext): (string | null)[] {
  const t = record.rule.tenants;
  if (t === "all") {
    return [null];
  }
  return t === "per_tenant" ? ctx.tenants : t;
}

function inScope(record: RuleRecord, tenant: string | null, group: string | null): boolean {
  if (tenant === null) {
    const t = record.rule.tenants;
    return t === "all" || t === "per_tenant" || (group !== null && t.includes(group));
  }
  return group === tenant;
}

/**
 * One aggregate of the scan. `merge` says how partial values per group combine (sum of counts,
 * max of maxima; null: cannot, as count(DISTINCT …)). `value`: a count of the rows whose
 * `filter` holds, where the filter reads one column only, so grouping by that column lets it
 * run once per distinct value (jobs/quality/value-groups.ts).
 */
type Agg = {
  alias: string;
  expr: RawBuilder<unknown>;
  merge: "sum" | "max" | null;
  value?: { column: string; filter: RawBuilder<unknown>; cost: number };
  /** Depends on something besides the table's rows (the clock, another table): never stored. */
  volatile?: boolean;
  /**
   * A volume window (`ts >= now - hours`): its edge moves with the clock, so it is stored with
   * the time it was counted at and a reuse moves it with the index (windowShifts).
   */
  window?: { ts: string; hours: number };
};

/**
 * A freshness maximum, or a count of the rows whose timestamp is in [since, until), answered
 * from a btree index whose first key is the timestamp (or tenant_id then the timestamp) instead
 * of reading the column on every row.
 */
type TimeAgg = { alias: string; ts: string; since: Date | null; until?: Date };

/** The unique index that proves a uniqueness rule (no duplicate can exist), else null. */
function provingUnique(table: PlatformTable, cols: string[], perTenant: boolean): string | null {
  const allowed = new Set(perTenant ? [...cols, "tenant_id"] : cols);
  return table.uniques.find((u) => u.columns.every((c) => allowed.has(c)))?.name ?? null;
}

/** How the index on `ts` is keyed, if one can answer max/count over it (null: none). */
function timeIndex(table: PlatformTable, ts: string, byTenant: boolean): "tenant" | "ts" | null {
  for (const ix of table.indexes) {
    if (table.tenant && ix.columns[0] === "tenant_id" && ix.columns[1] === ts) {
      return "tenant";
    }
  }
  if (!byTenant && table.indexes.some((ix) => ix.columns[0] === ts)) {
    return "ts";
  }
  return null;
}

/** Evaluates every structured rule of one operational table; one result per rule and scope. */
export async function evaluateTable(
  db: Db,
  tableName: string,
  records: RuleRecord[],
  ctx: ScanContext,
): Promise<RuleResult[]> {
  const name = tableNameOf(tableName);
  const table = ctx.tables.get(name);
  if (!table) {
    return records.map((r) => errorResult(r, `table public.${name} does not exist`));
  }
  const results: RuleResult[] = [];
  const aggs: Agg[] = [];
  const planned: {
    record: RuleRecord;
    i: number;
    pass?: RawBuilder<boolean>;
    /** The schema constraint that guarantees the rule: no row can fail it. */
    proven?: string;
  }[] = [];
  const timeAggs: TimeAgg[] = [];
  const timeRules: (TimeAgg & { hours?: number })[] = [];
  // Two rules testing the same thing (same SQL, same parameters) share one aggregate.
  const byText = new Map<string, string>();
  const aliasOf = new Map<string, string>([["total", "total"]]);
  const addAgg = (
    alias: string,
    expr: RawBuilder<unknown>,
    merge: Agg["merge"],
    value?: Agg["value"],
    volatile?: boolean,
    window?: Agg["window"],
  ): string => {
    const compiled = expr.compile(db);
    const key = `${compiled.sql}\u0000${JSON.stringify(compiled.parameters)}`;
    const known = byText.get(key);
    aliasOf.set(alias, known ?? alias);
    if (known) {
      return known;
    }
    byText.set(key, alias);
    aggs.push({ alias, expr, merge, value, volatile, window });
    return alias;
  };
  const formats: { record: RuleRecord; i: number }[] = [];
  const globalUnique: { record: RuleRecord; i: number }[] = [];
  const schemaRules: RuleRecord[] = [];
  records.forEach((record, i) => {
    const { rule } = record;
    try {
      if (rule.tenants !== "all" && !table.tenant) {
        throw new RuleTargetError(`table public.${name} has no tenant_id; use tenants: all`);
      }
      if (isRowRule(rule)) {
        const pass = passCondition(rule, table, name, ctx.tables);
        // A plain completeness rule is count(column): no per-row filter expression at all, and
        // none at all on a NOT NULL column, whose completeness is the row count.
        const plain = rule.kind === "completeness" && !rule.path;
        let proven: string | undefined;
        if (plain && table.columns.get(rule.column as string)?.notNull) {
          aliasOf.set(`p${i}`, "total");
          proven = `NOT NULL ${name}.${rule.column}`;
        } else {
          const cost = valueRuleCost(rule);
          const ref = sql.ref(`t.${rule.column as string}`);
          addAgg(
            `p${i}`,
            plain ? sql`count(${ref})` : sql`count(*) FILTER (WHERE ${pass})`,
            "sum",
            cost === null
              ? undefined
              : {
                  column: rule.column as string,
                  filter: plain ? sql`${ref} IS NOT NULL` : pass,
                  cost,
                },
            rule.kind === "consistency" && rule.check.reference !== undefined,
          );
        }
        planned.push({ record, i, pass, proven });
      } else if (rule.kind === "validity" && rule.check.format) {
        if (!rule.column || !table.columns.has(rule.column)) {
          throw new RuleTargetError(`column ${name}.${rule.column} does not exist`);
        }
        formats.push({ record, i });
      } else if (rule.kind === "uniqueness") {
        const cols = rule.check.columns ?? [rule.column as string];
        for (const c of cols) {
          if (!table.columns.has(c)) {
            throw new RuleTargetError(`column ${name}.${c} does not exist`);
          }
        }
        const proven = provingUnique(table, cols, !rule.check.global && table.tenant);
        if (proven) {
          planned.push({ record, i, proven });
        } else if (rule.check.global || !table.tenant) {
          globalUnique.push({ record, i });
        } else {
          const refs = cols.map((c) => sql.ref(`t.${c}`));
          const notNull = sql.join(
            refs.map((r) => sql`${r} IS NOT NULL`),
            sql` AND `,
          );
          addAgg(`n${i}`, sql`count(*) FILTER (WHERE ${notNull})`, "sum");
          // The scan is grouped by tenant (below), so DISTINCT over the columns alone is per
          // tenant; one column is compared as itself, ~4x faster to sort than a ROW().
          const key = refs.length === 1 ? sql`${refs[0]}` : sql`ROW(${sql.join(refs)})`;
          addAgg(`d${i}`, sql`count(DISTINCT ${key}) FILTER (WHERE ${notNull})`, null);
          planned.push({ record, i });
        }
      } else if (rule.kind === "freshness" || rule.kind === "volume") {
        const ts = rule.check.timestamp ?? rule.column;
        if (ts) {
          if (!table.columns.has(ts)) {
            throw new RuleTargetError(`column ${name}.${ts} does not exist`);
          }
        }
        if (rule.kind === "freshness" && ts) {
          timeRules.push({ alias: `m${i}`, ts, since: null });
        } else if (rule.check.window_hours !== undefined && ts) {
          const hours = rule.check.window_hours;
          const since = new Date(ctx.now.getTime() - hours * 3_600_000);
          timeRules.push({ alias: `w${i}`, ts, since, hours });
        }
        planned.push({ record, i });
      } else if (rule.kind === "schema") {
        schemaRules.push(record);
      } else {
        throw new RuleTargetError(`${rule.kind} is not a structured rule`);
      }
    } catch (error) {
      results.push(errorResult(record, (error as Error).message));
    }
  });

  // Per-tenant results, and per-tenant uniqueness (a DISTINCT within each tenant), group by tenant.
  const grouped =
    table.tenant &&
    (aggs.some((a) => a.merge === null) || records.some((r) => r.rule.tenants !== "all"));
  for (const t of timeRules) {
    const ref = sql.ref(`t.${t.ts}`);
    const indexed = timeIndex(table, t.ts, grouped) !== null;
    if (t.since === null) {
      // A maximum from the index is one probe (per tenant).
      if (indexed) {
        timeAggs.push(t);
        aliasOf.set(t.alias, t.alias);
      } else {
        addAgg(t.alias, sql`max(${ref})`, "max");
      }
    } else {
      // A window from the index reads every index entry in it (half the table's, for a day of
      // two); in the scan it is one comparison per row, ~0.3 count(*) where the index costs ~1.1.
      // Without an index to move its edge on a reuse, it is never stored.
      addAgg(
        t.alias,
        sql`count(*) FILTER (WHERE ${ref} >= ${t.since})`,
        "sum",
        undefined,
        !indexed,
        {
          ts: t.ts,
          hours: t.hours ?? 0,
        },
      );
    }
  }
  const groups: Group[] = [];
  let reused: { at: Date; appended: number } | null = null;
  if (aggs.length || planned.length) {
    const scan = (where?: RawBuilder<boolean>) =>
      scanQuery(name, table, aggs, {
        byTenant: grouped,
        tenants: ctx.tenants.length,
        valueGroups: ctx.valueGroups ?? true,
        where,
      });
    const storable = (ctx.reuse ?? true) && !aggs.some((a) => a.volatile);
    const signature = signatureOf([
      name,
      grouped,
      aggs.map((a) => {
        if (a.window) {
          return [a.alias, "window", a.window.ts, a.window.hours];
        }
        const c = a.expr.compile(db);
        return [a.alias, a.merge, c.sql, c.parameters];
      }),
    ]);
    const mergeable = aggs.every((a) => a.merge !== null);
    const run = await withSnapshotReader(
      db,
      name,
      storable ? signature : null,
      async (trx, snap, stored) => {
        let proof = storable ? await reusable(trx, name, stored, snap, mergeable) : null;
        const rowsOf = async (where?: RawBuilder<boolean>) =>
          (await scan(where).execute(trx)).rows.map((row) => ({
            tenant: (row.tenant as string | null) ?? null,
            values: row as Record<string, unknown>,
          }));
        // Every row, or only those written since the stored snapshot, or none.
        let scanned = proof?.fresh ? await rowsOf(proof.fresh) : proof ? [] : await rowsOf();
        const count = scanned.reduce((n, g) => n + Number(g.values.total ?? 0), 0);
        if (proof?.fresh && count !== proof.appended) {
          // Some rows then visible are gone too (an update or a delete the counters missed).
          proof = null;
          scanned = await rowsOf();
        }
        const time = timeAggs.length ? await timeGroups(trx, name, table, timeAggs) : [];
        const shifts =
          proof && stored
            ? await windowShifts(trx, name, table, aggs, stored.updated_at, ctx.now)
            : [];
        return { snap, stored, proof, scanned, time, shifts };
      },
    );
    const maxima = new Set(aggs.filter((a) => a.merge === "max").map((a) => a.alias));
    // Stored maxima come back from JSON as text.
    const parse = (row: { tenant: string | null; values: Record<string, unknown> }): Group => {
      const values: Group["values"] = {};
      for (const [k, v] of Object.entries(row.values)) {
        values[k] =
          maxima.has(k) && typeof v === "string" ? new Date(v) : (v as Group["values"][string]);
      }
      return { tenant: row.tenant, values };
    };
    const kept = (run.proof?.groups ?? []).map(parse);
    const scanned = run.scanned.map(parse);
    groups.push(...kept, ...run.shifts, ...scanned, ...run.time);
    const { proof, stored } = run;
    if (proof && stored) {
      reused = { at: stored.updated_at, appended: proof.appended };
    }
    if (proof && stored && !proof.fresh) {
      await touchState(db, name, signature, stored, run.snap);
    } else if (storable) {
      const rows = proof
        ? mergeGroups([...kept, ...run.shifts, ...scanned], aggs, maxima)
        : scanned;
      await saveState(db, name, {
        signature,
        snap: run.snap,
        rowCount: rows.reduce((n, g) => n + Number(g.values.total ?? 0), 0),
        groups: rows,
        evaluatedAt: ctx.now,
      });
    }
  }
  const sum = (record: RuleRecord, tenant: string | null, key: string) =>
    groups
      .filter((g) => inScope(record, tenant, g.tenant))
      .reduce((n, g) => n + Number(g.values[aliasOf.get(key) ?? key] ?? 0), 0);
  const maxOf = (record: RuleRecord, tenant: string | null, key: string) => {
    let best: Date | null = null;
    for (const g of groups.filter((x) => inScope(record, tenant, x.tenant))) {
      const v = g.values[aliasOf.get(key) ?? key];
      if (v instanceof Date && (!best || v > best)) {
        best = v;
      }
    }
    return best;
  };

  for (const { record, i, pass, proven } of planned) {
    const { rule } = record;
    const globalUnique = rule.kind === "uniqueness" && (rule.check.global || !table.tenant);
    for (const tenant of globalUnique ? [null] : scopes(record, ctx)) {
      const r = base(record, tenant);
      const total = sum(record, tenant, "total");
      if (proven) {
        r.total = total;
        r.failing = 0;
        r.detail = {
          ...(rule.kind === "uniqueness"
            ? { columns: rule.check.columns ?? [rule.column], global: globalUnique }
            : {}),
          proven,
        };
      } else if (pass) {
        r.total = total;
        r.failing = total - sum(record, tenant, `p${i}`);
      } else if (rule.kind === "uniqueness") {
        r.total = total;
        r.failing = sum(record, tenant, `n${i}`) - sum(record, tenant, `d${i}`);
        r.detail = { columns: rule.check.columns ?? [rule.column] };
      } else if (rule.kind === "freshness") {
        const latest = maxOf(record, tenant, `m${i}`);
        const ageHours = latest ? (ctx.now.getTime() - latest.getTime()) / 3_600_000 : null;
        const limit = rule.check.max_age_hours;
        const ok = ageHours !== null && (limit === undefined || ageHours <= limit);
        r.total = 1;
        r.failing = ok ? 0 : 1;
        r.detail = { metric: ageHours, latest: latest?.toISOString() ?? null, maxAgeHours: limit };
      } else if (rule.kind === "volume") {
        const metric = rule.check.window_hours !== undefined ? sum(record, tenant, `w${i}`) : total;
        const { min_rows: min, max_rows: max } = rule.check;
        const ok = (min === undefined || metric >= min) && (max === undefined || metric <= max);
        r.total = 1;
        r.failing = ok ? 0 : 1;
        r.detail = { metric, minRows: min, maxRows: max, windowHours: rule.check.window_hours };
      }
      if (reused) {
        r.detail = {
          ...r.detail,
          reused: reused.at.toISOString(),
          ...(reused.appended ? { appended: reused.appended } : {}),
        };
      }
      const v = verdict(r.failing, r.total, r.threshold);
      r.score = v.score;
      r.passed = v.passed;
      results.push(r);
    }
  }

  for (const { record } of globalUnique) {
    results.push(...(await globalUniqueness(db, name, record, ctx)));
  }
  if (formats.length) {
    results.push(...(await formatPass(db, name, table, formats, ctx)));
  }
  for (const record of schemaRules) {
    results.push(schemaResult(record, table));
  }
  await attachSamples(
    db,
    name,
    table,
    results,
    planned.filter((p) => p.pass),
    ctx,
  );
  return results;
}

/**
 * One group per tenant: counts summed, the `maxima` aliases' maxima kept (what is stored after
 * an append).
 */
function mergeGroups(parts: Group[], aggs: Agg[], maxima: ReadonlySet<string>): Group[] {
  const keys = ["total", ...aggs.map((a) => a.alias)];
  const byTenant = new Map<string | null, Group>();
  for (const part of parts) {
    let into = byTenant.get(part.tenant);
    if (!into) {
      into = { tenant: part.tenant, values: { tenant: part.tenant } };
      byTenant.set(part.tenant, into);
    }
    for (const k of keys) {
      const v = part.values[k];
      const have = into.values[k];
      if (maxima.has(k)) {
        if (v instanceof Date && (!(have instanceof Date) || v > have)) {
          into.values[k] = v;
        } else if (!(have instanceof Date)) {
          into.values[k] = null;
        }
      } else {
        into.values[k] = Number(have ?? 0) + Number(v ?? 0);
      }
    }
  }
  return [...byTenant.values()];
}

/**
 * The one SELECT over the table. Flat: every aggregate per row. Two-level, when value-groups.ts
 * finds columns worth it: the inner SELECT groups the scan by those columns (and tenant_id), the
 * outer one runs their rules once per group weighted by the group's row count and merges the
 * other aggregates (sum of counts, max of maxima). Still one scan of the table.
 */
function scanQuery(
  name: string,
  table: PlatformTable,
  aggs: Agg[],
  opts: { byTenant: boolean; tenants: number; valueGroups: boolean; where?: RawBuilder<boolean> },
) {
  const tenant = opts.byTenant ? sql`t.tenant_id::text AS tenant` : sql`NULL::text AS tenant`;
  const groupTenant = opts.byTenant ? [sql.ref("t.tenant_id")] : [];
  const from = sql`${sql.table(`public.${name}`)} AS t${opts.where ? sql` WHERE ${opts.where}` : sql``}`;
  const costs = new Map<string, number>();
  for (const a of aggs) {
    if (a.value) {
      costs.set(a.value.column, (costs.get(a.value.column) ?? 0) + a.value.cost);
    }
  }
  // The inner SELECT's own names start with `__`: a table with such a column stays flat.
  const twoLevel =
    opts.valueGroups &&
    aggs.every((a) => a.merge !== null) &&
    ![...table.columns.keys()].some((c) => c.startsWith("__"));
  const byValue = new Set(
    twoLevel ? valueColumns(table, costs, opts.byTenant ? Math.max(1, opts.tenants) : 0) : [],
  );
  type Row = Record<string, number | string | Date | null>;
  if (!byValue.size) {
    const select = sql.join([
      tenant,
      sql`count(*) AS total`,
      ...aggs.map((a) => sql`${a.expr} AS ${sql.id(a.alias)}`),
    ]);
    return sql<Row>`SELECT ${select} FROM ${from}
      ${groupTenant.length ? sql`GROUP BY t.tenant_id` : sql``}`;
  }
  const keys = [...groupTenant, ...[...byValue].map((c) => sql.ref(`t.${c}`))];
  const inner: RawBuilder<unknown>[] = [...keys, sql`count(*) AS __rows`];
  const outer: RawBuilder<unknown>[] = [tenant, sql`sum(t.__rows) AS total`];
  for (const a of aggs) {
    const alias = sql.id(a.alias);
    if (a.value && byValue.has(a.value.column)) {
      outer.push(sql`sum(t.__rows) FILTER (WHERE ${a.value.filter}) AS ${alias}`);
    } else {
      const part = sql.ref(`t.__${a.alias}`);
      inner.push(sql`${a.expr} AS ${sql.id(`__${a.alias}`)}`);
      outer.push(sql`${a.merge === "max" ? sql`max(${part})` : sql`sum(${part})`} AS ${alias}`);
    }
  }
  return sql<Row>`
    SELECT ${sql.join(outer)}
    FROM (SELECT ${sql.join(inner)} FROM ${from} GROUP BY ${sql.join(keys)}) AS t
    ${groupTenant.length ? sql`GROUP BY t.tenant_id` : sql``}`;
}

/**
 * Stored window counts brought to this run's clock: the table is unchanged, so the count at the
 * new edge is the stored one minus the rows the edge has passed since (plus those it has gone
 * back over, if the clock did), read from the timestamp index. Returned as groups of signed
 * counts that the results add to the stored ones.
 */
async function windowShifts(
  trx: Transaction<DB>,
  name: string,
  table: PlatformTable,
  aggs: Agg[],
  countedAt: Date,
  now: Date,
): Promise<Group[]> {
  const moves: { agg: TimeAgg; sign: number }[] = [];
  for (const a of aggs) {
    if (!a.window) {
      continue;
    }
    const ms = a.window.hours * 3_600_000;
    const before = new Date(countedAt.getTime() - ms);
    const after = new Date(now.getTime() - ms);
    if (before.getTime() === after.getTime()) {
      continue;
    }
    const forward = after > before;
    moves.push({
      agg: {
        alias: a.alias,
        ts: a.window.ts,
        since: forward ? before : after,
        until: forward ? after : before,
      },
      sign: forward ? -1 : 1,
    });
  }
  if (!moves.length) {
    return [];
  }
  const groups = await timeGroups(
    trx,
    name,
    table,
    moves.map((m) => m.agg),
  );
  return groups.map((g) => {
    const values: Group["values"] = {};
    for (const { agg, sign } of moves) {
      values[agg.alias] = sign * Number(g.values[agg.alias] ?? 0);
    }
    return { tenant: g.tenant, values };
  });
}

/**
 * Freshness maxima and window counts from a btree index on the timestamp: per tenant
 * (tenant_id then the timestamp; the tenants found by skipping through the index, so a tenant
 * missing from the platform's list still counts), or whole-table (the timestamp first).
 */
async function timeGroups(
  trx: Transaction<DB>,
  name: string,
  table: PlatformTable,
  aggs: TimeAgg[],
): Promise<Group[]> {
  const from = sql`${sql.table(`public.${name}`)} AS t`;
  const select = (some: TimeAgg[], where: RawBuilder<unknown>) =>
    sql.join(
      some.map((a) => {
        const ts = sql.ref(`t.${a.ts}`);
        if (a.since === null) {
          return sql`(SELECT max(${ts}) FROM ${from} WHERE ${where}) AS ${sql.id(a.alias)}`;
        }
        const until = a.until ? sql` AND ${ts} < ${a.until}` : sql``;
        return sql`(SELECT count(*) FROM ${from} WHERE ${where} AND ${ts} >= ${a.since}${until}) AS ${sql.id(a.alias)}`;
      }),
    );
  type Row = { tenant: string | null } & Record<string, number | string | Date | null>;
  const perTenant = aggs.filter((a) => timeIndex(table, a.ts, true) === "tenant");
  const whole = aggs.filter((a) => !perTenant.includes(a));
  const rows: Row[] = [];
  if (whole.length) {
    rows.push(
      ...(await sql<Row>`SELECT NULL::text AS tenant, ${select(whole, sql`true`)}`.execute(trx))
        .rows,
    );
  }
  if (perTenant.length) {
    const nullable = !table.columns.get("tenant_id")?.notNull;
    const some = perTenant;
    rows.push(
      ...(
        await sql<Row>`
        WITH RECURSIVE k(id) AS (
          (SELECT t.tenant_id FROM ${from} WHERE t.tenant_id IS NOT NULL ORDER BY t.tenant_id LIMIT 1)
          UNION ALL
          SELECT (SELECT t.tenant_id FROM ${from} WHERE t.tenant_id > k.id ORDER BY t.tenant_id LIMIT 1)
          FROM k WHERE k.id IS NOT NULL
        )
        SELECT k.id::text AS tenant, ${select(some, sql`t.tenant_id = k.id`)} FROM k WHERE k.id IS NOT NULL
        ${nullable ? sql`UNION ALL SELECT NULL::text, ${select(some, sql`t.tenant_id IS NULL`)}` : sql``}`.execute(
          trx,
        )
      ).rows,
    );
  }
  return rows.map((row) => ({ tenant: row.tenant, values: row }));
}

async function globalUniqueness(
  db: Db,
  name: string,
  record: RuleRecord,
  ctx: ScanContext,
): Promise<RuleResult[]> {
  const cols = record.rule.check.columns ?? [record.rule.column as string];
  const refs = cols.map((c) => sql.ref(`t.${c}`));
  const notNull = sql.join(
    refs.map((r) => sql`${r} IS NOT NULL`),
    sql` AND `,
  );
  const tenants = record.rule.tenants;
  const where = Array.isArray(tenants) ? sql`WHERE t.tenant_id = ANY(${tenants}::uuid[])` : sql``;
  const row = await withReader(db, async (trx) =>
    sql<{ total: number; n: number; d: number }>`
      SELECT count(*) AS total, count(*) FILTER (WHERE ${notNull}) AS n,
             count(DISTINCT ROW(${sql.join(refs)})) FILTER (WHERE ${notNull}) AS d
      FROM ${sql.table(`public.${name}`)} AS t ${where}`.execute(trx),
  );
  const r = base(record, null);
  const got = row.rows[0] ?? { total: 0, n: 0, d: 0 };
  r.total = Number(got.total);
  r.failing = Number(got.n) - Number(got.d);
  r.detail = { columns: cols, global: true };
  const v = verdict(r.failing, r.total, r.threshold);
  void ctx;
  return [{ ...r, ...v }];
}

/** Format validity with the classifier's validators: one keyset-paged read of the columns. */
async function formatPass(
  db: Db,
  name: string,
  table: PlatformTable,
  formats: { record: RuleRecord }[],
  ctx: ScanContext,
): Promise<RuleResult[]> {
  const key = table.key.length === 1 ? (table.key[0] as string) : null;
  if (!key) {
    return formats.map(({ record }) =>
      errorResult(record, `table public.${name} has no single-column primary key to page by`),
    );
  }
  const cols = [...new Set(formats.map((f) => f.record.rule.column as string))];
  type Tally = { total: number; failing: number; samples: string[] };
  const tallies = new Map<string, Tally>();
  const tally = (ruleIndex: number, tenant: string | null) => {
    const k = `${ruleIndex}:${tenant ?? ""}`;
    let t = tallies.get(k);
    if (!t) {
      t = { total: 0, failing: 0, samples: [] };
      tallies.set(k, t);
    }
    return t;
  };
  const tenantExpr = table.tenant ? sql`t.tenant_id::text` : sql`NULL::text`;
  let after: string | null = null;
  const batch = 5000;
  for (;;) {
    const cursor: string | null = after;
    const rows: { rows: Record<string, string | null>[] } = await withReader(db, async (trx) =>
      sql<Record<string, string | null>>`
        SELECT ${sql.ref(`t.${key}`)}::text AS k, ${tenantExpr} AS tenant,
               ${sql.join(cols.map((c, j) => sql`${sql.ref(`t.${c}`)}::text AS ${sql.id(`c${j}`)}`))}
        FROM ${sql.table(`public.${name}`)} AS t
        ${cursor === null ? sql`` : sql`WHERE ${sql.ref(`t.${key}`)} > ${cursor}`}
        ORDER BY ${sql.ref(`t.${key}`)} LIMIT ${batch}`.execute(trx),
    );
    for (const row of rows.rows) {
      formats.forEach(({ record }, fi) => {
        const tenant = row.tenant ?? null;
        const value = row[`c${cols.indexOf(record.rule.column as string)}`] ?? null;
        const ok =
          value === null
            ? Boolean(record.rule.check.ignore_nulls)
            : FORMAT_CHECKS[record.rule.check.format as Format](value);
        for (const scope of scopes(record, ctx)) {
          if (!inScope(record, scope, tenant)) {
            continue;
          }
          const t = tally(fi, scope);
          t.total += 1;
          if (!ok) {
            t.failing += 1;
            const perTenant = tally(fi, `sample:${scope ?? ""}:${tenant ?? ""}`);
            if (perTenant.samples.length < ctx.sampleSize) {
              perTenant.samples.push(row.k as string);
              if (t.samples.length < ctx.sampleSize * 20) {
                t.samples.push(row.k as string);
              }
            }
          }
        }
      });
    }
    if (rows.rows.length < batch) {
      break;
    }
    after = rows.rows[rows.rows.length - 1]?.k ?? null;
  }
  const results: RuleResult[] = [];
  formats.forEach(({ record }, fi) => {
    for (const scope of scopes(record, ctx)) {
      const t = tallies.get(`${fi}:${scope ?? ""}`) ?? { total: 0, failing: 0, samples: [] };
      const r = base(record, scope);
      r.total = t.total;
      r.failing = t.failing;
      r.sampleKeys = t.samples.slice(0, ctx.sampleSize * 20);
      r.detail = { format: record.rule.check.format };
      results.push({ ...r, ...verdict(r.failing, r.total, r.threshold) });
    }
  });
  return results;
}

function schemaResult(record: RuleRecord, table: PlatformTable): RuleResult {
  const expected = record.rule.check.expect_columns ?? {};
  const problems: string[] = [];
  for (const [col, type] of Object.entries(expected)) {
    const got = table.columns.get(col);
    if (!got) {
      problems.push(`${col}: missing`);
    } else if (!got.type.toLowerCase().startsWith(type.toLowerCase()) && got.udt !== type) {
      problems.push(`${col}: ${got.type}, expected ${type}`);
    }
  }
  const r = base(record, null);
  r.total = Object.keys(expected).length;
  r.failing = problems.length;
  r.detail = { problems };
  return { ...r, ...verdict(r.failing, r.total, r.threshold) };
}

/**
 * Up to N failing keys per rule and tenant, for failing row-level rules only (a passing rule
 * reads nothing more), all of them in ONE more scan whatever their number (was one scan per
 * failing rule): rows failing any of them, unpivoted to (rule, key), numbered per rule and
 * tenant. Keys only: values are read live when someone looks, masked for them.
 */
async function attachSamples(
  db: Db,
  name: string,
  table: PlatformTable,
  results: RuleResult[],
  rowRules: { record: RuleRecord; pass?: RawBuilder<boolean> }[],
  ctx: ScanContext,
): Promise<void> {
  const key = table.key.length === 1 ? (table.key[0] as string) : null;
  if (!key || ctx.sampleSize <= 0) {
    return;
  }
  const failing = rowRules.filter(
    (r): r is { record: RuleRecord; pass: RawBuilder<boolean> } =>
      r.pass !== undefined && results.some((x) => x.rule === r.record.rule.id && x.failing > 0),
  );
  if (!failing.length) {
    return;
  }
  const tenantExpr = table.tenant ? sql`t.tenant_id` : sql`NULL::uuid`;
  const fails = failing.map((f, j) => sql`(${sql.lit(j)}, (${f.pass}) IS NOT TRUE)`);
  const rows = await withReader(db, async (trx) =>
    sql<{ j: number; tenant: string | null; k: string }>`
      SELECT j, tenant, k FROM (
        SELECT v.j, ${tenantExpr}::text AS tenant, ${sql.ref(`t.${key}`)}::text AS k,
               row_number() OVER (PARTITION BY v.j, ${tenantExpr}) AS n
        FROM ${sql.table(`public.${name}`)} AS t
        CROSS JOIN LATERAL (VALUES ${sql.join(fails)}) AS v(j, failed)
        WHERE v.failed
      ) s WHERE n <= ${ctx.sampleSize}`.execute(trx),
  );
  failing.forEach(({ record }, j) => {
    const mine = rows.rows.filter((row) => Number(row.j) === j);
    for (const r of results) {
      if (r.rule !== record.rule.id || r.failing <= 0) {
        continue;
      }
      r.sampleKeys = mine
        .filter((row) => r.tenantId === null || row.tenant === r.tenantId)
        .map((row) => row.k)
        .slice(0, r.tenantId === null ? ctx.sampleSize * 20 : ctx.sampleSize);
    }
  });
}
