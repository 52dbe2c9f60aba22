import { z } from "zod";
import { normalizeNodeId, shortName } from "../../jobs/lineage/node-ids.ts";
import { runLineageScan } from "../../jobs/lineage/scan.ts";
import { contractTrace, type TraceDirection, traceLineage } from "../../jobs/lineage/trace.ts";
import { EDGE_KINDS, type EdgeKind } from "../../jobs/lineage/types.ts";
import { createAnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import type { Db } from "../../schema/postgres.ts";
import { type Command, json, option, UsageError, withDb } from "./support.ts";

/** Reads NODE as the contract allows: without `postgres:`, SCHEMA.TABLE[.COLUMN] or TABLE[.COLUMN]. */
export async function resolveNodeArgument(db: Db, input: string): Promise<string> {
  const candidates = new Set<string>();
  if (!input.includes(":") && input.split(".").length === 2) {
    const rows = await db
      .selectFrom("governance.lineage_nodes")
      .select("id")
      .where("id", "=", `postgres:${input}`)
      .execute();
    for (const r of rows) {
      candidates.add(r.id);
    }
  }
  return normalizeNodeId(input, (schemaTable) => candidates.has(`postgres:${schemaTable}`));
}

const trace: Command = {
  summary: "trace a table's or column's lineage upstream or downstream, each node once",
  usage:
    "govern lineage trace NODE [--upstream|--downstream] [--depth N] [--kind flow|reference] [--json]",
  options: {
    ...json,
    upstream: { type: "boolean", default: false },
    downstream: { type: "boolean", default: false },
    depth: { type: "string" },
    kind: { type: "string" },
  },
  positionals: ["NODE"],
  access: { bootstrap: true, permission: "lineage:read" },
  run: async (values, config, _actor, positionals) => {
    const node = positionals[0];
    if (!node || node.length > 1000) {
      throw new UsageError("NODE is required, e.g. public.customers.email");
    }
    if (values.upstream === true && values.downstream === true) {
      throw new UsageError("give --upstream or --downstream, not both (neither: both directions)");
    }
    const direction: TraceDirection =
      values.upstream === true ? "upstream" : values.downstream === true ? "downstream" : "both";
    const depth =
      values.depth === undefined
        ? 5
        : option(z.coerce.number().int().min(1).max(50), values.depth, "depth");
    const kinds =
      values.kind === undefined
        ? undefined
        : [option(z.enum(EDGE_KINDS), values.kind, "kind") as EdgeKind];
    return withDb(config, async (db) => {
      const root = await resolveNodeArgument(db, node);
      const result = await traceLineage(db, { root, direction, depth, kinds });
      if (values.json === true) {
        process.stdout.write(`${JSON.stringify(contractTrace(result))}\n`);
        return 0;
      }
      process.stdout.write(
        `${root}: ${result.nodes.length - 1} node(s), ${result.edges.length} edge(s)\n`,
      );
      for (const e of result.edges) {
        const t = e.transformation ? ` ${e.transformation}` : "";
        const x = e.expression ? `  ${e.expression}` : "";
        process.stdout.write(`  ${shortName(e.from)} -[${e.kind}${t}]-> ${shortName(e.to)}${x}\n`);
      }
      return 0;
    });
  },
};

const scan: Command = {
  summary: "extract lineage from both stores now (what the lineage job does)",
  usage: "govern lineage scan [--json]",
  options: { ...json },
  access: { bootstrap: true, permission: "catalog:scan" },
  run: async (values, config) => {
    let analytics: Awaited<ReturnType<typeof createAnalyticsStore>> | undefined;
    let warning: string | undefined;
    try {
      analytics = await createAnalyticsStore(config);
    } catch (error) {
      warning = (error as Error).message;
    }
    try {
      const report = await withDb(config, (db) =>
        runLineageScan({ db, analytics }, { createdBy: "cli:lineage scan" }),
      );
      if (values.json === true) {
        process.stdout.write(`${JSON.stringify({ ...report, ...(warning ? { warning } : {}) })}\n`);
      } else {
        const ch =
          "error" in report.clickhouse
            ? `unavailable (${report.clickhouse.error})`
            : `${report.clickhouse.objects} object(s), ${report.clickhouse.edges.asserted} edge(s)`;
        process.stdout.write(
          `${[
            `postgres: ${report.postgres.views} view(s), ${report.postgres.edges.asserted} edge(s) (${report.postgres.edges.added} new, ${report.postgres.edges.deactivated} gone), ${report.postgres.foreignKeys.asserted} reference(s)`,
            ...report.postgres.degraded.map((d) => `  table level only: ${d.view}: ${d.reason}`),
            `clickhouse: ${ch}`,
            `registry: ${report.registry.declared.asserted} declared, ${report.registry.written.inserted} written back`,
            `pii: ${report.pii.proposals} proposal(s) via lineage, ${report.pii.stopped} stop(s)`,
          ].join("\n")}\n`,
        );
      }
      return 0;
    } finally {
      await analytics?.close();
    }
  },
};

export const LINEAGE_COMMANDS: Record<string, Command> = {
  "lineage trace": trace,
  "lineage scan": scan,
};
