import type { Config } from "../../schema/config.ts";
import { appendAuditEvent } from "../../schema/governance/audit-events.repository.ts";
import type { Db } from "../../schema/postgres.ts";
import {
  type Dataset,
  getDataset,
  listExpiredDatasets,
  requestCancel,
  updateDataset,
} from "../datasets.repository.ts";
import { MaskingError } from "../masking-error.ts";
import { dropDatasetDatabase, terminateDatasetSessions } from "./dataset-database.ts";

/**
 * Dropping datasets, by hand or at expiry, and cancelling one still being built. govern drops
 * only the database and role it created for the dataset (recorded OIDs, marker inside: see
 * dataset-database.ts), on whichever server it made them; anything else with that name is left
 * in place, the refusal reported and audited. Never a drop on a name match.
 */

const BUILDING = ["requested", "running", "verifying"];

/** How long a cancel waits for the run to stop and clean up before doing it itself. */
const CANCEL_WAIT_MS = 10_000;

async function dropOne(
  deps: { db: Db; config: Config },
  dataset: Dataset,
  status: "dropped" | "expired",
  actor: string,
): Promise<void> {
  const outcome = await dropDatasetDatabase(deps.config, dataset);
  if (!outcome.dropped) {
    await appendAuditEvent(deps.db, {
      actor,
      action: `datasets.${status === "expired" ? "expire" : "drop"}.refused`,
      target: `dataset:${dataset.name}`,
      summary: { id: dataset.id, database: dataset.databaseName, reason: outcome.reason },
    });
    // Not retried every sweep: the record keeps the reason, the expiry is cleared.
    await updateDataset(deps.db, dataset.id, { error: outcome.reason, expiresAt: null });
    throw new MaskingError("conflict", `not dropped: ${outcome.reason}`, {
      reason: "not_owned",
    });
  }
  await updateDataset(deps.db, dataset.id, {
    status,
    databaseUrl: null,
    passwordEnc: null,
    finishedAt: new Date(),
  });
}

async function waitUntilStopped(db: Db, id: string, ms: number): Promise<Dataset | undefined> {
  const until = Date.now() + ms;
  for (;;) {
    const d = await getDataset(db, id);
    if (!d || !BUILDING.includes(d.status) || Date.now() >= until) {
      return d;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Drops one dataset's database and role and marks it dropped; a dataset still being built is
 * cancelled first (its run stops between batches, its sessions are ended, and it drops what it
 * made; if no run answers within seconds — a dead worker — this does the drop itself). Throws
 * MaskingError `not_found` for an unknown or gone dataset, `conflict` when the database in its
 * place is not the one govern created (left in place, audited).
 */
export async function dropDataset(
  deps: { db: Db; config: Config },
  idOrName: string,
  actor = "system",
): Promise<Dataset> {
  const dataset = await getDataset(deps.db, idOrName);
  if (!dataset || dataset.status === "dropped" || dataset.status === "expired") {
    throw new MaskingError("not_found", `no dataset ${idOrName}`);
  }
  let current: Dataset = dataset;
  if (BUILDING.includes(dataset.status)) {
    await requestCancel(deps.db, dataset.id, actor);
    await terminateDatasetSessions(deps.config, dataset).catch(() => 0);
    const after = await waitUntilStopped(deps.db, dataset.id, CANCEL_WAIT_MS);
    if (!after) {
      throw new MaskingError("not_found", `no dataset ${idOrName}`);
    }
    if (after.status === "dropped" || after.status === "expired") {
      return after;
    }
    current = after;
  }
  await dropOne(deps, current, "dropped", actor);
  return { ...current, status: "dropped", databaseUrl: null, passwordEnc: null };
}

/** The expiry sweep: drops every dataset past its expires_at. Returns the names dropped. */
export async function expireDatasets(
  deps: { db: Db; config: Config },
  now = new Date(),
): Promise<string[]> {
  const expired = await listExpiredDatasets(deps.db, now);
  const dropped: string[] = [];
  for (const d of expired) {
    try {
      await dropOne(deps, d, "expired", "worker");
      dropped.push(d.name);
    } catch (error) {
      if (!(error instanceof MaskingError)) {
        throw error;
      }
    }
  }
  return dropped;
}
