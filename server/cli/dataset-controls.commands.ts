import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { z } from "zod";
import { extendDatasetExpiry } from "../../masking/dataset-expiry.ts";
import { listDatasetRefusals } from "../../masking/dataset-refusals.repository.ts";
import { type Dataset, getDataset, updateDataset } from "../../masking/datasets.repository.ts";
import { MaskingError } from "../../masking/masking-error.ts";
import { refreshDataset } from "../../masking/provision/refresh.ts";
import {
  applyRefreshSchedule,
  nextRun,
  refreshCronProblem,
} from "../../masking/provision/refresh-schedule.ts";
import { previewColumnRule } from "../../masking/rules/preview.ts";
import { STRATEGIES, type Strategy } from "../../masking/strategies/strategies.ts";
import type { Config } from "../../schema/config.ts";
import { ZStrategyParams } from "../../schema/contracts/datasets-controls.ts";
import { can } from "../../schema/domain/permissions.ts";
import {
  type Actor,
  actorName,
  auditCommand,
  type Command,
  json,
  option,
  positiveInt,
  print,
  RefusedError,
  targetOptions,
  UsageError,
  type Values,
  withDb,
} from "./support.ts";

/**
 * The dataset controls from the command line, through the same engines as the API and console:
 * the masking rule preview, expiry extension, the refresh schedule and a refresh now, and the
 * refused requests.
 */

function text(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" ? v : undefined;
}

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

/** A dataset the actor may change: its owner's or, for an admin or the operator, any. */
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

async function liveDataset(
  db: Parameters<Parameters<typeof withDb>[1]>[0],
  actor: Actor,
  name: string,
): Promise<Dataset> {
  const dataset = await getDataset(db, name);
  if (!dataset || dataset.status === "dropped" || dataset.status === "expired") {
    throw new UsageError(`no dataset ${name}`);
  }
  requireOwner(actor, dataset);
  return dataset;
}

const rulesPreview: Command = {
  summary: "preview a column's masking rule (draft or in force) on sample rows: before and after",
  usage:
    "govern masking rules preview --table T --column C [--path P] [--strategy S] [--params JSON] [--limit N] [--json]",
  options: {
    table: { type: "string" },
    column: { type: "string" },
    path: { type: "string" },
    strategy: { type: "string" },
    params: { type: "string" },
    limit: { type: "string" },
    ...json,
  },
  access: { bootstrap: true, permission: "masking:read" },
  async run(values, config, actor) {
    const { table, column } = targetOptions(values, { table: "required", column: "required" });
    const strategy =
      values.strategy === undefined
        ? undefined
        : (option(z.enum(STRATEGIES), values.strategy, "strategy") as Strategy);
    let params: z.infer<typeof ZStrategyParams> | undefined;
    const rawParams = text(values, "params");
    if (rawParams !== undefined) {
      try {
        params = ZStrategyParams.parse(JSON.parse(rawParams));
      } catch {
        throw new UsageError("--params must be a JSON object of strategy parameters");
      }
    }
    // Raw source values only for a signed-in role that may see them (audited); else masked.
    const raw = actor.kind === "user" && can(actor.principal.role, "masking:raw");
    return withDb(config, async (db) => {
      const preview = await engine(() =>
        previewColumnRule(
          { db, config },
          {
            table,
            column,
            jsonPath: text(values, "path"),
            strategy,
            params,
            limit: values.limit === undefined ? undefined : positiveInt(values.limit, "limit", 20),
            raw,
          },
        ),
      );
      if (raw) {
        await auditCommand(db, actor, {
          action: "masking.rules.preview_raw",
          target: `column:${table}.${column}`,
          summary: { rows: preview.rows.length, strategy: preview.strategy },
        });
      }
      print(
        values.json === true,
        preview,
        [
          `${table}.${column}${preview.jsonPath ? `#${preview.jsonPath}` : ""}: ${preview.strategy} (${preview.category}, masked in ${preview.maskedIn})`,
          ...preview.rows.map((r) => `${r.before ?? "NULL"}  →  ${r.after ?? "NULL"}`),
        ].join("\n"),
      );
      return 0;
    });
  },
};

const datasetsExtend: Command = {
  summary: "keep a dataset longer: extend its expiry by some days (within your role's maximum)",
  usage: "govern datasets extend NAME --days N [--json]",
  options: { days: { type: "string" }, ...json },
  positionals: ["name"],
  access: { bootstrap: true, permission: "datasets:provision" },
  async run(values, config, actor, positionals) {
    const days = positiveInt(values.days, "days", 3650);
    const role = actor.kind === "user" ? actor.principal.role : "admin";
    return withDb(config, async (db) => {
      const dataset = await liveDataset(db, actor, positionals[0] ?? "");
      const result = await engine(() =>
        extendDatasetExpiry({ db, config }, dataset, { days, role, by: actorName(actor) }),
      );
      await auditCommand(db, actor, {
        action: "datasets.expiry.extend",
        target: `dataset:${dataset.name}`,
        summary: {
          id: dataset.id,
          days,
          from: dataset.expiresAt?.toISOString() ?? null,
          to: result.expiresAt.toISOString(),
        },
      });
      print(
        values.json === true,
        { name: dataset.name, expiresAt: result.expiresAt, maxExpiresAt: result.maxExpiresAt },
        `${dataset.name} now expires ${result.expiresAt.toISOString()}`,
      );
      return 0;
    });
  },
};

async function withMaskingQueue<T>(config: Config, work: (queue: Queue) => Promise<T>): Promise<T> {
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue("masking", { connection: redis, prefix: config.queuePrefix });
  try {
    return await work(queue);
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

const datasetsRefresh: Command = {
  summary:
    "refresh a masked dataset from today's source: on a schedule (--cron, UTC; --off removes it) or now (--now, waits)",
  usage: 'govern datasets refresh NAME (--cron "0 3 * * 1" | --off | --now) [--json]',
  options: {
    cron: { type: "string" },
    off: { type: "boolean", default: false },
    now: { type: "boolean", default: false },
    ...json,
  },
  positionals: ["name"],
  access: { bootstrap: true, permission: "datasets:provision" },
  async run(values, config, actor, positionals) {
    const cron = text(values, "cron");
    const chosen = [cron !== undefined, values.off === true, values.now === true].filter(Boolean);
    if (chosen.length !== 1) {
      throw new UsageError("give one of --cron, --off or --now");
    }
    return withDb(config, async (db) => {
      const dataset = await liveDataset(db, actor, positionals[0] ?? "");
      if (dataset.kind !== "masked" || dataset.serverUrlEnc) {
        throw new UsageError("only masked copies on govern's own server are refreshed");
      }
      if (values.now === true) {
        await auditCommand(db, actor, {
          action: "datasets.refresh.request",
          target: `dataset:${dataset.name}`,
          summary: { id: dataset.id },
        });
        const outcome = await refreshDataset({ db, config }, dataset.id, {
          actor: actorName(actor),
        });
        print(values.json === true, outcome, `${dataset.name}: ${JSON.stringify(outcome)}`);
        return outcome.refreshed === true ? 0 : 2;
      }
      const schedule = values.off === true ? null : (cron as string).trim();
      const problem = schedule === null ? undefined : refreshCronProblem(schedule);
      if (problem) {
        throw new UsageError(`--cron: ${problem}`);
      }
      await withMaskingQueue(config, (queue) => applyRefreshSchedule(queue, dataset.id, schedule));
      await updateDataset(db, dataset.id, { refreshCron: schedule });
      await auditCommand(db, actor, {
        action: schedule ? "datasets.refresh_schedule.set" : "datasets.refresh_schedule.remove",
        target: `dataset:${dataset.name}`,
        summary: { id: dataset.id, cron: schedule, previous: dataset.refreshCron },
      });
      const next = schedule ? nextRun(schedule) : null;
      print(
        values.json === true,
        { name: dataset.name, cron: schedule, nextRefreshAt: next },
        schedule
          ? `${dataset.name} refreshes on "${schedule}" (UTC), next ${next?.toISOString()}`
          : `${dataset.name}: no refresh schedule`,
      );
      return 0;
    });
  },
};

const datasetsRefusals: Command = {
  summary: "dataset requests refused before they started (size limit, gate closed), with why",
  usage: "govern datasets refusals [--mine] [--json]",
  options: { mine: { type: "boolean", default: false }, ...json },
  access: { bootstrap: true, permission: "masking:read" },
  async run(values, config, actor) {
    return withDb(config, async (db) => {
      const items = await listDatasetRefusals(db, {
        requestedBy: values.mine === true ? actorName(actor) : undefined,
        limit: 200,
      });
      print(
        values.json === true,
        items,
        items.length
          ? items
              .map(
                (r) =>
                  `${r.createdAt.toISOString()}  ${r.name}  ${r.requestedBy}  ${r.reason}  ${r.message}`,
              )
              .join("\n")
          : "no refused requests",
      );
      return 0;
    });
  },
};

/** Registered in server/cli.ts next to MASKING_COMMANDS. */
export const DATASET_CONTROL_COMMANDS: Record<string, Command> = {
  "masking rules preview": rulesPreview,
  "datasets extend": datasetsExtend,
  "datasets refresh": datasetsRefresh,
  "datasets refusals": datasetsRefusals,
};
