import type { Config } from "../../schema/config.ts";
import { withDatabase } from "../../schema/config.ts";
import { createOwnerDb, type Db } from "../../schema/postgres.ts";
import { fitSyntheticProfile } from "./fit.ts";
import { generateSyntheticPlatform } from "./generate.ts";
import type { SyntheticProfile } from "./profile.ts";
import { compareWithProfile, type SyntheticReport } from "./report.ts";
import { findProfile, insertProfile, saveReport } from "./synthetic.repository.ts";
import {
  createMigratedDatabase,
  databaseSize,
  databaseUrlFor,
  dropDatabase,
} from "./target-database.ts";

/**
 * Synthetic datasets end to end: fit (or reuse) a profile, register the dataset, generate the
 * platform into a new database, compare it with the profile, hand it over. The API, the CLI and
 * the `synth` job all call these functions.
 */

export const SYNTH_DEFAULTS = { tenants: 3, customersPerTenant: 200, seed: 1 } as const;
export const SYNTH_LIMITS = { tenants: 100, customersPerTenant: 200_000 } as const;

/** Dataset names become part of a database name: short, lower case, no surprises. */
export const DATASET_NAME = /^[a-z][a-z0-9_]{0,39}$/;

/** An expected refusal (bad or conflicting request), not a failure. */
export class SynthRefusal extends Error {
  constructor(
    readonly code: "invalid" | "conflict" | "not_found",
    message: string,
  ) {
    super(message);
    this.name = "SynthRefusal";
  }
}

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

export function syntheticDatabaseName(name: string): string {
  return `govern_syn_${name}`;
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
    throw new SynthRefusal(
      "invalid",
      "name: lower-case letters, digits and _ only, starting with a letter, at most 40",
    );
  }
  if (request.profileId && !(await findProfile(db, request.profileId))) {
    throw new SynthRefusal("not_found", `no synthetic profile ${request.profileId}`);
  }
  const taken = await db
    .selectFrom("governance.datasets")
    .select("id")
    .where("name", "=", request.name)
    .executeTakeFirst();
  if (taken) {
    throw new SynthRefusal("conflict", `a dataset named ${request.name} already exists`);
  }
  const databaseName = syntheticDatabaseName(request.name);
  const expires = request.expiresInDays
    ? new Date(Date.now() + request.expiresInDays * 86_400_000)
    : null;
  const row = await db
    .insertInto("governance.datasets")
    .values({
      name: request.name,
      kind: "synthetic",
      status: "requested",
      owner: request.owner,
      database_name: databaseName,
      database_url: databaseUrlFor(config, databaseName),
      expires_at: expires,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { id: row.id, databaseName };
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
  const dataset = await db
    .selectFrom("governance.datasets")
    .selectAll()
    .where("id", "=", datasetId)
    .executeTakeFirst();
  if (dataset?.kind !== "synthetic" || !dataset.database_name) {
    throw new SynthRefusal("not_found", `no synthetic dataset ${datasetId}`);
  }
  if (dataset.status === "ready" || dataset.status === "dropped") {
    throw new SynthRefusal("conflict", `dataset ${dataset.name} is already ${dataset.status}`);
  }
  const databaseName = dataset.database_name;
  const tenants = options.tenants ?? SYNTH_DEFAULTS.tenants;
  const customersPerTenant = options.customersPerTenant ?? SYNTH_DEFAULTS.customersPerTenant;
  const seed = options.seed ?? SYNTH_DEFAULTS.seed;
  await setDataset(db, datasetId, { status: "running", started_at: new Date(), error: null });
  try {
    const profile =
      (await findProfile(db, options.profileId)) ??
      (options.profileId ? undefined : await fitAndStoreProfile(db, options.createdBy));
    if (!profile) {
      throw new SynthRefusal("not_found", `no synthetic profile ${options.profileId}`);
    }
    await progress?.(5);
    await createMigratedDatabase(config, databaseName);
    await progress?.(15);
    const target = createOwnerDb(withDatabase(config, databaseName), { max: 2 });
    const tableProgress: Record<string, { status: string; rows: number }> = {};
    let lastWrite = 0;
    try {
      const generated = await generateSyntheticPlatform(target.pool, profile.params, {
        tenants,
        customersPerTenant,
        seed,
        onProgress: (p) => {
          tableProgress[p.table] = { status: p.done ? "done" : "copying", rows: p.rows };
          const now = Date.now();
          if (p.done || now - lastWrite > 1000) {
            lastWrite = now;
            const done = Object.values(tableProgress).filter((t) => t.status === "done").length;
            void setDataset(db, datasetId, { progress: JSON.stringify(tableProgress) }).catch(
              () => {},
            );
            void progress?.(15 + Math.round((done / 8) * 70));
          }
        },
      });
      await setDataset(db, datasetId, {
        status: "verifying",
        progress: JSON.stringify(tableProgress),
      });
      const report = await compareWithProfile(target.db, profile.params);
      await saveReport(db, { datasetId, profileId: profile.id, report });
      await progress?.(95);
      const size = await databaseSize(config, databaseName);
      await setDataset(db, datasetId, {
        status: "ready",
        finished_at: new Date(),
        size_bytes: size,
        report: JSON.stringify({
          kind: "synthetic",
          profileId: profile.id,
          seed,
          tenants,
          customersPerTenant,
          tables: generated.tables,
          totalRows: generated.totalRows,
          durationMs: generated.durationMs,
          worst: report.worst,
        }),
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
    await setDataset(db, datasetId, {
      status: "failed",
      finished_at: new Date(),
      error: error instanceof Error ? error.message : String(error),
    }).catch(() => {});
    throw error;
  }
}

type DatasetPatch = {
  status?: string;
  progress?: string;
  report?: string;
  size_bytes?: number;
  started_at?: Date;
  finished_at?: Date;
  error?: string | null;
};

async function setDataset(db: Db, id: string, patch: DatasetPatch): Promise<void> {
  await db.updateTable("governance.datasets").set(patch).where("id", "=", id).execute();
}
