import { z } from "@hono/zod-openapi";
import { type Dataset, getDataset, listDatasets } from "../../masking/datasets.repository.ts";
import { MaskingError } from "../../masking/masking-error.ts";
import {
  connectionString,
  rotateDatasetPassword,
} from "../../masking/provision/dataset-database.ts";
import {
  checkLimit,
  describeLimit,
  estimateMasked,
  estimateSynthetic,
} from "../../masking/provision/estimate.ts";
import { dropDataset } from "../../masking/provision/lifecycle.ts";
import { provisionDataset, validateProvisionOptions } from "../../masking/provision/provision.ts";
import { effectiveMaskingRules } from "../../masking/rules/effective.ts";
import { setMaskingRule } from "../../masking/rules/masking-rules.repository.ts";
import { STRATEGIES, type Strategy } from "../../masking/strategies/strategies.ts";
import { SYNTH_DEFAULTS, SYNTH_LIMITS } from "../../masking/synthetic/index.ts";
import {
  type Actor,
  actorName,
  auditCommand,
  type Command,
  json,
  option,
  positiveInt,
  print,
  progressPrinter,
  RefusedError,
  targetOptions,
  UsageError,
  type Values,
  withDb,
} from "./support.ts";
import { limitRole, refuseOverLimit, SYNTH_COMMANDS } from "./synth.commands.ts";

/** The requester of a dataset, or an admin: who may read its credentials. */
function requireOwner(actor: Actor, dataset: Dataset): void {
  if (
    actor.kind === "user" &&
    actor.principal.role !== "admin" &&
    actor.principal.email !== dataset.owner
  ) {
    throw new RefusedError(
      `only ${dataset.owner}, who requested ${dataset.name}, or an admin may do this`,
    );
  }
}

function text(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" ? v : undefined;
}

/** Engine input errors are usage errors here (exit 2 with the engine's message). */
async function engine<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof MaskingError) {
      throw new UsageError(error.message);
    }
    throw error;
  }
}

const provision: Command = {
  summary: "provision a masked copy of the platform; waits and prints its connection string",
  usage:
    "govern provision --name X [--tenants ID,...] [--percent P] [--target-url URL] [--expires-in-days N] [--json]",
  options: {
    name: { type: "string" },
    tenants: { type: "string" },
    percent: { type: "string" },
    "target-url": { type: "string" },
    "expires-in-days": { type: "string" },
    ...json,
  },
  access: { bootstrap: true, permission: "datasets:provision" },
  async run(values, config, actor) {
    const name = option(z.string().min(1), values.name, "name");
    const tenantsRaw = text(values, "tenants");
    const tenants = tenantsRaw
      ? tenantsRaw
          .split(",")
          .map((t) => t.trim())
          .filter(Boolean)
      : null;
    const percentRaw = text(values, "percent");
    const percent = percentRaw === undefined ? null : Number(percentRaw);
    if (percent !== null && !Number.isFinite(percent)) {
      throw new UsageError(`--percent must be a number, got ${percentRaw}`);
    }
    const daysRaw = text(values, "expires-in-days");
    const expiresInDays = daysRaw === undefined ? null : Number(daysRaw);
    const asJson = values.json === true;
    // Bad options are usage errors before anything is estimated or stored.
    await engine(async () =>
      validateProvisionOptions({
        name,
        tenants,
        percent,
        targetUrl: text(values, "target-url") ?? null,
        requestedBy: actorName(actor),
        expiresInDays,
      }),
    );
    return withDb(config, async (db) => {
      const maxRows = refuseOverLimit(
        config,
        actor,
        await estimateMasked(db, { tenants, percent }),
      );
      const progress = progressPrinter();
      const result = await engine(() =>
        provisionDataset(
          { db, config },
          {
            name,
            tenants,
            percent,
            targetUrl: text(values, "target-url") ?? null,
            requestedBy: actorName(actor),
            expiresInDays,
            maxRows,
            onProgress: (e) =>
              progress(
                `provision ${name}: ${e.done}/${e.total} tables (${e.table} ${e.progress.status})`,
              ),
          },
        ),
      );
      if (result.kind === "refused") {
        await auditCommand(db, actor, {
          action: "dataset.provision_refused",
          target: name,
          summary: { blocking: result.blocking },
        });
        process.stderr.write(
          `govern provision: refused: these columns are not cleared by the catalog (unknown, not yet classifiable, or pending review):\n${result.blocking
            .map(
              (b) =>
                `  ${b} (${result.reasons[b]}${result.details?.[b] ? `: ${result.details[b]}` : ""})`,
            )
            .join("\n")}\n`,
        );
        if (asJson) {
          print(
            true,
            {
              refused: true,
              blocking: result.blocking,
              reasons: result.reasons,
              details: result.details ?? {},
            },
            "",
          );
        }
        return 2;
      }
      await auditCommand(db, actor, {
        action: "dataset.provision",
        target: name,
        summary: {
          dataset_id: result.datasetId,
          tenants,
          percent,
          rows: result.report.totalRows,
          leak_scan_clean: result.report.leakScan.clean,
        },
      });
      // The requester's own terminal: the one place besides `datasets connection` it is shown.
      print(
        asJson,
        {
          database_url: result.databaseUrl,
          connection_string: result.connectionString,
          report: result.report,
        },
        `${result.connectionString}\n${result.report.totalRows} rows in ${result.report.timings.totalMs} ms, leak scan clean`,
      );
      return 0;
    });
  },
};

const rulesList: Command = {
  summary: "list the masking rules in force: stewards' rules and category defaults",
  usage: "govern masking rules list [--table T] [--set-only] [--json]",
  options: { table: { type: "string" }, "set-only": { type: "boolean" }, ...json },
  access: { bootstrap: true, permission: "masking:read" },
  async run(values, config) {
    return withDb(config, async (db) => {
      // The same rows as the API and the console: every personal-data column with its rule.
      const all = await effectiveMaskingRules(db, { table: text(values, "table") });
      const rules = values["set-only"] === true ? all.filter((r) => r.source === "rule") : all;
      print(
        values.json === true,
        rules,
        rules.length
          ? rules
              .map(
                (r) =>
                  `${r.table}.${r.column}${r.jsonPath ? `#${r.jsonPath}` : ""}  ${r.strategy}  ${r.source === "rule" ? `v${r.version}  ${r.setBy}${r.reason ? `  (${r.reason})` : ""}` : `default for ${r.category}`}${r.blocksProvisioning ? "  [blocks provisioning]" : ""}`,
              )
              .join("\n")
          : "no personal-data column known to the catalog and no rule set",
      );
      return 0;
    });
  },
};

function ruleCommand(kind: "set" | "allow"): Command {
  return {
    summary:
      kind === "set"
        ? "set the masking rule of a column or JSONB path (versioned, audited)"
        : "allow a column or JSONB path to be copied as is (needs a reason; audited)",
    usage:
      kind === "set"
        ? "govern masking rules set --table T --column C [--path P] --strategy S [--params JSON] [--reason R] [--json]"
        : "govern masking rules allow --table T --column C [--path P] --reason R [--json]",
    options: {
      table: { type: "string" },
      column: { type: "string" },
      path: { type: "string" },
      strategy: { type: "string" },
      params: { type: "string" },
      reason: { type: "string" },
      ...json,
    },
    access: { bootstrap: true, permission: "masking:rules" },
    async run(values, config, actor) {
      const { table, column, reason } = targetOptions(values, {
        table: "required",
        column: "required",
        reason: kind === "allow" ? "required" : "optional",
      });
      const strategy: Strategy =
        kind === "allow"
          ? "allow"
          : (option(z.enum(STRATEGIES), values.strategy, "strategy") as Strategy);
      let params: Record<string, unknown> = {};
      const rawParams = text(values, "params");
      if (rawParams !== undefined) {
        try {
          params = z.record(z.string(), z.unknown()).parse(JSON.parse(rawParams));
        } catch {
          throw new UsageError("--params must be a JSON object");
        }
      }
      return withDb(config, async (db) => {
        const rule = await engine(() =>
          setMaskingRule(db, {
            table,
            column,
            jsonPath: text(values, "path") ?? "",
            strategy,
            params,
            reason,
            setBy: actorName(actor),
          }),
        );
        await auditCommand(db, actor, {
          action: kind === "allow" ? "masking.rule_allow" : "masking.rule_set",
          target: `${table}.${column}${rule.jsonPath ? `#${rule.jsonPath}` : ""}`,
          summary: { strategy: rule.strategy, params: rule.params, version: rule.version, reason },
        });
        print(
          values.json === true,
          rule,
          `${table}.${column}: ${rule.strategy} (v${rule.version})`,
        );
        return 0;
      });
    },
  };
}

function datasetLine(d: Dataset): string {
  const age = Math.round((Date.now() - d.createdAt.getTime()) / 60_000);
  const size = d.sizeBytes ? `${Math.round(d.sizeBytes / 1_048_576)} MB` : "-";
  return `${d.name}  ${d.kind}  ${d.status}  ${d.owner}  ${age} min  ${size}  ${d.databaseUrl ?? ""}`;
}

const datasetsList: Command = {
  summary: "list masked and synthetic datasets (owner, age, size, status)",
  usage: "govern datasets list [--all] [--json]",
  options: { all: { type: "boolean", default: false }, ...json },
  access: { bootstrap: true, permission: "masking:read" },
  async run(values, config) {
    return withDb(config, async (db) => {
      const { items } = await listDatasets(db, { includeGone: values.all === true, limit: 500 });
      print(
        values.json === true,
        items,
        items.length ? items.map(datasetLine).join("\n") : "no datasets",
      );
      return 0;
    });
  },
};

const datasetsDrop: Command = {
  summary: "drop a dataset's database and role (cancelling it first while it is being built)",
  usage: "govern datasets drop NAME [--json]",
  options: { ...json },
  positionals: ["name"],
  access: { bootstrap: true, permission: "datasets:provision" },
  async run(values, config, actor, positionals) {
    const name = positionals[0] ?? "";
    return withDb(config, async (db) => {
      const found = await getDataset(db, name);
      if (found) {
        requireOwner(actor, found);
      }
      const dropped = await engine(() => dropDataset({ db, config }, name, actorName(actor)));
      await auditCommand(db, actor, { action: "dataset.drop", target: dropped.name });
      print(values.json === true, { dropped: dropped.name }, `dropped ${dropped.name}`);
      return 0;
    });
  },
};

/** A dataset that is ready and whose credentials the actor may read. */
async function readyDataset(
  db: Parameters<Parameters<typeof withDb>[1]>[0],
  actor: Actor,
  name: string,
): Promise<Dataset> {
  const dataset = await getDataset(db, name);
  if (!dataset || dataset.status === "dropped" || dataset.status === "expired") {
    throw new UsageError(`no dataset ${name}`);
  }
  requireOwner(actor, dataset);
  if (dataset.status !== "ready" || !dataset.passwordEnc) {
    throw new RefusedError(`dataset ${dataset.name} is ${dataset.status}: not ready`);
  }
  return dataset;
}

const datasetsConnection: Command = {
  summary: "print a dataset's connection string with its password (its requester or an admin)",
  usage: "govern datasets connection NAME [--json]",
  options: { ...json },
  positionals: ["name"],
  access: { bootstrap: true, permission: "datasets:provision" },
  async run(values, config, actor, positionals) {
    return withDb(config, async (db) => {
      const dataset = await readyDataset(db, actor, positionals[0] ?? "");
      const url = connectionString(config, dataset) as string;
      await auditCommand(db, actor, {
        action: "datasets.connection.read",
        target: `dataset:${dataset.name}`,
        summary: { id: dataset.id },
      });
      print(values.json === true, { name: dataset.name, connection_string: url }, url);
      return 0;
    });
  },
};

const datasetsRotate: Command = {
  summary: "give a dataset's role a new password and print the new connection string",
  usage: "govern datasets rotate NAME [--json]",
  options: { ...json },
  positionals: ["name"],
  access: { bootstrap: true, permission: "datasets:provision" },
  async run(values, config, actor, positionals) {
    return withDb(config, async (db) => {
      const dataset = await readyDataset(db, actor, positionals[0] ?? "");
      const url = await engine(() => rotateDatasetPassword({ db, config }, dataset));
      await auditCommand(db, actor, {
        action: "datasets.rotate_password",
        target: `dataset:${dataset.name}`,
        summary: { id: dataset.id, role: dataset.roleName },
      });
      print(values.json === true, { name: dataset.name, connection_string: url }, url);
      return 0;
    });
  },
};

const datasetsEstimate: Command = {
  summary: "estimate a dataset's rows and bytes against your size limit (changes nothing)",
  usage:
    "govern datasets estimate [--tenants ID,...|--percent P] | --synthetic [--tenants N] [--customers-per-tenant M] [--json]",
  options: {
    synthetic: { type: "boolean", default: false },
    tenants: { type: "string" },
    percent: { type: "string" },
    "customers-per-tenant": { type: "string" },
    ...json,
  },
  access: { bootstrap: true, permission: "datasets:provision" },
  async run(values, config, actor) {
    return withDb(config, async (db) => {
      let estimate: Awaited<ReturnType<typeof estimateMasked>>;
      if (values.synthetic === true) {
        estimate = await estimateSynthetic(db, {
          tenants:
            values.tenants === undefined
              ? SYNTH_DEFAULTS.tenants
              : positiveInt(values.tenants, "tenants", SYNTH_LIMITS.tenants),
          customersPerTenant:
            values["customers-per-tenant"] === undefined
              ? SYNTH_DEFAULTS.customersPerTenant
              : positiveInt(
                  values["customers-per-tenant"],
                  "customers-per-tenant",
                  SYNTH_LIMITS.customersPerTenant,
                ),
        });
      } else {
        const percentRaw = text(values, "percent");
        const percent = percentRaw === undefined ? null : Number(percentRaw);
        if (percent !== null && !(percent > 0 && percent <= 100)) {
          throw new UsageError(`--percent must be a number in (0, 100], got ${percentRaw}`);
        }
        const tenants = text(values, "tenants")
          ?.split(",")
          .map((t) => t.trim())
          .filter(Boolean);
        estimate = await estimateMasked(db, { tenants: tenants ?? null, percent });
      }
      const role = limitRole(actor);
      const check = checkLimit(config, role, estimate);
      print(
        values.json === true,
        { ...check, role, message: describeLimit(role, check) },
        `${describeLimit(role, check)}: ${check.allowed ? "within the limit" : "OVER the limit"} (${estimate.basis})`,
      );
      return check.allowed ? 0 : 2;
    });
  },
};

/** The CLI commands for masked datasets and synthetic data (`provision`, `synth`, `masking`). */
export const MASKING_COMMANDS: Record<string, Command> = {
  ...SYNTH_COMMANDS,
  provision,
  "masking rules list": rulesList,
  "masking rules set": ruleCommand("set"),
  "masking rules allow": ruleCommand("allow"),
  "datasets list": datasetsList,
  "datasets drop": datasetsDrop,
  "datasets connection": datasetsConnection,
  "datasets rotate": datasetsRotate,
  "datasets estimate": datasetsEstimate,
};
