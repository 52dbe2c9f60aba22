import { z } from "@hono/zod-openapi";
import type pg from "pg";
import { planTiering } from "../../jobs/tiering/planner.ts";
import {
  checkTieringDraft,
  currentTieringPolicies,
  saveTieringPolicy,
} from "../../jobs/tiering/policies.ts";
import { queryAcrossTiers, tierStatus } from "../../jobs/tiering/read.ts";
import { RestoreError } from "../../jobs/tiering/restore.ts";
import { runRestore, runTiering } from "../../jobs/tiering/run.ts";
import { TieringPolicyError } from "../../rules/tiering/loader.ts";
import {
  type AnalyticsStore,
  createAnalyticsStore,
} from "../../schema/analytics/analytics-store.ts";
import type { Config } from "../../schema/config.ts";
import { createOwnerDb, type Db } from "../../schema/postgres.ts";
import {
  actorName,
  auditCommand,
  type Command,
  decidingUser,
  json,
  option,
  print,
  progressPrinter,
  requirePermission,
  UsageError,
  type Values,
} from "./support.ts";

/**
 * `govern tier plan|run|status|restore|query` (issue 19's contract: the JSON shapes printed here
 * are what automation reads). Thin: parse, authorize, call jobs/tiering, print. `run` and
 * `restore` act on the data: they need a console user's token (tiering:run, tiering:restore).
 */

const ZDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?$/, "must be a date like 2026-01-31")
  .transform((v) => new Date(v.length === 10 ? `${v}T00:00:00Z` : v))
  .refine((d) => !Number.isNaN(d.getTime()), "must be a real date");
const ZTable = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a table name");
const ZTenant = z.uuid({ message: "must be a UUID" });

async function withStores<T>(
  config: Config,
  work: (deps: { db: Db; pool: pg.Pool; config: Config; analytics: AnalyticsStore }) => Promise<T>,
): Promise<T> {
  const { db, pool } = createOwnerDb(config, { max: 6 });
  try {
    const analytics = await createAnalyticsStore(config);
    try {
      return await work({ db, pool, config, analytics });
    } finally {
      await analytics.close();
    }
  } finally {
    await db.destroy();
  }
}

function tables(values: Values): string[] | undefined {
  return values.table === undefined ? undefined : [option(ZTable, values.table, "table")];
}

function range(values: Values) {
  const from = option(ZDay, values.from, "from");
  const to = option(ZDay, values.to, "to");
  if (from.getTime() >= to.getTime()) {
    throw new UsageError("--from must be before --to");
  }
  return {
    table: option(ZTable, values.table, "table"),
    tenantId: values.tenant === undefined ? null : option(ZTenant, values.tenant, "tenant"),
    from,
    to,
  };
}

export const TIERING_COMMANDS: Record<string, Command> = {
  "tier plan": {
    summary: "show what the next tiering run would move (and what stays, and why)",
    usage: "govern tier plan [--table T] [--json]",
    options: { table: { type: "string" }, ...json },
    access: { bootstrap: true, permission: "tiering:read" },
    run: async (values, config) => {
      const only = tables(values);
      return withStores(config, async (deps) => {
        const plan = await planTiering(deps, { tables: only });
        const moves = plan.moves.map((m) => ({
          table: m.table,
          from: m.from,
          to: m.to,
          rows: m.rows,
          partition: m.partition,
        }));
        print(
          values.json === true,
          { moves, skipped: plan.skipped, warm: plan.warm },
          [
            ...moves.map(
              (m) =>
                `${m.table}${m.partition ? ` ${m.partition}` : ""}: ${m.from} → ${m.to}, ${m.rows} rows`,
            ),
            ...plan.skipped.map(
              (s) => `${s.table}${s.partition ? ` ${s.partition}` : ""}: stays (${s.reason})`,
            ),
            plan.warm.available ? "" : `warm tier unavailable: ${plan.warm.reason}`,
          ]
            .filter(Boolean)
            .join("\n") || "nothing to move",
        );
        return 0;
      });
    },
  },
  "tier run": {
    summary: "run the tiering mover now; waits and prints what moved",
    usage: "govern tier run [--table T] [--json]",
    options: { table: { type: "string" }, ...json },
    access: { bootstrap: false, permission: "tiering:run" },
    run: async (values, config, actor) => {
      const only = tables(values);
      const user = decidingUser(actor);
      return withStores(config, async (deps) => {
        const bar = progressPrinter();
        const report = await runTiering(
          { ...deps, requestedBy: user.email },
          { tables: only, progress: async (p) => bar(`tiering: ${p}%`) },
        );
        await auditCommand(deps.db, actor, {
          action: "tiering.run",
          summary: { moves: report.moves.length, rolledBack: report.rolledBack.length },
        });
        print(
          values.json === true,
          { moves: report.moves },
          report.moves
            .map(
              (m) =>
                `${m.table}${m.partition ? ` ${m.partition}` : ""}: ${m.from} → ${m.to}, ${m.rows} rows`,
            )
            .join("\n") || "nothing moved",
        );
        return 0;
      });
    },
  },
  "tier status": {
    summary: "rows and bytes per table and tier, read from the stores",
    usage: "govern tier status [--json]",
    options: { ...json },
    access: { bootstrap: true, permission: "tiering:read" },
    run: async (values, config) =>
      withStores(config, async (deps) => {
        const status = await tierStatus(deps);
        print(
          values.json === true,
          status,
          status.tables
            .map(
              (t) =>
                `${t.table}: ${Object.entries(t.tiers)
                  .map(([tier, u]) => `${tier} ${u.rows} rows / ${u.bytes} B`)
                  .join(", ")}`,
            )
            .join("\n"),
        );
        return 0;
      }),
  },
  "tier restore": {
    summary: "move a range (a tenant, dates) back to hot, verified and audited",
    usage: "govern tier restore --table T [--tenant ID] --from DATE --to DATE [--json]",
    options: {
      table: { type: "string" },
      tenant: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      ...json,
    },
    access: { bootstrap: false, permission: "tiering:restore" },
    run: async (values, config, actor) => {
      const r = range(values);
      const user = decidingUser(actor);
      return withStores(config, async (deps) => {
        let outcomes: Awaited<ReturnType<typeof runRestore>>;
        try {
          outcomes = await runRestore({ ...deps, requestedBy: user.email }, r);
        } catch (error) {
          if (error instanceof RestoreError && error.code !== "verification_failed") {
            throw new UsageError(error.message);
          }
          throw error;
        }
        await auditCommand(deps.db, actor, {
          action: "tiering.restore",
          target: `public.${r.table}`,
          summary: {
            tenantId: r.tenantId,
            from: r.from.toISOString(),
            to: r.to.toISOString(),
            rows: outcomes.reduce((s, o) => s + o.rows, 0),
          },
        });
        const moves = outcomes.map((o) => ({
          table: o.table,
          from: o.from,
          to: o.to,
          rows: o.rows,
          partition: o.partition,
        }));
        print(
          values.json === true,
          { moves },
          moves.map((m) => `${m.table}: ${m.from} → hot, ${m.rows} rows`).join("\n") ||
            "nothing to restore in that range",
        );
        return 0;
      });
    },
  },
  "tier query": {
    summary: "rows of a table for a tenant between dates, from whatever tiers hold them",
    usage: "govern tier query --table T [--tenant ID] --from DATE --to DATE [--limit N] [--json]",
    options: {
      table: { type: "string" },
      tenant: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      limit: { type: "string" },
      ...json,
    },
    access: { bootstrap: true, permission: "tiering:read" },
    run: async (values, config, actor) => {
      const r = range(values);
      const limit = values.limit === undefined ? 1000 : Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) {
        throw new UsageError("--limit must be a whole number between 1 and 100000");
      }
      return withStores(config, async (deps) => {
        const result = await queryAcrossTiers(deps, r, limit);
        void actorName(actor);
        print(
          values.json === true,
          { counts: result.counts, rows: result.rows.map((x) => ({ tier: x.tier, ...x.row })) },
          `${result.rows.length} rows: ${Object.entries(result.counts)
            .map(([t, n]) => `${t} ${n}`)
            .join(", ")}`,
        );
        return 0;
      });
    },
  },
  "tier policy": {
    summary:
      "show a table's tiering policy, or check (--dry-run) and save a new version from --file",
    usage: "govern tier policy --table T [--file policy.yaml [--dry-run]] [--json]",
    options: {
      table: { type: "string" },
      file: { type: "string" },
      "dry-run": { type: "boolean" },
      ...json,
    },
    access: { bootstrap: true, permission: "tiering:read" },
    run: async (values, config, actor) => {
      const table = option(ZTable, values.table, "table");
      return withStores(config, async (deps) => {
        if (values.file === undefined) {
          const entry = (await currentTieringPolicies(deps.db)).find(
            (e) => e.policy.table === table,
          );
          if (!entry) {
            throw new UsageError(`no tiering policy for table ${table}`);
          }
          print(
            values.json === true,
            { table, version: entry.version, source: entry.source, policy: entry.policy },
            `${table} v${entry.version} (${entry.source})\n${entry.body}`,
          );
          return 0;
        }
        const { readFile } = await import("node:fs/promises");
        const body = await readFile(String(values.file), "utf8").catch(() => {
          throw new UsageError(`cannot read ${String(values.file)}`);
        });
        let draft: ReturnType<typeof checkTieringDraft>;
        try {
          draft = checkTieringDraft(table, body);
        } catch (error) {
          if (error instanceof TieringPolicyError) {
            throw new UsageError(error.message);
          }
          throw error;
        }
        const shape = (plan: Awaited<ReturnType<typeof planTiering>>) =>
          plan.moves.map((m) => ({
            table: m.table,
            from: m.from,
            to: m.to,
            rows: m.rows,
            partition: m.partition,
          }));
        const planned = shape(await planTiering(deps, { tables: [table], readOnly: true, draft }));
        if (values["dry-run"] === true) {
          print(
            values.json === true,
            { valid: true, moves: planned },
            planned
              .map((m) => `${m.partition ?? m.table}: ${m.from} → ${m.to}, ${m.rows} rows`)
              .join("\n") || "valid; nothing would move",
          );
          return 0;
        }
        const user = decidingUser(actor);
        requirePermission(actor, "tiering:policies");
        const saved = await saveTieringPolicy(deps.db, { table, body, actor: user.email });
        print(
          values.json === true,
          { table, version: saved.version },
          `${table}: saved as version ${saved.version}`,
        );
        return 0;
      });
    },
  },
};
