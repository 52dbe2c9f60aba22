import type { Config } from "../../schema/config.ts";
import type { Db } from "../../schema/postgres.ts";
import {
  type Dataset,
  getDataset,
  listExpiredDatasets,
  updateDataset,
} from "../datasets.repository.ts";
import { MaskingError } from "../masking-error.ts";
import { datasetDatabaseName, dropDatabase } from "./provision.ts";

/**
 * Dropping datasets, by hand or at expiry. Only databases govern created (named
 * `govern_ds_<name>`) are dropped; a dataset written into a database given with --target-url is
 * only marked, its database left to its owner.
 */

async function dropOne(
  deps: { db: Db; config: Config },
  dataset: Dataset,
  status: "dropped" | "expired",
): Promise<void> {
  if (dataset.kind === "masked" && dataset.databaseName === datasetDatabaseName(dataset.name)) {
    await dropDatabase(deps.config, dataset.databaseName);
  } else if (dataset.kind === "synthetic" && dataset.databaseName?.startsWith("govern_")) {
    await dropDatabase(deps.config, dataset.databaseName);
  }
  await updateDataset(deps.db, dataset.id, { status, databaseUrl: null, finishedAt: new Date() });
}

/** Drops one dataset's database and marks it dropped. Throws MaskingError for unknown/running. */
export async function dropDataset(
  deps: { db: Db; config: Config },
  idOrName: string,
): Promise<Dataset> {
  const dataset = await getDataset(deps.db, idOrName);
  if (!dataset || dataset.status === "dropped" || dataset.status === "expired") {
    throw new MaskingError("not_found", `no dataset ${idOrName}`);
  }
  if (["requested", "running", "verifying"].includes(dataset.status)) {
    throw new MaskingError("conflict", `dataset ${dataset.name} is still being provisioned`);
  }
  await dropOne(deps, dataset, "dropped");
  return { ...dataset, status: "dropped", databaseUrl: null };
}

/** The expiry sweep: drops every dataset past its expires_at. Returns the names dropped. */
export async function expireDatasets(
  deps: { db: Db; config: Config },
  now = new Date(),
): Promise<string[]> {
  const expired = await listExpiredDatasets(deps.db, now);
  for (const d of expired) {
    await dropOne(deps, d, "expired");
  }
  return expired.map((d) => d.name);
}
