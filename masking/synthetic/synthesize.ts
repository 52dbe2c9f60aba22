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
import { datasetDatabaseName } from "../provision/provision.ts";
import { fitSyntheticProfile } from "./fit.ts";
import { generateSyntheticPlatform, SYNTHETIC_TABLES } from "./generate.ts";
import type { SyntheticProfile } from "./profile.ts";
import { compareWithProfile, type SyntheticReport } from "./report.ts";
import { findProfile, insertProfile, saveReport } from "./synthetic.repository.ts";
import {
  createTargetDatabase,
  databaseSize,
  databaseUrlFor,
  dropDatabase,
  finishTargetDatabase,
} from "./target-database.ts";

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
};

export type SynthResult = {
  datasetId: string;
  databaseName: string;
  databaseUrl: string;
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
  request: { name: string; owner: string; expiresInDays?: number; profileId?: string },
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
  const expiresAt = request.expiresInDays
    ? new Date(Date.now() + request.expiresInDays * 86_400_000)
    : null;
  const created = await createDataset(db, {
    name: request.name,
    kind: "synthetic",
    owner: request.owner,
    expiresAt,
  });
  if (!created) {
    throw new MaskingError("conflict", `a dataset named ${request.name} already exists`);
  }
  const databaseName = syntheticDatabaseName(request.name);
  await updateDataset(db, created.id, {
    databaseName,
    databaseUrl: databaseUrlFor(config, databaseName),
  });
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
  await updateDataset(db, datasetId, { status: "running", startedAt: new Date(), error: null });
  try {
    const profile =
      (await findProfile(db, options.profileId)) ??
      (options.profileId ? undefined : await fitAndStoreProfile(db, options.createdBy));
    if (!profile) {
      throw new MaskingError("not_found", `no synthetic profile ${options.profileId}`);
    }
    await progress?.(5);
    await createTargetDatabase(config, databaseName);
    await progress?.(15);
    const target = createOwnerDb(withDatabase(config, databaseName), { max: 2 });
    let done = 0;
    let lastWrite = 0;
    try {
      const generated = await generateSyntheticPlatform(target.pool, profile.params, {
        tenants,
        customersPerTenant,
        seed,
        onProgress: (p) => {
          const now = Date.now();
          if (!p.done && now - lastWrite < 1000 && p.rows > 0) {
            return;
          }
          lastWrite = now;
          done += p.done ? 1 : 0;
          const status = p.done ? "done" : "copying";
          void setTableProgress(db, datasetId, p.table, { status, rows: p.rows }).catch(() => {});
          void progress?.(15 + Math.round((done / SYNTHETIC_TABLES.length) * 70));
        },
      });
      await updateDataset(db, datasetId, { status: "verifying" });
      await finishTargetDatabase(config, databaseName);
      const report = await compareWithProfile(target.db, profile.params);
      await saveReport(db, { datasetId, profileId: profile.id, report });
      await progress?.(95);
      const size = await databaseSize(config, databaseName);
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
        },
      });
      return {
        datasetId,
        databaseName,
        databaseUrl: databaseUrlFor(config, databaseName),
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
    await dropDatabase(config, databaseName).catch(() => {});
    await updateDataset(db, datasetId, {
      status: "failed",
      finishedAt: new Date(),
      error: error instanceof Error ? error.message : String(error),
    }).catch(() => {});
    throw error;
  }
}
