import type { Config } from "../../schema/config.ts";
import { withDatabase } from "../../schema/config.ts";
import { createOwnerDb, type Db } from "../../schema/postgres.ts";
import {
  createDataset,
  DATASET_NAME,
  getDataset,
  setTableProgress,
  updateDataset,
} from "../datasets.repository.ts";
import { MaskingError } from "../masking-error.ts";
import { DatasetCancelled, guardRun, SIZE_LIMIT_REASON } from "../provision/cancellation.ts";
import {
  connectionString,
  datasetNameFree,
  dropDatasetDatabase,
  dropLeftovers,
  grantDatasetRole,
  terminateDatasetSessions,
} from "../provision/dataset-database.ts";
import { datasetDatabaseName } from "../provision/provision.ts";
import { fitSyntheticProfile } from "./fit.ts";
import { generateSyntheticPlatform } from "./generate.ts";
import type { SyntheticProfile } from "./profile.ts";
import {
  compareWithProfile,
  DEFAULT_THRESHOLDS,
  type SyntheticReport,
  type Thresholds,
} from "./report.ts";
import { readShapes } from "./schema-shape.ts";
import { findProfile, insertProfile, saveReport } from "./synthetic.repository.ts";
import { createTargetDatabase, databaseSize, finishTargetDatabase } from "./target-database.ts";

/**
 * Synthetic datasets end to end: fit (or reuse) a profile, register the dataset, generate the
 * platform into a new database, compare it with the profile, hand it over. The API, the CLI and
 * the `synth` job all call these functions.
 */

export const SYNTH_DEFAULTS = { tenants: 3, customersPerTenant: 200, seed: 1 } as const;
export const SYNTH_LIMITS = { tenants: 100, customersPerTenant: 200_000 } as const;

export type SynthOptions = {
  tenants?: number;
  customersPerTenant?: number;
  seed?: number;
  /** Default: the newest profile, fitted now when there is none. */
  profileId?: string;
  /** Rows the platform may hold (the requester's limit): a run that outgrows it stops, failed. */
  maxRows?: number;
  /** Pass/fail limits of the fidelity report (default DEFAULT_THRESHOLDS). */
  thresholds?: Partial<Thresholds>;
};

export type SynthResult = {
  datasetId: string;
  databaseName: string;
  /** Where to connect, no password. */
  databaseUrl: string;
  /** The dataset role's connection string with its password: for the requester only. */
  connectionString: string;
  profileId: string;
  tables: Record<string, number>;
  totalRows: number;
  durationMs: number;
  report: SyntheticReport;
};

/** Fits a profile to the real store and stores it. */
export async function fitAndStoreProfile(db: Db, createdBy: string): Promise<SyntheticProfile> {
  const { params, source } = await fitSyntheticProfile(db);
  return insertProfile(db, { createdBy, source, params });
}

/** Same naming as masked clones (`govern_ds_<name>`): dataset names are unique across kinds. */
export function syntheticDatabaseName(name: string): string {
  return datasetDatabaseName(name);
}

/**
 * Registers a synthetic dataset (status `requested`) so that a name conflict is refused at once;
 * the work itself runs in `runSyntheticDataset` (the `synth` job, or the CLI in-process).
 */
export async function requestSyntheticDataset(
  db: Db,
  config: Config,
  request: {
    name: string;
    owner: string;
    expiresInDays?: number;
    profileId?: string;
    estimate?: unknown;
  },
): Promise<{ id: string; databaseName: string }> {
  if (!DATASET_NAME.test(request.name)) {
    throw new MaskingError(
      "invalid",
      "name: lower-case letters, digits, _ and - only, starting with a letter, at most 40",
    );
  }
  if (request.profileId && !(await findProfile(db, request.profileId))) {
    throw new MaskingError("not_found", `no synthetic profile ${request.profileId}`);
  }
  const databaseName = syntheticDatabaseName(request.name);
  if (!(await datasetNameFree(config, databaseName))) {
    throw new MaskingError(
      "conflict",
      `a database or role named ${databaseName} already exists; govern never takes over what it did not create — choose another name`,
    );
  }
  const expiresAt = request.expiresInDays
    ? new Date(Date.now() + request.expiresInDays * 86_400_000)
    : null;
  const created = await createDataset(db, {
    name: request.name,
    kind: "synthetic",
    owner: request.owner,
    expiresAt,
    estimate: request.estimate,
  });
  if (!created) {
    throw new MaskingError("conflict", `a dataset named ${request.name} already exists`);
  }
  await updateDataset(db, created.id, { databaseName });
  return { id: created.id, databaseName };
}

/**
 * Generates the platform of a requested synthetic dataset. Safe to run again after a crash: the
 * target database is recreated from scratch, and a dataset already `ready` is left alone. On
 * failure the half-built database is dropped and the dataset marked `failed` with the error.
 */
export async function runSyntheticDataset(
  db: Db,
  config: Config,
  datasetId: string,
  options: SynthOptions & { createdBy: string },
  progress?: (percent: number) => Promise<void> | void,
): Promise<SynthResult> {
  const dataset = await getDataset(db, datasetId);
  if (dataset?.kind !== "synthetic" || !dataset.databaseName) {
    throw new MaskingError("not_found", `no synthetic dataset ${datasetId}`);
  }
  if (dataset.status === "ready" || dataset.status === "dropped") {
    throw new MaskingError("conflict", `dataset ${dataset.name} is already ${dataset.status}`);
  }
  const databaseName = dataset.databaseName;
  const tenants = options.tenants ?? SYNTH_DEFAULTS.tenants;
  const customersPerTenant = options.customersPerTenant ?? SYNTH_DEFAULTS.customersPerTenant;
  const seed = options.seed ?? SYNTH_DEFAULTS.seed;
  // What an earlier attempt made goes first, ownership checked (throws when not govern's).
  await dropLeftovers({ db, config }, dataset);
  await updateDataset(db, datasetId, { status: "running", startedAt: new Date(), error: null });
  const guard = guardRun(db, datasetId, async () => {
    const current = await getDataset(db, datasetId);
    if (current) {
      await terminateDatasetSessions(config, current);
    }
  });
  try {
    const found = await findProfile(db, options.profileId);
    if (!found && options.profileId) {
      throw new MaskingError("not_found", `no synthetic profile ${options.profileId}`);
    }
    if (found && !found.params.tables && options.profileId) {
      throw new MaskingError(
        "conflict",
        `synthetic profile ${options.profileId} predates whole-platform generation (no table models): fit a new profile`,
      );
    }
    // The newest profile is refitted when it lacks the models of the whole platform.
    const profile = found?.params.tables ? found : await fitAndStoreProfile(db, options.createdBy);
    await progress?.(5);
    await guard.check();
    const created = await createTargetDatabase({ db, config }, dataset, databaseName);
    await progress?.(15);
    const target = createOwnerDb(withDatabase(config, databaseName), { max: 2 });
    // A cancellation ends these sessions: their errors reach the load that uses them, and must
    // not bring the process down as unhandled events (idle or checked out).
    target.pool.on("error", () => {});
    target.pool.on("connect", (client) => client.on("error", () => {}));
    const shapes = await readShapes(target.db);
    const thresholds = { ...DEFAULT_THRESHOLDS, ...options.thresholds };
    let done = 0;
    let lastWrite = 0;
    const rowsOf = new Map<string, number>();
    try {
      const generated = await generateSyntheticPlatform(target.pool, profile.params, {
        tenants,
        customersPerTenant,
        seed,
        shapes,
        onProgress: (p) => {
          rowsOf.set(p.table, p.rows);
          const total = [...rowsOf.values()].reduce((a, b) => a + b, 0);
          if (options.maxRows !== undefined && total > options.maxRows) {
            void guard.stop(
              `${SIZE_LIMIT_REASON}: ${total} rows generated, the limit is ${options.maxRows}`,
            );
          }
          const now = Date.now();
          if (!p.done && now - lastWrite < 1000 && p.rows > 0) {
            return;
          }
          lastWrite = now;
          // Between batches: a cancelled run stops here (its sessions are ended too).
          void guard.check().catch(() => {
            void terminateDatasetSessions(config, { ...dataset, databaseName }).catch(() => {});
          });
          done += p.done ? 1 : 0;
          const status = p.done ? "done" : "copying";
          void setTableProgress(db, datasetId, p.table, { status, rows: p.rows }).catch(() => {});
          void progress?.(15 + Math.round((done / Math.max(1, shapes.size)) * 70));
        },
      });
      await guard.check();
      await updateDataset(db, datasetId, { status: "verifying" });
      await finishTargetDatabase(config, databaseName);
      const report = await compareWithProfile(target.db, profile.params, thresholds);
      await saveReport(db, { datasetId, profileId: profile.id, report });
      await progress?.(95);
      const size = await databaseSize(config, databaseName);
      await guard.check();
      await grantDatasetRole(created.adminUrl, created.roleName);
      await updateDataset(db, datasetId, {
        status: "ready",
        finishedAt: new Date(),
        sizeBytes: size,
        report: {
          kind: "synthetic",
          profileId: profile.id,
          seed,
          tenants,
          customersPerTenant,
          tables: generated.tables,
          totalRows: generated.totalRows,
          durationMs: generated.durationMs,
          worst: report.worst,
          pass: report.pass ?? null,
          thresholds,
        },
      });
      const ready = await getDataset(db, datasetId);
      return {
        datasetId,
        databaseName,
        databaseUrl: created.databaseUrl,
        connectionString: (ready && connectionString(config, ready)) ?? "",
        profileId: profile.id,
        tables: generated.tables,
        totalRows: generated.totalRows,
        durationMs: generated.durationMs,
        report,
      };
    } finally {
      await target.db.destroy();
    }
  } catch (error) {
    const cancelled = error instanceof DatasetCancelled ? error.message : await guard.cancelled();
    const current = await getDataset(db, datasetId).catch(() => undefined);
    const outcome = current
      ? await dropDatasetDatabase(config, current).catch((e: Error) => ({
          dropped: false as const,
          reason: e.message,
        }))
      : null;
    const dropError = outcome && !outcome.dropped ? outcome.reason : null;
    const message = error instanceof Error ? error.message : String(error);
    const outgrown = cancelled?.startsWith(SIZE_LIMIT_REASON) ?? false;
    await updateDataset(db, datasetId, {
      status: cancelled && !outgrown ? "dropped" : "failed",
      finishedAt: new Date(),
      error: [cancelled ? (outgrown ? cancelled : `cancelled: ${cancelled}`) : message, dropError]
        .filter(Boolean)
        .join("; "),
      ...(dropError ? {} : { databaseUrl: null, passwordEnc: null }),
    }).catch(() => {});
    throw cancelled && !(error instanceof DatasetCancelled)
      ? new DatasetCancelled(cancelled)
      : error;
  } finally {
    guard.done();
  }
}
