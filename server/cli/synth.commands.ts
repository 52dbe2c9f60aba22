import { z } from "@hono/zod-openapi";
import { MaskingError } from "../../masking/masking-error.ts";
import {
  checkLimit,
  type DatasetEstimate,
  describeLimit,
  estimateSynthetic,
} from "../../masking/provision/estimate.ts";
import {
  findProfile,
  fitAndStoreProfile,
  requestSyntheticDataset,
  runSyntheticDataset,
  SYNTH_DEFAULTS,
  SYNTH_LIMITS,
  type SyntheticReport,
} from "../../masking/synthetic/index.ts";
import type { Config } from "../../schema/config.ts";
import {
  type Actor,
  auditCommand,
  type Command,
  json,
  LOCAL_OPERATOR,
  option,
  positiveInt,
  print,
  progressPrinter,
  RefusedError,
  UsageError,
  withDb,
} from "./support.ts";

/** The role whose size limit applies: a signed-in user's; the local operator's is an admin's. */
export function limitRole(actor: Actor): string {
  return actor.kind === "user" ? actor.principal.role : "admin";
}

/** Refuses (exit 2, naming limit and estimate) a dataset over the actor's size limit. */
export function refuseOverLimit(config: Config, actor: Actor, estimate: DatasetEstimate): number {
  const role = limitRole(actor);
  const check = checkLimit(config, role, estimate);
  if (!check.allowed) {
    throw new RefusedError(`over the size limit: ${describeLimit(role, check)}`);
  }
  return check.limit.rows;
}

/** `govern synth` and `govern synth profile`: composed into MASKING_COMMANDS. */

const who = (actor: Actor) => (actor.kind === "user" ? actor.principal.email : LOCAL_OPERATOR);

/** The engine's refusals exit 2 like any other refusal; bad names are usage errors. */
function refusal(error: unknown): never {
  if (error instanceof MaskingError) {
    throw error.code === "invalid"
      ? new UsageError(error.message)
      : new RefusedError(error.message);
  }
  throw error;
}

/** A KS or TVD limit: a distance in [0, 1]. */
const ZThreshold = z.coerce.number().min(0).max(1);

/** Per table: rows real and synthetic, worst KS and TVD, the verdict and the failing columns. */
function reportLines(report: SyntheticReport): string[] {
  const t = report.thresholds;
  if (!report.tables || !t) {
    return [];
  }
  return [
    `per table (KS ≤ ${t.ks}, TVD ≤ ${t.tvd}): ${report.pass ? "all pass" : "some fail"}`,
    ...report.tables.map((x) => {
      const failing = x.columns.filter((c) => !c.pass).map((c) => c.column.split(".")[1]);
      return `  ${x.pass ? "pass" : "FAIL"} ${x.table.padEnd(28)} ${String(x.syntheticRows).padStart(7)} rows  KS ${x.worst.ks.toFixed(3)}  TVD ${x.worst.tvd.toFixed(3)}${failing.length ? `  (${failing.join(", ")})` : ""}`;
    }),
  ];
}

export const SYNTH_COMMANDS: Record<string, Command> = {
  synth: {
    summary: "generate a fully synthetic platform, fitted to the real one, into a new database",
    usage:
      "govern synth [--name X] [--tenants N] [--customers-per-tenant M] [--seed S] [--expires-in-days D] [--ks-threshold K] [--tvd-threshold V] [--json]",
    options: {
      ...json,
      name: { type: "string" },
      tenants: { type: "string" },
      "customers-per-tenant": { type: "string" },
      seed: { type: "string" },
      "expires-in-days": { type: "string" },
      "ks-threshold": { type: "string" },
      "tvd-threshold": { type: "string" },
    },
    access: { bootstrap: true, permission: "datasets:provision" },
    run: async (values, config, actor) => {
      const name =
        values.name === undefined
          ? `synthetic_${new Date().toISOString().slice(0, 16).replace(/\D/g, "")}`
          : String(values.name);
      const tenants =
        values.tenants === undefined
          ? SYNTH_DEFAULTS.tenants
          : positiveInt(values.tenants, "tenants", SYNTH_LIMITS.tenants);
      const customersPerTenant =
        values["customers-per-tenant"] === undefined
          ? SYNTH_DEFAULTS.customersPerTenant
          : positiveInt(
              values["customers-per-tenant"],
              "customers-per-tenant",
              SYNTH_LIMITS.customersPerTenant,
            );
      const seed =
        values.seed === undefined
          ? SYNTH_DEFAULTS.seed
          : option(z.coerce.number().int().min(0).max(2_147_483_647), values.seed, "seed");
      const expiresInDays =
        values["expires-in-days"] === undefined
          ? undefined
          : positiveInt(values["expires-in-days"], "expires-in-days", 365);
      const threshold = (key: "ks-threshold" | "tvd-threshold") =>
        values[key] === undefined ? undefined : option(ZThreshold, values[key], key);
      const thresholds = {
        ...(values["ks-threshold"] === undefined ? {} : { ks: threshold("ks-threshold") }),
        ...(values["tvd-threshold"] === undefined ? {} : { tvd: threshold("tvd-threshold") }),
      };
      const show = progressPrinter();
      const result = await withDb(config, async (db) => {
        const estimate = await estimateSynthetic(db, { tenants, customersPerTenant });
        const maxRows = refuseOverLimit(config, actor, estimate);
        const { id } = await requestSyntheticDataset(db, config, {
          name,
          owner: who(actor),
          expiresInDays,
          estimate,
        }).catch(refusal);
        await auditCommand(db, actor, {
          action: "datasets.synthetic.request",
          target: `dataset:${name}`,
          summary: { id, tenants, customersPerTenant, seed },
        });
        return runSyntheticDataset(
          db,
          config,
          id,
          { tenants, customersPerTenant, seed, maxRows, thresholds, createdBy: who(actor) },
          (percent) => show(`synth ${name}: ${percent}%`),
        );
      });
      const lines = [
        `synthetic dataset ${name} ready: ${result.connectionString}`,
        `${result.totalRows} rows in ${result.durationMs} ms (profile ${result.profileId})`,
        ...result.report.columns.map(
          (c) => `  ${c.column.padEnd(40)} ${c.statistic.toUpperCase()} ${c.value.toFixed(3)}`,
        ),
        ...reportLines(result.report),
      ];
      print(
        values.json === true,
        {
          database_url: result.databaseUrl,
          connection_string: result.connectionString,
          dataset_id: result.datasetId,
          profile_id: result.profileId,
          tables: result.tables,
          report: result.report,
        },
        lines.join("\n"),
      );
      return 0;
    },
  },
  "synth profile": {
    summary:
      "fit a synthetic profile to the real store and print it (--latest: print the stored one)",
    usage: "govern synth profile [--latest] [--json]",
    options: { ...json, latest: { type: "boolean", default: false } },
    access: { bootstrap: true, permission: "datasets:provision" },
    run: async (values, config, actor) => {
      const profile = await withDb(config, async (db) => {
        if (values.latest === true) {
          const found = await findProfile(db);
          if (!found) {
            throw new RefusedError("no profile has been fitted yet (govern synth profile)");
          }
          return found;
        }
        const fitted = await fitAndStoreProfile(db, who(actor));
        await auditCommand(db, actor, {
          action: "synthetic.profile.fit",
          target: `synthetic-profile:${fitted.id}`,
          summary: { tenants: fitted.source.tenants },
        });
        return fitted;
      });
      const human = [
        `profile ${profile.id} fitted ${profile.createdAt} by ${profile.createdBy}`,
        `tenants: ${profile.params.tenants.length}, span: ${profile.params.spanDays} days`,
        `columns: ${Object.keys(profile.params.marginals).join(", ")}`,
      ].join("\n");
      print(values.json === true, profile, human);
      return 0;
    },
  },
};
